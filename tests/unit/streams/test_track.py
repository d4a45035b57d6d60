"""Unit tests for streams.track: narrative identity and lifecycle across slides.

Observations are built by hand: members are plain ids, centroids are unit vectors along (or
between) the axes of an 8-d space, so that the member overlap and the centroid similarity the
tracker sees are exactly the ones each test states. Slides end on the hour after START.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest

from streams.track import (
    Narrative,
    NarrativeTracker,
    Observation,
    TrackerConfig,
    Transition,
    keep_apart,
    narrative_id_for,
)

START = datetime(2023, 5, 11, tzinfo=UTC).timestamp()
HOUR = 3600.0
CONFIG = TrackerConfig(
    min_overlap=0.3, min_similarity=0.8, merge_overlap=0.5, split_share=0.5, fade_after_s=3 * HOUR
)
AXES = np.eye(8, dtype=np.float32)


def end(hour: int) -> float:
    return START + hour * HOUR


def unit(*weights: float) -> npt.NDArray[np.float32]:
    """Unit vector with the given weights on the first axes."""
    v = np.zeros(8, dtype=np.float64)
    v[: len(weights)] = weights
    return (v / np.linalg.norm(v)).astype(np.float32)


def ids(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(first, last + 1)]


def obs(members: Sequence[str], centroid: npt.NDArray[np.float32], hour: int = 0) -> Observation:
    """A cluster whose i-th member was posted i minutes into `hour`."""
    return Observation(
        members=tuple(members),
        centroid=centroid,
        first_time=START + hour * HOUR,
        last_time=START + hour * HOUR + 60.0 * (len(members) - 1),
    )


def window(*groups: Sequence[str]) -> frozenset[str]:
    return frozenset(doc_id for group in groups for doc_id in group)


def kinds(transitions: Sequence[Transition]) -> list[tuple[str, str]]:
    return [(t.kind, t.narrative.narrative_id) for t in transitions]


def test_new_cluster_emerges_with_an_id_from_its_first_document_and_birth_slide() -> None:
    tracker = NarrativeTracker(CONFIG)
    members = ids("a", 1, 10)
    (t,) = tracker.step(end(1), [obs(members, AXES[0])], window(members))
    assert t.kind == "emerged"
    assert t.parent_ids == [] and t.child_ids == []
    n = t.narrative
    assert n.narrative_id == narrative_id_for("a01", end(1))
    assert (n.first_doc_id, n.first_seen, n.last_seen) == ("a01", START, START + 9 * 60.0)
    assert n.members == frozenset(members)
    assert list(tracker.narratives) == [n.narrative_id]


def test_continuation_by_member_overlap_keeps_the_id() -> None:
    #  slide 1: a01..a10                         centroid e0
    #  slide 2: a05..a16; a01..a04 left the window, the 6 still there are all in this cluster
    #           (overlap 6/6), while the centroid moved 45° (cos 0.71 < min_similarity)
    tracker = NarrativeTracker(CONFIG)
    first = ids("a", 1, 10)
    (born,) = tracker.step(end(1), [obs(first, AXES[0])], window(first))
    second = ids("a", 5, 16)
    (t,) = tracker.step(end(2), [obs(second, unit(1, 1), hour=1)], window(second))
    assert kinds([t]) == [("continued", born.narrative.narrative_id)]
    n = t.narrative
    assert n.members == frozenset(second)
    assert n.first_doc_id == "a01" and n.first_seen == START  # the birth is remembered
    assert n.last_seen == START + HOUR + 11 * 60.0
    assert n.last_matched_end == end(2)
    np.testing.assert_array_equal(n.centroid, unit(1, 1))


def test_continuation_by_centroid_similarity_after_old_members_left_the_window() -> None:
    tracker = NarrativeTracker(CONFIG)
    old = ids("a", 1, 10)
    (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
    new = ids("b", 1, 10)  # no shared document, cos = 0.95 > 0.8
    (t,) = tracker.step(end(5), [obs(new, unit(3, 1), hour=4)], window(new))
    assert kinds([t]) == [("continued", born.narrative.narrative_id)]


def test_dissimilar_cluster_without_shared_members_emerges_while_the_old_one_waits() -> None:
    tracker = NarrativeTracker(CONFIG)
    old = ids("a", 1, 10)
    (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
    new = ids("b", 1, 10)  # cos = 0.71 < 0.8 and no overlap: a different narrative
    (t,) = tracker.step(end(2), [obs(new, unit(1, 1), hour=1)], window(old, new))
    assert t.kind == "emerged"
    assert t.narrative.narrative_id != born.narrative.narrative_id
    assert t.parent_ids == []
    # Unmatched for one hour < fade_after: still known, no transition of its own.
    assert born.narrative.narrative_id in tracker.narratives


@pytest.mark.parametrize("still_in_window", [10, 9, 0])
def test_a_narrative_with_documents_in_the_window_lends_no_id_by_similarity_alone(
    still_in_window: int,
) -> None:
    #  slide 1: claim A, a01..a20 (e0).
    #  slide 2: a neighbouring claim B bursts, b01..b20, cos 0.95 to A's centroid (one topic),
    #           sharing no document with A; A's documents fell outside every cluster. While at
    #           least a minimum cluster's worth of them (the floor, 10) is still in the window,
    #           they say A did not become B: B emerges and A waits. Once fewer are left, A's
    #           documents cannot speak for it, and similarity carries the id as before.
    old = ids("a", 1, 20)
    new = ids("b", 1, 20)
    left = old[len(old) - still_in_window :] if still_in_window else []
    for anchor in (True, False):
        tracker = NarrativeTracker(replace(CONFIG, anchor_by_members=anchor))
        (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
        (t,) = tracker.step(end(2), [obs(new, unit(3, 1), hour=1)], window(left, new))
        continued = not anchor or still_in_window < CONFIG.overlap_floor
        assert t.kind == ("continued" if continued else "emerged"), (anchor, still_in_window)
        assert (t.narrative.narrative_id == born.narrative.narrative_id) is continued
        assert born.narrative.narrative_id in tracker.narratives  # A waits, or is B's history


def test_an_anchored_narrative_still_continues_into_a_cluster_of_its_own_documents() -> None:
    # The anchor only closes the similarity route: A's documents, drifting to a new centroid
    # (cos 0.71 < min_similarity), keep A's id through member overlap.
    old = ids("a", 1, 20)
    tracker = NarrativeTracker(replace(CONFIG, anchor_by_members=True))
    (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
    cluster = [*ids("a", 5, 20), *ids("c", 1, 10)]
    (t,) = tracker.step(end(2), [obs(cluster, unit(1, 1), hour=1)], window(old, cluster))
    assert kinds([t]) == [("continued", born.narrative.narrative_id)]


def test_a_dying_narratives_last_documents_do_not_carry_its_id_onto_another_story() -> None:
    #  slide 1: a01..a10 (e0). Slide 3: only a08..a10 are left in the window; a new story of 30
    #  documents (cos 0.6 to e0) happened to take a10 into its cluster. One shared document of
    #  three left would be an overlap of 1/3 >= min_overlap; measured against the floor of ten
    #  documents it is 0.1, and the new story emerges under its own id.
    old = ids("a", 1, 10)
    story = [*ids("b", 1, 30), "a10"]
    for floor, expected in ((10, "emerged"), (1, "continued")):
        tracker = NarrativeTracker(replace(CONFIG, overlap_floor=floor))
        (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
        (t,) = tracker.step(
            end(3), [obs(story, unit(0.6, 0.8), hour=2)], window(ids("a", 8, 10), story)
        )
        assert t.kind == expected, floor
        assert (t.narrative.narrative_id == born.narrative.narrative_id) is (floor == 1)


def test_a_small_narrative_whose_documents_all_stay_together_keeps_its_id() -> None:
    # Three documents left, all three in the cluster: 3 / max(3, 10) = 0.3 >= min_overlap.
    old = ids("a", 1, 10)
    tracker = NarrativeTracker(CONFIG)
    (born,) = tracker.step(end(1), [obs(old, AXES[0])], window(old))
    cluster = [*ids("a", 8, 10), *ids("c", 1, 9)]
    (t,) = tracker.step(end(3), [obs(cluster, unit(0.6, 0.8), hour=2)], window(cluster))
    assert kinds([t]) == [("continued", born.narrative.narrative_id)]


def test_two_narratives_falling_into_one_cluster_merge_into_the_better_match() -> None:
    #  slide 1: X = x01..x10 (e0)    Y = y01..y10 (e1)
    #  slide 2: one cluster x01..x10 + y01..y10, centroid closer to X → X survives, absorbs Y
    tracker = NarrativeTracker(CONFIG)
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    (t,) = tracker.step(end(2), [obs(xs + ys, unit(2, 1))], window(xs, ys))
    assert kinds([t]) == [("merged", x_id)]
    assert t.parent_ids == [y_id]
    assert t.child_ids == []
    assert list(tracker.narratives) == [x_id]
    assert t.narrative.members == frozenset(xs + ys)


def test_merge_needs_centroid_similarity_when_merge_similarity_is_set() -> None:
    #  Same slides as above, but Y's centroid (e1) is only 0.45-similar to the lumped cluster
    #  (2, 1): with merge_similarity 0.8 Y is not merged; it waits under its own id.
    tracker = NarrativeTracker(replace(CONFIG, merge_similarity=0.8))
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    (t,) = tracker.step(end(2), [obs(xs + ys, unit(2, 1))], window(xs, ys))
    assert kinds([t]) == [("continued", x_id)]
    assert t.parent_ids == []
    assert list(tracker.narratives) == [x_id, y_id]
    # When the slides separate them again, Y continues by member overlap under its old id.
    again = tracker.step(end(3), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    assert kinds(again) == [("continued", x_id), ("continued", y_id)]


def test_merge_with_an_older_narrative_takes_over_its_first_document() -> None:
    #  slide 1: Y = y01..y10 born                       (y01 at 00:00)
    #  slide 2: X = x01..x10 born, Y continues
    #  slide 3: y01 has left the window; y02..y10 and X fall into one cluster closer to X:
    #           X survives and its history now starts at Y's first document.
    tracker = NarrativeTracker(CONFIG)
    ys = ids("y", 1, 10)
    (y_born,) = tracker.step(end(1), [obs(ys, AXES[1])], window(ys))
    xs = ids("x", 1, 10)
    step2 = tracker.step(end(2), [obs(ys, AXES[1]), obs(xs, AXES[0], hour=1)], window(xs, ys))
    assert [t.kind for t in step2] == ["continued", "emerged"]
    x_narrative = step2[1].narrative
    merged_members = ys[1:] + xs
    merged_obs = Observation(
        members=tuple(merged_members),
        centroid=unit(2, 1),
        first_time=START + 60.0,  # y02
        last_time=START + HOUR + 9 * 60.0,
    )
    (t,) = tracker.step(end(3), [merged_obs], window(merged_members))
    assert kinds([t]) == [("merged", x_narrative.narrative_id)]
    assert t.parent_ids == [y_born.narrative.narrative_id]
    assert x_narrative.first_seen == START
    assert x_narrative.first_doc_id == "y01"


def _lumped_then_separated(
    config: TrackerConfig,
) -> tuple[NarrativeTracker, str, str, list[Transition]]:
    """X and Y are born (slide 1), one slide lumps them and X absorbs Y (slide 2), and the
    next slide separates them again (slide 3). Returns the tracker, both ids and slide 3."""
    tracker = NarrativeTracker(config)
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    (lumped,) = tracker.step(end(2), [obs(xs + ys, unit(2, 1))], window(xs, ys))
    assert kinds([lumped]) == [("merged", x_id)] and lumped.parent_ids == [y_id]
    again = tracker.step(end(3), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    return tracker, x_id, y_id, again


def test_a_merged_narrative_whose_documents_separate_again_resumes_its_id() -> None:
    #  slide 2 lumps Y into X; slide 3 gives Y's ten documents a cluster of their own: Y comes
    #  back under its id (not a new child id), as a split of X.
    tracker, x_id, y_id, again = _lumped_then_separated(CONFIG)
    assert kinds(again) == [("split", x_id), ("resumed", y_id)]
    x_t, y_t = again
    assert x_t.child_ids == [y_id] and y_t.parent_ids == [x_id]
    assert list(tracker.narratives) == [x_id, y_id] and tracker.absorbed == {}
    y = y_t.narrative
    assert y.absorbed_into is None and y.members == frozenset(ids("y", 1, 10))
    assert (y.first_doc_id, y.last_matched_end) == ("y01", end(3))
    assert tracker.remembered() == {x_id, y_id}


def test_an_absorbed_narrative_is_remembered_only_while_it_may_resume() -> None:
    tracker = NarrativeTracker(CONFIG)
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    tracker.step(end(2), [obs(xs + ys, unit(2, 1))], window(xs, ys))
    assert list(tracker.narratives) == [x_id]
    assert list(tracker.absorbed) == [y_id] and tracker.absorbed[y_id].absorbed_into == x_id
    assert tracker.remembered() == {x_id, y_id}
    # Y's documents leave the window: nothing of Y can come back, so Y is forgotten, and a
    # later cluster on Y's very centroid is a new narrative.
    zs = ids("z", 1, 10)
    later = tracker.step(end(3), [obs(xs, AXES[0]), obs(zs, AXES[1], hour=2)], window(xs, zs))
    assert kinds(later) == [("continued", x_id), ("emerged", narrative_id_for("z01", end(3)))]
    assert tracker.absorbed == {} and tracker.remembered() == set(tracker.narratives)


def test_with_resumption_off_a_merge_is_final() -> None:
    tracker, x_id, y_id, again = _lumped_then_separated(replace(CONFIG, resume_absorbed=False))
    child_id = narrative_id_for("y01", end(3))
    assert kinds(again) == [("split", x_id), ("emerged", child_id)]
    assert child_id != y_id and y_id not in tracker.remembered()


def test_resumption_is_one_to_one() -> None:
    #  Two clusters of slide 3 could both take Y back: y01..y10 by overlap and centroid, and
    #  w01..w10 by centroid alone (cos 0.99 to Y's). Only the better one resumes Y.
    tracker = NarrativeTracker(CONFIG)
    xs, ys, ws = ids("x", 1, 10), ids("y", 1, 10), ids("w", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    tracker.step(end(2), [obs(xs + ys, unit(2, 1))], window(xs, ys))
    near_y = unit(0, 7, 1)
    assert float(near_y @ AXES[1]) >= CONFIG.min_similarity
    again = tracker.step(
        end(3),
        [obs(xs, AXES[0]), obs(ys, AXES[1]), obs(ws, near_y, hour=2)],
        window(xs, ys, ws),
    )
    assert kinds(again) == [
        ("split", x_id),
        ("resumed", y_id),
        ("emerged", narrative_id_for("w01", end(3))),
    ]


def test_narrative_splitting_into_two_clusters_reports_split_and_a_child() -> None:
    #  slide 1: P = p01..p20 (e0)
    #  slide 2: p01..p12 (12/20 of P, cos 0.95) continues P;  p13..p20 (all from P) splits off
    tracker = NarrativeTracker(CONFIG)
    ps = ids("p", 1, 20)
    (born,) = tracker.step(end(1), [obs(ps, AXES[0])], window(ps))
    parent_id = born.narrative.narrative_id
    big, small = ps[:12], ps[12:]
    transitions = tracker.step(
        end(2), [obs(big, unit(3, 0, 1)), obs(small, unit(1, 0, 0, 1))], window(ps)
    )
    child_id = narrative_id_for("p13", end(2))
    assert kinds(transitions) == [("split", parent_id), ("emerged", child_id)]
    parent_t, child_t = transitions
    assert parent_t.child_ids == [child_id]
    assert child_t.parent_ids == [parent_id]
    assert set(tracker.narratives) == {parent_id, child_id}
    assert parent_t.narrative.members == frozenset(big)


def test_new_cluster_with_few_of_a_narratives_documents_is_not_a_split() -> None:
    tracker = NarrativeTracker(CONFIG)
    ps = ids("p", 1, 20)
    tracker.step(end(1), [obs(ps, AXES[0])], window(ps))
    mixed = ps[16:] + ids("q", 1, 8)  # 4 of 12 members from P: 1/3 < split_share 0.5
    transitions = tracker.step(
        end(2), [obs(ps[:16], AXES[0]), obs(mixed, AXES[3])], window(ps, mixed)
    )
    assert [t.kind for t in transitions] == ["continued", "emerged"]
    assert transitions[1].parent_ids == []


def test_unmatched_narrative_fades_once_fade_after_has_passed() -> None:
    tracker = NarrativeTracker(CONFIG)  # fade_after = 3 h
    members = ids("a", 1, 10)
    (born,) = tracker.step(end(1), [obs(members, AXES[0])], window(members))
    nid = born.narrative.narrative_id
    assert tracker.step(end(2), [], window(members)) == []
    assert tracker.step(end(3), [], frozenset()) == []
    assert nid in tracker.narratives
    (t,) = tracker.step(end(4), [], frozenset())  # 3 h since its last match
    assert kinds([t]) == [("faded", nid)]
    assert t.observation is None
    assert nid not in tracker.narratives
    assert tracker.step(end(5), [], frozenset()) == []


def _faded_while_its_documents_stay(config: TrackerConfig) -> tuple[NarrativeTracker, str]:
    """F (f01..f10) is born at hour 1; no slide clusters its documents for 3 h, while they
    stay in the window: F fades at hour 4. Returns the tracker and F's id."""
    tracker = NarrativeTracker(config)
    fs = ids("f", 1, 10)
    (born,) = tracker.step(end(1), [obs(fs, AXES[0])], window(fs))
    nid = born.narrative.narrative_id
    assert tracker.step(end(2), [], window(fs)) == []
    assert tracker.step(end(3), [], window(fs)) == []
    (faded,) = tracker.step(end(4), [], window(fs))
    assert kinds([faded]) == [("faded", nid)] and nid not in tracker.narratives
    return tracker, nid


