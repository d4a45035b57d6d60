"""A real Prometheus server scrapes a real worker on the real broker.

Checks what an SRE's Prometheus would see: the consumed-documents counter reaches the number of
records produced, the shipped alert rules load and evaluate without error against live series,
and every query of the Grafana dashboard is valid PromQL that the server accepts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.local_kafka import free_port
from agents.local_worker import WorkerProcess
from agents.produce import produce_file
from agents.sample_stream import generate_sample
from agents.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "narrative-detector.json"
PROMETHEUS = shutil.which("prometheus")

#: What Grafana substitutes into the dashboard's queries, for running them by hand.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$instance": ".*"}


class PrometheusServer:
    """`prometheus` scraping one worker every second, with the shipped alert rules."""

    def __init__(self, tmp: Path, target: str) -> None:
        assert PROMETHEUS is not None
        tmp.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log_path = tmp / "prometheus.log"
        config = tmp / "prometheus.yml"
        config.write_text(
            json.dumps(  # JSON is YAML; no YAML writer needed
                {
                    "global": {
                        "scrape_interval": "1s",
                        "scrape_timeout": "1s",
                        "evaluation_interval": "1s",
                    },
                    "rule_files": [str(ALERTS)],
                    "scrape_configs": [
                        {
                            "job_name": "narrative-detector",
                            "static_configs": [{"targets": [target]}],
                        }
                    ],
                }
            )
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def get(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:  # PromQL errors come back as 400 with a JSON body
            return json.loads(exc.read())

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.port}/-/ready"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"prometheus not ready after {timeout_s:.0f}s:\n{self.log_tail()}")

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = self.get("/api/v1/query", query=expr)
        assert answer["status"] == "success", (expr, answer)
        return answer["data"]["result"]  # type: ignore[no-any-return]

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def prometheus_for() -> Iterator[Callable[[Path, str], PrometheusServer]]:
    if PROMETHEUS is None:
        pytest.skip("prometheus binary not installed (Debian: apt-get install prometheus)")
    started: list[PrometheusServer] = []

    def start(tmp: Path, target: str) -> PrometheusServer:
        server = PrometheusServer(tmp, target)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


def _dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    out = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            out.append((f"{panel['title']} {target['refId']}", expr))
    return out


def test_prometheus_scrapes_the_worker(
    tmp_path: Path,
    unique_topics: dict[str, str],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
    settings_from: Callable[[dict[str, str]], Settings],
    prometheus_for: Callable[[Path, str], PrometheusServer],
) -> None:
    env = dict(unique_topics)
    settings = settings_from(env)
    worker = start_worker(env)

    sample = generate_sample(60, hours=2)
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    produced = produce_file(settings, path)
    assert produced == len(sample)
    per_topic = Counter(
        settings.articles_topic if r.get("kind") == "article" else settings.posts_topic
        for r in sample
    )

    server = prometheus_for(tmp_path / "prometheus", f"127.0.0.1:{worker.web_port}")

    query = "sum(narratives_documents_consumed_total)"
    value = 0.0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        result = server.query(query)
        value = float(result[0]["value"][1]) if result else 0.0
        if value >= produced:
            break
        time.sleep(1)
    print(f"\nPromQL {query} = {value:g} (records produced: {produced})")
    assert value > 0, f"nothing scraped:\n{server.log_tail()}\n{worker.log_tail()}"
    assert value == produced, worker.log_tail()

    by_topic = {
        r["metric"]["topic"]: float(r["value"][1])
        for r in server.query("sum by (topic) (narratives_documents_consumed_total)")
    }
    print(f"PromQL sum by (topic) (narratives_documents_consumed_total) = {by_topic}")
    assert by_topic == {topic: float(n) for topic, n in per_topic.items()}
    (up,) = server.query('up{job="narrative-detector"}')
    assert up["value"][1] == "1"

    # The shipped alert rules load and evaluate cleanly against the live series.
    deadline = time.monotonic() + 30
    while True:
        groups = server.get("/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        evaluated = all(rule["lastEvaluation"] > "0001-01-01T00:00:00Z" for rule in rules)
        if (rules and evaluated) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert len(rules) >= 10
    unhealthy = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
    assert not unhealthy, unhealthy
    firing = sorted(r["name"] for r in rules if r["state"] == "firing")
    print(f"alert rules: {len(rules)} loaded, all healthy; firing now: {firing or 'none'}")
    assert "NarrativeDetectorDown" not in firing

    # Every dashboard query is accepted by the server, and once a few scrapes are stored the
    # throughput panel has a series per input topic.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        scrapes = server.query("min(count_over_time(narratives_documents_consumed_total[1m]))")
        if scrapes and float(scrapes[0]["value"][1]) >= 3:
            break
        time.sleep(1)
    shown: dict[str, list[dict[str, Any]]] = {}
    for where, expr in _dashboard_queries():
        answer = server.get("/api/v1/query", query=expr)
        assert answer["status"] == "success", (where, expr, answer.get("error"))
        shown[where] = answer["data"]["result"]
    consumed = shown["Documents consumed/s by topic A"]
    assert {r["metric"]["topic"] for r in consumed} == set(per_topic)
    empty = sorted(where for where, result in shown.items() if not result)
    print(f"dashboard: {len(shown)} queries accepted; without data in this short run: {empty}")
