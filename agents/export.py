"""Exports for analysts: narratives and assignments as JSONL, CSV and Parquet, and a timeline.

Input is a list of narrative events (a replay's `--events` file, or a topic read to its end).
Events are handled as plain JSON objects rather than the pydantic model, so a file written by
a newer detector (minor schema versions only add fields) still exports.

Outputs, in one directory:

- `narratives.{jsonl,csv,parquet}`: one row per narrative, its life as the events tell it
  (first/last slide, peak and last size, last keywords, how it ended: `faded`, `merged` into
  another, or `active`);
- `assignments.{jsonl,csv,parquet}`: one row per document: the narrative (and story) it was
  last reported in, like `narratives replay --assignments`;
- `volume.{jsonl,csv,parquet}`: the timeline's data, one row per (slide end, series);
- `timeline.png` (matplotlib, Agg backend: no display needed) and `timeline.html` (plotly,
  with plotly.js inlined: one self-contained file that opens offline, no CDN).

Volume over time is the narrative's size (members in the window) as last reported: events come
only on material change, so between two events the last reported size is carried forward, and
a narrative counts 0 from its `faded` slide, or from the slide another narrative absorbed it.
The top narratives by peak size get their own series labelled by their keywords; the rest are
summed into one "other narratives" series.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from agents.settings import Settings

NARRATIVE_SCHEMA = pa.schema(
    [
        ("narrative_id", pa.string()),
        ("story_id", pa.string()),
        ("status", pa.string()),
        ("merged_into", pa.string()),
        ("first_slide_end", pa.string()),
        ("last_slide_end", pa.string()),
        ("first_seen", pa.string()),
        ("last_seen", pa.string()),
        ("events", pa.int64()),
        ("last_version", pa.int64()),
        ("last_type", pa.string()),
        ("peak_size", pa.int64()),
        ("last_size", pa.int64()),
        ("keywords", pa.list_(pa.string())),
        ("first_doc_id", pa.string()),
        ("params_version", pa.string()),
    ]
)
ASSIGNMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("narrative_id", pa.string()),
        ("story_id", pa.string()),
        ("membership", pa.string()),
        ("slide_end", pa.string()),
    ]
)
VOLUME_SCHEMA = pa.schema(
    [
        ("slide_end", pa.string()),
        ("series", pa.string()),
        ("label", pa.string()),
        ("documents", pa.int64()),
    ]
)
OTHER = "other"
OTHER_LABEL = "other narratives"


def read_events_file(path: Path) -> list[dict[str, Any]]:
    """Events from a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_events_topic(settings: Settings, topic: str) -> list[dict[str, Any]]:
    """Every event on `topic` from its beginning to its end now (no consumer group)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer: Any = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_python_config()
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            raise ValueError(f"topic {topic!r} does not exist on {settings.broker}")
        consumer.assign(partitions)
        begins = consumer.beginning_offsets(partitions)
        ends = consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, begins[tp])
        records: list[Any] = []
        todo = {tp for tp in partitions if begins[tp] < ends[tp]}
        while todo:
            for tp, batch in consumer.poll(timeout_ms=1000).items():
                records.extend(r for r in batch if r.offset < ends[tp])
            todo = {tp for tp in todo if consumer.position(tp) < ends[tp]}
        # Per-key order is what the contract promises; across keys, slide order reads best.
        records.sort(key=lambda r: (r.timestamp, r.partition, r.offset))
        return [json.loads(r.value) for r in records if r.value]
    finally:
        consumer.close()


def _keywords(event: dict[str, Any], top: int = 5) -> list[str]:
    return [str(k["term"]) for k in event.get("keywords", [])[:top]]


def narrative_rows(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per narrative, in order of first event."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        nid = event["narrative_id"]
        end = event["window"]["end"]
        row = rows.get(nid)
        if row is None:
            row = rows[nid] = {
                "narrative_id": nid,
                "story_id": None,
                "status": "active",
                "merged_into": None,
                "first_slide_end": end,
                "last_slide_end": end,
                "first_seen": event.get("first_seen"),
                "last_seen": event.get("last_seen"),
                "events": 0,
                "last_version": 0,
                "last_type": None,
                "peak_size": 0,
                "last_size": 0,
                "keywords": [],
                "first_doc_id": event.get("first_doc_id"),
                "params_version": event.get("detector", {}).get("params_version"),
            }
        row["events"] += 1
        row["last_version"] = max(row["last_version"], int(event.get("version", 0)))
        row["last_type"] = event["type"]
        row["last_slide_end"] = end
        row["story_id"] = event.get("story_id") or row["story_id"]
        row["last_seen"] = event.get("last_seen") or row["last_seen"]
        if event["type"] == "faded":
            row["status"] = "faded"
        else:
            if event["type"] == "resumed":  # a merge that did not last: its own row again
                row["status"], row["merged_into"] = "active", None
            size = int(event.get("size", 0))
            row["peak_size"] = max(row["peak_size"], size)
            row["last_size"] = size
            row["keywords"] = _keywords(event) or row["keywords"]
        for parent in event.get("parent_ids", []) if event["type"] == "merged" else []:
            absorbed = rows.get(parent)
            if absorbed is not None and absorbed["status"] == "active":
                absorbed["status"] = "merged"
                absorbed["merged_into"] = nid
    return list(rows.values())


def assignment_rows(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per document, the narrative (and its story) of the last event that listed it.

    `membership` says how: `member` of the dense core, or `attached` (left as noise by
    clustering but inside the narrative's extent, event schema 1.2). Since schema 1.3 events
    list a document only on its home narrative (`streams.home`), so this is its home.
    """
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        listed = [(d, "member") for d in event.get("member_ids", [])]
        listed += [(d, "attached") for d in event.get("attached_ids", [])]
        for doc_id, membership in listed:
            last.pop(doc_id, None)  # keep first-appearance order stable: re-insert below
            last[doc_id] = {
                "doc_id": doc_id,
                "narrative_id": event["narrative_id"],
                "story_id": event.get("story_id"),
                "membership": membership,
                "slide_end": event["window"]["end"],
            }
    return sorted(last.values(), key=lambda r: (r["slide_end"], r["doc_id"]))


