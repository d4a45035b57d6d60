"""Reliability against the real broker: outage, SIGKILL restart, flood, hostile inputs.

Usage: python bench/reliability.py [--outage-s 30]

One broker of its own (message.max.bytes raised to 16 MiB so a ~10 MB record reaches the
worker and is refused there as `too_large` instead of by the broker). Scenarios:

1. main: 600 generated documents in three parts. Part 1 → stop the broker for `--outage-s`,
   start it again → part 2 → SIGKILL the worker after a checkpoint → part 3 → a new worker.
   A reference worker (own group, own outputs) reads the same input without interruption;
   `final_narratives_equal` compares narrative ids and each document's final narrative.
2. flood: 1500 posts against NARRATIVES_WINDOW_MAX_DOCS=300; peak VmRSS of the worker.
3. hostile: a corpus of bad records into the flood worker's posts topic; DLQ by reason and
   the outcome of each kind.

`processed` = records the workers' consumer groups committed past; `lost` = produced records
not committed + documents the reference assigns that the interrupted run does not. The last
stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _common import emit, log
from _reliability_common import (
    committed_records,
    end_offsets,
    env_for,
    final_assignments,
    metric,
    read_topic,
    rss_mb,
    settings_for,
    wait,
    write_jsonl,
)

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

MAX_BYTES = 16 * 1024 * 1024
WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "10800",
    "NARRATIVES_WINDOW_SLIDE_S": "1800",
    "NARRATIVES_ALLOWED_LATENESS_S": "60",
    "NARRATIVES_BATCH_SIZE": "64",
}


def start(env: dict[str, str], workdir: Path, name: str) -> WorkerProcess:
    worker = WorkerProcess(
        env={**env, "NARRATIVES_DATA_DIR": str(workdir / name)},
        log_path=workdir / f"{name}.log",
        web_port=free_port(),
    )
    worker.start()
    worker.wait_ready(timeout_s=300)
    log(f"worker {name} ready")
    return worker


def alive(worker: WorkerProcess) -> bool:
    return worker.process is not None and worker.process.poll() is None


def drained(settings: Settings) -> bool:
    return committed_records(settings) >= end_offsets(settings)


def hostile_corpus() -> list[tuple[str, bytes]]:
    """(kind, raw value) pairs: each kind a way a producer can get a record wrong."""

    def rec(**fields: Any) -> bytes:
        base: dict[str, Any] = {"id": "hostile", "published_at": "2023-05-08T10:00:00Z"}
        base.update(fields)
        return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()

    ok = "Hostile input test post about the port closure"
    return [
        ("not_json", b"this is not json {"),
        ("not_json", b'{"id": "x", "text": '),
        ("not_an_object", b"[1, 2, 3]"),
        ("not_an_object", b'"just a string"'),
        ("not_an_object", b"null"),
        ("empty_value", b""),
        ("deep_nesting", b"[" * 100000 + b"]" * 100000),
        ("wrong_type", rec(id=12345, text=ok)),
        ("wrong_type", rec(id="h-wt-2", text=["a", "list"])),
        ("wrong_type", rec(id="h-wt-3", text=ok, published_at=1683540000)),
        ("missing_field", rec(id=..., text=ok)),
        ("missing_field", rec(id="h-mf-2")),
        ("missing_field", rec(id="h-mf-3", text=ok, published_at=...)),
        ("empty_text", rec(id="h-et-1", text="")),
        ("empty_text", rec(id="h-et-2", text="   \n\t  ")),
        ("huge_text", rec(id="h-huge", text="flood " * (10 * 1024 * 1024 // 6))),
        (
            "invalid_utf8",
            b'{"id": "h-utf8", "published_at": "2023-05-08T10:00:00Z", '
            b'"text": "bad \xff\xfe\xc3\x28 bytes"}',
        ),
        ("control_chars", rec(id="h-ctl", text="null\u0000bell\u0007esc\u001b[31m " + ok)),
        ("bidi_chars", rec(id="h-bidi", text="\u202eevil\u202c \u2066iso\u2069 \u200f" + ok)),
        ("html_script", rec(id="h-html", text="<script>alert(1)</script><b>" + ok + "</b>")),
        ("future_timestamp", rec(id="h-fut", text=ok, published_at="2999-01-01T00:00:00Z")),
        ("past_timestamp", rec(id="h-past", text=ok, published_at="1970-01-01T00:00:00Z")),
        ("bad_timestamp", rec(id="h-badts", text=ok, published_at="yesterday")),
        ("bad_timestamp", rec(id="h-nots", text=ok, published_at="2023-05-08T10:00:00")),
        ("duplicate_id", rec(id="h-dup", text=ok)),
        ("duplicate_id", rec(id="h-dup", text=ok)),
        ("unknown_schema_version", rec(id="h-sv-1", text=ok, schema_version="2.0")),
        ("unknown_schema_version", rec(id="h-sv-2", text=ok, schema_version="banana")),
    ]


def send_hostile(settings: Settings) -> tuple[dict[int, str], Counter[str], int]:
    """Send the corpus; offset → kind of those the broker took, and refusals by kind."""
    from kafka import KafkaProducer

    producer = KafkaProducer(
        acks="all", max_request_size=MAX_BYTES, **settings.kafka_python_config()
    )
    kinds: dict[int, str] = {}
    refused: Counter[str] = Counter()
    corpus = hostile_corpus()
    try:
        for kind, value in corpus:
            try:
                meta = producer.send(settings.posts_topic, value=value).get(timeout=60)
                kinds[meta.offset] = kind
            except Exception as exc:  # a broker refusal is a result, counted separately
                log(f"broker refused {kind}: {type(exc).__name__}: {exc}")
                refused[kind] += 1
        producer.flush()
    finally:
        producer.close()
    return kinds, refused, len(corpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-s", type=float, default=30.0)
    parser.add_argument("--flood", type=int, default=1500)
    args = parser.parse_args(argv)
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="bench-reliability-") as tmp:
        workdir = Path(tmp)
        extra = workdir / "extra.properties"
        extra.write_text(f"message.max.bytes={MAX_BYTES}\n")
        broker = LocalKafka(
            port=free_port(),
            state_dir=workdir / "kafka",
            extra_env={"KAFKA_EXTRA_PROPERTIES": str(extra)},
        )
        log(f"starting Kafka on {broker.bootstrap} …")
        broker.start()
        workers: list[WorkerProcess] = []
        try:
            result = run(args, broker, workdir, workers)
        finally:
            for worker in workers:
                worker.stop()
            broker.stop()
    result["wall_s"] = round(time.monotonic() - started, 1)
    emit(result)
    return 0 if result["lost"] == 0 and result["final_narratives_equal"] else 1


def run(
    args: argparse.Namespace, broker: LocalKafka, workdir: Path, workers: list[WorkerProcess]
) -> dict[str, Any]:
    consumed = "narratives_documents_consumed_total"
    last_batch = "narratives_last_batch_timestamp_seconds"

    # -- 1. outage and SIGKILL restart, against an uninterrupted reference ------------------
    # info: the restarted worker's "recovery" log line tells whether a checkpoint was restored
    env = env_for(broker, "main", **WINDOW_ENV, NARRATIVES_LOG_LEVEL="info")
    settings = settings_for(env)
    ensure_topics(settings)
    sample = generate_sample(600, hours=12.0)
    parts = [
        write_jsonl(workdir / f"part{i}.jsonl", sample[i * 200 : i * 200 + 200]) for i in range(3)
    ]
    produce_file(settings, parts[0])
    first = start(env, workdir, "main-a")
    workers.append(first)
    wait(lambda: metric(first, consumed) >= 200, 300, "part 1")
    wait(lambda: metric(first, last_batch) > 0, 60, "a batch")
    time.sleep(2.0)
    before = metric(first, last_batch)
    log(f"stopping the broker for {args.outage_s:.0f}s")
    broker.stop()
    time.sleep(args.outage_s)
    survived_outage = alive(first)
    broker.start()
    produce_file(settings, parts[1])
    wait(lambda: metric(first, consumed) >= 400, 300, "part 2 after the outage")
    wait(lambda: metric(first, last_batch) > before, 60, "a batch after the outage")
    gap = metric(first, last_batch) - before
    survived_outage = survived_outage and alive(first)
    log(f"outage survived={survived_outage}, last-batch gap {gap:.1f}s")
    wait(lambda: metric(first, "narratives_checkpoints_total") >= 1, 120, "a checkpoint")
    first.kill()
    log("worker SIGKILLed")
    produce_file(settings, parts[2])
    second = start(env, workdir, "main-b")
    workers.append(second)
    wait(lambda: drained(settings), 300, "part 3 after the restart")
    restarts = 1 if alive(second) and '"restored": true' in second.log_tail(2000) else 0

    reference_env = env_for(broker, "main", **WINDOW_ENV)
    reference_env.update(
        NARRATIVES_APP_ID="rel-main-ref",
        NARRATIVES_NARRATIVES_TOPIC="main.narratives-ref",
        NARRATIVES_DLQ_TOPIC="main.narratives.dlq-ref",
        NARRATIVES_STATE_TOPIC="main.narratives-ref.state",
    )
    reference = start(reference_env, workdir, "main-ref")
    workers.append(reference)
    wait(lambda: drained(settings_for(reference_env)), 300, "the reference run")
    time.sleep(3.0)
    events = [json.loads(v) for v in read_topic(settings, settings.narratives_topic)]
    ref_events = [json.loads(v) for v in read_topic(settings, "main.narratives-ref")]
    ids_a, owner_a = final_assignments(events)
    ids_b, owner_b = final_assignments(ref_events)
    missing = [doc for doc in owner_b if doc not in owner_a]
    equal = bool(ids_a) and ids_a == ids_b and owner_a == owner_b
    log(f"narratives {len(ids_a)} vs reference {len(ids_b)}; equal={equal}")
    main_committed = committed_records(settings)
    main_end = end_offsets(settings)
    main_dlq = [json.loads(v) for v in read_topic(settings, settings.dlq_topic, settle_s=3.0)]
    for worker in (second, reference):
        worker.stop()

    # -- 2. flood against a small window cap ------------------------------------------------
    flood_env = env_for(
        broker,
        "flood",
        NARRATIVES_WINDOW_MAX_DOCS="300",
        NARRATIVES_WINDOW_LENGTH_S="86400",
        NARRATIVES_WINDOW_SLIDE_S="3600",
        NARRATIVES_MAX_RECORD_BYTES="1048576",
    )
    flood_settings = settings_for(flood_env)
    ensure_topics(flood_settings)
    posts = []
    for record in generate_sample(args.flood, hours=12.0, seed=11):
        if record.get("kind") == "article":
            text = f"{record.pop('title', '')}. {record.pop('body', '')}"
            record = {**record, "kind": "post", "text": text}
        posts.append(record)
    flood = start(flood_env, workdir, "flood")
    workers.append(flood)
    assert flood.process is not None
    baseline = rss_mb(flood.process.pid)
    produce_file(flood_settings, write_jsonl(workdir / "flood.jsonl", posts))
    peak = baseline
    peak_window = 0.0
    deadline = time.monotonic() + 420
    while not drained(flood_settings):
        if time.monotonic() > deadline or not alive(flood):
            raise RuntimeError(f"flood not drained:\n{flood.log_tail()}")
        peak = max(peak, rss_mb(flood.process.pid))
        peak_window = max(peak_window, metric(flood, "narratives_window_documents"))
        time.sleep(0.5)
    log(f"flood drained: rss baseline {baseline:.0f} MiB, peak {peak:.0f} MiB")

    # -- 3. hostile inputs into the flood worker --------------------------------------------
    kinds_at, refused, tried = send_hostile(flood_settings)
    wait(lambda: drained(flood_settings), 300, "the hostile corpus")
    time.sleep(2.0)
    flood_alive = alive(flood)
    letters = [json.loads(v) for v in read_topic(flood_settings, flood_settings.dlq_topic)]
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for letter in letters:
        offset = letter.get("offset")
        kind = kinds_at.get(int(offset)) if offset is not None else None
        if kind is not None and letter.get("topic") == flood_settings.posts_topic:
            outcomes[kind][f"dlq:{letter['reason']}"] += 1
    refused_docs = sum(outcomes[k].total() for k in outcomes)
    for kind in kinds_at.values():
        outcomes[kind]["sent"] += 1
    for kind, count in refused.items():
        outcomes[kind]["broker_refused"] += count
    duplicates = metric(flood, "narratives_documents_duplicate_total")
    flood_committed = committed_records(flood_settings)
    flood_end = end_offsets(flood_settings)

    dlq_reasons = Counter(str(letter["reason"]) for letter in main_dlq + letters)
    produced = main_end + flood_end
    processed = main_committed + flood_committed
    return {
        "produced": produced,
        "processed": processed,
        "dlq": sum(dlq_reasons.values()),
        "dlq_by_reason": dict(sorted(dlq_reasons.items())),
        "lost": (produced - processed) + len(missing),
        "restarts_survived": restarts,
        "outage_s_survived": args.outage_s if survived_outage else 0,
        "last_batch_gap_s": round(gap, 1),
        "bad_input_kinds": len({kind for kind, _ in hostile_corpus()}),
        "bad_inputs_tried": tried,
        "bad_inputs_dead_lettered": refused_docs,
        "bad_inputs_broker_refused": sum(refused.values()),
        "bad_input_outcomes": {k: dict(v) for k, v in sorted(outcomes.items())},
        "duplicates_ignored": duplicates,
        "worker_alive_after_hostile": flood_alive,
        "peak_rss_mb_under_flood": round(peak, 1),
        "baseline_rss_mb_flood": round(baseline, 1),
        "peak_window_documents_under_flood": peak_window,
        "final_narratives_equal": equal,
        "narratives": len(ids_a),
    }


if __name__ == "__main__":
    raise SystemExit(main())
