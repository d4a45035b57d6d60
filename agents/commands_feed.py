"""Reading the curation commands topic: every worker and every replay reads all of it.

Commands are not load to share: each detector needs every command that names one of its
narratives, and one consumer group would hand the (single) commands partition to one worker
only. So the feed is a plain consumer with manual assignment, no group and no commits: it
reads the topic from its beginning on start (the detector ignores command ids it already
applied, which its checkpoint remembers) and then polls for new ones. The topic is small and
compacted: a few records per analyst action.
"""

from __future__ import annotations

from typing import Any

from agents import logs
from agents.pipeline import RawRecord
from agents.settings import Settings

log = logs.get(__name__)


class CommandFeed:
    """Polls `NARRATIVES_COMMANDS_TOPIC` without a consumer group (blocking: run in a thread)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topic = settings.commands_topic
        self._consumer: Any = None

    def _open(self) -> Any:
        if self._consumer is not None:
            return self._consumer
        from kafka import KafkaConsumer, TopicPartition

        consumer: Any = KafkaConsumer(
            group_id=None, enable_auto_commit=False, **self.settings.kafka_python_config()
        )
        partitions = [
            TopicPartition(self.topic, p)
            for p in sorted(consumer.partitions_for_topic(self.topic) or ())
        ]
        if not partitions:  # not created yet: try again at the next poll
            consumer.close()
            return None
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        self._consumer = consumer
        return consumer

    def read_all(self) -> list[RawRecord]:
        """Every command up to the topic's current end (start-up and replays)."""
        consumer = self._open()
        if consumer is None:
            return []
        ends = consumer.end_offsets(list(consumer.assignment()))
        records: list[RawRecord] = []
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            records.extend(self._take(consumer.poll(timeout_ms=1000)))
        return records

    def poll(self, timeout_ms: int = 0) -> list[RawRecord]:
        """Commands that arrived since the last call (possibly none)."""
        consumer = self._open()
        if consumer is None:
            return []
        return self._take(consumer.poll(timeout_ms=timeout_ms, max_records=1000))

    @staticmethod
    def _take(batches: dict[Any, list[Any]]) -> list[RawRecord]:
        records = [
            RawRecord(value=r.value or b"", topic=r.topic, partition=r.partition, offset=r.offset)
            for tp in sorted(batches, key=lambda tp: (tp.topic, tp.partition))
            for r in batches[tp]
        ]
        if records:
            log.info("commands_read", records=len(records))
        return records

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
