"""Generate `schemas/asyncapi.yaml`, the AsyncAPI 3.0 description of every Kafka topic.

Why generated: the document must name every topic, its key and its payload schema, and it
must not drift from the JSON Schema files or from the topic settings. So the topics are
declared once, in `TOPICS` below, and the document is rendered from them; a test fails when
the committed file is stale, when a `schemas/json/*.schema.json` file has no channel, or when
a `*_topic` setting has no channel. `python -m schemas.export` regenerates it with the JSON
Schema files.

Adding a topic is one `Topic(...)` entry. A topic whose payload model lives in its own module
(`payload_module`) appears as soon as `schemas.export.MODELS` exports a model from that
module, whatever its schema file is called: the alerts, commands and audit topics are
declared here already and show up when their contracts are exported.

Payloads `$ref` the JSON Schema files with the schema format AsyncAPI 3.0 defines for JSON
Schema (`draft-07`): it is the one the AsyncAPI parser checks (for formats it does not know it
checks nothing). The files declare Draft 2020-12 and stay inside the keywords both drafts
read alike (`$defs` is plain JSON pointer to both); a test keeps them there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter

from schemas.export import MODELS, path_for

ASYNCAPI_PATH = Path(__file__).resolve().parent / "asyncapi.yaml"
ASYNCAPI_VERSION = "3.0.0"
#: The schema format AsyncAPI 3.0 defines for JSON Schema, and the one its parser validates.
SCHEMA_FORMAT = "application/schema+json;version=draft-07"
KAFKA_BINDING_VERSION = "0.5.0"

Action = Literal["send", "receive"]


@dataclass(frozen=True)
class Topic:
    """One Kafka topic: a channel of the document, and what the worker does with it.

    `setting` is the `agents.settings.Settings` field that names the topic (its default is
    `address`; a test checks both). `payloads` are `schemas.export.MODELS` names; when empty,
    every exported model defined in `payload_module` is the payload, and when there is none
    the topic is not in the document yet (its contract is still being written). A topic with
    neither (`opaque`) carries bytes described by `opaque`.
    """

    key: str  # channel id in the document, camelCase
    setting: str
    address: str
    title: str
    description: str
    message_key: str  # what the Kafka record key is
    actions: tuple[Action, ...]  # what the worker does, in order
    payloads: tuple[str, ...] = ()
    payload_module: str | None = None
    opaque: dict[str, Any] | None = None
    content_type: str = "application/json"
    topic_configuration: dict[str, Any] = field(default_factory=dict)
    internal: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="articles",
        setting="articles_topic",
        address="articles",
        title="Articles",
        description="News articles to detect narratives in. Producers write JSON objects; "
        "unknown fields are ignored. A record the worker cannot read goes to the dead-letter "
        "topic with a reason.",
        message_key="The article id (UTF-8), so redeliveries of one article stay in order.",
        actions=("receive",),
        payloads=("article",),
        topic_configuration={"cleanup.policy": ["delete"]},
    ),
    Topic(
        key="posts",
        setting="posts_topic",
        address="posts",
        title="Posts",
        description="Social posts to detect narratives in; same rules as articles.",
        message_key="The post id (UTF-8).",
        actions=("receive",),
        payloads=("post",),
        topic_configuration={"cleanup.policy": ["delete"]},
    ),
    Topic(
        key="narratives",
        setting="narratives_topic",
        address="narratives",
        title="Narrative events",
        description="Lifecycle events of narratives (emerged, updated, merged, split, faded). "
        "At least once: de-duplicate on event_id; per narrative, version counts 1, 2, 3... so a "
        "gap is a missed event. Consumers ignore fields they do not know "
        "(docs/schema-evolution.md).",
        message_key="The narrative id (UTF-8): all events of one narrative are in one "
        "partition, in order.",
        actions=("send",),
        payloads=("narrative-event",),
        topic_configuration={"cleanup.policy": ["delete"]},
    ),
    Topic(
        key="deadLetters",
        setting="dlq_topic",
        address="narratives.dlq",
        title="Dead letters",
        description="Every input record the worker refused, with a machine-readable reason, "
        "the source topic/partition/offset and the raw record (first 4 KiB).",
        message_key="The refused record's document id when it could be read, else empty.",
        actions=("send",),
        payloads=("dead-letter",),
        topic_configuration={"cleanup.policy": ["delete"]},
    ),
    Topic(
        key="state",
        setting="state_topic",
        address="narratives.state",
        title="Detector checkpoints",
        description="Internal: the newest detector checkpoint per app id (tracker state, "
        "window clock, input offsets), read back on start-up to recover exactly. Not a "
        "contract: its format changes with the detector.",
        message_key="The app id (NARRATIVES_APP_ID, UTF-8).",
        actions=("send", "receive"),
        opaque={"type": "string", "format": "binary", "description": "gzip-compressed JSON."},
        content_type="application/gzip",
        topic_configuration={"cleanup.policy": ["compact"], "max.message.bytes": 16777216},
        internal=True,
    ),
    Topic(
        key="stateHistory",
        setting="state_history_topic",
        address="narratives.state.history",
        title="Detector checkpoint history",
        description="Internal: every checkpoint, kept for NARRATIVES_STATE_HISTORY_RETENTION_S "
        "so a Kafka replay from the middle of history can restore the live run's tracker "
        "state. Same format as the state topic; not a contract.",
        message_key="The app id (NARRATIVES_APP_ID, UTF-8).",
        actions=("send", "receive"),
        opaque={"type": "string", "format": "binary", "description": "gzip-compressed JSON."},
        content_type="application/gzip",
        topic_configuration={"cleanup.policy": ["delete"], "max.message.bytes": 16777216},
        internal=True,
    ),
    Topic(
        key="alerts",
        setting="alerts_topic",
        address="narratives.alerts",
        title="Alerts",
        description="Alerts raised on narratives, for people and paging systems.",
        message_key="The narrative id (UTF-8) the alert is about.",
        actions=("send",),
        payload_module="schemas.alerts",
        topic_configuration={"cleanup.policy": ["delete"]},
    ),
    Topic(
        key="commands",
        setting="commands_topic",
        address="narratives.commands",
        title="Curation commands",
        description="Analysts' corrections (rename, merge, split, pin, suppress, link), applied "
        "at most once per command id, in event time.",
        message_key="The command id (UTF-8).",
        actions=("receive",),
        payloads=("curation-command",),  # a tagged union (TypeAdapter): no model class
        topic_configuration={"cleanup.policy": ["compact"]},
    ),
    Topic(
        key="audit",
        setting="audit_topic",
        address="narratives.audit",
        title="Curation audit log",
        description="One record per curation command the detector took: applied, no-op, "
        "rejected or duplicate, and the events it caused.",
        message_key="The command id (UTF-8).",
        actions=("send",),
        payload_module="schemas.audit",
        topic_configuration={"cleanup.policy": ["compact"]},
    ),
)


def api_version() -> str:
    """`info.version`: the package version, which versions the set of topics as a whole."""
    try:
        return metadata.version("narrative-detector")
    except metadata.PackageNotFoundError:  # a bare checkout: the generator still runs
        return "0.0.0"


def payload_names(topic: Topic) -> list[str]:
    """The exported contracts a topic carries (empty: opaque, or contract not exported yet)."""
    if topic.payloads:
        return list(topic.payloads)
    if topic.payload_module is None:
        return []
    return sorted(
        name for name, (model, _) in MODELS.items() if model.__module__ == topic.payload_module
    )


def included(topic: Topic) -> bool:
    """Whether the topic is in the document: opaque, or its contract is exported."""
    return topic.opaque is not None or bool(payload_names(topic))


def _camel(name: str) -> str:
    head, *rest = name.replace("_", "-").split("-")
    return head + "".join(part.title() for part in rest)


def _kafka(**fields: Any) -> dict[str, Any]:
    return {"kafka": {**fields, "bindingVersion": KAFKA_BINDING_VERSION}}


def _message(topic: Topic, name: str | None) -> dict[str, Any]:
    key_schema = {"type": "string", "description": topic.message_key}
    if name is None:
        assert topic.opaque is not None
        return {
            "name": topic.key,
            "title": topic.title,
            "summary": topic.description.split(". ")[0].rstrip(".") + ".",
            "contentType": topic.content_type,
            "payload": topic.opaque,
            "bindings": _kafka(key=key_schema),
        }
    model, version = MODELS[name]
    # A TypeAdapter (a tagged union such as the curation commands) has no name of its own.
    title = _camel(name) if isinstance(model, TypeAdapter) else model.__name__
    doc = None if isinstance(model, TypeAdapter) else model.__doc__
    return {
        "name": title,
        "title": f"{title} {version}",
        "summary": (doc or title).strip().splitlines()[0],
        "contentType": topic.content_type,
        "payload": {
            "schemaFormat": SCHEMA_FORMAT,
            "schema": {"$ref": f"./json/{path_for(name).name}"},
        },
        "bindings": _kafka(key=key_schema),
        "x-schema-version": version,
    }


def document() -> dict[str, Any]:
    """The AsyncAPI document as a plain dict (rendered to YAML by `render`)."""
    topics = [t for t in TOPICS if included(t)]
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics:
        names: list[str | None] = [*payload_names(topic)] or [None]
        channel_messages: dict[str, Any] = {}
        for name in names:
            message_id = _camel(name) if name else topic.key
            messages[message_id] = _message(topic, name)
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[topic.key] = {
            "address": topic.address,
            "title": topic.title,
            "description": f"{topic.description}\n\nTopic name: setting "
            f"NARRATIVES_{topic.setting.upper()} (default `{topic.address}`).",
            "messages": channel_messages,
            "bindings": _kafka(
                topic=topic.address,
                topicConfiguration=topic.topic_configuration,
            ),
            **({"tags": [{"name": "internal"}]} if topic.internal else {}),
        }
        for action in topic.actions:
            operation_id = f"{action}{topic.key[0].upper()}{topic.key[1:]}"
            verb = "reads" if action == "receive" else "writes"
            operations[operation_id] = {
                "action": action,
                "title": f"The worker {verb} {topic.title.lower()}",
                "summary": f"`narratives worker` {verb} the {topic.address} topic.",
                "channel": {"$ref": f"#/channels/{topic.key}"},
                "messages": [
                    {"$ref": f"#/channels/{topic.key}/messages/{message_id}"}
                    for message_id in channel_messages
                ],
                **(
                    {
                        "bindings": _kafka(
                            groupId={
                                "type": "string",
                                "description": "NARRATIVES_APP_ID: the Faust app id.",
                                "default": "narrative-detector",
                            }
                        )
                    }
                    if action == "receive"
                    else {}
                ),
            }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:narrative-detector",
        "info": {
            "title": "narrative-detector",
            "version": api_version(),
            "description": "Kafka topics of narrative-detector: the worker reads articles and "
            "posts and writes narrative lifecycle events, dead letters and its own "
            "checkpoints. Payloads are the JSON Schema files in schemas/json/ (each carries its "
            "contract version in `x-version` and every record in `schema_version`); how they "
            "may change is docs/schema-evolution.md. Generated by `python -m schemas.export` "
            "from schemas/asyncapi.py: do not edit by hand.",
            "license": {"name": "Apache-2.0"},
            "tags": [{"name": "internal", "description": "Topics only the detector reads."}],
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "protocolVersion": "4.3.1",
                "title": "Local broker",
                "description": "The single-node KRaft broker of `deploy/kafka/kafka.sh start` "
                "(and `kafka:9092` inside deploy/compose). No security.",
                "bindings": _kafka(),
            },
            "production": {
                "host": "{broker}:9093",
                "protocol": "kafka-secure",
                "protocolVersion": "4.3.1",
                "title": "Production cluster (example)",
                "description": "A secured cluster: NARRATIVES_BROKER lists the bootstrap "
                "servers, NARRATIVES_SECURITY_PROTOCOL=SASL_SSL, "
                "NARRATIVES_SASL_MECHANISM=SCRAM-SHA-512, NARRATIVES_SSL_CAFILE the CA.",
                "variables": {
                    "broker": {
                        "default": "kafka-1.internal",
                        "description": "One bootstrap broker; list all in NARRATIVES_BROKER.",
                    }
                },
                "security": [{"$ref": "#/components/securitySchemes/scramSha512"}],
                "bindings": _kafka(),
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "securitySchemes": {
                "scramSha512": {
                    "type": "scramSha512",
                    "description": "SASL/SCRAM-SHA-512 over TLS (NARRATIVES_SASL_USERNAME, "
                    "NARRATIVES_SASL_PASSWORD).",
                }
            },
        },
    }


HEADER = (
    "# Generated by `python -m schemas.export` from schemas/asyncapi.py: do not edit by hand.\n"
    "# Validate: bash deploy/asyncapi/asyncapi.sh validate schemas/asyncapi.yaml\n"
)


def render() -> str:
    """The committed text of `schemas/asyncapi.yaml`."""
    import yaml  # type: ignore[import-untyped]  # dev dependency: only here and in tests

    body: str = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def main() -> int:
    ASYNCAPI_PATH.write_text(render(), encoding="utf-8")
    print(ASYNCAPI_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
