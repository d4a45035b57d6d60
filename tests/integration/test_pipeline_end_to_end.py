"""The whole pipeline on the real broker: produce → worker (real model) → narrative events.

Plants the generated election narratives plus noise and a handful of broken records, and
checks what a downstream consumer, an SRE and a DLQ operator would each see.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from kafka import KafkaProducer
from kafka_support import metric_total, read_json_topic

from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings
from schemas.export import schema_for

pytestmark = pytest.mark.integration

#: 12 hours of sample in 3-hour windows sliding every 30 minutes.
WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "128",
}

BAD_RECORDS: list[tuple[bytes, str]] = [
    (b"this is not json", "not_json"),
    (b"\xff\xfe\x00garbage", "invalid_utf8"),
    (b"[1, 2, 3]", "not_an_object"),
    (b'{"id": "bad-1", "text": "no time given"}', "missing_field"),
    (b'{"id": "bad-2", "text": "x", "published_at": "last tuesday"}', "bad_timestamp"),
    (b'{"id": "bad-3", "text": 42, "published_at": "2023-05-08T01:00:00Z"}', "wrong_type"),
    (b'{"id": "bad-4", "text": "<p> </p>", "published_at": "2023-05-08T01:00:00Z"}', "empty_text"),
    # Dated far ahead of the worker's clock: refused, or it would drag the watermark to 2999.
    (
        b'{"id": "bad-5", "text": "from the future", "published_at": "2999-01-01T00:00:00Z"}',
        "bad_timestamp",
    ),
]


def test_planted_narratives_come_out_as_valid_events(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {**unique_topics, **WINDOW_ENV}
    settings = settings_from(env)
    worker = start_worker(env)

    sample = generate_sample(640, hours=12.0, noise_share=0.25)
    labels = {str(r["id"]): r["label"] for r in sample}
    planted = {label for label in labels.values() if label}
    assert len(planted) >= 3 and len(sample) >= 500
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    assert produce_file(settings, path) == len(sample)

    producer = KafkaProducer(bootstrap_servers=settings.broker, acks="all")
    for raw, _ in BAD_RECORDS:
        producer.send(settings.posts_topic, value=raw)
    producer.flush()
    producer.close()

    def covered(events: list[Any]) -> set[str]:
        found = set()
        for event in events:
            votes = Counter(labels.get(m) for m in event["member_ids"])
            label, count = votes.most_common(1)[0]
            if label and count > len(event["member_ids"]) / 2:
                found.add(label)
        return found

    events = read_json_topic(
        settings.narratives_topic,
        settings.broker,
        timeout_s=240,
        until=lambda evs: len(covered(evs)) >= len(planted) - 1,
    )
    assert events, f"no narrative events; worker log:\n{worker.log_tail()}"

    # Every planted narrative the stream completed is reported (the last, still-open
    # window may hold at most one narrative that has not been clustered yet).
    found = covered(events)
    assert len(found) >= len(planted) - 1, (sorted(found), sorted(planted))
    assert len(found) >= 3

    validator = Draft202012Validator(schema_for("narrative-event"))
    for event in events:
        errors = sorted(validator.iter_errors(event), key=str)
        assert not errors, errors[0].message
    assert len({e["event_id"] for e in events}) == len(events)
    versions: dict[str, list[int]] = {}
    for event in events:
        versions.setdefault(event["narrative_id"], []).append(event["version"])
    for history in versions.values():
        assert history == list(range(1, len(history) + 1))
    assert {e["type"] for e in events} >= {"emerged"}

    # Bad records: each in the DLQ with its reason; none of them stopped the valid ones.
    letters = read_json_topic(
        settings.dlq_topic,
        settings.broker,
        timeout_s=60,
        until=lambda ls: len(ls) >= len(BAD_RECORDS),
    )
    assert sorted(letter["reason"] for letter in letters) == sorted(r for _, r in BAD_RECORDS)
    dlq_validator = Draft202012Validator(schema_for("dead-letter"))
    for letter in letters:
        assert not list(dlq_validator.iter_errors(letter))
        assert letter["error"] and letter["topic"] == settings.posts_topic

    # SREs: /metrics counts what was consumed and refused; health endpoints answer.
    status, body = worker.get("/metrics")
    assert status == 200
    text = body.decode()
    consumed = metric_total(text, "narratives_documents_consumed_total")
    assert consumed == len(sample) + len(BAD_RECORDS)
    assert metric_total(text, "narratives_documents_invalid_total") == len(BAD_RECORDS)
    assert re.search(r'narratives_events_total\{type="emerged"\} [1-9]', text)
    assert metric_total(text, "narratives_embed_batch_duration_seconds_count") >= 1
    assert worker.get("/healthz")[0] == 200
    assert worker.get("/readyz")[0] == 200
    assert worker.process is not None and worker.process.poll() is None
