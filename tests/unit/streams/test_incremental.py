"""Unit tests for streams.incremental: seeds kept, new rows assigned or locally re-clustered.

Geometry: tight unit-vector blobs around orthogonal axes (cosine ~0.99 inside a blob, ~0
across), so what each rule must do is unambiguous. `whole_max=0` forces the incremental
regime on windows far smaller than production ones.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from streams.cluster import HdbscanClusterer, HdbscanParams, Labels
from streams.incremental import (
    IncrementalClusterer,
    IncrementalParams,
    SeededClusterer,
    cluster_stats,
)

Matrix = npt.NDArray[np.float32]
DIM = 48
INNER = HdbscanParams(min_cluster_size=10, min_samples=5, pca_dim=0)


def _blob(axis: int, count: int, rng: np.random.Generator, spread: float = 0.03) -> Matrix:
    x = np.eye(DIM)[axis] + rng.normal(0.0, spread, size=(count, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _scatter(count: int, rng: np.random.Generator) -> Matrix:
    x = rng.normal(0.0, 1.0, size=(count, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _clusterer(**kwargs: int | float) -> IncrementalClusterer:
    params = IncrementalParams(**{"whole_max": 0, "max_points": 60, **kwargs})  # type: ignore[arg-type]
    return IncrementalClusterer(HdbscanClusterer(INNER), params)


def _same_partition(a: Labels, b: Labels) -> bool:
    """Equal up to renumbering of the clusters (noise must match exactly)."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True) if x >= 0}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def test_is_a_seeded_clusterer() -> None:
    assert isinstance(_clusterer(), SeededClusterer)


def test_windows_up_to_whole_max_are_clustered_exactly_like_the_inner_clusterer() -> None:
    rng = np.random.default_rng(1)
    x = np.vstack([_blob(0, 30, rng), _blob(1, 30, rng), _scatter(20, rng)])
    inner = HdbscanClusterer(INNER).fit_predict(x)
    wrapped = IncrementalClusterer(HdbscanClusterer(INNER), IncrementalParams(whole_max=200))
    seeds = np.full(len(x), -1, dtype=np.int64)
    fresh = np.zeros(len(x), dtype=np.bool_)
    assert np.array_equal(wrapped.fit_predict_seeded(x, seeds, fresh), inner)


def test_default_regime_is_whole_up_to_8000_documents_then_incremental() -> None:
    # The bound is the documented cost rule (whole-window HDBSCAN ~1 s at 8,000 documents);
    # a setting raised below MAX_POINTS does not make the incremental regime start earlier.
    params = IncrementalParams()
    assert not params.incremental(8000)
    assert params.incremental(8001)
    assert not IncrementalParams(whole_max=0, max_points=4000).incremental(4000)
    assert IncrementalParams(whole_max=0, max_points=4000).incremental(4001)


def test_seeded_rows_keep_their_cluster_and_new_rows_join_the_right_one() -> None:
    rng = np.random.default_rng(2)
    old_a, old_b = _blob(0, 40, rng), _blob(1, 40, rng)
    new_a, new_b = _blob(0, 15, rng), _blob(1, 15, rng)
    x = np.vstack([old_a, old_b, new_a, new_b])
    seeds = np.array([7] * 40 + [3] * 40 + [-1] * 30, dtype=np.int64)
    fresh = np.array([False] * 80 + [True] * 30)
    labels = _clusterer().fit_predict_seeded(x, seeds, fresh)
    assert (labels[:40] == 7).all() and (labels[40:80] == 3).all()
    # New rows of blob A join label 7, those of blob B label 3 (most of them outright,
    # the rest through local re-clustering within the blob's radius).
    assert (labels[80:95] == 7).mean() >= 0.8
    assert (labels[95:110] == 3).mean() >= 0.8
    assert not np.isin(labels[80:95], [3]).any() and not np.isin(labels[95:110], [7]).any()


def test_a_new_blob_becomes_a_new_cluster_with_the_older_noise_that_started_it() -> None:
    rng = np.random.default_rng(3)
    known = _blob(0, 40, rng)
    early = _blob(5, 6, rng)  # the first posts of a new story: too few, noise a slide ago
    chatter = _scatter(40, rng)
    late = _blob(5, 14, rng)  # the story takes off in this slide
    x = np.vstack([known, early, chatter, late])
    seeds = np.array([0] * 40 + [-1] * 60, dtype=np.int64)
    fresh = np.array([False] * 86 + [True] * 14)
    labels = _clusterer().fit_predict_seeded(x, seeds, fresh)
    story = labels[40:46].tolist() + labels[86:].tolist()
    assert len(set(story)) == 1 and story[0] not in (-1, 0)
    assert (labels[:40] == 0).all()