@dataclass(frozen=True, slots=True)
class Timeline:
    """Volume per series at each slide end that has an event; `labels` name the series."""

    ends: list[str]
    series: dict[str, list[int]]
    labels: dict[str, str]


def volume_timeline(events: Sequence[dict[str, Any]], top: int = 8) -> Timeline:
    """The timeline's data (see the module docstring for what the volume means)."""
    ends = sorted({e["window"]["end"] for e in events})
    index = {end: i for i, end in enumerate(ends)}
    sizes: dict[str, list[int]] = {}
    changes: dict[str, dict[int, int]] = {}
    for event in events:
        nid = event["narrative_id"]
        at = index[event["window"]["end"]]
        size = 0 if event["type"] == "faded" else int(event.get("size", 0))
        changes.setdefault(nid, {})[at] = size
        if event["type"] == "merged":
            for parent in event.get("parent_ids", []):
                changes.setdefault(parent, {})[at] = 0
    for nid, points in changes.items():
        values, current = [], 0
        for i in range(len(ends)):
            current = points.get(i, current)
            values.append(current)
        sizes[nid] = values
    rows = narrative_rows(events)
    peak = {nid: max(values, default=0) for nid, values in sizes.items()}
    chosen = sorted(peak, key=lambda nid: (-peak[nid], nid))[:top]
    keywords = {row["narrative_id"]: row["keywords"] for row in rows}
    series = {nid: sizes[nid] for nid in chosen}
    labels = {nid: f"{', '.join(keywords.get(nid, [])[:3]) or nid} ({nid[-6:]})" for nid in chosen}
    rest = [nid for nid in sizes if nid not in series]
    if rest:
        series[OTHER] = [sum(sizes[nid][i] for nid in rest) for i in range(len(ends))]
        labels[OTHER] = OTHER_LABEL
    return Timeline(ends=ends, series=series, labels=labels)


