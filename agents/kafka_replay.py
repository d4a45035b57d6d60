"""Replay of history from Kafka: the input topics over a time range, isolated from the live run.

The replay reads the input partitions with its own consumer (manual assignment, no consumer
group, no offset commits), seeks by timestamp (`offsets_for_times`), runs the same pipeline as
the live worker, and writes events to a file and/or its own topic `narratives.replay.<name>`,
so it never disturbs the live detector or its consumers.

Warm-up of a replay that starts in the middle (`start`), one of three `Warmup` modes:

- `checkpoint`: restore the live run's newest checkpoint closed at or before `start` from the
  checkpoint history (`agents.checkpoint_history`), then re-read each input partition from the
  lowest offset that checkpoint's window held, exactly as crash recovery does. The tracker
  (ids, versions, what was last reported) and the window are then those of the live run, so
  every event of a slide ending after `start` equals the live run's event, byte for byte.
  Needs a checkpoint written with the same detector parameters.
- `full`: read the topics from their beginning and report nothing before `start`; equal to
  the live run's events too (a replay from the start is), at the cost of all of history, and
  the only exact choice for what-if parameters (no live checkpoint has them).
- `window`: read only the preceding window length plus allowed lateness. Cheap, but the
  narratives alive at `start` are re-identified during the warm-up: their ids, versions and
  first `emerged` events differ from the live run's. Narratives born after `start` whose
  slides hold no earlier document match.

`auto` (the default) is `checkpoint` when one is found, else `full`.

The time range selects records by their Kafka timestamp (when they were produced; for a live
stream that is within seconds of their event time), and the report starts with the first slide
whose event-time end is after `start`. Records are merged across partitions in (timestamp,
topic, partition, offset) order, the order a live worker's watermark makes its slides see them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from agents.pipeline import Pipeline, RawRecord, build_embedder, source_key
from agents.settings import Settings
from schemas.events import NarrativeEvent
from streams.checkpoint import restore
from streams.embed import Embedder

Warmup = Literal["auto", "checkpoint", "full", "window"]


@dataclass(frozen=True, slots=True)
class KafkaReplayRequest:
    """What to replay. Times are epoch seconds; None means the beginning / the current end."""

    name: str
    start: float | None = None
    end: float | None = None
    topics: tuple[str, ...] = ()
    publish: bool = True
    flush: bool = False
    warmup: Warmup = "auto"
    #: Apply the analysts' commands (the commands topic), each in the slide the live run's
    #: audit log says it took effect; False shows what the machine alone would say.
    commands: bool = True


@dataclass(slots=True)
class KafkaReplayResult:
    records: int = 0
    warmup_events: int = 0
    events: list[NarrativeEvent] = field(default_factory=list)
    dead_letters: int = 0
    output_topic: str | None = None
    params_version: str = ""
    warmup: str = "none"  # what the warm-up actually was: none, checkpoint, full or window
    restored_until: float | None = None  # closed_until of the restored checkpoint
    commands: int = 0  # curation commands submitted (0 when ignored)


class WarmupUnavailable(RuntimeError):
    """`--warmup checkpoint` was asked for and no usable checkpoint exists."""


def apply_overrides(settings: Settings, assignments: Sequence[str]) -> Settings:
    """Settings with `KEY=VALUE` overrides (field names or NARRATIVES_* names), validated.

    What-if runs change detector parameters without touching the environment; pydantic
    validates each value as it would the variable, and an unknown key fails with the closest
    known names rather than being silently ignored.
    """
    if not assignments:
        return settings
    fields = set(type(settings).model_fields)
    updates: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        name = key.strip().lower().removeprefix("narratives_")
        if not sep or not name:
            raise ValueError(f"override {item!r} is not KEY=VALUE")
        if name not in fields:
            close = difflib.get_close_matches(name, sorted(fields), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"unknown setting {key.strip()!r}{hint}")
        updates[name] = value
    return type(settings)(**{**settings.model_dump(), **updates})


def replay_topic(name: str) -> str:
    """The replay's own output topic."""
    return f"narratives.replay.{name}"


def _read_range(
    settings: Settings,
    request: KafkaReplayRequest,
    from_s: float | None,
    offsets: dict[str, int] | None = None,
) -> list[Any]:
    """Records of the input topics up to `request.end`, in the order a live worker sees them.

    Each partition starts at `offsets[source]` when given (a restored checkpoint's window),
    else at the first record at or after `from_s`, else at its beginning.
    """
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
            given = (offsets or {}).get(source_key(tp.topic, tp.partition))
            if given is not None:
                starts[tp] = min(max(given, begins[tp]), ends[tp])
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


def _scopes(settings: Settings, request: KafkaReplayRequest) -> list[int]:
    """The scopes (input partition numbers) of the replayed topics; at least scope 0."""
    from kafka import KafkaConsumer

    topics = request.topics or (settings.articles_topic, settings.posts_topic)
    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    try:
        numbers = {p for t in topics for p in consumer.partitions_for_topic(t) or ()}
    finally:
        consumer.close()
    return sorted(numbers | {0})