def test_a_faded_narrative_whose_documents_gather_again_resumes_its_id() -> None:
    #  A claim resurfaces: at hour 6 F's old posts cluster again with five new ones. The
    #  cluster holds all of F's documents still in the window, so it is F, back under its id
    #  with its history, not a new narrative.
    tracker, nid = _faded_while_its_documents_stay(CONFIG)
    assert tracker.faded.keys() == {nid} and tracker.remembered() == {nid}
    fs, new = ids("f", 1, 10), ids("g", 1, 5)
    assert tracker.step(end(5), [], window(fs)) == []
    (back,) = tracker.step(end(6), [obs(fs + new, unit(5, 1), hour=5)], window(fs, new))
    assert kinds([back]) == [("resumed", nid)] and back.parent_ids == []
    assert list(tracker.narratives) == [nid] and tracker.faded == {}
    f = back.narrative
    assert f.members == frozenset(fs + new) and f.first_doc_id == "f01"
    assert f.last_matched_end == end(6)
    # Back among the live narratives: it fades again only after another 3 h unmatched.
    assert tracker.step(end(8), [], window(fs, new)) == []
    assert kinds(tracker.step(end(9), [], window(fs, new))) == [("faded", nid)]


def test_a_faded_narrative_comes_back_only_through_its_own_documents() -> None:
    #  A cluster on F's very centroid but of other documents (the next flood after this one)
    #  does not take F's id: similarity alone resumes no faded narrative.
    tracker, nid = _faded_while_its_documents_stay(CONFIG)
    fs, others = ids("f", 1, 10), ids("h", 1, 10)
    (t,) = tracker.step(end(5), [obs(others, AXES[0], hour=5)], window(fs, others))
    assert kinds([t]) == [("emerged", narrative_id_for("h01", end(5)))]
    assert nid in tracker.faded


