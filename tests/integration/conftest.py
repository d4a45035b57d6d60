"""Fixtures for tests against the real local Kafka broker and the real model.

The broker is started once per session by `deploy/kafka/kafka.sh` on a free port, with its
state in pytest's temporary directory; nothing here mocks Kafka.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.settings import Settings

_apps = itertools.count(1)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    broker = LocalKafka(port=free_port(), state_dir=tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def unique_topics(kafka: LocalKafka) -> dict[str, str]:
    """NARRATIVES_* variables giving this test its own topics and consumer group."""
    n = next(_apps)
    return {
        "NARRATIVES_BROKER": kafka.bootstrap,
        "NARRATIVES_APP_ID": f"it-app-{n}",
        "NARRATIVES_ARTICLES_TOPIC": f"it{n}.articles",
        "NARRATIVES_POSTS_TOPIC": f"it{n}.posts",
        "NARRATIVES_NARRATIVES_TOPIC": f"it{n}.narratives",
        "NARRATIVES_DLQ_TOPIC": f"it{n}.narratives.dlq",
        "NARRATIVES_ALERTS_TOPIC": f"it{n}.narratives.alerts",
        "NARRATIVES_COMMANDS_TOPIC": f"it{n}.narratives.commands",
        "NARRATIVES_AUDIT_TOPIC": f"it{n}.narratives.audit",
    }


@pytest.fixture
def start_worker(
    tmp_path: Path,
) -> Iterator[Callable[[dict[str, str]], WorkerProcess]]:
    """Start `narratives worker` processes; all are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str]) -> WorkerProcess:
        index = len(started)
        worker = WorkerProcess(
            env={**env, "NARRATIVES_DATA_DIR": str(tmp_path / f"worker{index}")},
            log_path=tmp_path / f"worker{index}.log",
            web_port=free_port(),
        )
        started.append(worker.start())
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


def settings_for(env: dict[str, str]) -> Settings:
    """The Settings a process with this environment would read."""
    prefix = "NARRATIVES_"
    return Settings(**{k[len(prefix) :].lower(): v for k, v in env.items()})  # type: ignore[arg-type]


@pytest.fixture
def settings_from() -> Callable[[dict[str, str]], Settings]:
    return settings_for
