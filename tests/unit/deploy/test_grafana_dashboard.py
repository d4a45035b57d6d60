"""The Grafana dashboard and the alert rules only query metrics the worker really exports.

The exported names come from the worker's own registry (`agents.metrics.REGISTRY`), so renaming
or dropping a metric in code without updating `deploy/` fails here instead of leaving an SRE
with an empty panel or an alert that can never fire.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Histogram

from agents.metrics import REGISTRY

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "deploy" / "grafana" / "narrative-detector.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"

#: Series Prometheus makes itself for every scrape target; not in the worker's exposition.
PROMETHEUS_SYNTHESISED = frozenset({"up"})

#: Sample-name suffixes prometheus_client generates per metric type. Needed because a labelled
#: metric with no child yet (e.g. no document consumed) has a family but no samples.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
    "unknown": ("",),
}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_METRIC = re.compile(r"(?<![\w:$])((?:narratives|process|python)_[A-Za-z0-9_:]*|up)(?![\w:(])")


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name the registry exports or will export once its labels are used."""
    names: set[str] = set()
    for family in registry.collect():
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (the worker's namespaces, plus `up`).

    String literals are dropped first, so label values such as job="narrative-detector" or a
    Grafana legend never count as metrics.
    """
    return set(_METRIC.findall(_STRING.sub('""', expr)))


def unexported(names: Iterable[str], exported: set[str]) -> set[str]:
    return {name for name in names if name not in exported and name not in PROMETHEUS_SYNTHESISED}


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # rows carry their panels when collapsed


def dashboard_exprs(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, expr) for every panel target and every query variable."""
    out: list[tuple[str, str]] = []
    for panel in _panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            if target.get("expr"):
                out.append((f"panel {panel['title']!r} {target['refId']}", target["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query":
            text = query.get("query", "") if isinstance(query, dict) else str(query)
            out.append((f"variable {variable['name']!r}", text))
    return out


def rule_exprs(rules: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (rule.get("alert") or rule["record"], rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    ]


@pytest.fixture(scope="module")
def exported() -> set[str]:
    return exported_names(REGISTRY)


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    return yaml.safe_load(ALERTS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# -- the helpers themselves ---------------------------------------------------------------------


def test_metric_names_finds_metrics_and_ignores_strings_functions_and_variables() -> None:
    expr = (
        'sum by (topic) (rate(narratives_documents_consumed_total{job="up", '
        'instance=~"$instance"}[$__rate_interval])) / on (job) up{reason="python_info"} '
        "+ time() - process_start_time_seconds + histogram_quantile(0.99, "
        "rate(narratives_embed_batch_duration_seconds_bucket[5m]))"
    )
    assert metric_names(expr) == {
        "narratives_documents_consumed_total",
        "up",
        "process_start_time_seconds",
        "narratives_embed_batch_duration_seconds_bucket",
    }


def test_a_made_up_metric_is_flagged(exported: set[str]) -> None:
    names = metric_names(
        "rate(narratives_documents_consumed_total[5m]) + narratives_made_up_total "
        "+ process_cpu_seconds + python_gc_objects_collected_total + up"
    )
    # process_cpu_seconds is the family name, not a sample; no GC collector is registered.
    assert unexported(names, exported) == {
        "narratives_made_up_total",
        "process_cpu_seconds",
        "python_gc_objects_collected_total",
    }


def test_exported_names_cover_labelled_metrics_without_samples() -> None:
    registry = CollectorRegistry()
    Counter("demo_things_total", "d", ["kind"], registry=registry)  # no child: no samples
    Histogram("demo_seconds", "d", registry=registry)
    assert exported_names(registry) == {
        "demo_things_total",
        "demo_things_created",
        "demo_seconds_bucket",
        "demo_seconds_count",
        "demo_seconds_sum",
        "demo_seconds_created",
    }


def test_suffix_table_agrees_with_prometheus_client_samples() -> None:
    for family in REGISTRY.collect():
        generated = {family.name + suffix for suffix in _SUFFIXES[family.type]}
        assert {sample.name for sample in family.samples} <= generated, family.name


def test_worker_registry_exports_the_documented_metrics(exported: set[str]) -> None:
    for name in (
        "narratives_documents_consumed_total",
        "narratives_documents_invalid_total",
        "narratives_documents_late_total",
        "narratives_events_total",
        "narratives_embed_batch_duration_seconds_bucket",
        "narratives_watermark_timestamp_seconds",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
    ):
        assert name in exported


# -- the dashboard ------------------------------------------------------------------------------


def test_every_dashboard_query_uses_exported_metrics(
    dashboard: dict[str, Any], exported: set[str]
) -> None:
    exprs = dashboard_exprs(dashboard)
    assert len(exprs) >= 15
    problems = {}
    for where, expr in exprs:
        names = metric_names(expr)
        if not names:
            problems[where] = "no metric found"
        elif missing := unexported(names, exported):
            problems[where] = f"not exported: {sorted(missing)}"
    assert not problems, problems


def test_dashboard_uses_the_prometheus_datasource_variable(dashboard: dict[str, Any]) -> None:
    assert dashboard["schemaVersion"] >= 36
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    panels = list(_panels(dashboard["panels"]))
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]


def test_dashboard_shows_what_an_sre_needs(dashboard: dict[str, Any]) -> None:
    used = set().union(*(metric_names(expr) for _, expr in dashboard_exprs(dashboard)))
    for name in (
        "narratives_documents_consumed_total",
        "narratives_documents_invalid_total",
        "narratives_documents_late_total",
        "narratives_embed_batch_duration_seconds_bucket",
        "narratives_cluster_duration_seconds_bucket",
        "narratives_window_documents",
        "narratives_active",
        "narratives_events_total",
        "narratives_watermark_timestamp_seconds",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
    ):
        assert name in used, name


# -- the alert rules ----------------------------------------------------------------------------


def test_every_alert_rule_uses_exported_metrics(rules: dict[str, Any], exported: set[str]) -> None:
    exprs = rule_exprs(rules)
    assert len(exprs) >= 10
    problems = {}
    for name, expr in exprs:
        names = metric_names(expr)
        if not names:
            problems[name] = "no metric found"
        elif missing := unexported(names, exported):
            problems[name] = f"not exported: {sorted(missing)}"
    assert not problems, problems


def test_every_alert_has_severity_summary_description_and_runbook(rules: dict[str, Any]) -> None:
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
            for key in ("summary", "description", "runbook"):
                assert rule["annotations"].get(key, "").strip(), (rule["alert"], key)
            assert 'job="narrative-detector"' in rule["expr"], rule["alert"]
