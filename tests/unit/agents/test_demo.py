"""The demo waits for the worker's processed count, not for a quiet spell, before it ends."""

from __future__ import annotations

from pathlib import Path

import pytest

import agents.demo as demo
from agents.demo import WorkerProgress
from agents.local_worker import WorkerProcess, metric_total


class _Process:
    def __init__(self) -> None:
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code


class _Worker(WorkerProcess):
    """A worker whose /metrics answers from a list of processed counts, one per read."""

    def __init__(self, counts: list[float | None]) -> None:
        super().__init__(env={}, log_path=Path("unused.log"), web_port=0)
        self.counts = counts
        self.process = _Process()  # type: ignore[assignment]

    def metric(self, name: str) -> float | None:
        assert name == "narratives_documents_processed_total"
        return self.counts.pop(0) if len(self.counts) > 1 else self.counts[0]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(demo, "time", fake)
    return fake


def test_busy_until_every_streamed_record_is_processed(clock: _Clock) -> None:
    busy = WorkerProgress(_Worker([0.0, 250.0, 599.0, 600.0]), 600, stall_s=300)
    assert [busy(), busy(), busy(), busy()] == [True, True, True, False]


def test_a_slow_batch_keeps_the_demo_waiting_but_a_stall_does_not(clock: _Clock) -> None:
    busy = WorkerProgress(_Worker([128.0]), 600, stall_s=300)
    assert busy()
    clock.now += 299  # one long batch: no progress yet, but not stalled
    assert busy()
    clock.now += 2
    assert not busy()


def test_progress_resets_the_stall_clock_and_an_unanswered_read_does_not(clock: _Clock) -> None:
    worker = _Worker([128.0, None, 256.0])
    busy = WorkerProgress(worker, 600, stall_s=300)
    assert busy()
    clock.now += 200
    assert busy()  # no answer: the worker is not taken for done
    clock.now += 200
    assert busy()  # 256 now: it moved, so the 400 s since the start do not count as a stall


def test_a_dead_worker_is_not_waited_for(clock: _Clock) -> None:
    worker = _Worker([10.0])
    busy = WorkerProgress(worker, 600, stall_s=300)
    assert busy()
    worker.process.code = 1  # type: ignore[union-attr]
    assert not busy()


def test_metric_total_sums_every_label_set_and_nothing_else() -> None:
    text = "\n".join(
        [
            "# HELP narratives_documents_processed_total Input records ...",
            "# TYPE narratives_documents_processed_total counter",
            'narratives_documents_processed_total{topic="articles"} 120.0',
            'narratives_documents_processed_total{topic="posts"} 480.0',
            "narratives_documents_processed_created 1.79e+09",
            'narratives_documents_processed_total_extra{topic="x"} 7.0',
        ]
    )
    assert metric_total(text, "narratives_documents_processed_total") == 600.0
    assert metric_total(text, "narratives_missing_total") == 0.0
    assert metric_total(text, 'narratives_documents_processed_total{topic="posts"}') == 480.0
    assert metric_total(text, 'narratives_documents_processed_total{topic="none"}') == 0.0
