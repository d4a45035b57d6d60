"""docs/metrics.md lists exactly the metrics the worker exports, with type, unit and labels.

An SRE reads the catalogue, not the code: a metric added, renamed or relabelled in
agents/metrics.py without its line there fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from agents.metrics import REGISTRY

CATALOGUE = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
_ROW = re.compile(r"^\| `([a-z_:]+)` \| ([a-z]+) \| ([^|]+) \| ([^|]+) \|")


def _exported() -> dict[str, tuple[str, set[str]]]:
    """Exposition name -> (type, label names) for every family in the worker's registry."""
    found: dict[str, tuple[str, set[str]]] = {}
    for family in REGISTRY.collect():
        name = family.name + "_total" if family.type == "counter" else family.name
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        found[name] = (family.type, labels)
    # Labelled metrics with no child yet have no samples: take their label names from the
    # collectors themselves (private attributes: prometheus_client has no public accessor).
    for collector in list(REGISTRY._collector_to_names):
        labelnames = getattr(collector, "_labelnames", ())
        for name in REGISTRY._collector_to_names[collector]:
            if name in found:
                found[name][1].update(labelnames)
    return found


def _documented() -> dict[str, tuple[str, str, str]]:
    rows: dict[str, tuple[str, str, str]] = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            name, kind, unit, labels = match.groups()
            assert name not in rows, f"{name} is listed twice"
            rows[name] = (kind, unit.strip(), labels.strip())
    return rows


def test_every_exported_metric_is_documented_and_vice_versa() -> None:
    exported, documented = _exported(), _documented()
    assert sorted(set(exported) - set(documented)) == [], "missing from docs/metrics.md"
    assert sorted(set(documented) - set(exported)) == [], "documented but not exported"


def test_types_units_and_labels_match_the_code() -> None:
    exported, documented = _exported(), _documented()
    for name, (kind, labels) in exported.items():
        doc_kind, unit, doc_labels = documented[name]
        assert doc_kind == kind, name
        assert unit, f"{name}: give a unit"
        named = set(re.findall(r"`([a-z_]+)`", doc_labels.split("(")[0])) if labels else set()
        for label in labels:
            assert f"`{label}`" in doc_labels, f"{name}: label {label} not documented"
        assert labels or doc_labels == "—", f"{name}: no labels in code, {doc_labels!r} in docs"
        assert named <= labels, f"{name}: documents labels {named - labels}"
