"""`narratives eval` scores both levels from one replay: the rule that maps events to ids."""

from __future__ import annotations

from typing import Any

from agents.evaluate import assignments_by_level
from agents.replay import assignment_label


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
