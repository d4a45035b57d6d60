"""`format_event`: the one-line view `narratives tail` and the demo print per event."""

from __future__ import annotations

from typing import Any

from agents.tail import format_event
from schemas.events import NarrativeEvent


def _event(**changes: Any) -> NarrativeEvent:
    base: dict[str, Any] = {
        "event_id": "e1",
        "type": "updated",
        "narrative_id": "nar-1",
        "version": 3,
        "window": {"start": "2023-05-09T14:00:00.000Z", "end": "2023-05-10T14:00:00.000Z"},
        "size": 18,
        "counts": {"by_kind": {"post": 18}, "by_source": {"x": 18}, "by_lang": {"tr": 18}},
        "keywords": [{"term": "sandık", "score": 0.5}, {"term": "video", "score": 0.4}],
        "representatives": [],
        "member_ids": [f"d{i}" for i in range(18)],
        "new_members": 4,
        "first_seen": "2023-05-10T01:00:00.000Z",
        "last_seen": "2023-05-10T13:59:00.000Z",
        "first_doc_id": "d0",
        "detector": {"version": "0.1.0", "model": "m", "params_version": "p"},
        **changes,
    }
    return NarrativeEvent.model_validate(base)


def test_the_line_shows_size_languages_keywords_and_attached_documents() -> None:
    line = format_event(_event())
    assert line.startswith("2023-05-10T14:00 ~ updated nar-1 v3")
    assert "size=18 " in line and "tr:18" in line and line.endswith("sandık, video")
    attached = format_event(_event(attached_size=5, attached_ids=["a1", "a2", "a3", "a4", "a5"]))
    assert "size=18+5 " in attached


def test_the_line_names_the_story_only_when_another_narrative_founded_it() -> None:
    own = format_event(_event(story_id="nar-1"))
    assert "story" not in own and own.endswith("sandık, video")
    child = format_event(_event(story_id="nar-9", type="split", child_ids=["nar-2"]))
    assert child.endswith("sandık, video into nar-2  (story nar-9)")
    assert "story" not in format_event(_event())  # an event without a story (older schema)