def test_a_faded_narrative_is_forgotten_once_its_documents_leave_the_window() -> None:
    tracker, nid = _faded_while_its_documents_stay(CONFIG)
    fs = ids("f", 1, 10)
    assert tracker.step(end(5), [], window(fs[5:])) == [] and nid in tracker.faded
    assert tracker.step(end(6), [], frozenset()) == []
    assert tracker.faded == {} and tracker.remembered() == set()
    # The same documents arriving again (a replayed batch) make a new narrative.
    (t,) = tracker.step(end(7), [obs(fs, AXES[0], hour=6)], window(fs))
    assert kinds([t]) == [("emerged", narrative_id_for("f01", end(7)))]


def test_with_faded_resumption_off_a_fade_is_final() -> None:
    tracker, nid = _faded_while_its_documents_stay(replace(CONFIG, resume_faded=False))
    fs = ids("f", 1, 10)
    assert tracker.faded == {} and tracker.remembered() == set()
    (t,) = tracker.step(end(6), [obs(fs, AXES[0], hour=5)], window(fs))
    assert kinds([t]) == [("emerged", narrative_id_for("f01", end(6)))]
    assert t.narrative.narrative_id != nid


def test_a_match_resets_the_fade_clock() -> None:
    tracker = NarrativeTracker(CONFIG)
    members = ids("a", 1, 10)
    (born,) = tracker.step(end(1), [obs(members, AXES[0])], window(members))
    tracker.step(end(2), [], window(members))
    (t,) = tracker.step(end(3), [obs(members, AXES[0])], window(members))
    assert kinds([t]) == [("continued", born.narrative.narrative_id)]
    assert tracker.step(end(5), [], frozenset()) == []
    assert [x.kind for x in tracker.step(end(6), [], frozenset())] == ["faded"]


