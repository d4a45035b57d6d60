"""`narratives eval` scores both levels from one replay: the rule that maps events to ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agents.evaluate import LEVELS, _read_events, assignments_by_level
from agents.replay import assignment_label
from streams.scoring import Detection, GoldDoc, score


def _event(
    nid: str, story: str | None, members: list[str], attached: list[str] | None = None
) -> dict[str, Any]:
    return {
        "narrative_id": nid,
        "story_id": story,
        "member_ids": members,
        "attached_ids": attached or [],
    }


def test_each_level_keeps_the_latest_report_of_every_member_and_attached_document() -> None:
    events = [
        _event("nar-a", "nar-s", ["d1", "d2"], attached=["d3"]),
        _event("nar-b", None, ["d4"]),
        # d2 moves to another narrative of the same story; d4's narrative joins a story.
        _event("nar-c", "nar-s", ["d2"]),
        _event("nar-b", "nar-t", ["d4", "d5"]),
    ]
    by_level = assignments_by_level(events)
    assert by_level["narrative"] == {
        "d1": "nar-a",
        "d2": "nar-c",
        "d3": "nar-a",
        "d4": "nar-b",
        "d5": "nar-b",
    }
    assert by_level["story"] == {
        "d1": "nar-s",
        "d2": "nar-s",
        "d3": "nar-s",
        "d4": "nar-t",
        "d5": "nar-t",
    }


def test_an_ungrouped_narrative_is_its_own_story() -> None:
    assert assignment_label("nar-a", None, "story") == "nar-a"
    assert assignment_label("nar-a", "nar-s", "story") == "nar-s"
    assert assignment_label("nar-a", "nar-s", "narrative") == "nar-a"
    assert assignments_by_level([_event("nar-a", None, ["d1"])])["story"] == {"d1": "nar-a"}


def test_events_are_read_as_detections_under_each_levels_id(tmp_path: Path) -> None:
    """Every event with members is a detection at both levels, reported under the id the
    assignments use at that level, so id handovers are counted per level: a story whose
    narratives tell one gold narrative and then another hands over at the story level only."""
    window = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T01:00:00Z"}
    events = [
        {**_event("nar-a", "nar-s", ["a1", "a2"]), "window": window},
        {**_event("nar-a", "nar-s", []), "window": window},  # no members: no detection
        {**_event("nar-b", None, ["b1"]), "window": window},
        {**_event("nar-c", "nar-s", ["b1", "b2"]), "window": window},  # the story now B's
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    detections: dict[str, list[Detection]] = {level: [] for level in LEVELS}
    read = list(_read_events(path, detections))
    assert len(read) == 4
    assert [d.reported_id for d in detections["narrative"]] == ["nar-a", "nar-b", "nar-c"]
    assert [d.reported_id for d in detections["story"]] == ["nar-s", "nar-b", "nar-s"]
    assert {d.time for d in detections["story"]} == {1704070800.0}
    gold = [GoldDoc(f"{x}{i}", x.upper(), True, 0.0) for x in "ab" for i in (1, 2)]
    assert score(gold, {}, detections["narrative"]).id_handovers == 0
    assert score(gold, {}, detections["story"]).id_handovers == 1
