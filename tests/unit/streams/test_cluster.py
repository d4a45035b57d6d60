"""Unit tests for streams.cluster: the `Clusterer` contract, HDBSCAN's knobs and the PCA step.

`TestClustererContract` is run against every implementation (river-style): the default
`HdbscanClusterer` and `ThresholdClusterer`, a deliberately naive reference defined here. A
new clusterer joins the suite by adding one line to `CLUSTERERS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from streams.cluster import (
    Clusterer,
    HdbscanClusterer,
    HdbscanParams,
    Labels,
    copy_groups,
    reduce_dimension,
)

Matrix = npt.NDArray[np.float32]


class ThresholdClusterer:
    """Reference clusterer: connected components of the graph "cosine >= threshold".

    Components smaller than `min_size` are noise; labels are numbered by first row, so equal
    input gives equal labels.
    """

    def __init__(self, threshold: float = 0.8, min_size: int = 5) -> None:
        self.threshold = threshold
        self.min_size = min_size

    def fit_predict(self, vectors: Matrix) -> Labels:
        n = len(vectors)
        labels = np.full(n, -1, dtype=np.int64)
        if n == 0:
            return labels
        x = vectors.astype(np.float64)
        adjacent = (x @ x.T) >= self.threshold
        component = np.full(n, -1, dtype=np.int64)
        for root in range(n):
            if component[root] >= 0:
                continue
            stack = [root]
            component[root] = root
            while stack:
                row = stack.pop()
                for other in np.flatnonzero(adjacent[row] & (component < 0)).tolist():
                    component[other] = root
                    stack.append(other)
        next_label = 0
        for root in sorted(set(component.tolist())):
            rows = component == root
            if rows.sum() >= self.min_size:
                labels[rows] = next_label
                next_label += 1
        return labels


CLUSTERERS: dict[str, Callable[[], Clusterer]] = {
    "hdbscan": lambda: HdbscanClusterer(HdbscanParams(min_cluster_size=10, min_samples=5)),
    "hdbscan-boruvka": lambda: HdbscanClusterer(
        HdbscanParams(min_cluster_size=10, min_samples=5, algorithm="boruvka_kdtree")
    ),
    "hdbscan-every-copy": lambda: HdbscanClusterer(
        HdbscanParams(min_cluster_size=10, min_samples=5, cap_copies=False)
    ),
    "threshold-reference": lambda: ThresholdClusterer(threshold=0.8, min_size=5),
}


def _unit(x: npt.NDArray[np.float64]) -> Matrix:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _blobs(
    seed: int = 0, per_blob: int = 30, blobs: int = 3, noise: int = 20, dim: int = 48
) -> tuple[Matrix, npt.NDArray[np.int64]]:
    """Tight unit-vector blobs around orthogonal centres, plus uniformly scattered noise.

    Returns the vectors (shuffled) and the truth per row: the blob index, or -1 for noise.
    """
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:blobs]
    rows = [centres[b] + rng.normal(0.0, 0.03, size=(per_blob, dim)) for b in range(blobs)]
    rows.append(rng.normal(0.0, 1.0, size=(noise, dim)))
    truth = np.concatenate([np.full(per_blob, b) for b in range(blobs)] + [np.full(noise, -1)])
    x = _unit(np.vstack(rows))
    order = rng.permutation(len(x))
    return x[order], truth[order].astype(np.int64)


@pytest.fixture(params=sorted(CLUSTERERS))
def clusterer(request: pytest.FixtureRequest) -> Clusterer:
    return CLUSTERERS[request.param]()


class TestClustererContract:
    def test_is_a_clusterer(self, clusterer: Clusterer) -> None:
        assert isinstance(clusterer, Clusterer)

    def test_one_int64_label_per_row_noise_is_minus_one(self, clusterer: Clusterer) -> None:
        x, _ = _blobs()
        labels = clusterer.fit_predict(x)
        assert isinstance(labels, np.ndarray)
        assert labels.dtype == np.int64
        assert labels.shape == (len(x),)
        assert labels.min() >= -1

    def test_empty_input_gives_no_labels(self, clusterer: Clusterer) -> None:
        labels = clusterer.fit_predict(np.zeros((0, 48), dtype=np.float32))
        assert labels.shape == (0,)

    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_tiny_input_is_all_noise(self, clusterer: Clusterer, n: int) -> None:
        x, _ = _blobs(per_blob=n, blobs=1, noise=0)
        labels = clusterer.fit_predict(x)
        assert labels.tolist() == [-1] * n

    def test_separates_well_separated_blobs_and_leaves_scattered_points_as_noise(
        self, clusterer: Clusterer
    ) -> None:
        x, truth = _blobs()
        labels = clusterer.fit_predict(x)
        found = set()
        for blob in range(3):
            blob_labels = set(labels[truth == blob].tolist())
            assert len(blob_labels) == 1, f"blob {blob} split into {blob_labels}"
            (label,) = blob_labels
            assert label >= 0
            found.add(label)
        assert len(found) == 3
        # Density-based clusterers may attach a few stray points to a cluster's fringe.
        assert (labels[truth == -1] == -1).mean() >= 0.75

    def test_is_deterministic_and_does_not_modify_its_input(self, clusterer: Clusterer) -> None:
        x, _ = _blobs(seed=3)
        before = x.copy()
        first = clusterer.fit_predict(x)
        second = clusterer.fit_predict(x.copy())
        np.testing.assert_array_equal(first, second)
        np.testing.assert_array_equal(x, before)

    def test_row_order_does_not_change_how_blobs_are_grouped(self, clusterer: Clusterer) -> None:
        x, truth = _blobs(seed=5)
        perm = np.random.default_rng(11).permutation(len(x))
        labels = clusterer.fit_predict(x)[perm]
        permuted = clusterer.fit_predict(x[perm])
        in_blob = truth[perm] >= 0
        assert _partition(labels[in_blob]) == _partition(permuted[in_blob])
        assert len(_partition(permuted[in_blob])) == 3


def _partition(labels: npt.NDArray[np.int64]) -> set[frozenset[int]]:
    """Clusters as sets of rows (noise left out), independent of label numbering."""
    return {frozenset(np.flatnonzero(labels == k).tolist()) for k in set(labels.tolist()) - {-1}}


# --- HdbscanClusterer ------------------------------------------------------------------------


def test_hdbscan_returns_all_noise_below_twice_the_min_cluster_size() -> None:
    clusterer = HdbscanClusterer(HdbscanParams(min_cluster_size=10, min_samples=5))
    x, truth = _blobs(per_blob=10, blobs=2, noise=0)
    labels = clusterer.fit_predict(x)
    assert _partition(labels) == _partition(truth)  # 20 rows: two clusters of 10
    # One row fewer (19 < 2 × 10): not worth running HDBSCAN, everything is noise.
    x19, _ = _blobs(per_blob=10, blobs=2, noise=0)
    assert set(clusterer.fit_predict(x19[1:]).tolist()) == {-1}


def test_hdbscan_tree_algorithms_find_the_same_clusters() -> None:
    # Prim's (the default, faster) and Borůvka both build an exact minimum spanning tree of
    # the mutual-reachability graph. Those distances tie often (they are floored at core
    # distances), so a stray point between two clusters may fall to either; the clusters and
    # what is noise must not change.
    x, truth = _blobs(seed=5, per_blob=40, blobs=4, noise=60)
    prims = HdbscanClusterer(HdbscanParams()).fit_predict(x)
    boruvka = HdbscanClusterer(HdbscanParams(algorithm="boruvka_kdtree")).fit_predict(x)
    assert HdbscanParams().algorithm == "prims_kdtree"
    core = truth >= 0
    assert _partition(prims[core]) == _partition(boruvka[core]) == _partition(truth[core])
    assert ((prims == -1) == (boruvka == -1)).all()
    assert (prims != boruvka).sum() <= 2


def test_hdbscan_min_cluster_size_grows_with_the_window_share() -> None:
    params = HdbscanParams(min_cluster_size=10, min_cluster_share=0.05)
    assert params.effective_min_cluster_size(100) == 10
    assert params.effective_min_cluster_size(1000) == 50
    assert params.effective_min_cluster_size(1001) == 51
    assert HdbscanParams(min_cluster_size=10).effective_min_cluster_size(10**6) == 10


def test_hdbscan_share_turns_small_blobs_into_noise_in_a_big_window() -> None:
    # 3 blobs of 30 in 200 rows: with a 20 % share the minimum size is 40, so no blob qualifies.
    x, _ = _blobs(per_blob=30, noise=110)
    labels = HdbscanClusterer(
        HdbscanParams(min_cluster_size=10, min_cluster_share=0.2)
    ).fit_predict(x)
    assert set(labels.tolist()) == {-1}


def test_hdbscan_clusters_are_never_smaller_than_the_min_cluster_size() -> None:
    x, _ = _blobs(seed=2, per_blob=12, blobs=4, noise=40)
    labels = HdbscanClusterer(HdbscanParams(min_cluster_size=12, min_samples=3)).fit_predict(x)
    sizes = [int((labels == k).sum()) for k in set(labels.tolist()) - {-1}]
    assert sizes
    assert min(sizes) >= 12


def test_hdbscan_works_below_and_above_the_pca_dimension() -> None:
    x, truth = _blobs(dim=16)  # 16 <= pca_dim: no projection
    labels = HdbscanClusterer(HdbscanParams(pca_dim=32)).fit_predict(x)
    assert len(set(labels[truth >= 0].tolist()) - {-1}) == 3
    x, truth = _blobs(dim=128)
    labels = HdbscanClusterer(HdbscanParams(pca_dim=8)).fit_predict(x)
    assert len(set(labels[truth >= 0].tolist()) - {-1}) == 3


# --- copies of one vector (cap_copies) ------------------------------------------------------


def _story_and_copies(copies: int) -> tuple[Matrix, int]:
    """Two loose stories of 60 posts and 40 scattered ones, then `copies` exact copies of one
    post of the first story (its retweets). Returns the rows and the copied row's index."""
    rng = np.random.default_rng(0)
    centres = np.eye(48)
    x = _unit(
        np.vstack(
            [
                centres[0] + rng.normal(0.0, 0.08, size=(60, 48)),
                centres[1] + rng.normal(0.0, 0.08, size=(60, 48)),
                rng.normal(0.0, 1.0, size=(40, 48)),
            ]
        )
    )
    return np.vstack([x, np.repeat(x[5:6], copies, axis=0)]), 5