def test_matching_is_one_to_one_and_prefers_the_better_score() -> None:
    # Two narratives, two clusters: each cluster holds most of one narrative; the assignment
    # must not give both clusters to the same narrative.
    tracker = NarrativeTracker(CONFIG)
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    born = tracker.step(end(1), [obs(xs, AXES[0]), obs(ys, AXES[1])], window(xs, ys))
    x_id, y_id = (t.narrative.narrative_id for t in born)
    # Cluster order reversed and some documents swapped sides.
    c1 = ys[:8] + xs[:2]
    c2 = xs[2:] + ys[8:]
    transitions = tracker.step(end(2), [obs(c1, AXES[1]), obs(c2, AXES[0])], window(xs, ys))
    assert kinds(transitions) == [("continued", y_id), ("continued", x_id)]


def _replay() -> list[list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]]:
    tracker = NarrativeTracker(CONFIG)
    xs, ys, ps = ids("x", 1, 10), ids("y", 1, 10), ids("p", 1, 20)
    steps = [
        (end(1), [obs(xs, AXES[0]), obs(ys, AXES[1]), obs(ps, AXES[2])], window(xs, ys, ps)),
        (
            end(2),
            [obs(xs + ys, unit(2, 1)), obs(ps[:12], AXES[2]), obs(ps[12:], unit(1, 0, 2))],
            window(xs, ys, ps),
        ),
        (end(6), [], frozenset()),
    ]
    return [
        [
            (t.kind, t.narrative.narrative_id, tuple(t.parent_ids), tuple(t.child_ids))
            for t in tracker.step(slide_end, observations, window_ids)
        ]
        for slide_end, observations, window_ids in steps
    ]


