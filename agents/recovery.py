"""Surviving a crash: checkpoints in a compacted topic, and recovery on start-up.

Chosen design (faust's windowed tables do not persist window contents, faust #193):
- after every batch that closed a slide, the worker writes a checkpoint — the detector's
  tracker state and window clock (`streams.checkpoint`), plus the next input offset of every
  partition — to the compacted topic `NARRATIVES_STATE_TOPIC`, keyed by the app id;
- on start-up it loads the last checkpoint, restores it, and re-reads each input partition
  from the lowest offset still in the checkpointed window up to the consumer group's committed
  offset, through the same pipeline. Records before the checkpoint only refill the window
  (its slides are already closed); records after it close the slides the crash interrupted,
  and their events are published again with the same `event_id`s. Faust then continues from
  the committed offsets.
The result is at-least-once processing with idempotent event ids: after a SIGKILL the
narratives and their ids are those of an uninterrupted run; consumers de-duplicate on
`event_id`. With several input partitions each partition number is a scope with its own
checkpoint (`scope_key`); a worker taking a partition over recovers that scope the same way.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import logs
from agents.pipeline import BatchOutput, Pipeline, RawRecord, source_key
from agents.settings import Settings
from schemas.dead_letter import DeadLetter
from streams.checkpoint import CheckpointMismatch, restore, snapshot

log = logs.get(__name__)


def _parse_source(key: str) -> tuple[str, int]:
    topic, _, partition = key.rpartition(":")
    return topic, int(partition)


def scope_key(app_id: str, scope: int) -> bytes:
    """Checkpoint key of one scope (input partition number) of an app.

    Scope 0 keeps the bare app id, so a single-partition deployment reads the checkpoints it
    always wrote; scope p > 0 is `<app id>#p<p>`.
    """
    return (app_id if scope == 0 else f"{app_id}#p{scope}").encode()


class CheckpointStore:
    """Latest checkpoint of one scope of an app, in a compacted topic (gzip JSON)."""

    def __init__(self, settings: Settings, scope: int = 0) -> None:
        self.settings = settings
        self.topic = settings.state_topic
        self.scope = scope
        self.key = scope_key(settings.app_id, scope)

    def encode(self, pipeline: Pipeline, positions: dict[str, int]) -> bytes:
        data = {"detector": snapshot(pipeline.detector), "positions": positions}
        return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)

    def load(self) -> dict[str, Any] | None:
        """The newest checkpoint for this app id, or None."""
        from kafka import KafkaConsumer, TopicPartition

        consumer: Any = KafkaConsumer(
            group_id=None, enable_auto_commit=False, **self.settings.kafka_python_config()
        )
        try:
            partitions = [
                TopicPartition(self.topic, p)
                for p in sorted(consumer.partitions_for_topic(self.topic) or ())
            ]
            if not partitions:
                return None
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            ends = consumer.end_offsets(partitions)
            latest: bytes | None = None
            todo = {tp for tp in partitions if ends[tp] > 0}
            while todo:
                for tp, records in consumer.poll(timeout_ms=1000).items():
                    for record in records:
                        if record.key == self.key:
                            latest = record.value
                        if record.offset + 1 >= ends[tp]:
                            todo.discard(tp)
                todo = {tp for tp in todo if consumer.position(tp) < ends[tp]}
            if latest is None:
                return None
            loaded: dict[str, Any] = json.loads(gzip.decompress(latest))
            return loaded
        finally:
            consumer.close()


@dataclass(slots=True)
class Recovery:
    """What start-up recovery did, for logs and tests."""

    restored: bool = False
    reason: str = ""
    records: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)  # re-read records per input topic
    output: BatchOutput = field(default_factory=BatchOutput)
    positions: dict[str, int] = field(default_factory=dict)


def _committed(settings: Settings, sources: list[str]) -> dict[str, int | None]:
    from kafka import KafkaConsumer, TopicPartition

    consumer: Any = KafkaConsumer(
        group_id=settings.app_id, enable_auto_commit=False, **settings.kafka_python_config()
    )
    try:
        return {s: consumer.committed(TopicPartition(*_parse_source(s))) for s in sources}
    finally:
        consumer.close()


def resume_offsets(settings: Settings, sources: Sequence[str]) -> dict[str, int]:
    """Where the worker group resumes each source: its committed offset, else the
    partition's first offset (the worker's offset reset is "earliest").

    A scope opened without a checkpoint position needs it to tell a backlog from none before
    it has processed a record of the source (`agents.app`).
    """
    from kafka import KafkaConsumer, TopicPartition

    committed = _committed(settings, list(sources))
    found = {s: c for s, c in committed.items() if c is not None}
    missing = {TopicPartition(*_parse_source(s)): s for s in sources if s not in found}
    if missing:
        consumer: Any = KafkaConsumer(
            group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
        )
        try:
            for tp, offset in consumer.beginning_offsets(list(missing)).items():
                found[missing[tp]] = int(offset)
        finally:
            consumer.close()
    return found


def _read(settings: Settings, ranges: dict[str, tuple[int, int]]) -> list[Any]:
    from kafka import KafkaConsumer, TopicPartition

    wanted = {TopicPartition(*_parse_source(s)): r for s, r in ranges.items() if r[0] < r[1]}
    if not wanted:
        return []
    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    records: list[Any] = []
    try:
        consumer.assign(list(wanted))
        for tp, (start, _) in wanted.items():
            consumer.seek(tp, start)
        todo = set(wanted)
        while todo:
            for tp, batch in consumer.poll(timeout_ms=1000).items():
                stop = wanted[tp][1]
                records.extend(r for r in batch if r.offset < stop)
                if batch and batch[-1].offset + 1 >= stop:
                    todo.discard(tp)
    finally:
        consumer.close()
    records.sort(key=lambda r: (r.timestamp, r.topic, r.partition, r.offset))
    return records


def _window_floors(settings: Settings, sources: Sequence[str]) -> dict[str, int]:
    """Where to re-read each source from when there is no usable checkpoint but the group has
    committed offsets: the first record within a window length (plus lateness) of the last
    committed one, so the rebuilt window holds what the lost one held."""
    from kafka import KafkaConsumer, TopicPartition

    committed = _committed(settings, list(sources))
    reach_ms = int((settings.window_length_s + settings.allowed_lateness_s) * 1000)
    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    floors: dict[str, int] = {}
    try:
        for source in sources:
            end = committed.get(source)
            if not end:
                continue
            tp = TopicPartition(*_parse_source(source))
            consumer.assign([tp])
            consumer.seek(tp, end - 1)
            last = None
            for _ in range(30):
                batch = consumer.poll(timeout_ms=1000, max_records=1).get(tp, [])
                if batch:
                    last = batch[0].timestamp
                    break
            if last is None:
                floors[source] = 0
                continue
            found = consumer.offsets_for_times({tp: max(last - reach_ms, 0)}).get(tp)
            floors[source] = found.offset if found is not None else end
    finally:
        consumer.close()
    return floors


def recover(
    settings: Settings,
    pipeline: Pipeline,
    store: CheckpointStore,
    before_reread: Callable[[], list[DeadLetter]] | None = None,
    scope_sources: Sequence[str] = (),
) -> Recovery:
    """Restore the last checkpoint into `pipeline` and replay what followed it (see module).

    `before_reread` runs once the state is restored (or found missing) and before any record
    is re-read: the worker submits every curation command there, so the slides recovery
    closes apply them as the uninterrupted run did. Its dead letters join the output.

    Without a usable checkpoint (none written yet: no slide had closed; or one of other
    parameters) but with offsets the group committed for `scope_sources`, the window is rebuilt from
    the records of the last window length before them, instead of starting empty: a worker
    taking over a partition whose previous owner never closed a slide must not lose them.
    """
    checkpoint = store.load()
    reason = "restored" if checkpoint is not None else "no checkpoint"
    floors: dict[str, int] = {}
    positions: dict[str, int] = {}
    if checkpoint is not None:
        try:
            floors = restore(pipeline.detector, checkpoint["detector"])
            # Evictions before the checkpoint were counted by the process that made them.
            pipeline.mark_evictions_counted()
            positions = checkpoint["positions"]
        except CheckpointMismatch as exc:
            log.warning("checkpoint_ignored", reason=str(exc))
            reason, checkpoint = str(exc), None
    if checkpoint is None:
        floors = _window_floors(settings, scope_sources) if scope_sources else {}
        # What the previous owner had read: its dead letters are not sent again.
        positions = {s: c for s, c in _committed(settings, list(floors)).items() if c}
        if not floors:
            result = Recovery(reason=reason)
            if before_reread is not None:
                result.output.dead_letters.extend(before_reread())
            return result
        reason += "; window rebuilt from committed offsets"
    sources = sorted(set(floors) | set(positions))
    committed = _committed(settings, sources)
    ranges: dict[str, tuple[int, int]] = {}
    for source in sources:
        start = floors.get(source, positions.get(source, 0))
        end = committed.get(source)
        ranges[source] = (start, max(end if end is not None else 0, positions.get(source, 0)))
    records = _read(settings, ranges)
    refused_commands = before_reread() if before_reread is not None else []
    result = Recovery(
        restored=checkpoint is not None,
        reason=reason,
        records=len(records),
        by_topic=dict(sorted(Counter(r.topic for r in records).items())),
        positions={s: max(r[1], positions.get(s, 0)) for s, r in ranges.items()},
    )
    result.output.dead_letters.extend(refused_commands)
    for i in range(0, len(records), settings.batch_size):
        chunk = records[i : i + settings.batch_size]
        batch = [
            RawRecord(value=r.value or b"", topic=r.topic, partition=r.partition, offset=r.offset)
            for r in chunk
        ]
        out = pipeline.process(batch)
        before = {
            (r.topic, r.partition, r.offset)
            for r in chunk
            if r.offset < positions.get(source_key(r.topic, r.partition), 0)
        }
        # Records the checkpoint had already seen were dead-lettered then: not again.
        out.dead_letters = [
            d for d in out.dead_letters if (d.topic, d.partition, d.offset) not in before
        ]
        result.output.events.extend(out.events)
        result.output.dead_letters.extend(out.dead_letters)
        result.output.alerts.extend(out.alerts)  # same alert ids as before the crash
        result.output.audit.extend(out.audit)
        result.output.documents += out.documents
    log.info(
        "recovered",
        narratives=len(pipeline.detector.tracker.narratives),
        window=len(pipeline.detector.window),
        reread=len(records),
        events=len(result.output.events),
    )
    return result
