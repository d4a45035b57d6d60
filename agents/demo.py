"""`narratives demo`: the whole system on one machine, with narratives appearing live.

Starts the real local Kafka broker, a worker process, streams the generated English/Turkish
election sample into `articles` and `posts`, and prints narrative events as a downstream
consumer receives them. Everything it starts, it stops (unless --keep-running).
"""

from __future__ import annotations

import tempfile
import threading
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


def run_demo(
    *,
    n_docs: int = 3000,
    rate: float = 150.0,
    port: int = 0,
    keep_running: bool = False,
    idle_s: float = 25.0,
) -> int:
    """Run the demo; returns a process exit code (0 when narratives appeared)."""
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
        for event in iter_events(
            settings, idle_timeout=idle_s, keep_going=lambda: not done.is_set()
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