def test_same_inputs_give_the_same_ids_and_transitions() -> None:
    first, second = _replay(), _replay()
    assert first == second
    # Every lifecycle kind shows up, so the comparison covers them all.
    assert {kind for step in first for kind, *_ in step} == {"emerged", "merged", "split", "faded"}


def test_narrative_id_is_a_pure_function_of_first_document_and_slide() -> None:
    nid = narrative_id_for("tw-1", end(1))
    assert nid == narrative_id_for("tw-1", end(1))
    assert nid.startswith("nar-") and len(nid) == len("nar-") + 16
    int(nid.removeprefix("nar-"), 16)
    assert nid != narrative_id_for("tw-2", end(1))
    assert nid != narrative_id_for("tw-1", end(2))


@pytest.mark.parametrize("slide_end", [end(1), end(1) + 0.0004])
def test_narrative_id_ignores_sub_millisecond_float_noise(slide_end: float) -> None:
    assert narrative_id_for("tw-1", slide_end) == narrative_id_for("tw-1", end(1))


# --- keep_apart: a slide's cluster may not lump established narratives the tracker tells apart


def narrative(
    nid: str,
    members: Sequence[str],
    centroid: npt.NDArray[np.float32],
    keywords: tuple[str, ...] = (),
) -> Narrative:
    return Narrative(
        nid,
        centroid,
        frozenset(members),
        START,
        members[0],
        START,
        START,
        reported_keywords=keywords,
    )