def test_copy_groups_point_each_row_at_its_first_exact_copy() -> None:
    x, _ = _blobs(per_blob=3, blobs=2, noise=0)
    rows = np.vstack([x, x[1:2], x[4:5], x[1:2]])
    nearly = rows[0] + np.float32(1e-7)
    groups = copy_groups(np.vstack([rows, nearly[None, :]]))
    assert groups.tolist() == [0, 1, 2, 3, 4, 5, 1, 4, 1, 9]


def test_a_posts_copies_stay_in_their_storys_cluster() -> None:
    """Forty retweets of one post are forty points at distance zero: counted all, they make a
    cluster of their own and tear the story apart (crisislex's retweets); capped
    at min_samples - 1, they weigh in the story's density and are labelled with it."""
    x, copied = _story_and_copies(40)
    story = np.r_[0:60, 160:200]
    every = HdbscanClusterer(HdbscanParams(cap_copies=False)).fit_predict(x)
    assert len(set(every[story].tolist()) - {-1}) >= 2 or (every[story] == -1).any()
    capped = HdbscanClusterer(HdbscanParams()).fit_predict(x)
    assert HdbscanParams().cap_copies
    (label,) = set(capped[story].tolist())
    assert label >= 0 and capped[copied] == label
    other = set(capped[60:120].tolist())
    assert len(other) == 1 and label not in other


