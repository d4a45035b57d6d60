"""Produce-to-narrative latency on a live stream whose event time follows the wall clock.

Usage: python bench/latency.py [--rate R] [--duration 120] [--slide 10] [--window 60]
                               [--lateness 1]

In one run: start the real local broker (free port, temporary state) and one worker with a
short window (60 s, sliding every 10 s, 1 s allowed lateness). The stream is the generated
election sample (agents.sample_stream.generate_sample: articles and posts, EN and TR) with
`published_at` rewritten to the wall-clock moment each record is sent, so slides close as
time passes, exactly as in production.

1. Calibration (unless --rate): send --calibrate records (default 600) as fast as possible
   and time until the worker has processed them (/metrics: embedded + invalid); the measured
   rate is the worker's throughput on this stream; the run then paces at half of it.
2. Measurement: send records at the paced rate for --duration seconds, remembering each
   document's send time; then keep sending (unmeasured) filler records for 2 slides + lateness
   so the last measured documents' slides close.
3. A kafka-python consumer on the narratives topic (started before step 2, in a thread)
   stamps each event on receipt; a document's latency is receipt of the first event that
   contains it, in `member_ids` or `attached_ids` (an attached document is reported as part
   of the narrative, as the assignments count it), minus its send time. `member_*` are the
   same figures counting `member_ids` only (the dense core HDBSCAN put it in).

Reports p50/p90/p99/max over the measured documents that appeared in any event (a document
in noise, or that joined a narrative without a material change, appears in none: `matched`
counts those that did) and the slide length. With the default event policy a document that
joins a big narrative is first listed at that narrative's next *material* update (20 %
growth, new keywords or sources), which can be slides later; `--policy every` reports every
slide in which a narrative grows. `joining_*` are the same figures over the documents whose
narrative had already been published when they were sent: what remains in the others is the
wait for their narrative to emerge (detection), not processing. The last stdout line is the
JSON result.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    DEFAULT_DATA,
    emit,
    local_broker,
    log,
    metric_sum,
    percentile,
    topic_env,
    worker_metrics,
    worker_process,
)

from agents.local_worker import WorkerProcess
from agents.produce import make_producer
from agents.sample_stream import generate_sample
from agents.settings import Settings


class EventWatcher(threading.Thread):
    """Consumes the narratives topic; first receipt time of each member id."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        from kafka import KafkaConsumer

        self.consumer: Any = KafkaConsumer(
            settings.narratives_topic,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **settings.kafka_python_config(),
        )
        self.first_seen: dict[str, float] = {}
        self.first_member: dict[str, float] = {}  # the same, counting `member_ids` only
        self.owner: dict[str, str] = {}  # doc id -> narrative of the first event listing it
        self.born: dict[str, float] = {}  # narrative id -> receipt of its first event
        self.events = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(timeout_ms=200).values():
                received = time.time()
                for message in records:
                    self.events += 1
                    event = json.loads(message.value)
                    narrative = str(event["narrative_id"])
                    self.born.setdefault(narrative, received)
                    for member in event["member_ids"]:
                        self.first_member.setdefault(member, received)
                    for member in [*event["member_ids"], *(event.get("attached_ids") or ())]:
                        if member not in self.first_seen:
                            self.first_seen[member] = received
                            self.owner[member] = narrative
        self.consumer.close()


def _send(producer: Any, settings: Settings, record: dict[str, Any], at: float) -> None:
    record["published_at"] = datetime.fromtimestamp(at, UTC).isoformat()
    topic = settings.articles_topic if record.get("kind") == "article" else settings.posts_topic
    value = json.dumps(record, ensure_ascii=False).encode("utf-8")
    producer.send(topic, key=str(record["id"]).encode(), value=value)