APART = replace(CONFIG, keep_apart=True, overlap_floor=10)
NEVER_APART = replace(APART, keep_apart=False)


def rows_of(doc_ids: Sequence[str], groups: Sequence[Sequence[int]]) -> list[list[str]]:
    return [[doc_ids[r] for r in rows] for rows in groups]


def test_a_cluster_lumping_two_distinct_narratives_is_cut_by_nearest_centroid() -> None:
    # X (e0) and Y (e1) hold ten documents each; one cluster holds all twenty plus two new
    # documents, one near each. Their centroids are 0 apart (< 0.8): the cluster is cut.
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    doc_ids = [*xs, *ys, "new-x", "new-y"]
    matrix = np.array([AXES[0]] * 10 + [AXES[1]] * 10 + [unit(3, 1), unit(1, 3)], dtype=np.float32)
    lumped = [list(range(22))]
    known = [narrative("X", xs, AXES[0]), narrative("Y", ys, AXES[1])]
    cut = keep_apart(lumped, doc_ids, matrix, known, APART)
    assert rows_of(doc_ids, cut) == [[*xs, "new-x"], [*ys, "new-y"]]
    # Off, or with the narratives' centroids as close as a tracker match, the cluster stays
    # whole: converged narratives still merge.
    assert keep_apart(lumped, doc_ids, matrix, known, NEVER_APART) == lumped
    close = [narrative("X", xs, unit(1, 0.6)), narrative("Y", ys, unit(0.6, 1))]
    assert float(close[0].centroid @ close[1].centroid) >= APART.min_similarity
    assert keep_apart(lumped, doc_ids, matrix, close, APART) == lumped


