"""Python handle on `deploy/kafka/kafka.sh`, the real single-node KRaft broker.

Used by `narratives demo`, the integration tests and the benchmarks, so they all run against
the same broker the README tells people to start by hand.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "kafka" / "kafka.sh"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, with the next one free too (controller)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no pair of free TCP ports found on 127.0.0.1")


@dataclass
class LocalKafka:
    """Start/stop one broker; `state_dir` holds its data and logs."""

    port: int = 9092
    state_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["KAFKA_PORT"] = str(self.port)
        if self.state_dir is not None:
            env["KAFKA_STATE_DIR"] = str(self.state_dir)
        env.update(self.extra_env)
        return env

    def _run(self, verb: str) -> None:
        if not SCRIPT.exists():
            raise FileNotFoundError(
                f"{SCRIPT} not found: run from a checkout of narrative-detector"
            )
        subprocess.run(["bash", str(SCRIPT), verb], env=self._env(), check=True)

    def start(self) -> LocalKafka:
        self._run("start")
        return self

    def stop(self) -> None:
        self._run("stop")

    def __enter__(self) -> LocalKafka:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
