"""A window that holds one story: find it with the stream's own narratives as the yardstick.

HDBSCAN reports a cluster only where the data split into at least two groups of
`min_cluster_size` (it never selects the root of its tree by default). A window whose only
dense group is one story among scattered posts never splits, so it yields no narrative at
all: on mide22-en, 115 of the 251 slides holding at least 20 documents found none, and a claim
posted 76 times in two days (EN25) was never reported. A user who filters a stream to one
campaign would see the same thing.

Nothing inside such a window says whether its documents are close in absolute terms: a window
of one tight story and a window of unrelated chatter both look like "one group" to a
density-based clusterer. So the scale comes from outside the window, from the stream itself:
the *reference cohesion* is, over the clusters of the last slide that found any, the median of
each cluster's `reach_quantile` member cosine to its centroid — the cosine within which all
but that share of a typical narrative's members lie, for this stream under this model. It
follows the model's similarity scale (no constant tied to one model) and is checkpointed with
the detector.

The quantile is low (0.1) because the lone story is held to the extent of the narratives the
clusterer finds, not to their core: HDBSCAN's clusters reach out to members well below their
median cosine, so a yardstick at the median (the first version) admitted only the inner half
of a claim's posts — on mide22-en a claim posted 52 times in one week (EN22, its members'
median cosine 0.74 against a reference of 0.82) was never reported at all.

When a slide's clusterer found nothing, `lone_story` takes the document with the most
neighbours at cosine >= the reference (its densest point at that scale), the centroid of those
neighbours, and every document at cosine >= the reference from that centroid. They are one
narrative when there are at least `min_cluster_size` of them.

Before any slide has found a cluster there is no reference: a stream that opens with one story
among scattered posts (mide22-en's first six weeks: one claim posted 37 times among unrelated
posts) reports nothing until a second story arrives, and a stream filtered to one campaign
may never. There HDBSCAN is asked for the scale (`cold_start_story`): run again with
`allow_single_cluster`, it may select the root of its tree and return its densest points.
It does so on chatter too, so those points count only when they are tighter than the densest
points of every one of 19 copies of the window with its coordinates shuffled apart (a test
against chance, as the gap statistic's); their median pairwise cosine is then the scale at
which the same one-story search runs. The cold start never sets the reference: only the
clusterer's own clusters do, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from streams.cluster import HdbscanParams, reduce_dimension, single_cluster_labels

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class LoneConfig:
    """Whether empty slides are searched for one story, and up to how many documents.

    `max_rows` bounds the pairwise similarity matrix (rows² floats: 64 MB at 4,000); a window
    that large with no cluster at all is not a one-story window.
    """

    enabled: bool = True
    max_rows: int = 4000
    #: Before the stream has a reference, let HDBSCAN propose the window's one story and
    #: search at its scale (`cold_start_story`). False: nothing is searched until a slide
    #: finds clusters, as before the twenty-sixth session.
    cold_start: bool = True
    #: The reference cohesion is each cluster's member cosine at this quantile (median over
    #: clusters): 0.1 = the cosine within which nine in ten of a typical narrative's members
    #: lie. 0.5 was the first version's median member.
    reach_quantile: float = 0.1

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"lone-story max_rows must be >= 1, got {self.max_rows}")
        if not 0.0 <= self.reach_quantile <= 1.0:
            raise ValueError(
                f"lone-story reach_quantile must be in [0, 1], got {self.reach_quantile}"
            )


def typical_cohesion(
    matrix: Matrix, clusters: Sequence[Sequence[int]], quantile: float = 0.5
) -> float | None:
    """Median over `clusters` of each one's `quantile` member cosine to its unit centroid.

    `matrix` holds unit rows; `clusters` lists each cluster's rows. None without clusters.
    """
    per_cluster: list[float] = []
    for rows in clusters:
        if not rows:
            continue
        members = matrix[list(rows)].astype(np.float64)
        centroid = members.mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        if norm == 0.0:
            continue
        per_cluster.append(float(np.quantile(members @ (centroid / norm), quantile)))
    return float(np.median(per_cluster)) if per_cluster else None


def lone_story(matrix: Matrix, cohesion: float, min_size: int) -> list[int]:
    """The rows of the window's one story at the reference `cohesion`, or [] if under `min_size`.

    Deterministic: the densest row is the first of those with the most neighbours.
    """
    n = len(matrix)
    if n < max(min_size, 1):
        return []
    x = matrix.astype(np.float32, copy=False)
    neighbours = (x @ x.T) >= cohesion
    seed = int(np.argmax(neighbours.sum(axis=1)))
    centroid = x[neighbours[seed]].astype(np.float64).mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return []
    rows = np.flatnonzero(x.astype(np.float64) @ (centroid / norm) >= cohesion)
    return rows.tolist() if len(rows) >= min_size else []


def cold_start_story(matrix: Matrix, params: HdbscanParams, nulls: int = 19) -> list[int]:
    """The rows of the window's one story, when HDBSCAN finds one the window's chatter cannot
    explain, or [].

    HDBSCAN with `allow_single_cluster` (same parameters as the slide's clustering) proposes
    one core, its densest rows. It proposes one on scattered chatter too (it can always select
    the root of its tree), so the proposal is tested against chance: the same run on `nulls`
    copies of the window whose coordinates (in HDBSCAN's PCA space) are shuffled column by
    column, which keeps each coordinate's spread and loses which documents go together (the
    reference distribution of the gap statistic). The core counts when it is tighter (median
    pairwise distance) than every null copy's: with 19 copies, a one-sided test at 5 %. Its
    median pairwise cosine is then the scale at which `lone_story` searches the window.
    Deterministic: HDBSCAN runs on exact trees and the shuffles on a fixed seed.
    """
    n = len(matrix)
    size = params.effective_min_cluster_size(n)
    if n < max(2 * size, 3):
        return []
    reduced = reduce_dimension(matrix, params.pca_dim)
    labels = single_cluster_labels(reduced, params)
    if int(labels.max()) != 0:
        return []  # no cluster, or (never seen where the default found none) several
    spread = _median_pair_distance(reduced[labels == 0])
    rng = np.random.default_rng(0)
    for _ in range(nulls):
        shuffled = np.column_stack([rng.permutation(col) for col in reduced.T])
        null_labels = single_cluster_labels(shuffled, params)
        if (
            int(null_labels.max()) == 0
            and _median_pair_distance(shuffled[null_labels == 0]) <= spread
        ):
            return []
    core = matrix[labels == 0].astype(np.float64)
    pairs = (core @ core.T)[np.triu_indices(len(core), k=1)]
    return lone_story(matrix, float(np.median(pairs)), params.min_cluster_size)


def _median_pair_distance(points: npt.NDArray[np.float64]) -> float:
    """Median Euclidean distance over the pairs of rows (n² floats, not n² × dimensions)."""
    squares = (points**2).sum(axis=1)
    gram = squares[:, None] + squares[None, :] - 2.0 * (points @ points.T)
    upper = gram[np.triu_indices(len(points), k=1)]
    return float(np.sqrt(np.median(np.maximum(upper, 0.0))))
