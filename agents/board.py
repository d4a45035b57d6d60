"""The dashboard's in-memory view of the narratives the worker has published.

Why a separate board rather than reading the `narratives` topic back: the worker already holds
every event it publishes, so feeding them here costs nothing and needs no extra consumer,
group or credentials. Why pure (no clock, no I/O, no faust): the board is then unit-testable
and deterministic — it ages narratives by *event time* (the newest window end it has seen),
exactly like the detector, so a replay shows the same board as the live run.

Memory is bounded whatever the stream does: at most `max_narratives` narratives, each with at
most `history_len` growth points and `lifecycle_len` lifecycle entries; narratives that faded
or were merged away are kept for `retain_s` seconds of event time so people can see what just
ended, then dropped (and they are the first to go when the bound is hit).

Events are read leniently as plain dicts: a newer minor version of the contract only adds
optional fields (`label`, `signals`, `amplification`, ...), and the board must keep working —
it shows `label` when present and passes other unknown fields through as `extra`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["BoardConfig", "NarrativeBoard", "event_dict"]

#: Top-level event fields the board understands; anything else is an optional extension.
_KNOWN_FIELDS = frozenset(
    {
        "schema_version",
        "event_id",
        "type",
        "narrative_id",
        "story_id",
        "version",
        "window",
        "size",
        "counts",
        "keywords",
        "representatives",
        "member_ids",
        "members_truncated",
        "attached_ids",
        "attached_size",
        "new_members",
        "first_seen",
        "last_seen",
        "first_doc_id",
        "parent_ids",
        "child_ids",
        "detector",
        "label",
    }
)
_MAX_EXTRA_CHARS = 2000  # an unknown field larger than this is left out rather than shipped


@dataclass(frozen=True, slots=True)
class BoardConfig:
    """Bounds of the board; the defaults fit a day of a busy campaign in a few MiB."""

    max_narratives: int = 500
    history_len: int = 96
    lifecycle_len: int = 50
    retain_s: float = 86400.0
    max_keywords: int = 10
    max_representatives: int = 5

    def __post_init__(self) -> None:
        if self.max_narratives < 1 or self.history_len < 1 or self.lifecycle_len < 1:
            raise ValueError("board bounds must be at least 1")
        if self.retain_s < 0:
            raise ValueError("retain_s must be >= 0")


@dataclass(slots=True)
class _Entry:
    """One narrative's latest state plus its bounded history."""

    narrative_id: str
    version: int = 0
    status: str = "live"  # live | faded | merged | suppressed (by an analyst, if supported)
    merged_into: str | None = None
    ended: float | None = None  # event time at which it faded or was absorbed
    updated: float = 0.0  # window end of its latest event
    latest: dict[str, Any] = field(default_factory=dict)
    peak_size: int = 0
    history: deque[dict[str, Any]] = field(default_factory=deque)
    lifecycle: deque[dict[str, Any]] = field(default_factory=deque)


def event_dict(event: Any) -> dict[str, Any]:
    """A NarrativeEvent (pydantic model) or an already-decoded event, as a JSON-ready dict."""
    if isinstance(event, Mapping):
        return dict(event)
    dump = getattr(event, "model_dump", None)
    if callable(dump):
        result = dump(mode="json")
        if isinstance(result, dict):
            return result
    raise TypeError(f"not a narrative event: {type(event).__name__}")