def test_a_campaign_of_copies_and_nothing_else_is_a_cluster_of_its_own() -> None:
    """Fifteen accounts posting one text that nothing else resembles: the capped density sees
    four points and hangs them on a neighbouring cluster's fringe or leaves them as noise, yet a
    copy-paste campaign of a cluster's size is a narrative, apart from the stories around it."""
    x, _ = _story_and_copies(0)
    campaign = _unit(np.random.default_rng(9).normal(0.0, 1.0, size=(1, 48)))
    rows = np.vstack([x, np.repeat(campaign, 15, axis=0)])
    labels = HdbscanClusterer(HdbscanParams()).fit_predict(rows)
    (label,) = set(labels[160:].tolist())
    assert label >= 0
    assert label not in set(labels[:160].tolist())
    assert len(set(labels[:60].tolist())) == 1 and len(set(labels[60:120].tolist())) == 1
    # Nine copies are fewer than a cluster's minimum size: not a narrative on their own.
    few = HdbscanClusterer(HdbscanParams()).fit_predict(
        np.vstack([x, np.repeat(campaign, 9, axis=0)])
    )
    assert set(few[160:].tolist()) <= set(few[:160].tolist())  # noise, or a neighbour's fringe


def test_the_cap_changes_nothing_where_no_vector_repeats_past_it() -> None:
    x, _ = _blobs(seed=4, per_blob=30, blobs=3, noise=30)
    rows = np.vstack([x, x[:5], x[:5], x[:5]])  # four copies of five rows: within the cap
    capped = HdbscanClusterer(HdbscanParams()).fit_predict(rows)
    every = HdbscanClusterer(HdbscanParams(cap_copies=False)).fit_predict(rows)
    np.testing.assert_array_equal(capped, every)