def _processed(worker: WorkerProcess) -> float:
    text = worker_metrics(worker)
    return metric_sum(text, "narratives_embed_batch_documents_sum") + metric_sum(
        text, "narratives_documents_invalid_total"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="unused (synthetic)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="docs/s (default: half of the calibrated throughput)",
    )
    parser.add_argument("--calibrate", type=int, default=600)
    parser.add_argument("--duration", type=float, default=120.0, help="measured seconds")
    parser.add_argument("--slide", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--lateness", type=float, default=1.0)
    parser.add_argument(
        "--policy",
        choices=["material", "every"],
        default="material",
        help="event policy: the default (an `updated` event on material change only) or "
        "`every` (NARRATIVES_UPDATE_MIN_NEW=1, _MIN_GROWTH=0: every slide a narrative grows)",
    )
    args = parser.parse_args(argv)

    pool = generate_sample(20000, hours=240.0, noise_share=0.25)
    records = iter(pool)
    window_env = {
        "NARRATIVES_WINDOW_LENGTH_S": str(args.window),
        "NARRATIVES_WINDOW_SLIDE_S": str(args.slide),
        "NARRATIVES_ALLOWED_LATENESS_S": str(args.lateness),
        "NARRATIVES_FADE_AFTER_S": str(6 * args.slide),
    }
    if args.policy == "every":
        window_env |= {"NARRATIVES_UPDATE_MIN_NEW": "1", "NARRATIVES_UPDATE_MIN_GROWTH": "0"}
    result: dict[str, Any] = {
        "bench": "latency",
        "slide_s": args.slide,
        "window_s": args.window,
        "policy": args.policy,
    }
    with local_broker() as broker, tempfile.TemporaryDirectory(prefix="bench-lat-") as tmp:
        env = {**topic_env(broker, "lat"), **window_env}
        settings = Settings(
            broker=broker.bootstrap,
            posts_topic=env["NARRATIVES_POSTS_TOPIC"],
            articles_topic=env["NARRATIVES_ARTICLES_TOPIC"],
            narratives_topic=env["NARRATIVES_NARRATIVES_TOPIC"],
        )
        with worker_process(env, Path(tmp)) as worker:
            producer = make_producer(settings)
            rate = args.rate
            if rate <= 0:
                log(f"calibrating: {args.calibrate} records as fast as possible …")
                started = time.time()
                for _ in range(args.calibrate):
                    _send(producer, settings, next(records), time.time())
                producer.flush()
                while _processed(worker) < args.calibrate:
                    if time.time() - started > 600:
                        raise SystemExit(f"calibration stuck:\n{worker.log_tail()}")
                    time.sleep(0.1)
                calibrated = args.calibrate / (time.time() - started)
                rate = calibrated / 2
                result["calibrated_docs_per_s"] = round(calibrated, 2)
                log(f"throughput {calibrated:.1f} docs/s → pacing at {rate:.1f} docs/s")
            result["rate"] = round(rate, 2)

            watcher = EventWatcher(settings)
            watcher.start()
            sent_at: dict[str, float] = {}
            log(f"measuring for {args.duration:.0f}s at {rate:.1f} docs/s …")
            begin = time.time()
            i = 0
            filler_until = begin + args.duration + 2 * args.slide + args.lateness + 1
            while True:
                due = begin + i / rate
                now = time.time()
                if due > filler_until:
                    break
                if due > now:
                    time.sleep(due - now)
                record = next(records)
                at = time.time()
                _send(producer, settings, record, at)
                if at - begin <= args.duration:
                    sent_at[str(record["id"])] = at
                i += 1
                if i % max(1, int(rate * 15)) == 0:
                    log(f"  sent {i}, {len(watcher.first_seen)} documents seen in events")
            producer.flush()
            producer.close()
            total = i + (args.calibrate if args.rate <= 0 else 0)
            deadline = time.time() + 60
            while _processed(worker) < total and time.time() < deadline:
                time.sleep(0.5)
            time.sleep(2 * args.slide)
            watcher.stopping.set()
            watcher.join(timeout=10)
            text = worker_metrics(worker)

    latencies = sorted(
        watcher.first_seen[doc] - sent for doc, sent in sent_at.items() if doc in watcher.first_seen
    )
    member_only = sorted(
        watcher.first_member[doc] - sent
        for doc, sent in sent_at.items()
        if doc in watcher.first_member
    )
    # Documents that joined a narrative already published when they were sent: their delay is
    # the pipeline's (slide close + processing); the others waited for their narrative to
    # emerge at all, which is detection delay, not processing.
    joining = sorted(
        watcher.first_seen[doc] - sent
        for doc, sent in sent_at.items()
        if doc in watcher.first_seen and watcher.born[watcher.owner[doc]] < sent
    )
    clusters = metric_sum(text, "narratives_cluster_duration_seconds_count")
    result.update(
        joining_p50_s=_round(percentile(joining, 50)),
        joining_p99_s=_round(percentile(joining, 99)),
        joining_matched=len(joining),
        p50_s=_round(percentile(latencies, 50)),
        p90_s=_round(percentile(latencies, 90)),
        p99_s=_round(percentile(latencies, 99)),
        max_s=_round(max(latencies) if latencies else None),
        member_p50_s=_round(percentile(member_only, 50)),
        member_p99_s=_round(percentile(member_only, 99)),
        member_matched=len(member_only),
        measured=len(sent_at),
        matched=len(latencies),
        events=watcher.events,
        lateness_s=args.lateness,
        slide_close_mean_s=_round(
            metric_sum(text, "narratives_cluster_duration_seconds_sum") / clusters
            if clusters
            else None
        ),
        window_docs_at_end=int(metric_sum(text, "narratives_window_documents")),
    )
    log(f"p50 {result['p50_s']}s p99 {result['p99_s']}s over {len(latencies)} documents")
    emit(result)
    return 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    sys.exit(main())
