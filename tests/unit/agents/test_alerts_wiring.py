"""Alerts through the agents layer: settings → policy, and offline replay writing alerts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from agents.replay import replay_file
from agents.settings import Settings
from schemas.export import schema_for
from streams.embed import Embedder
from streams.events import rfc3339

# The constructed surge stream lives with the pure tests (tests/unit/streams/test_alerts.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "streams"))
from test_alerts import surge_stream


def test_settings_build_the_alert_policy_and_amplification_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NARRATIVES_ALERT_MIN_SIZE", "7")
    monkeypatch.setenv("NARRATIVES_ALERT_COOLDOWN_S", "60")
    monkeypatch.setenv("NARRATIVES_ALERT_MIN_LANGS", "2")
    monkeypatch.setenv("NARRATIVES_AMPLIFICATION_SPAN_S", "300")
    settings = Settings()
    policy = settings.alert_policy
    assert (policy.min_size, policy.cooldown_s, policy.min_langs) == (7, 60.0, 2)
    assert settings.alerts_topic == "narratives.alerts"
    assert settings.detector_params.amplification.span_s == 300.0
    # Alert thresholds are not detector parameters: changing them never changes event ids.
    assert settings.detector_params == Settings(alert_min_size=99).detector_params


def test_replay_writes_the_same_valid_alerts_every_time(
    tmp_path: Path, fake_embedder: Embedder
) -> None:
    stream = tmp_path / "stream.jsonl"
    with stream.open("w") as out:
        for doc in surge_stream():
            record = {
                "id": doc.doc_id,
                "text": doc.text,
                "published_at": rfc3339(doc.time),
                "author": doc.author,
                "source": doc.source,
                "lang": "en",
            }
            out.write(json.dumps(record) + "\n")
    settings = Settings(
        window_length_s=6 * 3600.0,
        window_slide_s=3600.0,
        allowed_lateness_s=0.0,
        alert_min_size=10,
        alert_on_emergence=False,
        alert_min_burst_score=5.0,
        alert_min_velocity_per_h=1e9,
    )
    outputs = []
    for run in range(2):
        alerts = tmp_path / f"alerts{run}.jsonl"
        summary = replay_file(
            settings,
            stream,
            tmp_path / f"events{run}.jsonl",
            embedder=fake_embedder,
            alerts_path=alerts,
        )
        outputs.append(alerts.read_bytes())
        lines = alerts.read_text().splitlines()
        assert summary.alerts == len(lines) >= 2
    assert outputs[0] == outputs[1]
    validator = Draft202012Validator(schema_for("narrative-alert"))
    for line in outputs[0].decode().splitlines():
        assert not list(validator.iter_errors(json.loads(line)))