def test_a_narrative_with_few_documents_in_the_cluster_does_not_cut_it() -> None:
    # A burst of new documents joining an old narrative's last posts is not two established
    # narratives: Y has only 9 (< overlap_floor 10) documents in the cluster.
    xs, ys = ids("x", 1, 10), ids("y", 1, 9)
    doc_ids = [*xs, *ys]
    matrix = np.array([AXES[0]] * 10 + [AXES[1]] * 9, dtype=np.float32)
    known = [narrative("X", xs, AXES[0]), narrative("Y", ids("y", 1, 20), AXES[1])]
    groups = [list(range(19))]
    assert keep_apart(groups, doc_ids, matrix, known, APART) == groups


def test_a_cluster_where_two_narratives_converged_is_left_to_the_tracker() -> None:
    # X and X2 converged (cos >= 0.8), Y did not: the lump may be a real convergence, so the
    # cluster stays whole; a second cluster keeps its place, and the call is deterministic.
    xs, x2s, ys = ids("x", 1, 10), ids("v", 1, 10), ids("y", 1, 10)
    doc_ids = [*xs, *x2s, *ys, "z1", "z2"]
    matrix = np.array(
        [AXES[0]] * 10 + [unit(1, 0, 0.3)] * 10 + [AXES[1]] * 10 + [AXES[5]] * 2,
        dtype=np.float32,
    )
    known = [
        narrative("X", xs, AXES[0]),
        narrative("X2", x2s, unit(1, 0, 0.3)),
        narrative("Y", ys, AXES[1]),
    ]
    groups = [list(range(30)), [30, 31]]
    assert keep_apart(groups, doc_ids, matrix, known, APART) == groups
    # Without X2, X and Y are cut apart and the second cluster stays after them.
    cut = keep_apart(groups, doc_ids, matrix, [known[0], known[2]], APART)
    assert rows_of(doc_ids, cut) == [[*xs, *x2s], ys, ["z1", "z2"]]


