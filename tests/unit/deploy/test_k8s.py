"""deploy/k8s/ manifests are valid Kubernetes objects that fit together, checked offline.

Built-in kinds are validated by kubernetes-validate (a dev dependency that ships the
Kubernetes OpenAPI schemas, strict mode: unknown fields fail) for the oldest Kubernetes this
kit supports and the newest the package knows. The ServiceMonitor is a Prometheus Operator
CRD the package has no schema for, so it is checked structurally. Then the references:
labels and selectors, named ports, probe paths, the ConfigMap's NARRATIVES_* keys (each a real
setting, each value valid), the kustomization listing every file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from agents.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
OLDEST_SUPPORTED = "1.27"
NEWEST_KNOWN = kubernetes_validate.latest_version()
CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                documents.append((path.name, document))
    return documents


DOCUMENTS = _documents()
BUILTIN = [
    (name, doc) for name, doc in DOCUMENTS if (doc["apiVersion"], doc["kind"]) not in CRD_KINDS
]


def one(kind: str) -> dict[str, Any]:
    (found,) = [doc for _, doc in DOCUMENTS if doc["kind"] == kind]
    return found


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, NEWEST_KNOWN])
@pytest.mark.parametrize("item", BUILTIN, ids=lambda item: f"{item[0]}:{item[1]['kind']}")
def test_builtin_objects_are_valid_kubernetes(
    item: tuple[str, dict[str, Any]], version: str
) -> None:
    kubernetes_validate.validate(item[1], version, strict=True)


def test_the_validator_refuses_a_broken_deployment() -> None:
    broken = yaml.safe_load(yaml.safe_dump(one("Deployment")))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, NEWEST_KNOWN, strict=True)
    broken = yaml.safe_load(yaml.safe_dump(one("Deployment")))
    broken["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, NEWEST_KNOWN, strict=True)


def test_every_manifest_is_in_the_kustomization() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kubectl_kustomize_builds_the_kit() -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    built = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert len(built) == len(DOCUMENTS)


def _container() -> dict[str, Any]:
    (container,) = one("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def test_configmap_keys_are_settings_and_values_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    data: dict[str, str] = one("ConfigMap")["data"]
    fields = {f"NARRATIVES_{name.upper()}" for name in Settings.model_fields}
    unknown = sorted(set(data) - fields)
    assert not unknown, f"not settings of agents.settings.Settings: {unknown}"
    assert all(isinstance(value, str) for value in data.values()), "ConfigMap values are strings"
    for key in list(os.environ):
        if key.startswith("NARRATIVES_"):
            monkeypatch.delenv(key)
    for key, value in data.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.web_host == "0.0.0.0"
    env_names = {item["name"] for item in _container().get("env", [])}
    assert {name for name in env_names if name.startswith("NARRATIVES_")} <= fields
    assert "NARRATIVES_SASL_PASSWORD" not in data, "a secret belongs in a Secret"


def test_deployment_reads_the_configmap_and_probes_health_and_readiness() -> None:
    container = _container()
    config = one("ConfigMap")
    assert {"configMapRef": {"name": config["metadata"]["name"]}} in container["envFrom"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["http-metrics"] == int(config["data"]["NARRATIVES_WEB_PORT"])
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http-metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http-metrics"}
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    resources = container["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    data_mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert config["data"]["NARRATIVES_DATA_DIR"] in data_mounts  # read-only root filesystem


def test_workers_share_the_partitions_without_outnumbering_them() -> None:
    """Scopes are input partitions (see deployment.yaml): more pods than partitions idle, and
    a rolling update must not surge past the partition count."""
    spec = one("Deployment")["spec"]
    partitions = int(one("ConfigMap")["data"]["NARRATIVES_TOPIC_PARTITIONS"])
    assert 2 <= spec["replicas"] <= partitions
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] == 0


def test_selectors_match_the_pods() -> None:
    deployment = one("Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selectors = {
        "Deployment": deployment["spec"]["selector"]["matchLabels"],
        "Service": one("Service")["spec"]["selector"],
        "PodDisruptionBudget": one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
    }
    for kind, selector in selectors.items():
        assert selector.items() <= pod_labels.items(), kind


def test_service_monitor_scrapes_the_service_as_the_job_the_alerts_select() -> None:
    monitor = one("ServiceMonitor")
    service = one("Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    assert set(endpoint) <= {"port", "path", "scheme", "interval", "scrapeTimeout"}
    # Without jobLabel the Operator names the job after the Service.
    assert "jobLabel" not in monitor["spec"]
    alerts = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text(encoding="utf-8")
    assert f'job="{service["metadata"]["name"]}"' in alerts
    target = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
    assert target["targetPort"] in {p["name"] for p in _container()["ports"]}
