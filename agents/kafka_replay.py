"""Replay of history from Kafka: the input topics over a time range, isolated from the live run.

The replay reads the input partitions with its own consumer (manual assignment, no consumer
group, no offset commits), seeks by timestamp (`offsets_for_times`), runs the same pipeline as
the live worker, and writes events to a file and/or its own topic `narratives.replay.<name>`,
so it never disturbs the live detector or its consumers.

Warm-up: a replay that starts in the middle of history first reads the preceding window length
(plus allowed lateness) without reporting, so its window holds what the live window held at the
range start; events are reported from the first slide that ends after `start`.

The time range selects records by their Kafka timestamp (when they were produced; for a live
stream that is within seconds of their event time), and the report starts with the first slide
whose event-time end is after `start`. Records are merged across partitions in (timestamp,
topic, partition, offset) order, the order a live worker's watermark makes its slides see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.pipeline import Pipeline, RawRecord
from agents.settings import Settings
from schemas.events import NarrativeEvent
from streams.embed import Embedder


@dataclass(frozen=True, slots=True)
class KafkaReplayRequest:
    """What to replay. Times are epoch seconds; None means the beginning / the current end."""

    name: str
    start: float | None = None
    end: float | None = None
    topics: tuple[str, ...] = ()
    publish: bool = True
    flush: bool = False


@dataclass(slots=True)
class KafkaReplayResult:
    records: int = 0
    warmup_events: int = 0
    events: list[NarrativeEvent] = field(default_factory=list)
    dead_letters: int = 0
    output_topic: str | None = None


def replay_topic(name: str) -> str:
    """The replay's own output topic."""
    return f"narratives.replay.{name}"


def _read_range(settings: Settings, request: KafkaReplayRequest, from_s: float | None) -> list[Any]:
    from kafka import KafkaConsumer, TopicPartition

    topics = request.topics or (settings.articles_topic, settings.posts_topic)
    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            raise ValueError(f"none of the topics {topics} exist on {settings.broker}")
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        begins = consumer.beginning_offsets(partitions)
        starts = dict(begins)
        if from_s is not None:
            found = consumer.offsets_for_times({tp: int(from_s * 1000) for tp in partitions})
            for tp in partitions:
                starts[tp] = found[tp].offset if found.get(tp) is not None else ends[tp]
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        remaining = {tp for tp in partitions if starts[tp] < ends[tp]}
        records: list[Any] = []
        end_ms = None if request.end is None else int(request.end * 1000)
        while remaining:
            for tp, batch in consumer.poll(timeout_ms=1000, max_records=5000).items():
                for record in batch:
                    if record.offset >= ends[tp]:
                        remaining.discard(tp)
                        break
                    if end_ms is None or record.timestamp <= end_ms:
                        records.append(record)
                    if record.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
        records.sort(key=lambda r: (r.timestamp, r.topic, r.partition, r.offset))
        return records
    finally:
        consumer.close()


def run_kafka_replay(
    settings: Settings, request: KafkaReplayRequest, *, embedder: Embedder | None = None
) -> KafkaReplayResult:
    """Replay the range; publish to `narratives.replay.<name>` when asked. Returns the events."""
    warmup_from = None
    if request.start is not None:
        warmup_from = request.start - settings.window_length_s - settings.allowed_lateness_s
    records = _read_range(settings, request, warmup_from)
    pipeline = Pipeline(settings, embedder)
    result = KafkaReplayResult(records=len(records))
    start = request.start
    for chunk in _chunks(records, settings.batch_size):
        batch = [
            RawRecord(value=r.value or b"", topic=r.topic, partition=None, offset=r.offset)
            for r in chunk
        ]
        out = pipeline.process(batch)
        result.dead_letters += len(out.dead_letters)
        result.events.extend(out.events)
    if request.flush:
        result.events.extend(pipeline.advance(flush=True))
    if start is not None:
        reported = [e for e in result.events if _epoch(e.window.end) > start]
        result.warmup_events = len(result.events) - len(reported)
        result.events = reported
    if request.publish:
        result.output_topic = replay_topic(request.name)
        _publish(settings, result.output_topic, result.events)
    return result


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _publish(settings: Settings, topic: str, events: list[NarrativeEvent]) -> None:
    from agents.produce import make_producer
    from agents.topics import ensure_topics

    ensure_topics(settings, extra=[topic])
    producer = make_producer(settings)
    try:
        for event in events:
            producer.send(
                topic, key=event.narrative_id.encode(), value=event.model_dump_json().encode()
            )
        producer.flush()
    finally:
        producer.close()


def write_events(path: Path, events: list[NarrativeEvent]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for event in events:
            out.write(event.model_dump_json() + "\n")


def parse_time(value: str | None) -> float | None:
    """RFC 3339 (or ISO 8601 with an offset) to epoch seconds."""
    if value is None:
        return None
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset; write it as RFC 3339, e.g. ...T00:00:00Z")
    return stamp.timestamp()


def summary(result: KafkaReplayResult) -> dict[str, Any]:
    return {
        "records": result.records,
        "warmup_events": result.warmup_events,
        "events": len(result.events),
        "narratives": len({e.narrative_id for e in result.events}),
        "dead_letters": result.dead_letters,
        "output_topic": result.output_topic,
    }
