"""The window profile follows the stream's density, not its name."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.profile import DAY, DENSE, SLOW, choose_profile

START = datetime(2023, 5, 1, tzinfo=UTC).timestamp()


def test_thousands_a_day_is_dense() -> None:
    times = [START + i * 60.0 for i in range(6 * 1440)]  # one a minute for six days
    assert choose_profile(times) is DENSE


def test_tens_a_day_over_months_is_slow() -> None:
    times = [START + i * DAY / 20 for i in range(20 * 90)]  # twenty a day for 90 days
    assert choose_profile(times) is SLOW


def test_one_busy_day_does_not_make_a_slow_stream_dense() -> None:
    quiet = [START + i * DAY / 10 for i in range(10 * 30)]
    burst = [START + 5 * DAY + i for i in range(5000)]
    assert choose_profile(quiet + burst) is SLOW


def test_empty_stream_defaults_to_dense() -> None:
    assert choose_profile([]) is DENSE
