"""Attaching the documents HDBSCAN leaves as noise to the narrative whose extent they fall in.

HDBSCAN keeps only the dense core of a narrative: in a busy window a third of the posts that
tell a story are left as noise because their neighbourhood is not dense enough, although each
of them is as close to the story's centroid as the story's own members are. Left out, they
are invisible to consumers counting a narrative's reach, and an analyst replaying the stream
sees them as "no narrative". BERTopic answers the same gap after the fact with
`reduce_outliers`; here it is done per slide, in event time, so it streams and replays.

Rule (one per narrative, so it follows the model's similarity scale and each narrative's own
tightness rather than a global cosine): a noise document is attached to its nearest
narrative by centroid cosine when that cosine reaches the narrative's *radius*, the least
similar of its members' cosines to the centroid (the document lies inside the extent of the
core). A cluster can hold a few stray members of its own, far out, that would open the radius
to anything; so the radius is never below Tukey's fence, Q1 − `fence` × IQR of the members'
cosines (3 = Tukey's "far out"; a textbook constant, not fitted to any stream).

Attached documents are reported beside the members (`attached_ids`), never fed back: they do
not seed the next slide's clustering, move a centroid, count in tracking overlap or shape
keywords, so the narratives, their ids and their members are the same with attachment on or
off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class AttachConfig:
    """Whether noise documents are attached, and how stray members are kept from the radius."""

    enabled: bool = True
    fence: float = 3.0

    def __post_init__(self) -> None:
        if self.fence < 0:
            raise ValueError(
                f"attach fence must be >= 0, got {self.fence}: the radius is at least "
                "Q1 - fence x IQR of the members' cosines (set NARRATIVES_ATTACH_FENCE)"
            )


def radius_of(sims: npt.NDArray[np.floating[Any]], fence: float) -> float:
    """The least member cosine, but never below Q1 − fence × IQR (stray members ignored)."""
    q1, q3 = np.quantile(sims, [0.25, 0.75])
    return max(float(sims.min()), float(q1 - fence * (q3 - q1)))


def attach_noise(
    matrix: npt.NDArray[np.float32],
    clusters: Sequence[Sequence[int]],
    centroids: npt.NDArray[np.float32],
    noise_rows: Sequence[int],
    config: AttachConfig,
) -> list[list[int]]:
    """Per cluster (in `clusters` order), the noise rows attached to it, in row order.

    `matrix` holds unit-length rows, `centroids` one unit row per cluster. Each noise row goes
    to at most one cluster, its most similar (the first on an exact tie, so the result is a
    function of the input order); a cluster whose radius it does not reach gets nothing.
    """
    attached: list[list[int]] = [[] for _ in clusters]
    if not config.enabled or not clusters or not noise_rows:
        return attached
    if len(centroids) != len(clusters):
        raise ValueError(f"{len(centroids)} centroids for {len(clusters)} clusters")
    radius = np.array(
        [
            radius_of(matrix[list(rows)] @ centroids[c], config.fence)
            for c, rows in enumerate(clusters)
        ],
        dtype=np.float64,
    )
    rows = np.asarray(noise_rows, dtype=np.int64)
    sims = matrix[rows] @ centroids.T
    best = sims.argmax(axis=1)
    reach = sims[np.arange(len(rows)), best] >= radius[best]
    for row, cluster, ok in zip(rows.tolist(), best.tolist(), reach.tolist(), strict=True):
        if ok:
            attached[cluster].append(row)
    return attached
