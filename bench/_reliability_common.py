"""Helpers for bench/reliability.py: topics, producing, reading outputs, comparing runs.

Kept out of tests/ so the bench does not import test modules; the integration tests
(tests/integration/test_broker_outage.py, test_flood.py) carry their own small copies.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import metric_sum, worker_metrics

from agents.local_kafka import LocalKafka
from agents.local_worker import WorkerProcess
from agents.settings import Settings


def env_for(broker: LocalKafka, name: str, **extra: str) -> dict[str, str]:
    """NARRATIVES_* giving one scenario its own topics, state topic and consumer group."""
    return {
        "NARRATIVES_BROKER": broker.bootstrap,
        "NARRATIVES_APP_ID": f"rel-{name}",
        "NARRATIVES_ARTICLES_TOPIC": f"{name}.articles",
        "NARRATIVES_POSTS_TOPIC": f"{name}.posts",
        "NARRATIVES_NARRATIVES_TOPIC": f"{name}.narratives",
        "NARRATIVES_DLQ_TOPIC": f"{name}.narratives.dlq",
        "NARRATIVES_STATE_TOPIC": f"{name}.narratives.state",
        "NARRATIVES_LOG_LEVEL": "warning",
        **extra,
    }


def settings_for(env: dict[str, str]) -> Settings:
    prefix = "NARRATIVES_"
    return Settings(**{k[len(prefix) :].lower(): v for k, v in env.items()})  # type: ignore[arg-type]


def metric(worker: WorkerProcess, name: str) -> float:
    return metric_sum(worker_metrics(worker), name)


def wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def read_topic(settings: Settings, topic: str, settle_s: float = 8.0) -> list[Any]:
    """Every record of `topic` (values as bytes), until nothing new arrives for `settle_s`."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=32 * 1024 * 1024,
        **settings.kafka_python_config(),
    )
    values: list[Any] = []
    last = time.monotonic()
    try:
        while time.monotonic() - last < settle_s:
            for records in consumer.poll(timeout_ms=1000).values():
                values.extend(r.value for r in records)
                last = time.monotonic()
    finally:
        consumer.close()
    return values


def final_assignments(events: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """Narrative ids, and each document's last narrative (redeliveries de-duplicated)."""
    by_id = {e["event_id"]: e for e in events}
    owner: dict[str, str] = {}
    for event in sorted(
        by_id.values(), key=lambda e: (e["window"]["end"], e["narrative_id"], e["version"])
    ):
        for member in event["member_ids"]:
            owner[member] = event["narrative_id"]
    return {e["narrative_id"] for e in by_id.values()}, owner


def committed_records(settings: Settings) -> int:
    """Records the worker's consumer group has committed past, over the input partitions."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        group_id=settings.app_id, enable_auto_commit=False, **settings.kafka_python_config()
    )
    total = 0
    try:
        for topic in (settings.articles_topic, settings.posts_topic):
            for partition in consumer.partitions_for_topic(topic) or set():
                total += consumer.committed(TopicPartition(topic, partition)) or 0
    finally:
        consumer.close()
    return total


def end_offsets(settings: Settings) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**settings.kafka_python_config())
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in (settings.articles_topic, settings.posts_topic)
            for p in consumer.partitions_for_topic(topic) or set()
        ]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def dlq_reasons(settings: Settings) -> Counter[str]:
    letters = [json.loads(v) for v in read_topic(settings, settings.dlq_topic, settle_s=5.0)]
    return Counter(str(letter["reason"]) for letter in letters)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
