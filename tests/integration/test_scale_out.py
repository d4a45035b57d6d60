"""Scaling out on the real broker: two worker processes share a 4-partition input, one stops,
the other takes its partitions over, and the narratives equal those of a single-worker run.

Each partition carries its own scope (here: four independent generated streams, as a
producer keying by region or campaign would make them), so a narrative lives on one worker
at a time, and a takeover restores the scope from the checkpoint its last owner wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kafka import KafkaProducer
from kafka_support import metric_total, read_topic, wait_for, wait_settled, worker_metric

from agents.local_worker import WorkerProcess
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

pytestmark = pytest.mark.integration

PARTITIONS = 4
ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
    "NARRATIVES_TOPIC_PARTITIONS": str(PARTITIONS),
}


def scoped_streams() -> dict[int, list[dict[str, Any]]]:
    """One generated stream per partition, with ids unique across scopes."""
    out: dict[int, list[dict[str, Any]]] = {}
    for p in range(PARTITIONS):
        records = generate_sample(220, seed=100 + p, hours=8.0)
        out[p] = [{**r, "id": f"s{p}-{r['id']}"} for r in records]
    return out


def produce(settings: Settings, streams: dict[int, list[dict[str, Any]]]) -> int:
    producer = KafkaProducer(bootstrap_servers=settings.broker, acks="all")
    sent = 0
    for p, records in streams.items():
        for r in records:
            topic = settings.articles_topic if r["kind"] == "article" else settings.posts_topic
            producer.send(
                topic,
                key=str(r["id"]).encode(),
                value=json.dumps(r, ensure_ascii=False).encode(),
                partition=p,
            )
            sent += 1
    producer.flush()
    producer.close()
    return sent


def second_set(env: dict[str, str]) -> dict[str, str]:
    """The same environment with its own topics and consumer group."""
    return {
        k: (v + "-b" if k.endswith("_TOPIC") or k == "NARRATIVES_APP_ID" else v)
        for k, v in env.items()
    }


def events_by_id(settings: Settings) -> dict[str, dict[str, Any]]:
    values = read_topic(settings.narratives_topic, settings.broker, settle_s=10, timeout_s=300)
    # A takeover re-publishes the slides its predecessor closed after its last checkpoint:
    # with the same event ids, as consumers de-duplicate them.
    out: dict[str, dict[str, Any]] = {}
    for value in values:
        event = json.loads(value)
        assert out.setdefault(event["event_id"], event) == event, "one id, two contents"
    return out


def wait_caught_up(worker: WorkerProcess, partitions: int) -> None:
    """Until the worker holds `partitions` input partitions with nothing left to read."""

    def done() -> bool:
        _, body = worker.get("/metrics")
        text = body.decode()
        lags = [
            line
            for line in text.splitlines()
            if line.startswith("narratives_consumer_lag_messages{")
        ]
        return (
            len(lags) >= partitions and metric_total(text, "narratives_consumer_lag_messages") == 0
        )

    wait_for(done, 600, f"the worker to catch up on {partitions} partitions")
    wait_settled(worker)


def test_two_workers_share_partitions_take_over_and_match_a_single_worker(
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    streams = scoped_streams()
    total = sum(len(r) for r in streams.values())

    # Reference: one worker owning all four partitions.
    env_one = {**unique_topics, **ENV}
    one = settings_from(env_one)
    ensure_topics(one)
    assert produce(one, streams) == total
    single = start_worker(env_one)
    wait_caught_up(single, 2 * PARTITIONS)
    reference = events_by_id(one)
    single.stop()
    assert reference
    scopes_seen = {
        int(e["member_ids"][0].split("-")[0][1:]) for e in reference.values() if e["member_ids"]
    }
    assert scopes_seen == set(range(PARTITIONS))

    # Two workers in one group share the partitions; then one stops and the other takes over.
    env_two = second_set(env_one)
    two = settings_from(env_two)
    ensure_topics(two)
    assert produce(two, streams) == total
    first = start_worker(env_two)
    second = start_worker(env_two)
    wait_for(
        lambda: worker_metric(second, "narratives_documents_consumed_total") > 0,
        300,
        "the second worker to be given partitions and read from them",
    )
    shared_reads = worker_metric(second, "narratives_documents_consumed_total")
    second.stop()
    wait_caught_up(first, 2 * PARTITIONS)
    assert 0 < shared_reads < total
    log = first.log_tail(2000)
    assert '"scope_released"' in log or '"scope_ready"' in log

    scaled = events_by_id(two)
    # The same narratives, events and ids as the single worker's run.
    assert set(scaled) == set(reference)
    for event_id, event in reference.items():
        assert scaled[event_id] == event, event_id
