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
    """HDBSCAN's labels for the rows (PCA first), -1 for noise."""
    n = len(vectors)
    size = params.effective_min_cluster_size(n)
    if n < max(2 * size, 3):
        return np.full(n, -1, dtype=np.int64)
    return _hdbscan(reduce_dimension(vectors, params.pca_dim), params, False)


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
