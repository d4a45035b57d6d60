"""A worker in a child process, as the demo, the integration tests and the benchmarks run it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families


@dataclass
class WorkerProcess:
    """`narratives worker` with the given NARRATIVES_* environment, logging to `log_path`."""

    env: dict[str, str]
    log_path: Path
    web_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> WorkerProcess:
        environment = {**os.environ, **self.env, "NARRATIVES_WEB_PORT": str(self.web_port)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "agents.cli", "worker"],
                env=environment,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Block until /readyz answers 200; raise with the log tail if the worker died."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"worker exited during start-up:\n{self.log_tail()}")
            try:
                if self.get("/readyz", timeout=2.0)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"worker not ready after {timeout_s:.0f}s:\n{self.log_tail()}")

    def metric(self, name: str) -> float | None:
        """Sum of every sample of `name` on the worker's /metrics (all label sets), 0.0 when it
        has none yet; None when the worker does not answer."""
        try:
            status, body = self.get("/metrics", timeout=5.0)
        except OSError:
            return None
        if status != 200:
            return None
        return metric_total(body.decode("utf-8", errors="replace"), name)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout_s`; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def metric_total(text: str, name: str) -> float:
    """Sum of every sample of metric `name` in a Prometheus text exposition: all label sets, or
    those a selector picks (`name{reason="emerged"}`: the samples carrying these labels).

    Read with prometheus-client's own parser, so escaped label values and timestamps parse as
    Prometheus reads them; the selector goes through the same parser as a one-line exposition."""
    (selector,) = (s for f in text_string_to_metric_families(f"{name} 0\n") for s in f.samples)
    return float(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == selector.name and selector.labels.items() <= sample.labels.items()
        )
    )
