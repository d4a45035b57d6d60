"""Scoring of a replayed stream against gold narrative labels (the protocol in the data README).

Pure and deterministic: no I/O, no clock. Given the gold documents, the narrative id the system
last reported for each document, and the narrative events it emitted, `score` computes:

- B-cubed precision, recall and F1 (Bagga & Baldwin 1998, per-item averaging) over the scored
  documents with a gold label, where every unassigned document is its own singleton cluster;
  gold-null documents are left out, so that calling everything noise cannot score;
- AMI (arithmetic normalisation) and ARI over the same documents and labelling;
- noise recall (share of scored gold-null documents left unassigned) and noise in narratives
  (share of scored assigned documents that are gold-null);
- ids per gold narrative: distinct predicted ids among a gold narrative's assigned documents,
  averaged over the gold narratives with at least one assigned document; beside it, as a
  diagnostic outside the protocol, the ids that each hold at least `MAJOR_ID_SHARE` of those
  documents. The protocol's figure counts a whole id for every stray document another
  narrative swept up, so it mixes two faults: an identity that broke (a narrative's life cut
  into successive ids, each holding much of it) and precision (a few of its documents reported
  under someone else's narrative). The major count is only the first, so the two together say
  which one to work on. A second diagnostic splits the protocol's figure exactly by whose the
  id is: `foreign_ids_per_gold` counts the ids whose scored documents are mostly another gold
  narrative's or off-topic (the narrative's documents strayed into someone else's narrative),
  so ids per gold minus it is the narrative's own ids (its identity broke into these);
- id handovers, a diagnostic from the other side: how many times an id's events went from
  being led (a strict majority of their gold-labelled members) by one gold narrative to
  another. Ids per gold see a narrative cut into ids; this sees one id chained across
  narratives (a claim's id taken over by the next claim of its debate), which B-cubed only
  sees as lost precision, and which a consumer following an id experiences as its meaning
  changing under it. Multi-object tracking counts the same fault as an identity switch;
- detection delay: per gold narrative, event time from its first scored document to the earliest
  detection whose members are mostly (> 50 %) that narrative's scored documents;
- detection lag after the 10th document: the same detection time minus the time of the gold
  narrative's `LAG_AFTER_DOCS`-th scored document (negative = found before it), over the
  detected gold narratives with that many documents. The quality issue's latency target is
  stated this way ("≤ one slide after the narrative's 10th document"): a narrative cannot be
  a cluster of `min_cluster_size` = 10 before it has 10 documents, so the delay from its first
  document mostly measures how slowly the narrative itself starts.

Documents with `scored=False` (distractors) are left out of every statistic; as detection
members they count only towards the member total (they are nobody's narrative document).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

__all__ = ["LAG_AFTER_DOCS", "MAJOR_ID_SHARE", "Detection", "GoldDoc", "Scores", "b_cubed", "score"]

#: The lag statistic counts from a gold narrative's n-th document (the latency target's n).
LAG_AFTER_DOCS = 10
#: An id is one of a gold narrative's major ids when it holds at least this share of the
#: narrative's assigned documents (the diagnostic beside ids per gold).
MAJOR_ID_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One document of the answer key."""

    doc_id: str
    label: str | None  # gold narrative id, None = not part of any narrative
    scored: bool  # False = distractor, excluded from scoring
    time: float  # event time, epoch seconds


@dataclass(frozen=True, slots=True)
class Detection:
    """One narrative event as emitted by the system."""

    time: float  # event time at which the event was emitted (the window end)
    member_ids: tuple[str, ...]  # the event's members
    #: The id the event reports its members under at the scored level (its narrative or its
    #: story); None when unknown. Only `id_handovers` reads it.
    reported_id: str | None = None


@dataclass(frozen=True, slots=True)
class Scores:
    """The protocol's statistics for one replay."""

    b3_precision: float
    b3_recall: float
    b3_f1: float
    ami: float
    ari: float
    noise_recall: float | None
    noise_in_narratives: float | None
    ids_per_gold: float | None
    major_ids_per_gold: float | None  # diagnostic: ids holding ≥ MAJOR_ID_SHARE of the docs
    foreign_ids_per_gold: float | None  # diagnostic: ids mostly holding others' documents
    #: Diagnostic: times an id's events went from leading with one gold narrative to another
    #: (None when no detection carries an id).
    id_handovers: int | None
    detection_delay_median_s: float | None
    detection_delay_p90_s: float | None
    detection_lag_after_10th_median_s: float | None
    detection_lag_after_10th_p90_s: float | None
    gold_narratives: int
    detected_narratives: int
    scored_docs: int
    assigned_docs: int

    def to_dict(self) -> dict[str, float | int | None]:
        """Field name -> value, floats rounded to 4 decimals."""
        out: dict[str, float | int | None] = {}
        for f in fields(self):
            value: float | int | None = getattr(self, f.name)
            out[f.name] = round(value, 4) if isinstance(value, float) else value
        return out


