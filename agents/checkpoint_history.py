"""Checkpoint history: every checkpoint the worker writes, kept for a while, found by event time.

The compacted state topic keeps only the newest checkpoint per app: enough to survive a crash,
not enough to start a replay in the middle of history with the tracker state the live run had
there. Without that state a replay re-identifies the narratives alive at its start (new ids,
new versions), so its events cannot equal the live ones. The worker therefore also appends each
checkpoint to `NARRATIVES_STATE_HISTORY_TOPIC` (time-retained, `cleanup.policy=delete`), with
two headers that let a replay choose one without decompressing them all:

- `closed_until`: the event time (epoch seconds) of the last slide the checkpoint had closed;
- `params_version`: the detector parameters it was written with (a checkpoint of other
  parameters means something else and is never restored).

`find_checkpoint` returns the newest checkpoint of an app closed at or before a moment.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

from agents.settings import Settings
from streams.detector import Detector

HEADER_CLOSED_UNTIL = "closed_until"
HEADER_PARAMS_VERSION = "params_version"


def history_headers(detector: Detector) -> list[tuple[str, bytes]]:
    """The headers of a history record written for this detector's current state."""
    closed = detector.window.state.closed_until
    return [
        (HEADER_CLOSED_UNTIL, repr(float(closed if closed is not None else "nan")).encode()),
        (HEADER_PARAMS_VERSION, detector.info.params_version.encode()),
    ]


@dataclass(frozen=True, slots=True)
class HistoricCheckpoint:
    """One checkpoint from the history: when it was closed, and its decoded content."""

    closed_until: float
    params_version: str
    data: dict[str, Any]


def _header(record: Any, name: str) -> bytes | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value)
    return None


def select(
    candidates: list[tuple[float, str, int]], at_or_before: float, params_version: str
) -> int | None:
    """Among (closed_until, params_version, offset), the offset of the one to restore.

    The newest closed at or before the moment wins (least to re-read); among equal times the
    last written (a recovered worker re-closes slides and writes the same state again).
    """
    best: tuple[float, int] | None = None
    for closed, version, offset in candidates:
        if version != params_version or not closed <= at_or_before:
            continue
        if best is None or (closed, offset) > best:
            best = (closed, offset)
    return None if best is None else best[1]


def find_checkpoint(
    settings: Settings, at_or_before: float, params_version: str, scope: int = 0
) -> HistoricCheckpoint | None:
    """The newest checkpoint of one scope of `settings.app_id` closed at or before a time."""
    if not settings.state_history_topic:
        return None
    from kafka import KafkaConsumer, TopicPartition

    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    from agents.recovery import scope_key

    key = scope_key(settings.app_id, scope)
    try:
        partitions = [
            TopicPartition(settings.state_history_topic, p)
            for p in sorted(consumer.partitions_for_topic(settings.state_history_topic) or ())
        ]
        if not partitions:
            return None
        consumer.assign(partitions)
        begins = consumer.beginning_offsets(partitions)
        ends = consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, begins[tp])
        candidates: list[tuple[float, str, int]] = []
        # Only the value of the best candidate so far is kept, not every value of the history.
        best: tuple[float, int, bytes] | None = None
        todo = {tp for tp in partitions if begins[tp] < ends[tp]}
        while todo:
            for tp, batch in consumer.poll(timeout_ms=1000, max_records=500).items():
                for record in batch:
                    if record.offset >= ends[tp]:
                        break
                    closed = _header(record, HEADER_CLOSED_UNTIL)
                    version = _header(record, HEADER_PARAMS_VERSION)
                    if record.key != key or closed is None or version is None:
                        continue
                    # One partition (the worker creates it so): offsets order the candidates.
                    candidates.append((float(closed), version.decode(), record.offset))
                    if select(candidates, at_or_before, params_version) == record.offset:
                        best = (float(closed), record.offset, record.value)
            todo = {t for t in todo if consumer.position(t) < ends[t]}
        if best is None:
            return None
        data: dict[str, Any] = json.loads(gzip.decompress(best[2]))
        return HistoricCheckpoint(best[0], params_version, data)
    finally:
        consumer.close()
