"""Unit tests for streams.time_view: the time column pair beside the vectors, as a blend."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streams.time_view import TimeViewConfig, with_time

HOUR = 3600.0


def unit_rows(n: int, dim: int = 8, seed: int = 3) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_off_returns_the_matrix_itself() -> None:
    matrix = unit_rows(4)
    assert with_time(matrix, [0.0] * 4, 0.0, HOUR, TimeViewConfig()) is matrix
    assert not TimeViewConfig().enabled and TimeViewConfig(0.2).enabled


def test_rows_stay_unit_length_and_distances_are_the_stated_blend() -> None:
    """|x_i − x_j|² = 2(1 − w)(1 − cos_dense) + 2w(1 − cos Δθ), θ = (π/2)·age/length."""
    matrix = unit_rows(6)
    end, length = 100 * HOUR, 24 * HOUR
    times = [end - h * HOUR for h in (0.0, 1.0, 5.0, 12.0, 23.0, 24.0)]
    w = 0.3
    out = with_time(matrix, times, end, length, TimeViewConfig(w)).astype(np.float64)
    assert out.shape == (6, 10) and out.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    dense = matrix.astype(np.float64)
    theta = (math.pi / 2) * (np.array(times) - end) / length
    for i in range(6):
        for j in range(6):
            expected = 2 * (1 - w) * (1 - dense[i] @ dense[j]) + 2 * w * (
                1 - math.cos(theta[i] - theta[j])
            )
            assert float(np.sum((out[i] - out[j]) ** 2)) == pytest.approx(expected, abs=1e-5)


def test_same_meaning_a_window_apart_costs_two_w_and_same_hour_nearly_nothing() -> None:
    row = unit_rows(1)
    matrix = np.vstack([row, row, row])
    end, length, w = 50 * HOUR, 10 * HOUR, 0.25
    out = with_time(matrix, [end, end - 60.0, end - length], end, length, TimeViewConfig(w))
    assert float(np.sum((out[0] - out[2]) ** 2)) == pytest.approx(2 * w, abs=1e-5)
    assert float(np.sum((out[0] - out[1]) ** 2)) < 1e-5


def test_the_view_depends_on_age_in_windows_not_on_the_clock() -> None:
    """The same ages in a day's window and a month's window give the same rows, and shifting
    every time and the slide's end together changes nothing: the view is a function of the
    input, so replays agree."""
    matrix = unit_rows(5)
    ages = np.array([0.0, 0.1, 0.4, 0.7, 1.0])
    config = TimeViewConfig(0.2)
    day = with_time(matrix, list(1e6 - ages * 24 * HOUR), 1e6, 24 * HOUR, config)
    month = with_time(matrix, list(5e8 - ages * 30 * 24 * HOUR), 5e8, 30 * 24 * HOUR, config)
    np.testing.assert_allclose(day, month, atol=1e-6)


@pytest.mark.parametrize("weight", [-0.1, 1.0, 1.5, math.nan])
def test_a_weight_outside_zero_to_one_is_refused_with_its_value(weight: float) -> None:
    with pytest.raises(ValueError, match="time view weight must be in"):
        TimeViewConfig(weight)


def test_times_must_match_the_rows_and_the_window_must_have_a_length() -> None:
    matrix = unit_rows(3)
    with pytest.raises(ValueError, match="one time per row: 2 times for 3 rows"):
        with_time(matrix, [0.0, 1.0], 1.0, HOUR, TimeViewConfig(0.2))
    with pytest.raises(ValueError, match="window length must be > 0"):
        with_time(matrix, [0.0, 1.0, 2.0], 2.0, 0.0, TimeViewConfig(0.2))
