"""The clustering stage: one slide's vectors in, one label per row out (-1 = noise).

`Clusterer` is the stage contract (sklearn's `fit_predict` shape, as BERTopic's cluster models);
`HdbscanClusterer` is the default. HDBSCAN suits narratives: it needs no number of clusters,
leaves the long tail of unrelated chatter as noise instead of forcing it into a narrative, and
finds clusters of different densities. Its cost explodes with dimension, so vectors are first
projected with PCA (fitted per slide from the exact covariance eigenvectors, deterministic) —
on 384-d MiniLM vectors this is 10× faster at no measurable quality loss. Big windows go
through `streams.incremental`, which bounds how many points one HDBSCAN run sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from streams.attach import radius_of

#: Tukey's "far out" fence (Q1 - 3 IQR), the one attachment's extents use: a textbook constant.
_FAR_OUT = 3.0

Labels = npt.NDArray[np.int64]


@runtime_checkable
class Clusterer(Protocol):
    """Assigns each row a cluster label >= 0, or -1 for noise. Deterministic for equal input."""

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels: ...


@dataclass(frozen=True, slots=True)
class HdbscanParams:
    """HDBSCAN knobs. `min_cluster_size` grows with the window: max(base, share × n)."""

    min_cluster_size: int = 10
    min_cluster_share: float = 0.0
    min_samples: int | None = 5
    pca_dim: int = 32
    cluster_selection_method: str = "eom"
    cluster_selection_epsilon: float = 0.0
    #: HDBSCAN's tree algorithm. Prim's on a KD-tree builds an exact minimum spanning tree,
    #: as hdbscan's default (Borůvka) does, and was 1.2-1.6x faster on 32-d PCA vectors of
    #: 4,000-20,000 documents (docs/measurements.md). Mutual-reachability distances tie
    #: often, so where the two pick different equal-weight trees a fringe point may differ.
    algorithm: str = "prims_kdtree"
    #: Let at most `min_samples - 1` exact copies of one vector into HDBSCAN; the others take
    #: their original's label (`cap_copies`). False: every copy counts, the behaviour and
    #: `params_version` of the release before.
    cap_copies: bool = True

    def effective_min_cluster_size(self, n: int) -> int:
        return max(self.min_cluster_size, math.ceil(self.min_cluster_share * n))


def pca_basis(
    x: npt.NDArray[np.floating], dim: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(mean, components) of a PCA, deterministic up to sign, which we fix.

    From the eigenvectors of the d×d covariance (float64): for n >> d this is one n·d² product
    and a small symmetric eigenproblem, several times faster than an SVD of the data.
    """
    x64 = x.astype(np.float64, copy=False)
    mean = x64.mean(axis=0, keepdims=True)
    centred = x64 - mean
    _, vectors = np.linalg.eigh(centred.T @ centred)
    components = vectors[:, ::-1][:, :dim].T  # largest eigenvalues first
    return mean, fix_signs(components)


