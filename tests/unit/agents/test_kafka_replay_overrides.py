"""What-if overrides and the choice of checkpoint for a replay from the middle (no broker)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from agents.checkpoint_history import (
    HEADER_CLOSED_UNTIL,
    HEADER_PARAMS_VERSION,
    history_headers,
    select,
)
from agents.cli import main
from agents.kafka_replay import KafkaReplayResult, apply_overrides, summary
from agents.settings import Settings
from streams.detector import Detector


class _Embedder:
    model_id = "test-embedder"
    dimension = 4

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32)


def test_overrides_change_the_parameters_and_their_version() -> None:
    base = Settings(broker="b:1")
    changed = apply_overrides(base, ["min_cluster_size=8", "NARRATIVES_WINDOW_SLIDE_S=1800"])
    assert changed.min_cluster_size == 8 and changed.window_slide_s == 1800.0
    assert changed.broker == "b:1"  # everything else kept
    before = base.detector_params.version("m")
    assert changed.detector_params.version("m") != before
    assert apply_overrides(base, []) is base


def test_an_unknown_or_malformed_override_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="did you mean min_cluster_size"):
        apply_overrides(Settings(), ["min_cluster_sise=8"])
    with pytest.raises(ValueError, match="KEY=VALUE"):
        apply_overrides(Settings(), ["min_cluster_size"])
    with pytest.raises(ValueError):  # pydantic validates the value like the variable
        apply_overrides(Settings(), ["min_cluster_size=1"])


def test_replay_cli_reports_a_bad_override_as_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["replay", "--kafka", "x", "--set", "nope=1"])
    assert result.exit_code == 2 and "--set" in result.output


def test_the_newest_checkpoint_at_or_before_the_start_with_the_same_parameters_wins() -> None:
    found = [
        (3600.0, "p1", 0),
        (7200.0, "p1", 1),
        (10800.0, "p2", 2),  # other parameters: never restored
        (10800.0, "p1", 3),
        (14400.0, "p1", 4),  # after the start
        (7200.0, "p1", 5),  # a recovered worker wrote 7200 again: older than 10800 still
    ]
    assert select(found, 12000.0, "p1") == 3
    assert select(found, 10800.0, "p1") == 3  # closed exactly at the start is fine
    assert select(found, 7200.0, "p1") == 5  # equal times: the last written
    assert select(found, 3000.0, "p1") is None
    assert select(found, 12000.0, "p3") is None


def test_history_headers_name_the_closed_slide_and_the_parameters() -> None:
    detector = Detector(Settings().detector_params, _Embedder())
    detector.window.state.closed_until = 1683504000.0
    headers = dict(history_headers(detector))
    assert float(headers[HEADER_CLOSED_UNTIL]) == 1683504000.0
    assert headers[HEADER_PARAMS_VERSION] == detector.info.params_version.encode()


def test_summary_says_how_the_replay_was_warmed() -> None:
    result = KafkaReplayResult(params_version="abc", warmup="checkpoint", restored_until=0.0)
    report = summary(result)
    assert report["warmup"] == "checkpoint" and report["params_version"] == "abc"
    assert report["restored_until"] == "1970-01-01T00:00:00Z"
    json.dumps(report)