def test_narratives_that_share_their_story_s_name_are_left_in_one_cluster() -> None:
    # Two sides of one flood (casualty reports, donation appeals) are as far apart in meaning
    # as two claims, but both name the town and the flood's hashtag: by words they are one
    # story, so the slide's cluster stays whole. Two claims of one debate share its topic
    # ("vaccine") and nothing else: one word is not a story's name, so they are cut. By
    # centroids alone (keep_apart_by_words off) the flood's sides are cut too.
    xs, ys = ids("x", 1, 10), ids("y", 1, 10)
    doc_ids = [*xs, *ys]
    matrix = np.array([AXES[0]] * 10 + [AXES[1]] * 10, dtype=np.float32)
    lumped = [list(range(20))]
    sides = [
        narrative("X", xs, AXES[0], ("killed", "lismore", "#nswfloods")),
        narrative("Y", ys, AXES[1], ("donate", "#nswfloods", "appeal", "lismore")),
    ]
    claims = [
        narrative("X", xs, AXES[0], ("hiv", "vaccine", "aids")),
        narrative("Y", ys, AXES[1], ("pcr", "test", "vaccine", "vaccinates")),
    ]
    assert APART.keep_apart_by_words and APART.keep_apart_shared_words == 2  # the defaults
    assert keep_apart(lumped, doc_ids, matrix, sides, APART) == lumped
    assert rows_of(doc_ids, keep_apart(lumped, doc_ids, matrix, claims, APART)) == [xs, ys]
    by_meaning = replace(APART, keep_apart_by_words=False)
    assert rows_of(doc_ids, keep_apart(lumped, doc_ids, matrix, sides, by_meaning)) == [xs, ys]
    # With one shared word enough (the twenty-fourth session's rule), the claims stay lumped;
    # claims with no word in common are cut under either rule.
    any_word = replace(APART, keep_apart_shared_words=1)
    assert keep_apart(lumped, doc_ids, matrix, claims, any_word) == lumped
    unrelated = [
        narrative("X", xs, AXES[0], ("hiv", "vaccine", "aids")),
        narrative("Y", ys, AXES[1], ("pcr", "test", "vaccinates")),
    ]
    for config in (APART, any_word):
        assert rows_of(doc_ids, keep_apart(lumped, doc_ids, matrix, unrelated, config)) == [xs, ys]


def test_one_pair_sharing_a_story_s_name_among_three_leaves_their_cluster_whole() -> None:
    # X and Z share "caravan" and "border"; Y shares nothing. Any pair that words call one
    # story keeps the lump whole, as a converged pair does: which of the three to cut is the
    # tracker's call. Sharing "border" alone, the three are cut, unless one word is enough.
    xs, ys, zs = ids("x", 1, 10), ids("y", 1, 10), ids("z", 1, 10)
    doc_ids = [*xs, *ys, *zs]
    matrix = np.array([AXES[0]] * 10 + [AXES[1]] * 10 + [AXES[2]] * 10, dtype=np.float32)
    lumped = [list(range(30))]
    known = [
        narrative("X", xs, AXES[0], ("caravan", "border", "mexico")),
        narrative("Y", ys, AXES[1], ("luciferase",)),
        narrative("Z", zs, AXES[2], ("tapachula", "border", "caravan")),
    ]
    assert keep_apart(lumped, doc_ids, matrix, known, APART) == lumped
    one_word = [known[0], known[1], narrative("Z", zs, AXES[2], ("belarus", "border"))]
    cut = keep_apart(lumped, doc_ids, matrix, one_word, APART)
    assert rows_of(doc_ids, cut) == [xs, ys, zs]
    any_word = replace(APART, keep_apart_shared_words=1)
    assert keep_apart(lumped, doc_ids, matrix, one_word, any_word) == lumped
