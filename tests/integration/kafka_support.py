"""Helpers the integration tests share: reading a topic like a consumer, reading /metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer

from agents.local_worker import WorkerProcess, metric_total

__all__ = ["metric_total"]  # re-exported: tests read /metrics through this module


def read_topic(
    topic: str,
    bootstrap: str,
    *,
    timeout_s: float,
    until: Callable[[list[bytes]], bool] | None = None,
    settle_s: float | None = None,
) -> list[bytes]:
    """Every value on `topic` from the start, as a downstream consumer (no group) reads it.

    Stops when `until(values)` holds, or once `settle_s` pass without a new value (after at
    least one), or at `timeout_s`.
    """
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    values: list[bytes] = []
    last = time.monotonic()
    deadline = last + timeout_s
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                values.extend(r.value for r in records)
                last = time.monotonic()
            if until is not None and until(values):
                break
            if settle_s is not None and values and time.monotonic() - last > settle_s:
                break
    finally:
        consumer.close()
    return values


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `condition` every half second; fail the test naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def worker_metric(worker: WorkerProcess, name: str) -> float:
    """`worker.metric(name)`, failing the test when the worker does not answer."""
    value = worker.metric(name)
    assert value is not None, f"no /metrics from the worker:\n{worker.log_tail()}"
    return value


def read_json_topic(
    topic: str,
    bootstrap: str,
    *,
    timeout_s: float,
    until: Callable[[list[Any]], bool] | None = None,
    settle_s: float | None = None,
) -> list[Any]:
    """`read_topic` with each value decoded as JSON (and `until` seeing decoded values)."""
    decoded: list[Any] = []

    def check(values: list[bytes]) -> bool:
        decoded.extend(json.loads(v) for v in values[len(decoded) :])
        return until is not None and until(decoded)

    values = read_topic(topic, bootstrap, timeout_s=timeout_s, until=check, settle_s=settle_s)
    decoded.extend(json.loads(v) for v in values[len(decoded) :])
    return decoded


def wait_settled(worker: WorkerProcess, timeout_s: float = 600.0) -> None:
    """Until every record the worker has read is through its batch (processed = consumed).

    Counted, not timed: a quiet spell of the last-batch clock also passes while a slow batch is
    still running (a loaded machine embeds a batch in more than any fixed spell)."""

    def done() -> bool:
        consumed = worker_metric(worker, "narratives_documents_consumed_total")
        return worker_metric(worker, "narratives_documents_processed_total") >= consumed

    wait_for(done, timeout_s, "the worker to finish the batches of every record it read")


def wait_processed(worker: WorkerProcess, records: int, timeout_s: float = 600.0) -> None:
    """Until the worker has finished the batches of at least `records` input records: their
    events are published and their checkpoint written."""
    wait_for(
        lambda: worker_metric(worker, "narratives_documents_processed_total") >= records,
        timeout_s,
        f"the worker to finish {records} records",
    )
