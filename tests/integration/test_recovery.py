"""A worker killed with SIGKILL mid-stream and restarted ends with the narratives, ids and
document assignments of a run that was never interrupted (real broker, real model)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka_support import read_json_topic, wait_for, wait_settled, worker_metric

from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

pytestmark = pytest.mark.integration

WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
}


def _final(events: list[dict]) -> tuple[dict[str, dict], dict[str, str]]:
    """Last event of each narrative (by version), and each document's last narrative."""
    last: dict[str, dict] = {}
    owner: dict[str, str] = {}
    for event in sorted(
        events, key=lambda e: (e["window"]["end"], e["narrative_id"], e["version"])
    ):
        if event["version"] >= last.get(event["narrative_id"], {"version": 0})["version"]:
            last[event["narrative_id"]] = event
        for member in event["member_ids"]:
            owner[member] = event["narrative_id"]
    return last, owner


def test_sigkill_and_restart_end_like_an_uninterrupted_run(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {**unique_topics, **WINDOW_ENV}
    settings = settings_from(env)
    ensure_topics(settings)
    sample = generate_sample(600, hours=12.0)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample[:350]))
    second.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample[350:]))

    # The interrupted run: consume the first part, checkpoint, die without any clean-up.
    produce_file(settings, first)
    victim = start_worker(env)
    wait_for(
        lambda: worker_metric(victim, "narratives_documents_consumed_total") >= 350,
        180,
        "first part",
    )
    wait_for(lambda: worker_metric(victim, "narratives_checkpoints_total") >= 1, 60, "a checkpoint")
    victim.kill()
    produce_file(settings, second)
    survivor = start_worker(env)
    wait_for(
        lambda: worker_metric(survivor, "narratives_documents_consumed_total") >= 250,
        300,
        "the rest after restart",
    )
    wait_settled(survivor)

    # The uninterrupted run: another group and output topic over the same input.
    reference_env = {
        **env,
        "NARRATIVES_APP_ID": env["NARRATIVES_APP_ID"] + "-ref",
        "NARRATIVES_NARRATIVES_TOPIC": env["NARRATIVES_NARRATIVES_TOPIC"] + "-ref",
        "NARRATIVES_STATE_TOPIC": env["NARRATIVES_NARRATIVES_TOPIC"] + "-ref.state",
    }
    reference = start_worker(reference_env)
    wait_for(
        lambda: worker_metric(reference, "narratives_documents_consumed_total") >= 600,
        300,
        "ref",
    )
    wait_settled(reference)

    interrupted = read_json_topic(
        settings.narratives_topic, settings.broker, settle_s=15, timeout_s=120
    )
    uninterrupted = read_json_topic(
        reference_env["NARRATIVES_NARRATIVES_TOPIC"], settings.broker, settle_s=15, timeout_s=120
    )
    assert uninterrupted and interrupted
    # Redelivered events are exact duplicates (same event_id, same content).
    by_id: dict[str, dict] = {}
    for event in interrupted:
        assert by_id.setdefault(event["event_id"], event) == event
    last_a, owner_a = _final(list(by_id.values()))
    last_b, owner_b = _final(uninterrupted)
    assert last_a.keys() == last_b.keys()
    assert owner_a == owner_b

    # A text's vector is a pure function of the text (one text per encoder pass, cache keyed
    # by exact text), so even the events after the restart are the uninterrupted run's.
    assert {k: v["event_id"] for k, v in last_a.items()} == {
        k: v["event_id"] for k, v in last_b.items()
    }
    assert '"restored": true' in survivor.log_tail(400)
