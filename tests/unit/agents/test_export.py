"""Exports: tables in three formats that agree, a timeline PNG and a self-contained HTML page."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from click.testing import CliRunner

from agents.cli import main
from agents.export import (
    ASSIGNMENT_SCHEMA,
    NARRATIVE_SCHEMA,
    assignment_rows,
    export,
    narrative_rows,
    volume_timeline,
    write_table,
)

HOSTILE = '</script><img src=x onerror="alert(1)">'


def _event(
    nid: str,
    kind: str,
    end: str,
    size: int,
    members: list[str],
    *,
    version: int = 1,
    keywords: tuple[str, ...] = ("deepfake", "kremlin", "video"),
    parents: list[str] | None = None,
    story: str | None = None,
    attached: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": "1.2",
        "event_id": f"{nid}-{version}",
        "type": kind,
        "narrative_id": nid,
        "story_id": story,
        "version": version,
        "window": {"start": "2023-05-08T00:00:00Z", "end": end},
        "size": size,
        "counts": {"by_kind": {}, "by_source": {}, "by_lang": {}},
        "keywords": [{"term": t, "score": 1.0} for t in keywords],
        "representatives": [],
        "member_ids": members,
        "attached_ids": attached or [],
        "attached_size": len(attached or []),
        "new_members": len(members),
        "first_seen": "2023-05-08T00:10:00Z",
        "last_seen": end,
        "first_doc_id": members[0] if members else "",
        "parent_ids": parents or [],
        "child_ids": [],
        "detector": {"version": "0.1.0", "model": "m", "params_version": "p1"},
    }


def _events() -> list[dict[str, Any]]:
    return [
        _event("nar-a", "emerged", "2023-05-08T01:00:00Z", 12, ["d1", "d2"], story="sto-1"),
        _event("nar-b", "emerged", "2023-05-08T01:00:00Z", 10, ["d3"], keywords=(HOSTILE,)),
        _event("nar-c", "emerged", "2023-05-08T02:00:00Z", 3, ["d4"], keywords=("quake",)),
        _event(
            "nar-a",
            "merged",
            "2023-05-08T03:00:00Z",
            25,
            ["d2", "d3"],
            version=2,
            parents=["nar-b"],
            attached=["d5", "d1"],
        ),
        _event("nar-c", "faded", "2023-05-08T04:00:00Z", 0, [], version=2),
    ]


def test_narrative_rows_follow_each_life_to_its_end() -> None:
    rows = {r["narrative_id"]: r for r in narrative_rows(_events())}
    assert rows["nar-a"]["status"] == "active" and rows["nar-a"]["peak_size"] == 25
    assert rows["nar-a"]["last_version"] == 2 and rows["nar-a"]["story_id"] == "sto-1"
    assert rows["nar-b"]["status"] == "merged" and rows["nar-b"]["merged_into"] == "nar-a"
    assert rows["nar-c"]["status"] == "faded" and rows["nar-c"]["last_size"] == 3
    assert rows["nar-c"]["keywords"] == ["quake"]


def test_a_resumed_narrative_is_active_again_and_its_volume_comes_back() -> None:
    resumed = _event(
        "nar-b", "resumed", "2023-05-08T05:00:00Z", 9, ["d3"], version=2, parents=["nar-a"]
    )
    events = [*_events(), resumed]
    rows = {r["narrative_id"]: r for r in narrative_rows(events)}
    assert rows["nar-b"]["status"] == "active" and rows["nar-b"]["merged_into"] is None
    assert rows["nar-b"]["last_version"] == 2 and rows["nar-b"]["last_type"] == "resumed"
    assert rows["nar-a"]["status"] == "active"
    timeline = volume_timeline(events, top=3)
    assert timeline.series["nar-b"] == [10, 10, 0, 0, 9]
    assert {r["doc_id"]: r for r in assignment_rows(events)}["d3"]["narrative_id"] == "nar-b"


def test_a_narrative_that_faded_and_resumed_is_active_again() -> None:
    back = _event("nar-c", "resumed", "2023-05-08T06:00:00Z", 5, ["d4", "d6"], version=3)
    rows = {r["narrative_id"]: r for r in narrative_rows([*_events(), back])}
    assert rows["nar-c"]["status"] == "active" and rows["nar-c"]["last_size"] == 5
    assert rows["nar-c"]["last_version"] == 3 and rows["nar-c"]["last_type"] == "resumed"


def test_assignments_name_the_last_narrative_a_document_was_reported_in() -> None:
    rows = {r["doc_id"]: r for r in assignment_rows(_events())}
    assert rows["d3"]["narrative_id"] == "nar-a"  # reported in b, then in a after the merge
    assert rows["d1"]["narrative_id"] == "nar-a" and rows["d4"]["narrative_id"] == "nar-c"
    assert set(rows) == {"d1", "d2", "d3", "d4", "d5"}
    # d1 was a member of nar-a, then only attached to it: the last report says how.
    assert rows["d1"]["membership"] == "attached" and rows["d2"]["membership"] == "member"
    assert rows["d5"]["membership"] == "attached" and rows["d5"]["story_id"] is None


def test_volume_carries_the_last_size_forward_and_drops_faded_and_absorbed() -> None:
    timeline = volume_timeline(_events(), top=2)
    assert timeline.ends[0] == "2023-05-08T01:00:00Z" and len(timeline.ends) == 4
    assert timeline.series["nar-a"] == [12, 12, 25, 25]
    assert timeline.series["nar-b"] == [10, 10, 0, 0]  # absorbed at the merge
    assert timeline.series["other"] == [0, 3, 3, 0]  # nar-c, faded at 04:00
    assert timeline.labels["nar-a"].startswith("deepfake, kremlin, video")


def test_parquet_csv_and_jsonl_hold_the_same_rows(tmp_path: Path) -> None:
    rows = narrative_rows(_events())
    jsonl, csv_path, parquet = write_table(rows, NARRATIVE_SCHEMA, tmp_path / "narratives")
    table = pq.read_table(parquet)
    assert table.schema.equals(NARRATIVE_SCHEMA)
    assert table.to_pylist() == [{n: r[n] for n in NARRATIVE_SCHEMA.names} for r in rows]
    with csv_path.open(newline="", encoding="utf-8") as f:
        read = list(csv.reader(f))
    assert read[0] == NARRATIVE_SCHEMA.names
    assert len(read) == len(rows) + 1
    by_id = {line[0]: dict(zip(read[0], line, strict=True)) for line in read[1:]}
    assert by_id["nar-a"]["keywords"] == "deepfake; kremlin; video"
    assert by_id["nar-b"]["merged_into"] == "nar-a" and by_id["nar-a"]["merged_into"] == ""
    lines = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert lines == table.to_pylist()


def test_empty_tables_still_have_their_columns(tmp_path: Path) -> None:
    _, csv_path, parquet = write_table([], ASSIGNMENT_SCHEMA, tmp_path / "assignments")
    assert pq.read_table(parquet).schema.equals(ASSIGNMENT_SCHEMA)
    assert csv_path.read_text().splitlines() == [",".join(ASSIGNMENT_SCHEMA.names)]


def test_timeline_png_and_html(tmp_path: Path) -> None:
    summary = export(_events(), tmp_path, top=2, title="Election <b>2023</b>")
    assert summary["narratives"] == 3 and summary["assignments"] == 5
    png = (tmp_path / "timeline.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    from PIL import Image

    with Image.open(tmp_path / "timeline.png") as image:
        assert image.size == (1200, 600)
    page = (tmp_path / "timeline.html").read_text(encoding="utf-8")
    assert "<script src=" not in page  # plotly.js is inlined: opens offline
    assert "Plotly.newPlot" in page and "2023-05-08T03:00:00Z" in page
    assert "nar-a"[-6:] in page and "[12,12,25,25]" in page.replace(" ", "")
    assert HOSTILE not in page and "<img src=x" not in page  # input text never becomes markup
    assert "Election <b>2023</b>" not in page


def test_export_cli_from_an_events_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in _events()), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "--events", str(events), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["narratives"] == 3 and report["events"] == 5
    for name in ("narratives", "assignments", "volume"):
        for suffix in ("jsonl", "csv", "parquet"):
            assert (out / f"{name}.{suffix}").stat().st_size > 0
    assert (out / "timeline.png").exists() and (out / "timeline.html").exists()


def test_export_cli_needs_exactly_one_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--events" in result.output
