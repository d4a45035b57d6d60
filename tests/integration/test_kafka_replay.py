"""Replay of history from Kafka reproduces what the live worker published (real broker)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka_support import read_topic

from agents.kafka_replay import KafkaReplayRequest, replay_topic, run_kafka_replay
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


def test_replay_from_the_start_reproduces_the_live_events(
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
    live = [
        v.decode()
        for v in read_topic(settings.narratives_topic, settings.broker, settle_s=20, timeout_s=300)
    ]
    assert live, worker.log_tail()

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

    # A replay from the middle warms up on the preceding window and reports only later slides.
    middle = SAMPLE_START.timestamp() + 5 * 3600
    partial = run_kafka_replay(
        settings, KafkaReplayRequest(name="it-mid", start=middle, publish=False)
    )
    assert partial.warmup_events > 0 and partial.events
    ends = [json.loads(e.model_dump_json())["window"]["end"] for e in partial.events]
    live_ends = {json.loads(e)["window"]["end"] for e in live}
    assert set(ends) <= live_ends
    assert min(ends) > time.strftime("%Y-%m-%dT%H:%M", time.gmtime(middle))
