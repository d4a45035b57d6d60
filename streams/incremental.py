"""Incremental clustering: big windows re-cluster only what is new, at a bounded cost per slide.

A sliding window of length L that closes every S re-clusters each document L/S times, and
HDBSCAN's cost grows faster than linearly (on 2 cores, ~0.4 s for 4,000 points in 32-d, ~9 s
for 20,000, minutes for 100,000). Between two slides only the documents of the last S seconds
are new; everything else was clustered a slide ago. So, for windows above `whole_max`:

1. documents that belonged to a live narrative keep it (the *seeds*, from the tracker);
2. each new document joins the nearest seeded cluster outright when it is as close to that
   cluster's centroid as the cluster's median member (`accept_quantile`): the cluster's own
   radius decides, not a global threshold;
3. the new documents left are clustered by the inner clusterer (HDBSCAN) together with their
   nearest older documents (`neighbours` each, clustered or not) and a stride sample of the
   window as background, at most `max_points` points per run, so HDBSCAN sees the density
   around them against the window's structure;
4. a local cluster holding members of a known narrative extends it with its new documents
   that lie within the narrative's radius (`adopt_quantile`); a local cluster holding none is
   a new narrative, older noise included (an emerging narrative whose first documents were
   noise a slide ago). Older noise never joins a known narrative, or the window's noise would
   drain into them slide after slide;
5. a new document still left as noise joins the nearest narrative if it lies within the
   narrative's `settle_quantile` radius: a local run reports no cluster for a neighbourhood
   that is one dense group, where the whole window would have extended that group.

New documents are handled in time order in chunks of `max_points // 2`, each chunk seeing the
clusters of the chunks before it, so a cold window (a restart without tracker state) is built
by the same rule. A slide then costs HDBSCAN runs of at most `max_points` points per
`max_points // 2` new documents, plus linear passes over the window.

Windows of at most `whole_max` documents are clustered whole by the inner clusterer, exactly
as before. What the incremental regime gives up (measured in docs/measurements.md): two known
narratives that drift together are not merged by re-clustering, a known narrative is not
split, and members stay until they leave the window; on crisislex-t26 forced into it, B³ F1
drops (crisis level, see the bench). Everything is a function of the input and the seeds, which
come from checkpointed tracker state, so replays stay deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from streams.cluster import Clusterer, Labels, pca_basis

BoolArray = npt.NDArray[np.bool_]
Matrix = npt.NDArray[np.float32]


@runtime_checkable
class SeededClusterer(Protocol):
    """A clusterer that can reuse the previous slide's clusters.

    `seeds[i]` is the cluster row i belonged to in the previous slide (>= 0) or -1; `fresh[i]`
    says row i is new since then. Returns one label per row, -1 for noise, like `Clusterer`.
    """

    def fit_predict(self, vectors: Matrix) -> Labels: ...

    def fit_predict_seeded(self, vectors: Matrix, seeds: Labels, fresh: BoolArray) -> Labels: ...


@dataclass(frozen=True, slots=True)
class IncrementalParams:
    """Knobs of the incremental regime (see the module docstring)."""

    #: Windows up to this size are clustered whole, exactly as the inner clusterer would.
    #: Whole clustering re-decides every narrative each slide, so it can cut apart two
    #: stories of one kind that overlap in time; the incremental regime only extends known
    #: narratives and cannot. The bound is cost: the largest window whose whole-window
    #: HDBSCAN fits the 1 s slide budget that the 20k-window target sets (~1.1 s for 8,000
    #: documents on the 2-core reference box; ~6 s for 20,000).
    whole_max: int = 8000
    #: Above `whole_max`, no inner run sees more points than this.
    max_points: int = 4000
    #: A new document joins a cluster outright when at least as close to its centroid as
    #: the cluster's median member (0.5); the others go through local re-clustering.
    accept_quantile: float = 0.5
    #: A new document in a local cluster with a known narrative's members joins it when
    #: within this quantile of the narrative's member similarities (0: its farthest member).
    adopt_quantile: float = 0.0
    #: A new document the local run left as noise joins the nearest narrative when within
    #: this quantile of its member similarities.
    settle_quantile: float = 0.05
    #: Unclustered older documents drawn into the pool per new unassigned document.
    neighbours: int = 20
    #: Dimension of the projection used to find those neighbours (PCA on a stride sample).
    projection_dim: int = 32
    projection_sample: int = 4096

    def incremental(self, n: int) -> bool:
        """Whether a window of `n` documents is clustered incrementally (else whole)."""
        return n > max(self.whole_max, self.max_points)

    def __post_init__(self) -> None:
        if self.max_points < 4 or self.whole_max < 0:
            raise ValueError(
                f"max_points must be >= 4 and whole_max >= 0, got {self.max_points}, "
                f"{self.whole_max}"
            )
        for name in ("accept_quantile", "adopt_quantile", "settle_quantile"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")


def cluster_stats(
    x: Matrix, labels: Labels, quantile: float
) -> tuple[npt.NDArray[np.int64], Matrix, npt.NDArray[np.float32]]:
    """(cluster labels, unit centroids, acceptance thresholds) of the clusters in `labels`."""
    rows = np.flatnonzero(labels >= 0)
    ids = np.unique(labels[rows])
    if len(ids) == 0:
        return ids, np.zeros((0, x.shape[1]), dtype=np.float32), np.zeros(0, dtype=np.float32)
    dense = np.searchsorted(ids, labels[rows])
    by_cluster = np.argsort(dense, kind="stable")
    counts = np.bincount(dense, minlength=len(ids))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums = np.add.reduceat(x[rows[by_cluster]].astype(np.float64), starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    centroids = (sums / norms).astype(np.float32)
    sims = np.einsum("ij,ij->i", x[rows], centroids[dense])
    order = np.lexsort((sims, dense))  # by cluster, then similarity ascending
    picks = starts + np.floor(quantile * (counts - 1)).astype(np.int64)
    thresholds = sims[order][picks].astype(np.float32)
    return ids, centroids, thresholds


class IncrementalClusterer:
    """Wraps any `Clusterer`; whole windows up to `whole_max`, incremental above."""

    def __init__(self, inner: Clusterer, params: IncrementalParams = IncrementalParams()) -> None:
        self.inner = inner
        self.params = params

    def fit_predict(self, vectors: Matrix) -> Labels:
        """Without seeds every row is new: the whole window, in chunks when it is big."""
        n = len(vectors)
        return self.fit_predict_seeded(
            vectors, np.full(n, -1, dtype=np.int64), np.ones(n, dtype=np.bool_)
        )

    def fit_predict_seeded(self, vectors: Matrix, seeds: Labels, fresh: BoolArray) -> Labels:
        n = len(vectors)
        p = self.params
        if not p.incremental(n):
            return self.inner.fit_predict(vectors)
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        labels = np.where(np.asarray(seeds) >= 0, seeds, -1).astype(np.int64)
        next_label = int(labels.max()) + 1 if (labels >= 0).any() else 0
        queue = np.flatnonzero(np.asarray(fresh, dtype=np.bool_) & (labels < 0))
        pending = np.zeros(n, dtype=np.bool_)
        pending[queue] = True
        projected = self._project(x)
        chunk = max(p.max_points // 2, 1)
        for start in range(0, len(queue), chunk):
            rows = queue[start : start + chunk]
            pending[rows] = False
            ids, centroids, thresholds = cluster_stats(x, labels, p.accept_quantile)
            rest = rows
            if len(ids):
                sims = x[rows] @ centroids.T
                best = sims.argmax(axis=1)
                accepted = sims[np.arange(len(rows)), best] >= thresholds[best]
                labels[rows[accepted]] = ids[best[accepted]]
                rest = rows[~accepted]
            if len(rest) == 0:
                continue
            # Local re-clustering: the unassigned new rows with their nearest older rows,
            # clustered or not, so HDBSCAN sees the true density around them.
            candidates = np.flatnonzero(~pending)
            candidates = candidates[~np.isin(candidates, rest)]
            # A stride sample of the window rides along as background, so the pool keeps the
            # window's global structure: patches of neighbours alone would all look dense,
            # and a pool holding one dense group gives HDBSCAN no cluster at all.
            step = max(len(candidates) // max(p.max_points // 4, 1), 1)
            background = candidates[::step][: p.max_points // 4]
            near = self._nearest(
                projected, rest, candidates, p.max_points - len(rest) - len(background)
            )
            pool = np.union1d(np.union1d(rest, near), background)
            sub = self.inner.fit_predict(x[pool])
            next_label = self._adopt(x, labels, pool, sub, rest, next_label)
            self._settle(x, labels, rest)
        return labels

    def _adopt(
        self,
        x: Matrix,
        labels: Labels,
        pool: npt.NDArray[np.int64],
        sub: Labels,
        rest: npt.NDArray[np.int64],
        next_label: int,
    ) -> int:
        """Write the pool's clusters into `labels`, touching only rows without a cluster.

        A pool cluster holding members of known clusters extends the one it holds most of
        (ties: the older label) with those of its new rows that lie within that cluster's
        radius (`adopt_quantile` of its members' similarities to its centroid): density and
        distance must both agree, or a coarse cut of the pool would chain two stories. Older
        noise never joins a known cluster this way, or the window's noise would drain into
        them a few rows per slide. A pool cluster holding no known member is a new cluster,
        older noise included: an emerging narrative whose first documents were noise a slide
        ago.
        """
        p = self.params
        ids, centroids, radius = cluster_stats(x, labels, p.adopt_quantile)
        found = [int(v) for v in np.unique(sub[sub >= 0])]
        # Number new clusters by their first member so labels never depend on inner numbering.
        found.sort(key=lambda v: int(np.flatnonzero(sub == v)[0]))
        for value in found:
            members = pool[sub == value]
            known = labels[members]
            known = known[known >= 0]
            free = members[labels[members] < 0]
            if len(known):
                target = int(np.bincount(known).argmax())
                k = int(np.searchsorted(ids, target))
                candidates = free[np.isin(free, rest)]
                close = (x[candidates] @ centroids[k]) >= radius[k]
                labels[candidates[close]] = target
            else:
                labels[free] = next_label
                next_label += 1
        return next_label

    def _settle(self, x: Matrix, labels: Labels, rest: npt.NDArray[np.int64]) -> None:
        """New rows still unclustered join the nearest cluster whose radius holds them.

        The local run leaves a new row as noise when its neighbourhood is one dense group
        (HDBSCAN reports no cluster for a lone group), though the whole window would have put
        it in that group's cluster; within the cluster's `settle_quantile` radius it joins.
        """
        left = rest[labels[rest] < 0]
        ids, centroids, radius = cluster_stats(x, labels, self.params.settle_quantile)
        if len(left) == 0 or len(ids) == 0:
            return
        sims = x[left] @ centroids.T
        best = sims.argmax(axis=1)
        close = sims[np.arange(len(left)), best] >= radius[best]
        labels[left[close]] = ids[best[close]]

    def _project(self, x: Matrix) -> Matrix:
        """PCA fitted on a deterministic stride sample: cheap and stable neighbour search."""
        p = self.params
        if p.projection_dim <= 0 or x.shape[1] <= p.projection_dim:
            return x
        step = max(len(x) // p.projection_sample, 1)
        mean, components = pca_basis(x[::step][: p.projection_sample], p.projection_dim)
        return ((x - mean) @ components.T).astype(np.float32)

    def _nearest(
        self,
        projected: Matrix,
        rows: npt.NDArray[np.int64],
        candidates: npt.NDArray[np.int64],
        budget: int,
    ) -> npt.NDArray[np.int64]:
        """Up to `budget` candidates, the `neighbours` nearest to each row, closest first."""
        k = min(self.params.neighbours, len(candidates))
        if budget <= 0 or k == 0:
            return np.zeros(0, dtype=np.int64)
        pool = projected[candidates]
        pool_sq = np.einsum("ij,ij->i", pool, pool)
        best = np.full(len(candidates), np.inf, dtype=np.float32)
        for block in range(0, len(rows), 256):
            q = projected[rows[block : block + 256]]
            d2 = pool_sq[None, :] - 2.0 * (q @ pool.T)  # + |q|², constant per row
            d2 += np.einsum("ij,ij->i", q, q)[:, None]
            near = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(candidates) else None
            if near is None:
                np.minimum(best, d2.min(axis=0), out=best)
                continue
            picked = np.take_along_axis(d2, near, axis=1)
            np.minimum.at(best, near.ravel(), picked.ravel())
        chosen = np.flatnonzero(np.isfinite(best))
        order = np.lexsort((candidates[chosen], best[chosen]))[:budget]
        return np.asarray(candidates[chosen][order], dtype=np.int64)