def volume_rows(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {"slide_end": end, "series": key, "label": timeline.labels[key], "documents": values[i]}
        for key, values in timeline.series.items()
        for i, end in enumerate(timeline.ends)
    ]


def write_table(rows: list[dict[str, Any]], schema: pa.Schema, base: Path) -> list[Path]:
    """`base`.jsonl, .csv and .parquet with the same rows and columns, in schema order."""
    names = list(schema.names)
    paths = [base.with_suffix(s) for s in (".jsonl", ".csv", ".parquet")]
    with paths[0].open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({n: row.get(n) for n in names}, ensure_ascii=False) + "\n")
    with paths[1].open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for row in rows:
            # Lists (keywords) become one "; "-separated cell; None an empty cell.
            writer.writerow(
                "; ".join(v) if isinstance(v, list) else ("" if v is None else v)
                for v in (row.get(n) for n in names)
            )
    table = pa.Table.from_pylist([{n: row.get(n) for n in names} for row in rows], schema=schema)
    pq.write_table(table, paths[2])
    return paths


def _times(ends: list[str]) -> list[Any]:
    from datetime import datetime

    return [datetime.fromisoformat(e.replace("Z", "+00:00")) for e in ends]


def write_timeline_png(timeline: Timeline, path: Path, title: str) -> Path:
    """Stacked areas of volume over time, one per series, labelled in a legend."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 6), dpi=100)
    try:
        if timeline.ends:
            keys = list(timeline.series)
            ax.stackplot(
                _times(timeline.ends),
                [timeline.series[k] for k in keys],
                labels=[timeline.labels[k] for k in keys],
                step="post",
                alpha=0.85,
            )
            ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d %H:%M"))  # type: ignore[no-untyped-call]
            fig.autofmt_xdate()
        else:
            ax.text(0.5, 0.5, "no events", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        ax.set_xlabel("slide end (UTC, event time)")
        ax.set_ylabel("documents in the window (last reported)")
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def write_timeline_html(timeline: Timeline, path: Path, title: str) -> Path:
    """The same stacked areas, interactive (hover, zoom, toggle series), in one offline file.

    plotly inlines plotly.js (`include_plotlyjs=True`), so the page needs no network, and its
    JSON embedding escapes `<`, `>` and `/`, so no label can close the script element. Labels
    and the title are also HTML-escaped, because plotly renders a subset of HTML tags in text:
    keywords come from the input documents and must show as text, never as markup.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, values in timeline.series.items():
        fig.add_trace(
            go.Scatter(
                x=timeline.ends,
                y=values,
                name=html.escape(timeline.labels[key], quote=False),
                stackgroup="volume",
                mode="lines",
                line={"shape": "hv"},
                hovertemplate="%{x}<br>%{y} documents<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        title={"text": html.escape(title, quote=False)},
        xaxis_title="slide end (UTC, event time)",
        yaxis_title="documents in the window (last reported)",
        hovermode="x unified",
        legend={"orientation": "v"},
    )
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def export(
    events: Sequence[dict[str, Any]], out_dir: Path, *, top: int = 8, title: str = ""
) -> dict[str, Any]:
    """Write every export of `events` into `out_dir`; returns a summary with the file names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    narratives = narrative_rows(events)
    assignments = assignment_rows(events)
    timeline = volume_timeline(events, top=top)
    heading = title or "Narrative volume over time"
    files = [
        *write_table(narratives, NARRATIVE_SCHEMA, out_dir / "narratives"),
        *write_table(assignments, ASSIGNMENT_SCHEMA, out_dir / "assignments"),
        *write_table(volume_rows(timeline), VOLUME_SCHEMA, out_dir / "volume"),
        write_timeline_png(timeline, out_dir / "timeline.png", heading),
        write_timeline_html(timeline, out_dir / "timeline.html", heading),
    ]
    return {
        "events": len(events),
        "narratives": len(narratives),
        "assignments": len(assignments),
        "slides": len(timeline.ends),
        "files": [p.name for p in files],
        "out": str(out_dir),
    }
