"""`narratives demo`: the whole system on one machine, with narratives appearing live.

Starts the real local Kafka broker, a worker process, streams the generated English/Turkish
election sample into `articles` and `posts`, and prints narrative events as a downstream
consumer receives them. Everything it starts, it stops (unless --keep-running).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import write_sample
from agents.settings import Settings
from agents.tail import format_event, iter_events

#: The sample spans three days of event time: a 6-hour window sliding hourly shows it well.
DEMO_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "21600",
    "NARRATIVES_WINDOW_SLIDE_S": "3600",
    "NARRATIVES_ALLOWED_LATENESS_S": "300",
    "NARRATIVES_LOG_FORMAT": "json",
}


def _say(text: str) -> None:
    print(text, flush=True)


class WorkerProgress:
    """Whether the worker is still working through the `expected` records sent to it.

    True while its processed count (`narratives_documents_processed_total`) is below
    `expected` and has moved within `stall_s` seconds; False once it is done, has died, or has
    stalled, so that a broken worker cannot keep the demo waiting for ever."""

    def __init__(self, worker: WorkerProcess, expected: int, *, stall_s: float) -> None:
        self.worker, self.expected, self.stall_s = worker, expected, stall_s
        self.last_seen: float | None = None
        self.last_move = time.monotonic()

    def __call__(self) -> bool:
        if self.worker.process is None or self.worker.process.poll() is not None:
            return False
        processed = self.worker.metric("narratives_documents_processed_total")
        if processed is not None and processed != self.last_seen:
            self.last_seen, self.last_move = processed, time.monotonic()
        if processed is not None and processed >= self.expected:
            return False
        return time.monotonic() - self.last_move < self.stall_s


def run_demo(
    *,
    n_docs: int = 3000,
    rate: float = 150.0,
    port: int = 0,
    keep_running: bool = False,
    idle_s: float = 25.0,
    stall_s: float = 300.0,
) -> int:
    """Run the demo; returns a process exit code (0 when narratives appeared).

    It ends `idle_s` after the last event once the worker has finished every record streamed
    (or has made no progress for `stall_s`): a quiet spell alone is no sign of the end on a
    slow machine, where one batch can take longer than the spell."""
    port = port or free_port()
    web_port = free_port()
    work = Path(tempfile.mkdtemp(prefix="narratives-demo-"))
    kafka = LocalKafka(port=port, state_dir=work / "kafka")
    _say(f"== starting Kafka (KRaft, single node) on 127.0.0.1:{port}")
    kafka.start()
    env = {
        **DEMO_ENV,
        "NARRATIVES_BROKER": kafka.bootstrap,
        "NARRATIVES_APP_ID": f"narratives-demo-{port}",
        "NARRATIVES_DATA_DIR": str(work / "worker"),
    }
    settings = Settings(broker=kafka.bootstrap)
    sample = work / "sample.jsonl"
    write_sample(sample, n_docs)
    worker = WorkerProcess(env=env, log_path=work / "worker.log", web_port=web_port)
    _say(f"== starting the worker (logs: {worker.log_path}; metrics: {worker.url('/metrics')})")
    worker.start()
    code = 1
    try:
        try:
            worker.wait_ready(180)
        except (RuntimeError, TimeoutError) as exc:
            _say(f"!! the worker did not become ready: {exc}")
            return 1
        _say(f"== streaming {n_docs} generated English/Turkish articles and posts at {rate:.0f}/s")
        done = threading.Event()

        def produce() -> None:
            produce_file(settings, sample, rate=rate)
            done.set()

        threading.Thread(target=produce, daemon=True).start()
        _say("== narrative events (+ emerged, ~ updated, & merged, / split, - faded, ^ resumed):")
        types: Counter[str] = Counter()
        narratives: set[str] = set()
        busy = WorkerProgress(worker, n_docs, stall_s=stall_s)
        for event in iter_events(
            settings, idle_timeout=idle_s, keep_going=lambda: not done.is_set() or busy()
        ):
            types[event.type] += 1
            narratives.add(event.narrative_id)
            _say("   " + format_event(event))
        _say(f"== {sum(types.values())} events, {len(narratives)} narratives: {dict(types)}")
        code = 0 if narratives else 1
    finally:
        if keep_running:
            pid = worker.process.pid if worker.process else None
            _say(f"== left running: broker {kafka.bootstrap}, worker pid {pid}")
        else:
            worker.stop()
            kafka.stop()
    return code
