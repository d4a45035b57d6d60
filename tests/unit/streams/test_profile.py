"""The window profile follows the stream's density, not its name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.profile import (
    CLUSTERS_PER_WINDOW,
    DAY,
    DENSE,
    SLOW_MAX_DAYS,
    SLOW_MIN_DAYS,
    choose_profile,
    slow_profile,
)

START = datetime(2023, 5, 1, tzinfo=UTC).timestamp()


def test_thousands_a_day_is_dense() -> None:
    times = [START + i * 60.0 for i in range(6 * 1440)]  # one a minute for six days
    assert choose_profile(times) is DENSE


def test_twenty_a_day_over_months_is_slow_with_a_one_week_window() -> None:
    times = [START + i * DAY / 20 for i in range(20 * 90)]  # twenty a day for 90 days
    profile = choose_profile(times)
    assert profile.name == "slow"
    # 100 documents at twenty a day take five days: the one-week floor holds.
    assert (profile.length_s, profile.slide_s) == (7 * DAY, DAY)


def test_a_few_a_day_get_a_window_long_enough_to_hold_a_hundred_documents() -> None:
    times = [START + i * DAY / 4 for i in range(4 * 200)]  # four a day for 200 days
    profile = choose_profile(times)
    assert profile.name == "slow"
    assert profile.length_s == 25 * DAY  # 100 / 4
    assert profile.slide_s == DAY


def test_the_slow_window_follows_the_streams_pace() -> None:
    # The same stream played twice as fast gets a window half as long.
    slow = [START + i * DAY / 2 for i in range(2 * 300)]
    fast = [START + (t - START) / 2 for t in slow]
    assert choose_profile(slow).length_s == 50 * DAY
    assert choose_profile(fast).length_s == 25 * DAY


def test_one_busy_day_does_not_make_a_slow_stream_dense() -> None:
    quiet = [START + i * DAY / 10 for i in range(10 * 30)]
    burst = [START + 5 * DAY + i for i in range(5000)]
    profile = choose_profile(quiet + burst)
    assert profile.name == "slow"
    assert profile.length_s == 10 * DAY  # the median day holds ten


@pytest.mark.parametrize(
    ("per_day", "days"),
    [(0.01, SLOW_MAX_DAYS), (1.0, SLOW_MAX_DAYS), (3.0, 34), (100.0, SLOW_MIN_DAYS)],
)
def test_slow_window_bounds(per_day: float, days: int) -> None:
    assert slow_profile(per_day).length_s == days * DAY


def test_a_larger_minimum_cluster_asks_for_a_longer_window() -> None:
    # Ten minimum clusters' worth of documents: 200 at four a day take 50 days.
    times = [START + i * DAY / 4 for i in range(4 * 200)]
    assert CLUSTERS_PER_WINDOW == 10
    assert choose_profile(times, min_cluster_size=20).length_s == 50 * DAY
    assert slow_profile(4.0, min_cluster_size=5).length_s == 13 * DAY


def test_empty_stream_defaults_to_dense() -> None:
    assert choose_profile([]) is DENSE
