"""`narratives produce`: a JSONL file into the input topics with kafka-python.

Records go to the articles or posts topic by their `kind` (posts when absent or unreadable,
so that broken lines still reach the worker and its dead-letter topic), keyed by `id`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from agents.settings import Settings


def topic_for(line: str, settings: Settings) -> tuple[str, bytes | None]:
    """(topic, key) for one JSONL line.

    The record timestamp stays the produce time: setting it to a historical `published_at`
    would let the broker's time-based retention delete a backfill as soon as it lands.
    """
    try:
        record = json.loads(line)
    except ValueError:
        return settings.posts_topic, None
    if not isinstance(record, dict):
        return settings.posts_topic, None
    topic = settings.articles_topic if record.get("kind") == "article" else settings.posts_topic
    doc_id = record.get("id")
    return topic, (doc_id.encode("utf-8", "replace") if isinstance(doc_id, str) else None)


def make_producer(settings: Settings) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        acks="all",
        linger_ms=20,
        max_request_size=4 * 1024 * 1024,
        **settings.kafka_python_config(),
    )


def produce_file(
    settings: Settings, path: Path, *, rate: float = 0.0, limit: int = 0, ordered: bool = False
) -> int:
    """Send the file's records; `rate` throttles to records per second. Returns the count.

    `ordered` waits for each record's acknowledgement before sending the next. Batched sends
    (the default, much faster) can land a later batch of one topic before an earlier batch of
    the other: a live worker that has read everything else then takes the quiet topic for
    caught up, its watermark runs ahead, and the other topic's older records miss a slide a
    replay would give them. In file order across topics (a time-sorted file), a live run meets
    the condition under which a Kafka replay reproduces its events exactly.
    """
    producer = make_producer(settings)
    sent = 0
    started = time.monotonic()
    try:
        with path.open("rb") as lines:
            for raw in lines:
                if not raw.strip():
                    continue
                line = raw.decode("utf-8", "replace")
                topic, key = topic_for(line, settings)
                sending = producer.send(topic, key=key, value=raw.rstrip(b"\r\n"))
                if ordered:  # flush: not waiting out the linger; get: raise what failed
                    producer.flush()
                    sending.get(timeout=60)
                sent += 1
                if limit and sent >= limit:
                    break
                if rate > 0:
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
        producer.flush()
    finally:
        producer.close()
    return sent
