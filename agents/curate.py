"""`narratives curate`: write curation commands, read the audit log (kafka-python).

Commands are validated by the same contract the worker decodes with before they are sent, so
a typo is refused here with the field named, not dead-lettered later; each is keyed by its
command id on the compacted commands topic.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from agents.produce import make_producer
from agents.settings import Settings
from agents.topics import ensure_topics
from schemas.audit import AuditRecord
from schemas.commands import COMMANDS, CurationCommand


def now_rfc3339() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_command(
    kind: str,
    *,
    author: str,
    reason: str,
    at: str | None = None,
    command_id: str | None = None,
    **fields: Any,
) -> CurationCommand:
    """A validated command; `at` defaults to now (event time of a live stream)."""
    return COMMANDS.validate_python(
        {
            "type": kind,
            "command_id": command_id or f"cmd-{uuid.uuid4().hex}",
            "issued_at": at or now_rfc3339(),
            "author": author,
            "reason": reason,
            **fields,
        }
    )


def send_command(settings: Settings, command: CurationCommand) -> None:
    """Write one command to the commands topic (created, compacted, if missing)."""
    ensure_topics(settings)
    producer = make_producer(settings)
    try:
        producer.send(
            settings.commands_topic,
            key=command.command_id.encode(),
            value=command.model_dump_json().encode(),
        ).get(timeout=30)
        producer.flush()
    finally:
        producer.close()


def read_audit(settings: Settings, *, timeout_s: float = 30.0) -> list[AuditRecord]:
    """The whole audit log as it is now, oldest first (the latest record per command id)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    try:
        partitions = [
            TopicPartition(settings.audit_topic, p)
            for p in sorted(consumer.partitions_for_topic(settings.audit_topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        latest: dict[str, AuditRecord] = {}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                break
            for tp in sorted(batches := consumer.poll(timeout_ms=500), key=lambda t: t.partition):
                for record in batches[tp]:
                    if record.value:
                        entry = AuditRecord.model_validate_json(record.value)
                        latest.pop(entry.command.command_id, None)
                        latest[entry.command.command_id] = entry
        return list(latest.values())
    finally:
        consumer.close()


def format_audit(record: AuditRecord) -> str:
    """One line for people: when it applied, who, what, outcome, why."""
    c = record.command
    target = getattr(c, "narrative_id", None) or ",".join(getattr(c, "narrative_ids", []))
    return (
        f"{record.applied_at}  {record.status:<9} {c.type:<8} {target}  by {c.author}: "
        f"{c.reason!r} -> {record.detail} ({len(record.event_ids)} events)"
    )


def dump(command: CurationCommand) -> str:
    return json.dumps(command.model_dump(mode="json"), ensure_ascii=False)