def fix_signs(components: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row (a direction) flipped so its largest loading is positive.

    Eigen and singular vectors are defined up to sign, and BLAS builds differ in the one they
    return: fixing it makes a projection identical across machines."""
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    signs[signs == 0] = 1.0
    fixed: npt.NDArray[np.float64] = components * signs[:, None]
    return fixed


def reduce_dimension(vectors: npt.NDArray[np.float32], dim: int) -> npt.NDArray[np.float64]:
    """PCA of the rows onto `dim` components (no-op when there are too few rows or columns)."""
    x = vectors.astype(np.float64, copy=False)
    if dim <= 0 or x.shape[1] <= dim or x.shape[0] <= dim:
        return x
    mean, components = pca_basis(x, dim)
    projected: npt.NDArray[np.float64] = (x - mean) @ components.T
    return projected


class HdbscanClusterer:
    """The default clusterer: PCA, then `hdbscan.HDBSCAN` with Euclidean distance.

    Vectors are unit length, so Euclidean distance is a monotone function of cosine distance.
    """

    def __init__(self, params: HdbscanParams = HdbscanParams()) -> None:
        self.params = params

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        return hdbscan_labels(vectors, self.params)


def hdbscan_labels(vectors: npt.NDArray[np.float32], params: HdbscanParams) -> Labels:
    """HDBSCAN's labels for the rows (PCA first), -1 for noise; copies capped (`cap_copies`)."""
    n = len(vectors)
    size = params.effective_min_cluster_size(n)
    if params.cap_copies:
        return _capped_copies_labels(vectors, params, size)
    if n < max(2 * size, 3):
        return np.full(n, -1, dtype=np.int64)
    return _hdbscan(reduce_dimension(vectors, params.pca_dim), params, False)


def copy_groups(vectors: npt.NDArray[np.floating]) -> npt.NDArray[np.int64]:
    """For each row, the first row with exactly the same vector (itself when it is the first).

    Exact, not near: copies of one text (a retweet, a copy-paste) have one vector, as the
    embedder's cache gives one text one vector; anything else is a different document."""
    rows = np.ascontiguousarray(vectors)
    first: dict[bytes, int] = {}
    return np.fromiter(
        (first.setdefault(rows[i].tobytes(), i) for i in range(len(rows))), np.int64, len(rows)
    )


def _capped_copies_labels(
    vectors: npt.NDArray[np.float32], params: HdbscanParams, size: int
) -> Labels:
    """HDBSCAN over the rows with each vector's copies capped, labels spread back to them.

    Why: a post copied fifty times (retweets, a copy-paste campaign) is fifty points at
    distance zero. That blob is denser than anything real writing makes, so HDBSCAN's excess
    of mass selects it as a cluster of its own, apart from the story whose post it copies, and
    the story is reported under two ids (crisislex: a crisis's retweeted posts). hdbscan's
    core distance is the distance to a point's `min_samples`-th other point; with at most
    `min_samples - 1` copies of a vector, at most `min_samples - 2` of those are its copies,
    so the core distance is set by other documents: copies add weight to the density around
    them but never make one of their own. The other copies take their original's label. A
    group of at least `size` copies is a cluster of its own when the capped clustering left it
    as noise, or hung it on a cluster whose extent it lies outside (`_inside`): a campaign that
    posts one text and nothing else is still a narrative, and the amplification block says
    what it is, while a crisis's retweeted report stays in the crisis's cluster.
    """
    n = len(vectors)
    group = copy_groups(vectors)
    cap = max((params.min_samples or size) - 1, 1)
    seen: dict[int, int] = {}
    kept: list[int] = []
    for row, first in enumerate(group.tolist()):
        if seen.get(first, 0) < cap:
            kept.append(row)
        seen[first] = seen.get(first, 0) + 1
    if len(kept) < max(2 * size, 3):
        labels = np.full(n, -1, dtype=np.int64)
    else:
        labels_kept = _hdbscan(reduce_dimension(vectors[kept], params.pca_dim), params, False)
        labels = np.asarray(labels_kept[np.searchsorted(kept, group)], dtype=np.int64)
    # Groups of copies large enough for a cluster that the density left out, or hung on a
    # cluster they lie outside of: in order of their first row, so numbering is a function of
    # the input.
    found = labels.copy()
    label = int(labels.max()) + 1 if n else 0
    for first, count in seen.items():
        if count >= size and not _inside(vectors, found, group, first):
            labels[group == first] = label
            label += 1
    return labels


def single_cluster_labels(reduced: npt.NDArray[np.float64], params: HdbscanParams) -> Labels:
    """HDBSCAN's labels for already reduced rows, allowed to select the root of its tree: a
    window that is one dense group among scattered points reports that group's core
    (`streams.lone.cold_start_story`)."""
    return _hdbscan(reduced, params, True)


def _hdbscan(
    reduced: npt.NDArray[np.float64], params: HdbscanParams, allow_single_cluster: bool
) -> Labels:
    import hdbscan

    n = len(reduced)
    size = params.effective_min_cluster_size(n)
    model = hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=min(params.min_samples or size, n - 1),
        metric="euclidean",
        cluster_selection_method=params.cluster_selection_method,
        cluster_selection_epsilon=params.cluster_selection_epsilon,
        algorithm=params.algorithm,
        allow_single_cluster=allow_single_cluster,
        core_dist_n_jobs=1,
        approx_min_span_tree=False,  # exact tree: same input, same clusters
    )
    labels = model.fit_predict(reduced)
    return np.asarray(labels, dtype=np.int64)


def _inside(
    vectors: npt.NDArray[np.float32], labels: Labels, group: npt.NDArray[np.int64], first: int
) -> bool:
    """Whether the copies of row `first` lie in the extent of the cluster they were given:
    at least as alike to the centroid of its other members as the least alike of them, with
    the cluster's far-out strays ignored, as attachment measures extents
    (`streams.attach.radius_of`, Tukey's far-out fence). Rows are unit length, as everything
    the detector clusters is (the lexical and time views keep them so)."""
    if labels[first] < 0:
        return False
    others = vectors[(labels == labels[first]) & (group != first)].astype(np.float64)
    if not len(others):
        return True
    centroid = others.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    return bool(vectors[first] @ centroid >= radius_of(others @ centroid, _FAR_OUT))
