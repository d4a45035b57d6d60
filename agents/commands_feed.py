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
        self._unreachable = False  # in a streak of failed polls (logged once per streak)

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
        """Commands that arrived since the last call (possibly none).

        Never raises: the worker polls every second from a timer, and an exception there
        crashes the whole Faust app — as a broker outage did when the feed had to (re)connect
        during it. A failed poll drops the consumer, is logged once per streak, and the next
        poll reconnects and resumes from the topic's beginning (commands are idempotent).
        """
        try:
            consumer = self._open()
            records = (
                []
                if consumer is None
                else self._take(consumer.poll(timeout_ms=timeout_ms, max_records=1000))
            )
        except Exception as exc:  # kafka-python raises several types for "unreachable"
            self._drop()
            if not self._unreachable:
                log.warning(
                    "commands_unreachable",
                    topic=self.topic,
                    broker=self.settings.broker,
                    error=str(exc),
                    fix="check NARRATIVES_BROKER and the broker; the worker keeps polling",
                )
            self._unreachable = True
            return []
        if self._unreachable:
            log.info("commands_reachable", topic=self.topic)
            self._unreachable = False
        return records

    def _drop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception as exc:  # closing a consumer of a vanished broker may fail too
                log.debug("commands_close_failed", error=str(exc))

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
