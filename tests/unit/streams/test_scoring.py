"""Unit tests for streams.scoring: hand-computed cases and a naive B-cubed reference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from streams.scoring import Detection, GoldDoc, Scores, b_cubed, score

# Gold classes used throughout: A = {a1, a2, a3}, B = {b1, b2}.
LABELS = ["A", "A", "A", "B", "B"]


def _doc(doc_id: str, label: str | None, time: float = 0.0, scored: bool = True) -> GoldDoc:
    return GoldDoc(doc_id=doc_id, label=label, scored=scored, time=time)


def _ab_docs() -> list[GoldDoc]:
    return [
        _doc("a1", "A", 40.0),
        _doc("a2", "A", 50.0),
        _doc("a3", "A", 60.0),
        _doc("b1", "B", 10.0),
        _doc("b2", "B", 20.0),
    ]


def _naive_b_cubed(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float, float]:
    """O(n^2) per-item B-cubed straight from the definition."""
    n = len(gold)
    p_sum = r_sum = 0.0
    for i in range(n):
        same_pred = [j for j in range(n) if pred[j] == pred[i]]
        same_gold = [j for j in range(n) if gold[j] == gold[i]]
        correct = sum(1 for j in same_pred if gold[j] == gold[i])
        p_sum += correct / len(same_pred)
        r_sum += correct / len(same_gold)
    p, r = p_sum / n, r_sum / n
    return p, r, 2 * p * r / (p + r)


# --- b_cubed ---------------------------------------------------------------------------------


def test_b_cubed_perfect() -> None:
    assert b_cubed(LABELS, ["x", "x", "x", "y", "y"]) == pytest.approx((1.0, 1.0, 1.0))


def test_b_cubed_all_singletons() -> None:
    # P = 1 (every cluster pure); R = mean(1/|class|) = (3 * 1/3 + 2 * 1/2) / 5 = 2/5.
    p, r, f1 = b_cubed(LABELS, ["s1", "s2", "s3", "s4", "s5"])
    assert p == pytest.approx(1.0)
    assert r == pytest.approx(0.4)
    assert f1 == pytest.approx(2 * 0.4 / 1.4)


def test_b_cubed_one_cluster() -> None:
    # R = 1; P = (3 * 3/5 + 2 * 2/5) / 5 = 13/25 = 0.52.
    p, r, f1 = b_cubed(LABELS, ["x"] * 5)
    assert p == pytest.approx(0.52)
    assert r == pytest.approx(1.0)
    assert f1 == pytest.approx(2 * 0.52 / 1.52)


def test_b_cubed_textbook_one_error() -> None:
    # Predicted X = {a1, a2, a3, b1}, Y = {b2}.
    # P: a1..a3 3/4 each, b1 1/4, b2 1/1  -> (9/4 + 1/4 + 1) / 5 = 3.5 / 5 = 0.7
    # R: a1..a3 3/3 each, b1 1/2, b2 1/2  -> (3 + 1/2 + 1/2) / 5 = 4 / 5 = 0.8
    # F1 = 2 * 0.7 * 0.8 / 1.5 = 56/75
    p, r, f1 = b_cubed(LABELS, ["X", "X", "X", "X", "Y"])
    assert p == pytest.approx(0.7)
    assert r == pytest.approx(0.8)
    assert f1 == pytest.approx(56 / 75)


def test_b_cubed_empty_and_mismatch() -> None:
    assert b_cubed([], []) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        b_cubed(["A"], [])


@pytest.mark.parametrize("seed", range(8))
def test_b_cubed_matches_naive_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    n_gold = int(rng.integers(1, 12))
    n_pred = int(rng.integers(1, 40))
    gold = [f"g{v}" for v in rng.integers(0, n_gold, size=n)]
    pred = [f"p{v}" for v in rng.integers(0, n_pred, size=n)]
    fast = b_cubed(gold, pred)
    slow = _naive_b_cubed(gold, pred)
    for got, want in zip(fast, slow, strict=True):
        assert abs(got - want) < 1e-12


# --- score: clustering ------------------------------------------------------------------------


def test_score_perfect_clustering() -> None:
    assignments: dict[str, str | None] = {"a1": "X", "a2": "X", "a3": "X", "b1": "Y", "b2": "Y"}
    s = score(_ab_docs(), assignments)
    assert (s.b3_precision, s.b3_recall, s.b3_f1) == pytest.approx((1.0, 1.0, 1.0))
    assert s.ami == pytest.approx(1.0)
    assert s.ari == pytest.approx(1.0)
    assert s.ids_per_gold == pytest.approx(1.0)
    assert s.noise_recall is None  # no gold-null docs
    assert s.noise_in_narratives == pytest.approx(0.0)
    assert (s.gold_narratives, s.scored_docs, s.assigned_docs) == (2, 5, 5)


def test_score_everything_unassigned() -> None:
    s = score(_ab_docs(), {})
    # Each doc its own singleton: P = 1, R = mean(1/|class|) = 2/5.
    assert s.b3_precision == pytest.approx(1.0)
    assert s.b3_recall == pytest.approx(0.4)
    assert s.ari == pytest.approx(0.0)  # all-singleton clustering: no agreeing pairs
    assert s.noise_in_narratives is None  # nothing assigned
    assert s.ids_per_gold is None
    assert s.assigned_docs == 0


def test_score_all_in_one_cluster() -> None:
    s = score(_ab_docs(), dict.fromkeys(["a1", "a2", "a3", "b1", "b2"], "X"))
    assert s.b3_recall == pytest.approx(1.0)
    assert s.b3_precision == pytest.approx(0.52)  # (9/5 + 4/5) / 5
    assert s.ids_per_gold == pytest.approx(1.0)


def test_unassigned_singleton_never_collides_with_a_predicted_id() -> None:
    # a3 is unassigned; a predicted id spelled "a3" must not pull it into the X cluster.
    s = score(_ab_docs(), {"a1": "a3", "a2": "a3", "b1": "b", "b2": "b"})
    # P all 1; R: a1, a2 2/3 each, a3 1/3, b1, b2 1 -> (4/3 + 1/3 + 2) / 5 = 11/15
    assert s.b3_precision == pytest.approx(1.0)
    assert s.b3_recall == pytest.approx(11 / 15)


def test_gold_null_and_distractors() -> None:
    gold = [
        *_ab_docs(),
        _doc("n1", None),
        _doc("n2", None),
        _doc("n3", None),
        _doc("d1", "A", 0.0, scored=False),  # distractor carrying a label: excluded everywhere
        _doc("d2", None, 0.0, scored=False),
    ]
    assignments: dict[str, str | None] = {
        "a1": "X",
        "a2": "X",
        "a3": "X",
        "b1": "X",
        "b2": None,
        "n1": "X",  # gold-null assigned: noise in a narrative
        "n2": None,
        # n3 missing = unassigned
        "d1": "Y",  # would make A's ids 2 if distractors counted
        "d2": "Y",  # would lower noise recall / raise noise share if counted
    }
    s = score(gold, assignments)
    # B-cubed over a1..a3, b1, b2 only, X = {a1, a2, a3, b1}, b2 singleton: textbook case.
    assert s.b3_precision == pytest.approx(0.7)
    assert s.b3_recall == pytest.approx(0.8)
    # noise recall: n2, n3 of n1..n3 left unassigned -> 2/3
    assert s.noise_recall == pytest.approx(2 / 3)
    # assigned scored docs: a1, a2, a3, b1, n1 -> 1 of 5 is gold-null
    assert s.noise_in_narratives == pytest.approx(0.2)
    assert s.ids_per_gold == pytest.approx(1.0)
    assert (s.scored_docs, s.assigned_docs, s.gold_narratives) == (8, 5, 2)


def test_ids_per_gold_split_narrative() -> None:
    split: dict[str, str | None] = {"a1": "X", "a2": "X", "a3": "Z"}
    # A spread over {X, Z}; B has no assigned doc, so it does not count.
    assert score(_ab_docs(), split).ids_per_gold == pytest.approx(2.0)
    # With B kept under one id: mean(2, 1) = 1.5.
    assert score(_ab_docs(), {**split, "b1": "W", "b2": "W"}).ids_per_gold == pytest.approx(1.5)


def test_major_ids_per_gold_leaves_out_strays() -> None:
    """A stray document under another narrative's id is a whole id for ids per gold but not a
    major id; a second id holding a tenth of the narrative is one (3 of 30 exactly: the share
    must not be lost to binary rounding, 0.1 x 30 > 3.0 in floats)."""
    docs = [_doc(f"a{i}", "A") for i in range(30)] + [_doc(f"b{i}", "B") for i in range(10)]
    one_stray = {**{f"a{i}": "X" for i in range(29)}, "a29": "S"}
    one_stray |= {f"b{i}": "W" for i in range(10)}
    s = score(docs, one_stray)
    assert s.ids_per_gold == pytest.approx(1.5)  # A: {X, S}, B: {W}
    assert s.major_ids_per_gold == pytest.approx(1.0)  # S holds 1 of A's 30: a stray

    tenth = {**one_stray, "a27": "S", "a28": "S"}  # S holds 3 of 30
    assert score(docs, tenth).major_ids_per_gold == pytest.approx(1.5)
    # Only assigned documents count: with 20 of A's left out, S's 3 are 3 of 10.
    sparse = {k: v for k, v in tenth.items() if k not in {f"a{i}" for i in range(20)}}
    assert score(docs, sparse).major_ids_per_gold == pytest.approx(1.5)
    assert score(docs, {}).major_ids_per_gold is None


def test_foreign_ids_per_gold_splits_ids_by_whose_they_are() -> None:
    """An id counts as foreign to a gold narrative when another narrative's documents, or
    off-topic ones, hold more of it; own ids are the rest, so own + foreign = ids per gold."""
    docs = (
        [_doc(f"a{i}", "A") for i in range(6)]
        + [_doc(f"b{i}", "B") for i in range(4)]
        + [_doc(f"n{i}", None) for i in range(3)]
        + [_doc("u0", "B", scored=False), _doc("u1", "B", scored=False)]
    )
    assignments: dict[str, str | None] = {
        # A: its story under X, a second story of its own under Y, one stray under W (B's).
        **{f"a{i}": "X" for i in range(3)},
        "a3": "Y",
        "a4": "Y",
        "a5": "W",
        # B: under W, one stray in N, an id mostly off-topic.
        **{f"b{i}": "W" for i in range(3)},
        "b3": "N",
        **{f"n{i}": "N" for i in range(3)},
        # Distractors are nobody's documents: they do not make W's or N's majority.
        "u0": "N",
        "u1": "N",
    }
    s = score(docs, assignments)
    assert s.ids_per_gold == pytest.approx(2.5)  # A: {X, Y, W}, B: {W, N}
    assert s.foreign_ids_per_gold == pytest.approx(1.0)  # A: W is B's; B: N is off-topic
    # A tie leaves the id to both: Y holds one of A's and one of B's.
    tie = {**assignments, "a4": "X", "b2": "Y"}
    assert score(docs, tie).foreign_ids_per_gold == pytest.approx(1.0)  # A: {W}, B: {N}
    assert score(docs, {}).foreign_ids_per_gold is None


def test_id_handovers_count_an_id_passing_from_one_gold_narrative_to_another() -> None:
    """Each event is led by the gold narrative with a strict majority of its labelled members;
    an id whose consecutive leads differ changed hands. Mixed events, off-topic posts and
    distractors lead nothing, and events without an id are not read."""
    docs = (
        [_doc(f"a{i}", "A") for i in range(4)]
        + [_doc(f"b{i}", "B") for i in range(4)]
        + [_doc("n0", None), _doc("u0", "A", scored=False)]
    )
    detections = [
        Detection(10.0, ("a0", "a1", "b0"), "X"),  # X led by A
        Detection(20.0, ("a0", "b0"), "X"),  # a tie leads nothing: no handover, lead kept
        Detection(30.0, ("b0", "b1", "a0"), "X"),  # A -> B: one handover
        Detection(30.0, ("b2", "b3"), "Y"),  # Y led by B
        Detection(40.0, ("b0", "b1", "n0", "u0"), "X"),  # off-topic and distractor: still B
        Detection(50.0, ("a2", "a3", "b3"), "Y"),  # B -> A: a second handover
        Detection(60.0, ("n0", "u0"), "Z"),  # nothing labelled: no lead
        Detection(70.0, ("a0", "a1")),  # no id: not read
        Detection(80.0, ("a2", "a3"), "X"),  # B -> A on X: a third
    ]
    assert score(docs, {}, detections).id_handovers == 3
    # Order is publication order: X led by B, then by A twice, is one handover fewer.
    assert score(docs, {}, detections[2:]).id_handovers == 2
    # Without ids on the detections there is nothing to count.
    anonymous = [Detection(d.time, d.member_ids) for d in detections]
    assert score(docs, {}, anonymous).id_handovers is None
    assert score(docs, {}).id_handovers is None


# --- score: detection delay ------------------------------------------------------------------


def test_detection_delay_mostly_a() -> None:
    # A's first doc is at t=40; the detection at t=100 is 2/3 A -> delay 60.
    s = score(_ab_docs(), {}, [Detection(time=100.0, member_ids=("a1", "a2", "b1"))])
    assert s.detection_delay_median_s == pytest.approx(60.0)
    assert s.detection_delay_p90_s == pytest.approx(60.0)
    assert (s.gold_narratives, s.detected_narratives) == (2, 1)


def test_detection_not_mostly_is_ignored() -> None:
    gold = [*_ab_docs(), _doc("d1", None, 0.0, scored=False)]
    detections = [
        Detection(time=70.0, member_ids=("a1", "b1")),  # exactly half A: not a majority
        Detection(time=80.0, member_ids=("a1", "zz", "d1")),  # unknown + distractor dilute
        Detection(time=90.0, member_ids=()),
    ]
    s = score(gold, {}, detections)
    assert s.detected_narratives == 0
    assert s.detection_delay_median_s is None
    assert s.detection_delay_p90_s is None
    # A later, mostly-A detection is the one that counts: 120 - 40 = 80.
    s = score(gold, {}, [*detections, Detection(time=120.0, member_ids=("a1", "a2", "zz"))])
    assert s.detection_delay_median_s == pytest.approx(80.0)


def test_detection_earliest_time_wins_and_clamps() -> None:
    late = Detection(time=200.0, member_ids=("a1", "a2"))
    early = Detection(time=100.0, member_ids=("a3",))
    assert score(_ab_docs(), {}, [late, early]).detection_delay_median_s == pytest.approx(60.0)
    # B's first doc is at t=10; a B detection stamped t=5 clamps to 0.
    s = score(_ab_docs(), {}, [Detection(time=5.0, member_ids=("b1", "b2"))])
    assert s.detection_delay_median_s == pytest.approx(0.0)


def test_detection_delay_statistics() -> None:
    gold = [*_ab_docs(), _doc("c1", "C", 0.0), _doc("c2", "C", 5.0)]
    detections = [
        Detection(time=60.0, member_ids=("a1",)),  # A: 60 - 40 = 20
        Detection(time=20.0, member_ids=("b2",)),  # B: 20 - 10 = 10
        Detection(time=60.0, member_ids=("c1", "c2")),  # C: 60 - 0 = 60
    ]
    s = score(gold, {}, detections)
    # sorted delays [10, 20, 60]: median 20; p90 at rank 0.9 * 2 = 1.8 -> 20 + 0.8 * 40 = 52
    assert s.detection_delay_median_s == pytest.approx(20.0)
    assert s.detection_delay_p90_s == pytest.approx(52.0)
    assert (s.gold_narratives, s.detected_narratives) == (3, 3)


# --- misc -------------------------------------------------------------------------------------


def test_to_dict_rounds_floats_only() -> None:
    s = score(_ab_docs(), {"a1": "X", "a2": "X", "b1": "Y", "b2": "Y"})
    d = s.to_dict()
    assert set(d) == set(Scores.__slots__)
    assert d["b3_recall"] == round(s.b3_recall, 4)
    assert d["b3_recall"] == 0.7333  # (4/3 + 1/3 + 2) / 5 = 11/15 = 0.73333...
    assert d["scored_docs"] == 5 and isinstance(d["scored_docs"], int)
    assert d["noise_recall"] is None


def test_empty_and_duplicates() -> None:
    s = score([], {})
    assert (s.b3_precision, s.b3_recall, s.ami, s.ari) == (0.0, 0.0, 0.0, 0.0)
    assert (s.gold_narratives, s.scored_docs, s.assigned_docs) == (0, 0, 0)
    with pytest.raises(ValueError):
        score([_doc("a1", "A"), _doc("a1", "B")], {})


def test_detection_lag_counts_from_the_tenth_document() -> None:
    # A: 12 documents at t = 0, 10, ..., 110 (10th at t=90); B: 9 documents (never 10).
    gold = [_doc(f"a{i}", "A", 10.0 * i) for i in range(12)]
    gold += [_doc(f"b{i}", "B", 5.0 * i) for i in range(9)]
    found_a = Detection(time=150.0, member_ids=("a0", "a1"))
    found_b = Detection(time=100.0, member_ids=("b0",))
    s = score(gold, {}, [found_a, found_b])
    # Delay from the first document: A 150, B 100. Lag after the 10th: A 150 - 90 = 60; B has
    # no 10th document and is left out.
    assert s.detection_delay_median_s == pytest.approx(125.0)
    assert s.detection_lag_after_10th_median_s == pytest.approx(60.0)
    assert s.detection_lag_after_10th_p90_s == pytest.approx(60.0)
    # Found before its 10th document: a negative lag, not clamped (the delay is).
    early = score(gold, {}, [Detection(time=50.0, member_ids=("a0",))])
    assert early.detection_lag_after_10th_median_s == pytest.approx(-40.0)
    assert early.detection_delay_median_s == pytest.approx(50.0)
    # Nothing detected: no statistic.
    assert score(gold, {}, []).detection_lag_after_10th_median_s is None