def test_older_noise_never_drains_into_a_known_cluster() -> None:
    rng = np.random.default_rng(4)
    known = _blob(0, 40, rng)
    others = np.vstack([_blob(1, 30, rng), _blob(2, 30, rng)])
    fringe = _blob(0, 12, rng, spread=0.2)  # loose rows around the known cluster, left noise
    fresh_rows = _blob(0, 10, rng)
    x = np.vstack([known, others, fringe, fresh_rows])
    seeds = np.array([0] * 40 + [1] * 30 + [2] * 30 + [-1] * 22, dtype=np.int64)
    fresh = np.array([False] * 112 + [True] * 10)
    labels = _clusterer(max_points=80).fit_predict_seeded(x, seeds, fresh)
    assert (labels[100:112] == -1).all()
    assert (labels[112:] == 0).mean() >= 0.8


def test_cold_big_window_is_built_in_chunks_and_finds_every_blob() -> None:
    rng = np.random.default_rng(5)
    parts = [_blob(axis, 100, rng) for axis in range(4)] + [_scatter(100, rng)]
    order = rng.permutation(500)
    x = np.vstack(parts)[order]
    truth = np.concatenate([np.full(100, a) for a in range(4)] + [np.full(100, -1)])[order]
    labels = _clusterer(max_points=200).fit_predict(x)  # 500 rows: 5 chunks of 100
    owners = []
    for axis in range(4):
        found = labels[truth == axis]
        assert (found >= 0).mean() >= 0.7, axis
        values, counts = np.unique(found[found >= 0], return_counts=True)
        owners.append(int(values[counts.argmax()]))
        assert counts.max() >= 0.9 * counts.sum(), (axis, values, counts)
    assert len(set(owners)) == 4  # one cluster per blob
    assert (labels[truth < 0] >= 0).mean() <= 0.2  # the scatter stays mostly noise


def test_same_input_gives_same_labels() -> None:
    rng = np.random.default_rng(6)
    x = np.vstack([_blob(0, 50, rng), _blob(1, 50, rng), _scatter(50, rng)])
    seeds = np.array([0] * 30 + [-1] * 120, dtype=np.int64)
    fresh = np.arange(150) % 3 == 0
    first = _clusterer().fit_predict_seeded(x, seeds, fresh)
    second = _clusterer().fit_predict_seeded(x.copy(), seeds.copy(), fresh.copy())
    assert np.array_equal(first, second)


def test_labels_do_not_depend_on_the_numbering_of_the_seeds() -> None:
    rng = np.random.default_rng(7)
    x = np.vstack([_blob(0, 40, rng), _blob(1, 40, rng), _blob(0, 10, rng), _blob(1, 10, rng)])
    fresh = np.array([False] * 80 + [True] * 20)
    a = _clusterer().fit_predict_seeded(x, np.array([0] * 40 + [1] * 40 + [-1] * 20), fresh)
    b = _clusterer().fit_predict_seeded(x, np.array([5] * 40 + [2] * 40 + [-1] * 20), fresh)
    assert _same_partition(a, b)


def test_cluster_stats_gives_unit_centroids_and_quantile_radii() -> None:
    x = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    labels = np.array([4, 4, 4, -1], dtype=np.int64)
    ids, centroids, radius = cluster_stats(x, labels, 0.0)
    assert ids.tolist() == [4]
    assert np.linalg.norm(centroids[0]) == pytest.approx(1.0, abs=1e-6)
    sims = x[:3] @ centroids[0]
    assert radius[0] == pytest.approx(sims.min(), abs=1e-6)
    _, _, median = cluster_stats(x, labels, 0.5)
    assert median[0] == pytest.approx(np.sort(sims)[1], abs=1e-6)


def test_invalid_parameters_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="max_points"):
        IncrementalParams(max_points=2)
    with pytest.raises(ValueError, match="accept_quantile"):
        IncrementalParams(accept_quantile=1.5)