def _seconds(stamp: Any) -> float | None:
    """RFC 3339 text to epoch seconds; None when absent or unreadable (never raises)."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _str_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class NarrativeBoard:
    """Latest state and bounded history of every recent narrative, grouped into stories.

    Not thread-safe by design: the worker applies events and serves snapshots on one event
    loop, so there is nothing to lock.
    """

    def __init__(self, config: BoardConfig | None = None) -> None:
        self.config = config or BoardConfig()
        self._entries: dict[str, _Entry] = {}
        self.revision = 0  # bumps on every change, so pollers can skip an unchanged board
        self.watermark: float | None = None  # newest window end seen, event time
        self.events_applied = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, narrative_id: object) -> bool:
        return narrative_id in self._entries

    def apply(self, event: Any) -> bool:
        """Fold one published event in; returns False when it was ignored.

        Ignored: events without a narrative id, and any event whose version is not newer than
        what the board holds — the worker re-publishes the same events after a crash
        (recovery) and Kafka may redeliver, so applying twice must change nothing.
        """
        data = event_dict(event)
        narrative_id = data.get("narrative_id")
        if not isinstance(narrative_id, str) or not narrative_id:
            return False
        version = _int(data.get("version"))
        entry = self._entries.get(narrative_id)
        if entry is not None and version <= entry.version:
            return False
        kind = str(data.get("type") or "updated")
        window = _mapping(data.get("window"))
        start, end = window.get("start"), window.get("end")
        end_s = _seconds(end)
        if end_s is not None:
            self.watermark = end_s if self.watermark is None else max(self.watermark, end_s)
        if entry is None:
            entry = _Entry(
                narrative_id=narrative_id,
                history=deque(maxlen=self.config.history_len),
                lifecycle=deque(maxlen=self.config.lifecycle_len),
            )
            self._make_room()
            self._entries[narrative_id] = entry
        size = max(0, _int(data.get("size")))
        entry.version = version
        entry.updated = end_s if end_s is not None else entry.updated
        entry.peak_size = max(entry.peak_size, size)
        self._merge_latest(entry, data, kind)
        entry.history.append({"end": end, "size": size})
        entry.lifecycle.append(
            {
                "type": kind,
                "version": version,
                "window_start": start,
                "window_end": end,
                "size": size,
                "parent_ids": _str_list(data.get("parent_ids")),
                "child_ids": _str_list(data.get("child_ids")),
            }
        )
        if kind == "faded":
            entry.status, entry.ended = "faded", entry.updated
        elif data.get("suppressed") is True:  # an analyst said "not a narrative": none follow
            entry.status, entry.ended = "suppressed", entry.updated
        else:
            entry.status, entry.ended, entry.merged_into = "live", None, None
        if kind == "merged":
            for parent in _str_list(data.get("parent_ids")):
                self._absorbed(parent, narrative_id, start, end, entry.updated)
        self.events_applied += 1
        self.revision += 1
        self._expire()
        return True

    def _merge_latest(self, entry: _Entry, data: dict[str, Any], kind: str) -> None:
        """Keep the event's display fields; a faded event keeps the last description shown.

        A faded event carries no counts and no representatives (nothing of it is left in the
        window); showing what the narrative *was* is more useful than an empty card.
        """
        previous = entry.latest
        latest: dict[str, Any] = {
            "type": kind,
            "story_id": _text(data["story_id"]) if "story_id" in data else previous.get("story_id"),
            "window": data.get("window"),
            "size": max(0, _int(data.get("size"))),
            "attached_size": max(0, _int(data.get("attached_size"))),
            "new_members": _int(data.get("new_members")),
            "first_seen": data.get("first_seen"),
            "last_seen": data.get("last_seen"),
            "first_doc_id": data.get("first_doc_id"),
            "parent_ids": _str_list(data.get("parent_ids")),
            "child_ids": _str_list(data.get("child_ids")),
        }
        keywords = [
            k for k in _list(data.get("keywords")) if isinstance(_mapping(k).get("term"), str)
        ]
        reps = [r for r in _list(data.get("representatives")) if isinstance(r, Mapping)]
        counts = _mapping(data.get("counts"))
        empty_counts = not any(counts.get(k) for k in ("by_kind", "by_source", "by_lang"))
        if kind == "faded" and previous:
            keywords = keywords or previous.get("keywords", [])
            reps = reps or previous.get("representatives", [])
            counts = previous.get("counts", {}) if empty_counts else counts
        latest["keywords"] = keywords[: self.config.max_keywords]
        latest["representatives"] = reps[: self.config.max_representatives]
        latest["counts"] = {
            key: dict(value) if isinstance(value := counts.get(key), Mapping) else {}
            for key in ("by_kind", "by_source", "by_lang")
        }
        # An event without the field predates labels: keep the one shown; null clears it.
        label = data.get("label", previous.get("label"))
        if label is not None:
            latest["label"] = str(label)
        extra: dict[str, Any] = {}  # unknown optional fields, as the latest event has them
        for key, value in data.items():
            if key in _KNOWN_FIELDS or value is None or value is False or value in ("", [], {}):
                continue  # an unset optional field says nothing worth a line on the card
            if len(repr(value)) <= _MAX_EXTRA_CHARS:
                extra[key] = value
        if extra:
            latest["extra"] = extra
        entry.latest = latest

    def _absorbed(self, parent: str, survivor: str, start: Any, end: Any, when: float) -> None:
        """Mark a narrative merged into `survivor` (the detector sends no event for it)."""
        entry = self._entries.get(parent)
        if entry is None or parent == survivor:
            return
        entry.status, entry.merged_into, entry.ended = "merged", survivor, when
        entry.lifecycle.append(
            {
                "type": "merged_into",
                "version": entry.version,
                "window_start": start,
                "window_end": end,
                "size": 0,
                "parent_ids": [],
                "child_ids": [survivor],
            }
        )

    def _make_room(self) -> None:
        """Evict one narrative when full: the longest-ended first, else the stalest live one."""
        if len(self._entries) < self.config.max_narratives:
            return
        ended = [e for e in self._entries.values() if e.status != "live"]
        pool = ended or list(self._entries.values())
        victim = min(
            pool,
            key=lambda e: (e.ended if e.ended is not None else e.updated, e.narrative_id),
        )
        del self._entries[victim.narrative_id]

    def _expire(self) -> None:
        if self.watermark is None:
            return
        horizon = self.watermark - self.config.retain_s
        for narrative_id in [
            e.narrative_id
            for e in self._entries.values()
            if e.status != "live" and e.ended is not None and e.ended < horizon
        ]:
            del self._entries[narrative_id]

    def narrative(self, narrative_id: str) -> dict[str, Any] | None:
        """One narrative as the dashboard shows it, or None."""
        entry = self._entries.get(narrative_id)
        return None if entry is None else self._view(entry)

    def _view(self, entry: _Entry) -> dict[str, Any]:
        view = dict(entry.latest)
        view.update(
            narrative_id=entry.narrative_id,
            version=entry.version,
            status=entry.status,
            merged_into=entry.merged_into,
            peak_size=entry.peak_size,
            story_id=entry.latest.get("story_id") or entry.narrative_id,
            history=list(entry.history),
            lifecycle=list(entry.lifecycle),
        )
        return view

    def snapshot(self) -> dict[str, Any]:
        """The whole board, JSON-ready: stories (largest live first), each with its narratives.

        Order is deterministic: stories with live narratives before those with none, then by
        live size (descending) and id; inside a story live narratives before ended ones, then
        by size and id. So a poller that re-renders the same snapshot gets the same page.
        """
        stories: dict[str, list[dict[str, Any]]] = {}
        for entry in self._entries.values():
            view = self._view(entry)
            stories.setdefault(view["story_id"], []).append(view)
        grouped = []
        for story_id, members in stories.items():
            members.sort(key=lambda v: (v["status"] != "live", -v["size"], v["narrative_id"]))
            live = [v for v in members if v["status"] == "live"]
            grouped.append(
                {
                    "story_id": story_id,
                    "live": len(live),
                    "size": sum(v["size"] for v in live),
                    "narratives": members,
                }
            )
        grouped.sort(key=lambda s: (s["live"] == 0, -s["size"], s["story_id"]))
        statuses = [e.status for e in self._entries.values()]
        return {
            "revision": self.revision,
            "watermark": _rfc3339(self.watermark),
            "events": self.events_applied,
            "live": statuses.count("live"),
            "ended": len(statuses) - statuses.count("live"),
            "stories": grouped,
        }


def _rfc3339(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