def _b_cubed_hashable(
    gold_labels: Sequence[Hashable], predicted: Sequence[Hashable]
) -> tuple[float, float, float]:
    """B-cubed P/R/F1 from contingency counts, O(n).

    Per-item precision of an item in gold class i and predicted cluster j is n_ij / |j|, its
    recall n_ij / |i|; summed over the n_ij items of that cell this gives n_ij^2 / |j| and
    n_ij^2 / |i|.
    """
    if len(gold_labels) != len(predicted):
        raise ValueError(
            f"gold_labels and predicted differ in length: {len(gold_labels)} != {len(predicted)}"
        )
    n = len(gold_labels)
    if n == 0:
        return 0.0, 0.0, 0.0
    gold_sizes = Counter(gold_labels)
    pred_sizes = Counter(predicted)
    cells = Counter(zip(gold_labels, predicted, strict=True))
    precision_sum = 0.0
    recall_sum = 0.0
    for (g, p), n_ij in cells.items():
        sq = float(n_ij * n_ij)
        precision_sum += sq / pred_sizes[p]
        recall_sum += sq / gold_sizes[g]
    precision = precision_sum / n
    recall = recall_sum / n
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def b_cubed(gold_labels: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed (precision, recall, F1) of `predicted` against `gold_labels`, item-aligned.

    Per-item averaging (Bagga & Baldwin 1998); every distinct string in `predicted` is one
    cluster, so callers give each unassigned item its own unique label. Empty input scores 0.
    """
    return _b_cubed_hashable(gold_labels, predicted)


def _majority(
    label_of: Mapping[str, str], member_ids: Sequence[str], total: int | None = None
) -> str | None:
    """The gold narrative holding a strict majority of `total` members (default: of the
    members that have a gold narrative), or None."""
    counts = Counter(label_of[m] for m in member_ids if m in label_of)
    if not counts:
        return None
    # At most one label can hold a strict majority, so checking the largest is enough.
    label, count = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return label if 2 * count > (counts.total() if total is None else total) else None


def _detection_times(
    label_of: Mapping[str, str], detections: Sequence[Detection]
) -> dict[str, float]:
    """Gold narrative -> time of the earliest detection made mostly of its documents.

    Among detections with equal time the first in the given order wins (it has the same time).
    """
    detected_at: dict[str, float] = {}
    for det in detections:
        label = _majority(label_of, det.member_ids, len(det.member_ids))
        if label is None:
            continue
        previous = detected_at.get(label)
        if previous is None or det.time < previous:
            detected_at[label] = float(det.time)
    return detected_at


def _handovers(label_of: Mapping[str, str], detections: Sequence[Detection]) -> int | None:
    """How many times an id passed from one gold narrative to another, over its events.

    The events of each id are read in the given (publication) order; each is led by the gold
    narrative holding a strict majority of its gold-labelled members (`_majority`), and an event
    with no such majority is skipped, so a mixed slide between two leads of one narrative is
    no handover. The converse of ids per gold: that figure counts the ids one narrative is
    reported under, this one counts the narratives one id was made to stand for, in turn (the
    chain in which a claim's id is taken over by the next claim of its debate).
    """
    if not any(det.reported_id is not None for det in detections):
        return None
    last: dict[str, str] = {}
    handovers = 0
    for det in detections:
        if det.reported_id is None:
            continue
        lead = _majority(label_of, det.member_ids)
        if lead is None:
            continue
        previous = last.get(det.reported_id)
        if previous is not None and previous != lead:
            handovers += 1
        last[det.reported_id] = lead
    return handovers


def _foreign(held: Counter[str | None], label: str) -> bool:
    """Whether an id holding `held` (its scored documents by gold label) belongs to another
    label than `label`: some other gold narrative, or off-topic documents, hold more of it."""
    own = held[label]
    return any(n > own for other, n in held.items() if other != label)


def _median_p90(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    array = np.asarray(values, dtype=np.float64)
    return float(np.median(array)), float(np.percentile(array, 90))


def score(
    gold: Sequence[GoldDoc],
    assignments: Mapping[str, str | None],
    detections: Sequence[Detection] = (),
) -> Scores:
    """Score a replay per the protocol.

    `assignments` maps doc_id -> the narrative id the system last reported it under, or None
    (a missing key is None). Ids in `assignments` or detections unknown to `gold` are ignored
    (detection members unknown to `gold` still count towards the member total).
    """
    seen: set[str] = set()
    for doc in gold:
        if doc.doc_id in seen:
            raise ValueError(f"duplicate doc_id in gold: {doc.doc_id!r}")
        seen.add(doc.doc_id)

    scored = [doc for doc in gold if doc.scored]

    # B-cubed, AMI, ARI over scored, gold-labelled documents; unassigned -> unique singleton.
    gold_labels: list[str] = []
    pred_keys: list[tuple[int, str]] = []  # (0, narrative id) or (1, doc_id): never collide
    for doc in scored:
        if doc.label is None:
            continue
        predicted = assignments.get(doc.doc_id)
        gold_labels.append(doc.label)
        pred_keys.append((0, predicted) if predicted is not None else (1, doc.doc_id))
    precision, recall, f1 = _b_cubed_hashable(gold_labels, pred_keys)
    if gold_labels:
        pred_codes = {key: code for code, key in enumerate(dict.fromkeys(pred_keys))}
        gold_codes = {label: code for code, label in enumerate(dict.fromkeys(gold_labels))}
        true_arr = np.fromiter((gold_codes[g] for g in gold_labels), dtype=np.int64)
        pred_arr = np.fromiter((pred_codes[p] for p in pred_keys), dtype=np.int64)
        ami = float(adjusted_mutual_info_score(true_arr, pred_arr))
        ari = float(adjusted_rand_score(true_arr, pred_arr))
    else:
        ami = ari = 0.0

    # Noise statistics and identity stability.
    null_total = null_unassigned = assigned = assigned_null = 0
    ids_by_gold: dict[str, Counter[str]] = {}
    # Per predicted id, its scored documents by gold label (None = off-topic).
    labels_by_id: dict[str, Counter[str | None]] = {}
    for doc in scored:
        predicted = assignments.get(doc.doc_id)
        if predicted is not None:
            assigned += 1
            labels_by_id.setdefault(predicted, Counter())[doc.label] += 1
            if doc.label is None:
                assigned_null += 1
            else:
                ids_by_gold.setdefault(doc.label, Counter())[predicted] += 1
        if doc.label is None:
            null_total += 1
            if predicted is None:
                null_unassigned += 1
    noise_recall = null_unassigned / null_total if null_total else None
    noise_in_narratives = assigned_null / assigned if assigned else None
    ids_per_gold = (
        sum(len(ids) for ids in ids_by_gold.values()) / len(ids_by_gold) if ids_by_gold else None
    )
    major_ids_per_gold = (
        sum(
            # Tolerance: 0.1 × 30 is 3.0000000000000004 in binary, and 3 of 30 is a tenth.
            sum(1 for n in ids.values() if n >= MAJOR_ID_SHARE * ids.total() - 1e-9)
            for ids in ids_by_gold.values()
        )
        / len(ids_by_gold)
        if ids_by_gold
        else None
    )
    # An id is the narrative's own unless another label (a gold narrative or off-topic) holds
    # strictly more of its documents: a tie leaves it own, so own + foreign = ids per gold.
    foreign_ids_per_gold = (
        sum(
            sum(1 for nid in ids if _foreign(labels_by_id[nid], label))
            for label, ids in ids_by_gold.items()
        )
        / len(ids_by_gold)
        if ids_by_gold
        else None
    )

    # Detection delay.
    times_of: dict[str, list[float]] = {}
    label_of: dict[str, str] = {}
    for doc in scored:
        if doc.label is None:
            continue
        label_of[doc.doc_id] = doc.label
        times_of.setdefault(doc.label, []).append(float(doc.time))
    for times in times_of.values():
        times.sort()
    detected_at = _detection_times(label_of, detections)
    delays = {g: max(0.0, t - times_of[g][0]) for g, t in detected_at.items()}
    lags = [
        t - times_of[g][LAG_AFTER_DOCS - 1]
        for g, t in detected_at.items()
        if len(times_of[g]) >= LAG_AFTER_DOCS
    ]
    id_handovers = _handovers(label_of, detections)
    delay_median, delay_p90 = _median_p90(list(delays.values()))
    lag_median, lag_p90 = _median_p90(lags)

    return Scores(
        b3_precision=precision,
        b3_recall=recall,
        b3_f1=f1,
        ami=ami,
        ari=ari,
        noise_recall=noise_recall,
        noise_in_narratives=noise_in_narratives,
        ids_per_gold=ids_per_gold,
        major_ids_per_gold=major_ids_per_gold,
        foreign_ids_per_gold=foreign_ids_per_gold,
        id_handovers=id_handovers,
        detection_delay_median_s=delay_median,
        detection_delay_p90_s=delay_p90,
        detection_lag_after_10th_median_s=lag_median,
        detection_lag_after_10th_p90_s=lag_p90,
        gold_narratives=len(times_of),
        detected_narratives=len(delays),
        scored_docs=len(scored),
        assigned_docs=assigned,
    )