# --- reduce_dimension ------------------------------------------------------------------------


def test_reduce_dimension_projects_to_dim_columns_centred() -> None:
    x = np.random.default_rng(0).normal(size=(50, 20)).astype(np.float32)
    y = reduce_dimension(x, 5)
    assert y.shape == (50, 5)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-9)
    # Components come in decreasing variance.
    variances = y.var(axis=0)
    assert np.all(np.diff(variances) <= 1e-12)


@pytest.mark.parametrize(("n", "d", "dim"), [(50, 20, 20), (50, 20, 32), (10, 20, 10), (50, 20, 0)])
def test_reduce_dimension_leaves_small_inputs_unprojected(n: int, d: int, dim: int) -> None:
    x = np.random.default_rng(1).normal(size=(n, d)).astype(np.float32)
    y = reduce_dimension(x, dim)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, x.astype(np.float64))


def test_reduce_dimension_preserves_distances_when_the_data_fit_in_dim() -> None:
    rng = np.random.default_rng(2)
    # 60 points of rank 4 living in 30 dimensions: a 6-d PCA loses nothing.
    x = (rng.normal(size=(60, 4)) @ rng.normal(size=(4, 30))).astype(np.float32)
    y = reduce_dimension(x, 6)

    def distances(m: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        m = m.astype(np.float64)
        return np.linalg.norm(m[:, None, :] - m[None, :, :], axis=-1)

    np.testing.assert_allclose(distances(y), distances(x), rtol=1e-4, atol=1e-4)


def test_reduce_dimension_fixes_each_component_sign_by_its_largest_loading() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(80, 12)) * np.linspace(3.0, 0.5, 12)
    y = reduce_dimension(x.astype(np.float32), 4)
    centred = x.astype(np.float32).astype(np.float64)
    centred = centred - centred.mean(axis=0)
    # Recover the components from the projection: y = centred @ C.T.
    components = np.linalg.lstsq(centred, y, rcond=None)[0].T
    for row in components:
        assert row[np.abs(row).argmax()] > 0
    # Hence the projection of the mirrored data is the mirrored projection.
    np.testing.assert_allclose(reduce_dimension(-x.astype(np.float32), 4), -y, atol=1e-9)


def test_reduce_dimension_is_deterministic() -> None:
    x = np.random.default_rng(4).normal(size=(200, 64)).astype(np.float32)
    np.testing.assert_array_equal(reduce_dimension(x, 16), reduce_dimension(x.copy(), 16))
