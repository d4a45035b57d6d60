"""Checkpoints of a detector's state, so a restarted worker continues where it stopped.

A checkpoint holds what cannot be recomputed from the input cheaply and exactly: the tracker's
narratives (ids, centroids, members, versions, what was last reported), the window's clock
(closed slides, next boundary, per-source event-time progress), each narrative's first
document, the alert cool-downs (`streams.signals`, `streams.alerts`) and the window documents'
home votes (`streams.home`). The window's *documents* are not in it: each source's lowest
offset still in the window is, and the worker re-reads and re-embeds the window from there.
That keeps checkpoints small (kilobytes per narrative and a few numbers per window document,
not a vector per document) and the restored window identical to the lost one.

The format is plain JSON (versioned by `FORMAT`), written by `snapshot` and read by `restore`.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from typing import Any

import numpy as np

from streams.detector import Detector
from streams.track import Narrative

FORMAT = 1


class CheckpointMismatch(ValueError):
    """The checkpoint was written by another format or another detector configuration."""


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):  # exact and compact: little-endian float32, base64
        return base64.b64encode(value.astype("<f4").tobytes()).decode("ascii")
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _decode_narrative(data: dict[str, Any]) -> Narrative:
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(Narrative):
        if f.name not in data:
            continue  # a field added since the checkpoint: keep its default
        value = data[f.name]
        kind = str(f.type)
        if "NDArray" in kind:
            value = np.frombuffer(base64.b64decode(value), dtype="<f4").astype(np.float32)
        elif kind.startswith("frozenset"):
            value = frozenset(value)
        elif kind.startswith("tuple"):
            value = tuple(value)
        kwargs[f.name] = value
    return Narrative(**kwargs)


def snapshot(detector: Detector) -> dict[str, Any]:
    """The detector's state as JSON-able data."""
    state = detector.window.state
    return {
        "format": FORMAT,
        "params_version": detector.info.params_version,
        "window": {
            "max_event_time": _encode(state.max_event_time),
            "source_max": dict(state.source_max),
            "next_end": state.next_end,
            "closed_until": state.closed_until,
            "evicted_by_cap": state.evicted_by_cap,
        },
        "floors": detector.window.source_floors(),
        "narratives": [
            {f.name: _encode(getattr(n, f.name)) for f in dataclasses.fields(Narrative)}
            for n in detector.tracker.narratives.values()
        ],
        # Since resumption (streams.track): narratives merged away that may still come back.
        "absorbed": [
            {f.name: _encode(getattr(n, f.name)) for f in dataclasses.fields(Narrative)}
            for n in detector.tracker.absorbed.values()
        ],
        # Since faded narratives resume: those that faded while their documents are in the window.
        "faded": [
            {f.name: _encode(getattr(n, f.name)) for f in dataclasses.fields(Narrative)}
            for n in detector.tracker.faded.values()
        ],
        "curation": detector.curator.snapshot(),
        # Since the 1.1 signals: first documents outlive the window; alert cool-downs.
        "first_documents": detector.first_docs.snapshot(),
        "alerts": detector.alerter.snapshot(),
        # Since the lone-story pass: the stream's reference cohesion (None before any cluster).
        "reference_cohesion": detector.reference_cohesion,
        # Since document homes (streams.home): each window document's votes.
        "homes": detector.homes.snapshot(),
    }


def restore(detector: Detector, data: dict[str, Any]) -> dict[str, int]:
    """Load a snapshot into a fresh detector; returns the per-source offsets to re-read from.

    Raises `CheckpointMismatch` when the checkpoint is of another format or was written with
    other detector parameters (its narratives would not mean the same thing).
    """
    if data.get("format") != FORMAT:
        raise CheckpointMismatch(f"checkpoint format {data.get('format')!r}, expected {FORMAT}")
    if data.get("params_version") != detector.info.params_version:
        raise CheckpointMismatch(
            f"checkpoint written with params {data.get('params_version')!r}, this detector "
            f"runs {detector.info.params_version!r}"
        )
    window = data["window"]
    state = detector.window.state
    state.max_event_time = (
        -math.inf if window["max_event_time"] is None else float(window["max_event_time"])
    )
    state.source_max = {k: float(v) for k, v in window["source_max"].items()}
    state.next_end = window["next_end"]
    state.closed_until = window["closed_until"]
    state.evicted_by_cap = int(window["evicted_by_cap"])
    detector.tracker.narratives = {
        n.narrative_id: n for n in (_decode_narrative(item) for item in data["narratives"])
    }
    detector.tracker.absorbed = {
        n.narrative_id: n for n in (_decode_narrative(item) for item in data.get("absorbed", []))
    }
    detector.tracker.faded = {
        n.narrative_id: n for n in (_decode_narrative(item) for item in data.get("faded", []))
    }
    detector.curator.restore(data.get("curation"))
    detector.first_docs.restore(data.get("first_documents"))
    detector.alerter.restore(data.get("alerts"))
    cohesion = data.get("reference_cohesion")
    detector.reference_cohesion = None if cohesion is None else float(cohesion)
    detector.homes.restore(data.get("homes"))
    return {str(k): int(v) for k, v in data["floors"].items()}
