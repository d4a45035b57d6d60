"""Emerging-narrative alerts on the real broker: a constructed surge stream → the worker (real
model) → exactly one alert per narrative on the alerts topic, counted by the metric.

Three narratives post a few times an hour for six hours and each surges once (40 posts in
20 minutes, at hours 2, 3 and 4); the cool-down (24 h) is longer than the stream, so each
narrative alerts once — when it first passes the gates — and its surge is held back.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from kafka_support import read_json_topic, wait_for, worker_metric

from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.settings import Settings
from schemas.export import schema_for

pytestmark = pytest.mark.integration

START = datetime(2024, 9, 2, 6, tzinfo=UTC)
ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "7200",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
    "NARRATIVES_ALERT_MIN_SIZE": "10",
    "NARRATIVES_ALERT_COOLDOWN_S": "86400",
    # Per narrative, not per story: the test counts one alert for every eligible narrative.
    "NARRATIVES_ALERT_PER_STORY": "false",
}
TOPICS: dict[str, tuple[list[str], list[str], float]] = {
    "storm": (
        [
            "Hurricane {x} is expected to make landfall near {p} tonight, forecasters warn",
            "Residents of {p} told to evacuate before hurricane {x} reaches the coast",
            "Storm surge from hurricane {x} could flood {p}, officials say",
            "Hurricane {x} strengthens to category four on its way to {p}",
        ],
        ["Ida", "Bora", "Cleo", "Dara"],
        2.0,
    ),
    "strike": (
        [
            "Dock workers in {p} walk out as the {x} union strike over wages begins",
            "The {x} union says the port strike in {p} will continue until pay rises",
            "Picket lines grow at the {p} port as the {x} union strike enters its second day",
            "Shipping halted in {p} by the {x} union dock workers strike",
        ],
        ["ILA", "Unite", "GMB", "Maritime"],
        3.0,
    ),
    "vaccine": (
        [
            "Health officials in {p} deny claims that the {x} vaccine contains microchips",
            "Viral video falsely says the {x} vaccine alters DNA, doctors in {p} respond",
            "Fact check: no, the {x} vaccine did not cause deaths in {p}",
            "Rumours about the {x} vaccine spread in {p} chat groups despite denials",
        ],
        ["Novavax", "Moderna", "Pfizer", "Sanofi"],
        4.0,
    ),
}
PLACES = ["Miami", "Tampa", "Savannah", "Mobile", "Houston", "Norfolk", "Charleston", "Naples"]
NOISE = [
    "Best pizza recipe I have tried this year",
    "Traffic on the bridge is terrible this morning",
    "Our cat learned to open the fridge door",
    "New phone battery lasts two full days",
    "The library extended its weekend opening hours",
    "Just finished a marathon training run",
    "Tickets for the jazz festival go on sale Friday",
    "Learning to knit a scarf for the winter",
]


def surge_stream(seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []

    def add(i: int, name: str, text: str, hours: float) -> None:
        stamp = START + timedelta(hours=hours)
        records.append(
            {
                "id": f"{name}-{i:03d}",
                "kind": "post",
                "text": text,
                "published_at": stamp.isoformat().replace("+00:00", "Z"),
                "source": rng.choice(["x", "bluesky", "mastodon"]),
                "author": f"{name}{i}",
                "lang": "en",
            }
        )

    for name, (templates, names, surge) in TOPICS.items():
        times = [rng.uniform(0, 6) for _ in range(30)] + [
            surge + rng.uniform(0, 1 / 3) for _ in range(40)
        ]
        for i, hours in enumerate(times):
            text = rng.choice(templates).format(x=rng.choice(names), p=rng.choice(PLACES))
            add(i, name, text, hours)
    for i in range(60):
        add(i, "noise", f"{rng.choice(NOISE)} #{rng.randint(1, 999)}", rng.uniform(0, 6))
    records.sort(key=lambda r: (r["published_at"], r["id"]))
    return records


def test_a_surge_stream_raises_one_alert_per_narrative(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {**unique_topics, **ENV}  # its own alerts topic among them
    settings = settings_from(env)
    worker = start_worker(env)
    records = surge_stream()
    path = tmp_path / "surge.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert produce_file(settings, path) == len(records)

    # Once the watermark has reached the newest post (less the allowed lateness), every due
    # slide has closed and its events and alerts are on their way to the topics.
    newest = max(datetime.fromisoformat(r["published_at"]).timestamp() for r in records)
    wait_for(
        lambda: worker_metric(worker, "narratives_watermark_timestamp_seconds") >= newest - 61,
        timeout_s=300,
        what="the watermark to reach the newest post",
    )
    events = read_json_topic(settings.narratives_topic, settings.broker, timeout_s=60, settle_s=5)
    alerts = read_json_topic(settings.alerts_topic, settings.broker, timeout_s=60, settle_s=5)
    assert alerts, f"no alerts; worker log:\n{worker.log_tail()}"

    # Exactly one alert per narrative, and every narrative that passed the gates has one.
    per_narrative = Counter(a["narrative_id"] for a in alerts)
    assert set(per_narrative.values()) == {1}, per_narrative
    eligible = {e["narrative_id"] for e in events if e["type"] != "faded" and e["size"] >= 10}
    assert set(per_narrative) == eligible
    topics = {a["first_document"]["doc_id"].split("-")[0] for a in alerts}
    assert {"storm", "strike", "vaccine"} <= topics

    validator = Draft202012Validator(schema_for("narrative-alert"))
    by_event = {e["event_id"]: e for e in events}
    for alert in alerts:
        assert not list(validator.iter_errors(alert))
        assert alert["reasons"][0] == "emerged"
        event = by_event[alert["event_id"]]  # the triggering event was published too
        assert event["narrative_id"] == alert["narrative_id"]
        assert alert["signals"] == event["signals"]
        assert alert["raised_at"] == event["window"]["end"]

    # The metric counts each alert once, under its primary reason.
    assert worker_metric(worker, "narratives_alerts_total") == len(alerts)
    assert worker_metric(worker, 'narratives_alerts_total{reason="emerged"}') == len(alerts)
