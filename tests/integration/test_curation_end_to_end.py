"""Analyst curation end to end on the real broker and model: commands from the CLI and from
code reach a live worker, take effect in the next slide, are in the audit log, and a Kafka
replay with the commands reproduces the live events exactly (without them, it does not)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from kafka_support import (
    metric_total,
    read_json_topic,
    read_topic,
    wait_for,
    wait_processed,
)

from agents.curate import build_command, send_command
from agents.kafka_replay import KafkaReplayRequest, run_kafka_replay
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics
from streams.events import rfc3339

pytestmark = pytest.mark.integration

SLIDE_S = 1800.0
ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": str(int(SLIDE_S)),
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "128",
    "NARRATIVES_FADE_AFTER_S": "5400",
}


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def latest_by_narrative(events: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    latest: dict[str, dict[str, object]] = {}
    for event in events:
        latest[str(event["narrative_id"])] = event
    return latest


def test_live_curation_takes_effect_next_slide_is_audited_and_replays_exactly(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    env = {**unique_topics, **ENV}
    settings = settings_from(env)
    ensure_topics(settings)
    sample = generate_sample(1200, hours=10.0)
    cut = epoch(str(sample[0]["published_at"])) + 5 * 3600
    first = [r for r in sample if epoch(str(r["published_at"])) < cut]
    second = sample[len(first) :]

    # Phase 1: the first five hours, live.
    produce_file(settings, write(tmp_path / "first.jsonl", first))
    worker = start_worker(env)
    wait_processed(worker, len(first))
    before = read_json_topic(settings.narratives_topic, settings.broker, settle_s=5, timeout_s=240)
    assert before, worker.log_tail()
    last_end = max(epoch(str(e["window"]["end"])) for e in before)  # type: ignore[index]
    absorbed = {p for e in before if e["type"] == "merged" for p in e["parent_ids"]}  # type: ignore[union-attr]
    alive = sorted(
        (
            e
            for nid, e in latest_by_narrative(before).items()
            if e["type"] != "faded" and nid not in absorbed
        ),
        key=lambda e: (-int(e["size"]), str(e["narrative_id"])),  # type: ignore[call-overload]
    )
    assert len(alive) >= 4, [(e["narrative_id"], e["size"]) for e in alive]
    a, b, c, d = (str(e["narrative_id"]) for e in alive[:4])

    # An analyst acts now: in event time, just after the last slide the worker closed.
    at = rfc3339(last_end + 1)
    cli_env = {**os.environ, **env}
    label = "Deepfake video of the candidate"
    cli = subprocess.run(
        [
            *(sys.executable, "-m", "agents.cli", "curate", "rename", a, "--label", label),
            *("--reason", "newsroom label", "--author", "it-analyst", "--at", at),
            *("--id", "c-rename"),
        ],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    meta = {"author": "it-analyst", "reason": "integration test", "at": at}
    send_command(
        settings, build_command("merge", command_id="c-merge", narrative_ids=[a, b], **meta)
    )
    send_command(settings, build_command("pin", command_id="c-pin", narrative_id=c, **meta))
    send_command(settings, build_command("suppress", command_id="c-sup", narrative_id=d, **meta))
    # Redelivered: the same command id again changes nothing.
    send_command(settings, build_command("pin", command_id="c-pin", narrative_id=c, **meta))

    # The worker polls the commands topic every second and queues what it reads.
    def commands_read() -> int:
        return sum(
            json.loads(line).get("records", 0)
            for line in worker.log_tail(2000).splitlines()
            if '"commands_read"' in line and line.startswith("{")
        )

    wait_for(lambda: commands_read() >= 5, 120, "the worker to read all five commands")

    # Phase 2: the next five hours, sent in file order across the two topics while the
    # worker is caught up and live (batched sends could land posts ahead of older articles).
    produce_file(settings, write(tmp_path / "second.jsonl", second), ordered=True)
    wait_processed(worker, len(sample))
    raw_live = [
        v.decode()
        for v in read_topic(settings.narratives_topic, settings.broker, settle_s=5, timeout_s=300)
    ]
    events = [json.loads(v) for v in raw_live]
    after = [e for e in events if epoch(e["window"]["end"]) > last_end]
    due = rfc3339(last_end + SLIDE_S)

    caused: dict[str, list[dict[str, object]]] = {}
    for e in events:
        for ref in e.get("caused_by") or []:
            caused.setdefault(ref["command_id"], []).append(e)
    audit = read_json_topic(settings.audit_topic, settings.broker, settle_s=3, timeout_s=60)
    outcomes = [(r["command"]["command_id"], r["status"], r["detail"]) for r in audit]
    assert sorted(caused) == ["c-merge", "c-pin", "c-rename", "c-sup"], outcomes
    # Every command took effect in the very next slide.
    for cid, caused_events in caused.items():
        assert [x["window"]["end"] for x in caused_events] == [due], cid

    (merged,) = caused["c-merge"]
    assert merged["type"] == "merged" and merged["narrative_id"] == a
    assert merged["parent_ids"] == [b]
    assert not [
        e for e in after if e["narrative_id"] == b and epoch(e["window"]["end"]) > epoch(due)
    ]
    a_after = [e for e in after if e["narrative_id"] == a]
    assert a_after and all(e["label"] == label for e in a_after)
    c_after = [e for e in after if e["narrative_id"] == c]
    assert all(e["pinned"] for e in c_after) and all(e["type"] != "faded" for e in c_after)
    d_after = [e for e in after if e["narrative_id"] == d]
    assert [e["suppressed"] for e in d_after] == [True]

    # The audit log has each action once: who, what, when, why, and the events it caused.
    by_id = {r["command"]["command_id"]: r for r in audit}
    assert sorted(by_id) == ["c-merge", "c-pin", "c-rename", "c-sup"]
    for cid, record in by_id.items():
        assert record["status"] == "applied" and record["applied_at"] == due
        assert record["command"]["author"] == "it-analyst"
        assert record["event_ids"] == [e["event_id"] for e in caused[cid]]
    listing = subprocess.run(
        [sys.executable, "-m", "agents.cli", "curate", "audit"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    assert len(listing.stdout.splitlines()) == 4 and "newsroom label" in listing.stdout

    status, body = worker.get("/metrics")
    text = body.decode()
    assert status == 200
    assert 'narratives_commands_total{status="applied",type="merge"} 1.0' in text
    assert 'narratives_commands_total{status="duplicate",type="pin"} 1.0' in text
    assert metric_total(text, "narratives_commands_total") == 5

    # A replay with the commands equals the live run; without them it is the machine alone.
    replayed = run_kafka_replay(settings, KafkaReplayRequest(name="it-cur", publish=False))
    assert replayed.commands == 5  # the redelivered one included, and ignored again
    assert [e.model_dump_json() for e in replayed.events] == raw_live
    machine = run_kafka_replay(
        settings, KafkaReplayRequest(name="it-raw", publish=False, commands=False)
    )
    assert machine.commands == 0
    assert all(not e.caused_by and e.label is None for e in machine.events)
    assert any(e.narrative_id == b for e in machine.events if e.window.end > due)
