"""Unit tests for streams.lone: the reference cohesion and the one-story search, on unit vectors
at known angles, so every cosine in them is a cos(degrees) one can check by hand."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from streams.cluster import HdbscanParams
from streams.lone import LoneConfig, cold_start_story, lone_story, typical_cohesion


def _at(*degrees: float, lift: float = 0.0) -> npt.NDArray[np.float32]:
    """Unit rows at these angles in the x-y plane, each lifted by `lift` degrees towards z."""
    rows = []
    for deg in degrees:
        d, z = math.radians(deg), math.radians(lift)
        rows.append([math.cos(d) * math.cos(z), math.sin(d) * math.cos(z), math.sin(z)])
    return np.array(rows, dtype=np.float32)


def _cos(degrees: float) -> float:
    return math.cos(math.radians(degrees))


def test_typical_cohesion_is_the_median_of_each_clusters_median_member_cosine() -> None:
    # Cluster A: -10, 0, +10 degrees (centroid at 0): member cosines cos10, 1, cos10 -> cos10.
    # Cluster B: 70, 90, 110 degrees (centroid at 90): median cos20. Median of the two.
    x = np.vstack([_at(-10, 0, 10), _at(70, 90, 110)])
    got = typical_cohesion(x, [[0, 1, 2], [3, 4, 5]])
    assert got == pytest.approx((_cos(10) + _cos(20)) / 2, abs=1e-6)


def test_typical_cohesion_at_a_low_quantile_reaches_the_outer_members() -> None:
    # One cluster at -20, -10, 0, +10, +20 degrees (centroid 0): sorted member cosines cos20,
    # cos20, cos10, cos10, 1. The median member is at cos10; the 0.25 quantile (position 1 of
    # 0..4) is the outer pair's cos20: the yardstick reaches the cluster's outer members.
    x = _at(-20, -10, 0, 10, 20)
    assert typical_cohesion(x, [[0, 1, 2, 3, 4]]) == pytest.approx(_cos(10), abs=1e-6)
    assert typical_cohesion(x, [[0, 1, 2, 3, 4]], 0.25) == pytest.approx(_cos(20), abs=1e-6)
    # Halfway between the 2nd and 3rd sorted values at 0.375.
    half = (_cos(20) + _cos(10)) / 2
    assert typical_cohesion(x, [[0, 1, 2, 3, 4]], 0.375) == pytest.approx(half, abs=1e-6)


def test_typical_cohesion_without_clusters_is_none() -> None:
    assert typical_cohesion(_at(0, 90), []) is None
    assert typical_cohesion(_at(0, 90), [[]]) is None


def test_lone_story_finds_the_tight_group_among_scattered_rows() -> None:
    group = _at(*(200 + 0.2 * i for i in range(12)))  # 12 rows within 2.2 degrees
    scattered = np.vstack([_at(20, 110), _at(300, lift=40), _at(150, lift=-50)])
    x = np.vstack([scattered[:2], group, scattered[2:]])
    rows = lone_story(x, cohesion=_cos(3), min_size=10)
    assert rows == list(range(2, 14))


def test_lone_story_needs_min_size_rows_at_the_reference_cohesion() -> None:
    group = _at(*(200 + 0.2 * i for i in range(12)))
    assert lone_story(group, cohesion=_cos(3), min_size=13) == []
    # At a stricter reference (0.9 degrees) rows have neighbours up to 4 steps (0.8 degrees)
    # away; the first densest row is 200.8 (rows 0-8), whose neighbours' centroid is 200.8,
    # and the rows within 0.9 degrees of it are 200.0 ... 201.6: nine, none at the boundary.
    assert lone_story(group, cohesion=_cos(0.9), min_size=1) == list(range(9))


def test_lone_story_finds_nothing_in_scattered_chatter() -> None:
    # 16 rows 22.5 degrees apart: at a reference of cos 10, each row's only neighbour is itself.
    x = _at(*(22.5 * i for i in range(16)))
    assert lone_story(x, cohesion=_cos(10), min_size=2) == []


def test_lone_story_is_deterministic_on_ties_and_small_inputs() -> None:
    # Two equally dense pairs: the first densest row wins, so its pair is returned.
    x = _at(0, 1, 90, 91)
    assert lone_story(x, cohesion=_cos(2), min_size=2) == [0, 1]
    assert lone_story(x[:1], cohesion=_cos(2), min_size=2) == []
    assert lone_story(np.zeros((0, 3), dtype=np.float32), cohesion=0.5, min_size=1) == []


def test_lone_config_refuses_a_useless_bound() -> None:
    with pytest.raises(ValueError, match="max_rows"):
        LoneConfig(max_rows=0)
    with pytest.raises(ValueError, match="reach_quantile"):
        LoneConfig(reach_quantile=1.5)


def _unit(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _story_among_chatter(
    seed: int, story: int, chatter: int, dim: int = 384, spread: float = 1.0
) -> tuple[npt.NDArray[np.float32], list[int]]:
    """`story` rows scattered around one direction (pairwise cosine about 0.5 at spread 1, as
    a sentence encoder's posts of one claim) between two halves of `chatter` random rows (a
    stream's unrelated posts: pairwise cosine about 0); the story's row numbers."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=dim)
    scatter = spread * rng.normal(size=(story, dim)) / dim**0.5
    told = _unit(centre / np.linalg.norm(centre) + scatter)
    other = _unit(rng.normal(size=(chatter, dim)))
    half = chatter // 2
    return np.vstack([other[:half], told, other[half:]]), list(range(half, half + story))


@pytest.mark.parametrize(("seed", "story", "chatter"), [(7, 20, 30), (8, 15, 60), (9, 12, 30)])
def test_cold_start_finds_one_story_among_unrelated_posts(
    seed: int, story: int, chatter: int
) -> None:
    x, rows = _story_among_chatter(seed, story, chatter)
    found = cold_start_story(x, HdbscanParams())
    assert len(found) >= HdbscanParams().min_cluster_size
    assert set(found) <= set(rows)  # every row it reports is the story's


@pytest.mark.parametrize(("n", "dim"), [(20, 384), (40, 384), (200, 384), (40, 32), (80, 3)])
def test_cold_start_reports_nothing_in_unrelated_posts(n: int, dim: int) -> None:
    # HDBSCAN allowed a single cluster proposes a core here too (its densest ten rows, which
    # the first version took as a narrative); the shuffled copies are as tight, so no story.
    x = _unit(np.random.default_rng(n + dim).normal(size=(n, dim)))
    assert cold_start_story(x, HdbscanParams()) == []


def test_cold_start_needs_room_for_two_clusters_and_is_deterministic() -> None:
    x, _ = _story_among_chatter(7, 12, 6)  # 18 rows: HDBSCAN's floor is two clusters of 10
    assert cold_start_story(x, HdbscanParams()) == []
    x, _ = _story_among_chatter(7, 20, 30)
    assert cold_start_story(x, HdbscanParams()) == cold_start_story(x.copy(), HdbscanParams())
