"""Starting the Faust worker: wait for the broker, create topics, run the app."""

from __future__ import annotations

import time

from agents import logs
from agents.app import create_app
from agents.settings import Settings
from agents.topics import ensure_topics

log = logs.get(__name__)


def wait_for_topics(settings: Settings, timeout_s: float = 120.0) -> None:
    """Create the topics, retrying while the broker is not reachable yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            ensure_topics(settings)
            return
        except Exception as exc:  # kafka-python raises several types for "not yet"
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Kafka at {settings.broker} not reachable after {timeout_s:.0f}s ({exc}); "
                    "check NARRATIVES_BROKER and that the broker is running"
                ) from exc
            log.warning("broker_not_ready", broker=settings.broker, error=str(exc))
            time.sleep(2.0)


def run_worker(settings: Settings) -> None:
    """Block running the worker until SIGTERM/SIGINT."""
    import faust

    log.info("worker_starting", settings=settings.public_view())
    wait_for_topics(settings)
    app = create_app(settings)
    worker = faust.Worker(
        app,
        loglevel=settings.log_level.upper(),
        logging_config=logs.logging_dict(settings.log_level, settings.log_format),
        redirect_stdouts=False,
        quiet=True,
    )
    worker.execute_from_commandline()
