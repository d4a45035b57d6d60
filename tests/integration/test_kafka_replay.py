"""Replay of history from Kafka reproduces what the live worker published (real broker): from
the start, and from the middle (restoring the live run's checkpoint, or replaying silently from
the start); a what-if parameter gives another params_version and other events."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka_support import metric_total, read_topic, wait_processed

from agents.export import export, read_events_topic
from agents.kafka_replay import (
    KafkaReplayRequest,
    apply_overrides,
    parse_time,
    replay_topic,
    run_kafka_replay,
)
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import SAMPLE_START, generate_sample
from agents.settings import Settings

pytestmark = pytest.mark.integration

WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "128",
}


def test_replay_from_the_start_or_the_middle_reproduces_the_live_events(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {**unique_topics, **WINDOW_ENV}
    settings = settings_from(env)
    sample = generate_sample(500, hours=10.0)
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    # History first, then the live worker catches up on it, as after a deployment.
    from agents.topics import ensure_topics

    ensure_topics(settings)
    assert produce_file(settings, path) == len(sample)
    worker = start_worker(env)
    wait_processed(worker, len(sample))
    live = [
        v.decode()
        for v in read_topic(settings.narratives_topic, settings.broker, settle_s=5, timeout_s=300)
    ]
    assert live, worker.log_tail()
    # Caught up: no partition has unread records (one series per input partition).
    status, body = worker.get("/metrics")
    lag = [
        line for line in body.decode().splitlines() if line.startswith("narratives_consumer_lag")
    ]
    assert status == 200 and len(lag) == 2
    assert metric_total(body.decode(), "narratives_consumer_lag_messages") == 0

    result = run_kafka_replay(
        settings, KafkaReplayRequest(name="it-full", start=None, publish=True)
    )
    replayed = [e.model_dump_json() for e in result.events]
    assert result.records == len(sample)
    assert replayed == live

    published = [
        v.decode()
        for v in read_topic(replay_topic("it-full"), settings.broker, settle_s=3, timeout_s=60)
    ]
    assert published == live

    # Export straight from the replay's topic: one narrative row per live narrative id.
    exported = export(read_events_topic(settings, replay_topic("it-full")), tmp_path / "export")
    assert exported["narratives"] == len({json.loads(e)["narrative_id"] for e in live})
    assert (tmp_path / "export" / "timeline.png").stat().st_size > 10_000

    # From the middle: events of the slides ending after the start equal the live run's,
    # byte for byte, ids of narratives born before the start included.
    middle = SAMPLE_START.timestamp() + 5 * 3600 + 600
    expected = [e for e in live if _end(e) > middle]
    assert expected and any(_born_before(e, live, middle) for e in expected)
    for warmup in ("checkpoint", "full"):
        partial = run_kafka_replay(
            settings,
            KafkaReplayRequest(name=f"it-mid-{warmup}", start=middle, publish=False, warmup=warmup),
        )
        assert partial.warmup == warmup
        assert [e.model_dump_json() for e in partial.events] == expected, warmup
    restored = run_kafka_replay(
        settings, KafkaReplayRequest(name="it-mid", start=middle, publish=False)
    )
    assert restored.warmup == "checkpoint" and restored.restored_until is not None
    assert restored.restored_until <= middle
    assert restored.records < result.records  # it read less than all of history

    # What-if: another parameter is another params_version and other events, on its own topic.
    what_if = apply_overrides(settings, ["NARRATIVES_MIN_CLUSTER_SIZE=25"])
    other = run_kafka_replay(what_if, KafkaReplayRequest(name="it-whatif", publish=True))
    assert other.params_version != result.params_version
    assert {json.loads(e)["detector"]["params_version"] for e in live} == {result.params_version}
    assert [e.model_dump_json() for e in other.events] != live
    assert {e.detector.params_version for e in other.events} <= {other.params_version}
    published_what_if = read_topic(
        replay_topic("it-whatif"), settings.broker, settle_s=3, timeout_s=60
    )
    assert [v.decode() for v in published_what_if] == [e.model_dump_json() for e in other.events]


def _end(event: str) -> float:
    return parse_time(json.loads(event)["window"]["end"]) or 0.0


def _born_before(event: str, live: list[str], moment: float) -> bool:
    """Whether the event's narrative had an event of a slide ending at or before `moment`."""
    narrative = json.loads(event)["narrative_id"]
    return any(json.loads(e)["narrative_id"] == narrative and _end(e) <= moment for e in live)
