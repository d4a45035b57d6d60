"""A worker outlives a 30 s broker outage: it stays up, consumes what was produced before and
after, loses no document (same narratives, ids and assignments as a run that saw no outage),
and `narratives_last_batch_timestamp_seconds` shows the gap (real broker, real model).

The test runs its own broker (own port, own state directory) so that it can stop and restart
it without touching the session broker the other integration tests share.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka_support import read_json_topic, wait_for, wait_settled, worker_metric

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

pytestmark = pytest.mark.integration

OUTAGE_S = 30.0
WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
}


def _final(events: list[dict]) -> tuple[set[str], dict[str, str]]:
    """Narrative ids, and each document's last narrative (by window end, then version)."""
    owner: dict[str, str] = {}
    by_id = {e["event_id"]: e for e in events}  # redeliveries carry the same event_id
    ordered = sorted(
        by_id.values(), key=lambda e: (e["window"]["end"], e["narrative_id"], e["version"])
    )
    for event in ordered:
        for member in event["member_ids"]:
            owner[member] = event["narrative_id"]
    return {e["narrative_id"] for e in ordered}, owner


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    broker = LocalKafka(port=free_port(), state_dir=tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_worker_survives_a_broker_outage(
    tmp_path: Path,
    own_kafka: LocalKafka,
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {
        "NARRATIVES_BROKER": own_kafka.bootstrap,
        "NARRATIVES_APP_ID": "outage-app",
        "NARRATIVES_ARTICLES_TOPIC": "outage.articles",
        "NARRATIVES_POSTS_TOPIC": "outage.posts",
        "NARRATIVES_NARRATIVES_TOPIC": "outage.narratives",
        "NARRATIVES_DLQ_TOPIC": "outage.narratives.dlq",
        "NARRATIVES_STATE_TOPIC": "outage.narratives.state",
        **WINDOW_ENV,
    }
    settings = settings_from(env)
    ensure_topics(settings)
    sample = generate_sample(400, hours=8.0)
    produced = {str(r["id"]) for r in sample}
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample[:200]))
    second.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample[200:]))

    produce_file(settings, first)
    worker = start_worker(env)
    consumed = "narratives_documents_consumed_total"
    last_batch = "narratives_last_batch_timestamp_seconds"
    wait_for(lambda: worker_metric(worker, consumed) >= 200, 180, "the first half")
    # Read is not done: on a loaded machine the last batches of the first half were still
    # running when the broker went, and their gauge moved during the outage. Counted, not
    # timed: every record read is through its batch.
    wait_settled(worker)
    # The gauge is set after the batch is published; wait until it has caught up with it.
    wait_for(lambda: worker_metric(worker, last_batch) > 0, 30, "the last-batch gauge")
    time.sleep(2.0)
    before = worker_metric(worker, last_batch)

    own_kafka.stop()
    outage_started = time.monotonic()
    while time.monotonic() - outage_started < OUTAGE_S:
        time.sleep(5.0)
        assert worker.process is not None and worker.process.poll() is None, worker.log_tail()
        # Nothing is processed while the broker is away: the gauge stands still.
        assert worker_metric(worker, last_batch) == before
    own_kafka.start()

    produce_file(settings, second)
    wait_for(
        lambda: worker_metric(worker, consumed) >= 400, 300, "the second half after the outage"
    )
    wait_for(lambda: worker_metric(worker, last_batch) >= before + OUTAGE_S, 60, "a batch after it")
    assert worker.process is not None and worker.process.poll() is None, worker.log_tail()
    assert worker_metric(worker, consumed) >= 400
    assert worker_metric(worker, last_batch) - before >= OUTAGE_S

    # The same input through a worker that never saw an outage.
    reference_env = {
        **env,
        "NARRATIVES_APP_ID": "outage-app-ref",
        "NARRATIVES_NARRATIVES_TOPIC": "outage.narratives-ref",
        "NARRATIVES_STATE_TOPIC": "outage.narratives-ref.state",
    }
    reference = start_worker(reference_env)
    wait_for(lambda: worker_metric(reference, consumed) >= 400, 300, "the reference run")
    wait_settled(reference)
    wait_settled(worker)

    ids_a, owner_a = _final(
        read_json_topic(settings.narratives_topic, settings.broker, settle_s=10, timeout_s=180)
    )
    ids_b, owner_b = _final(
        read_json_topic(
            reference_env["NARRATIVES_NARRATIVES_TOPIC"],
            settings.broker,
            settle_s=10,
            timeout_s=180,
        )
    )
    assert ids_a and owner_a
    assert owner_a.keys() <= produced
    assert ids_a == ids_b
    assert owner_a == owner_b
    # Every valid document reached the detector: none was dead-lettered.
    assert worker_metric(worker, "narratives_documents_invalid_total") == 0
