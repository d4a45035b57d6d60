"""Creating the topics the detector reads and writes, with the configured partitions.

The worker calls this before it starts so a fresh cluster works without broker-side
auto-creation; existing topics are left as they are.
"""

from __future__ import annotations

from typing import Any

from agents import logs
from agents.settings import Settings

log = logs.get(__name__)


def ensure_topics(settings: Settings, *, extra: list[str] | None = None) -> list[str]:
    """Create any missing topic among inputs, outputs and `extra`; return those created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    names = [
        settings.articles_topic,
        settings.posts_topic,
        settings.narratives_topic,
        settings.dlq_topic,
        *([settings.alerts_topic] if settings.alerts_enabled else []),
        settings.state_topic,
        settings.commands_topic,
        settings.audit_topic,
        *([settings.state_history_topic] if settings.state_history_topic else []),
        *(extra or []),
    ]
    # Checkpoints: only the newest per key matters, and they may be a few MiB.
    configs = {settings.state_topic: {"cleanup.policy": "compact", "max.message.bytes": "16777216"}}
    # Commands and their audit: one record per command id, kept for good (replays need them);
    # one partition each, so every worker and replay reads commands in one order.
    configs[settings.commands_topic] = {"cleanup.policy": "compact"}
    configs[settings.audit_topic] = {"cleanup.policy": "compact"}
    single = (
        settings.state_topic,
        settings.state_history_topic,
        settings.commands_topic,
        settings.audit_topic,
    )
    if settings.state_history_topic:
        # Every checkpoint, kept for a while, so a replay can start from the middle exactly.
        configs[settings.state_history_topic] = {
            "cleanup.policy": "delete",
            "retention.ms": str(int(settings.state_history_retention_s * 1000)),
            "max.message.bytes": "16777216",
        }
    admin: Any = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin", **settings.kafka_python_config()
    )
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        created: list[str] = []
        for name in missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name=name,
                            num_partitions=1 if name in single else settings.topic_partitions,
                            replication_factor=settings.replication_factor,
                            topic_configs=configs.get(name, {}),
                        )
                    ]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("topics_created", topics=created, partitions=settings.topic_partitions)
        return created
    finally:
        admin.close()


def group_offsets(settings: Settings, topics: set[str]) -> dict[tuple[str, int], int]:
    """The worker group's committed offsets (next offset to read) on `topics`, by partition.

    Asked of the group coordinator directly, so the answer includes what other workers of the
    group committed: a worker uses it to tell whether a partition it got back was read by
    someone else in between (agents.app).
    """
    from kafka.admin import KafkaAdminClient

    admin: Any = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin", **settings.kafka_python_config()
    )
    try:
        offsets = admin.list_consumer_group_offsets(settings.app_id)
        return {
            (tp.topic, tp.partition): int(meta.offset)
            for tp, meta in offsets.items()
            if tp.topic in topics and meta.offset is not None and meta.offset >= 0
        }
    finally:
        admin.close()