def run_kafka_replay(
    settings: Settings, request: KafkaReplayRequest, *, embedder: Embedder | None = None
) -> KafkaReplayResult:
    """Replay the range; publish to `narratives.replay.<name>` when asked. Returns the events.

    Like the live worker, one detector per scope (input partition number), each restored from
    its own checkpoint when warming up from one.
    """
    numbers = _scopes(settings, request)
    shared = embedder or build_embedder(settings)

    def fresh() -> dict[int, Pipeline]:
        return {n: Pipeline(settings, shared) for n in numbers}

    pipelines = fresh()
    result = KafkaReplayResult(params_version=pipelines[numbers[0]].detector.info.params_version)
    start = request.start
    offsets: dict[str, int] | None = None
    read_from: float | None = None
    if start is not None:
        mode = request.warmup
        if mode in ("auto", "checkpoint"):
            offsets = {}
            closed: list[float] = []
            for number, pipeline in pipelines.items():
                found = _restore_checkpoint(settings, pipeline, start, number)
                if found is None:
                    offsets = None
                    break
                offsets.update(found[0])
                closed.append(found[1])
            if offsets is None:
                pipelines = fresh()  # a scope without a checkpoint: none is exact alone
                if mode == "checkpoint":
                    raise WarmupUnavailable(
                        f"no checkpoint of app {settings.app_id!r} with params "
                        f"{result.params_version} closed at or before the start in "
                        f"{settings.state_history_topic!r} for every scope; use --warmup "
                        "full or window"
                    )
                mode = "full"
            else:
                mode = "checkpoint"
                result.restored_until = min(closed)
                # Partitions without an entry in the checkpoint's window: from its window start.
                read_from = result.restored_until - (
                    settings.window_length_s + settings.allowed_lateness_s
                )
        if mode == "window":
            read_from = start - settings.window_length_s - settings.allowed_lateness_s
        result.warmup = mode
    if request.commands and settings.apply_commands:
        result.commands = submit_commands(settings, list(pipelines.values()))
    records = _read_range(settings, request, read_from, offsets)
    result.records = len(records)
    for chunk in _chunks(records, settings.batch_size):
        by_scope: dict[int, list[RawRecord]] = {}
        for r in chunk:
            by_scope.setdefault(r.partition, []).append(
                RawRecord(
                    value=r.value or b"", topic=r.topic, partition=r.partition, offset=r.offset
                )
            )
        for number in sorted(by_scope):
            out = pipelines[number].process(by_scope[number])
            result.dead_letters += len(out.dead_letters)
            result.events.extend(out.events)
    if request.flush:
        for number in numbers:
            result.events.extend(pipelines[number].advance(flush=True))
    if start is not None:
        reported = [e for e in result.events if _epoch(e.window.end) > start]
        result.warmup_events = len(result.events) - len(reported)
        result.events = reported
    if request.publish:
        result.output_topic = replay_topic(request.name)
        _publish(settings, result.output_topic, result.events)
    return result


def submit_commands(settings: Settings, pipelines: list[Pipeline]) -> int:
    """Queue every command of the commands topic in every scope; returns how many were valid.

    A command the live run has audited is applied in the slide its audit record names (a
    command that reached the worker after its slide had closed applied one slide later, and
    the replay must do the same); others in the slide their `issued_at` falls in.
    """
    from agents.commands_feed import CommandFeed
    from agents.curate import read_audit
    from schemas.codec import DecodeError, decode_command

    applied_at = {r.command.command_id: _epoch(r.applied_at) for r in read_audit(settings)}
    feed = CommandFeed(settings)
    try:
        raw = feed.read_all()
    finally:
        feed.close()
    taken = 0
    for record in raw:
        try:
            command = decode_command(record.value)
        except DecodeError:
            continue  # the live worker dead-lettered it
        for pipeline in pipelines:
            pipeline.submit(command, applied_at.get(command.command_id))
        taken += 1
    return taken


def _restore_checkpoint(
    settings: Settings, pipeline: Pipeline, start: float, scope: int
) -> tuple[dict[str, int], float] | None:
    """Restore a scope's newest history checkpoint closed at or before `start`.

    Like crash recovery: each partition is re-read from the lowest offset the checkpoint's
    window held (else from the next offset the checkpoint had not read). Returns those
    offsets and the checkpoint's closed_until.
    """
    from agents.checkpoint_history import find_checkpoint

    found = find_checkpoint(settings, start, pipeline.detector.info.params_version, scope)
    if found is None:
        return None
    floors = restore(pipeline.detector, found.data["detector"])
    pipeline.mark_evictions_counted()
    positions: dict[str, int] = {str(k): int(v) for k, v in found.data["positions"].items()}
    return {**positions, **floors}, found.closed_until


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
    restored = result.restored_until
    return {
        "params_version": result.params_version,
        "warmup": result.warmup,
        "restored_until": None
        if restored is None
        else datetime.fromtimestamp(restored, UTC).isoformat().replace("+00:00", "Z"),
        "records": result.records,
        "warmup_events": result.warmup_events,
        "events": len(result.events),
        "narratives": len({e.narrative_id for e in result.events}),
        "dead_letters": result.dead_letters,
        "commands": result.commands,
        "output_topic": result.output_topic,
    }
