"""NarrativeBoard: what the dashboard shows, built from the events the worker publishes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.board import BoardConfig, NarrativeBoard, event_dict
from schemas.events import NarrativeEvent

T0 = datetime(2023, 5, 8, tzinfo=UTC)


def stamp(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(
    narrative_id: str,
    version: int,
    *,
    kind: str = "updated",
    size: int = 10,
    hour: float = 1.0,
    story_id: str | None = None,
    parents: list[str] | None = None,
    children: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A wire-shaped event (what `NarrativeEvent.model_dump(mode="json")` gives)."""
    faded = kind == "faded"
    return {
        "schema_version": "1.1",
        "event_id": f"{narrative_id}-{version}",
        "type": kind,
        "narrative_id": narrative_id,
        "story_id": story_id,
        "version": version,
        "window": {"start": stamp(hour - 3), "end": stamp(hour)},
        "size": 0 if faded else size,
        "counts": {
            "by_kind": {} if faded else {"post": size},
            "by_source": {} if faded else {"twitter": size},
            "by_lang": {} if faded else {"en": size - 1, "tr": 1},
        },
        "keywords": [{"term": f"{narrative_id}-kw{i}", "score": 1.0 / (i + 1)} for i in range(12)],
        "representatives": []
        if faded
        else [
            {
                "doc_id": f"{narrative_id}-doc{i}",
                "text": f"text {i}",
                "kind": "post",
                "source": "twitter",
                "lang": "en",
                "published_at": stamp(hour - 1),
                "similarity": 0.9,
            }
            for i in range(7)
        ],
        "member_ids": [f"{narrative_id}-doc{i}" for i in range(size)],
        "members_truncated": False,
        "new_members": size,
        "first_seen": stamp(0),
        "last_seen": stamp(hour),
        "first_doc_id": f"{narrative_id}-doc0",
        "parent_ids": parents or [],
        "child_ids": children or [],
        "detector": {"version": "0.1.0", "model": "m", "params_version": "p"},
        **extra,
    }


def ids(board: NarrativeBoard) -> list[str]:
    return [n["narrative_id"] for s in board.snapshot()["stories"] for n in s["narratives"]]


def test_latest_state_and_growth_history() -> None:
    board = NarrativeBoard()
    assert board.apply(event("a", 1, kind="emerged", size=10, hour=1))
    assert board.apply(event("a", 2, size=25, hour=2))
    assert board.apply(event("a", 3, size=40, hour=3, attached_size=2, attached_ids=["x1", "x2"]))
    view = board.narrative("a")
    assert view is not None
    assert view["size"] == 40 and view["version"] == 3 and view["status"] == "live"
    assert view["attached_size"] == 2 and "attached_ids" not in view  # the count, not the ids
    assert [p["size"] for p in view["history"]] == [10, 25, 40]
    assert [p["end"] for p in view["history"]] == [stamp(1), stamp(2), stamp(3)]
    assert [s["type"] for s in view["lifecycle"]] == ["emerged", "updated", "updated"]
    assert view["lifecycle"][0]["window_start"] == stamp(-2)
    assert view["counts"]["by_lang"] == {"en": 39, "tr": 1}
    assert len(view["keywords"]) == 10  # capped for display
    assert len(view["representatives"]) == 5
    assert "member_ids" not in view  # never shipped to browsers: up to 20,000 ids
    snapshot = board.snapshot()
    assert snapshot["revision"] == 3 and snapshot["watermark"] == stamp(3)
    assert snapshot["live"] == 1 and snapshot["ended"] == 0


def test_redelivered_and_stale_events_change_nothing() -> None:
    board = NarrativeBoard()
    board.apply(event("a", 1, kind="emerged", size=10))
    board.apply(event("a", 2, size=20, hour=2))
    before = json.dumps(board.snapshot(), sort_keys=True)
    # Recovery re-publishes the same events; Kafka may redeliver older ones.
    assert not board.apply(event("a", 2, size=20, hour=2))
    assert not board.apply(event("a", 1, kind="emerged", size=10))
    assert json.dumps(board.snapshot(), sort_keys=True) == before


def test_accepts_pydantic_events() -> None:
    model = NarrativeEvent.model_validate(event("a", 1, kind="emerged"))
    board = NarrativeBoard()
    assert board.apply(model)
    assert board.narrative("a") is not None
    assert event_dict(model)["narrative_id"] == "a"
    with pytest.raises(TypeError):
        event_dict(42)


def test_story_grouping_and_ordering() -> None:
    board = NarrativeBoard()
    board.apply(event("a", 1, kind="emerged", size=10, story_id="s1"))
    board.apply(event("b", 1, kind="emerged", size=30, story_id="s1"))
    board.apply(event("c", 1, kind="emerged", size=35))  # ungrouped: its own story
    board.apply(event("d", 1, kind="emerged", size=5, story_id="s2"))
    stories = board.snapshot()["stories"]
    # Largest live story first (s1: 40 > c: 35 > s2: 5); inside a story, largest first.
    assert [s["story_id"] for s in stories] == ["s1", "c", "s2"]
    assert [n["narrative_id"] for n in stories[0]["narratives"]] == ["b", "a"]
    assert stories[0]["size"] == 40 and stories[0]["live"] == 2
    # A change of story (reported as an update) moves the narrative.
    board.apply(event("a", 2, size=12, story_id="s2", hour=2))
    stories = board.snapshot()["stories"]
    assert {s["story_id"]: [n["narrative_id"] for n in s["narratives"]] for s in stories} == {
        "s1": ["b"],
        "c": ["c"],
        "s2": ["a", "d"],
    }


def test_faded_kept_with_last_description_then_expired_by_event_time() -> None:
    board = NarrativeBoard(BoardConfig(retain_s=6 * 3600))
    board.apply(event("a", 1, kind="emerged", size=10, hour=1))
    board.apply(event("a", 2, kind="faded", hour=8))
    board.apply(event("b", 1, kind="emerged", size=10, hour=8))
    view = board.narrative("a")
    assert view is not None and view["status"] == "faded" and view["size"] == 0
    assert view["peak_size"] == 10
    assert view["representatives"] and view["counts"]["by_source"] == {"twitter": 10}
    assert [p["size"] for p in view["history"]] == [10, 0]
    # Live narratives sort before ended ones.
    assert ids(board) == ["b", "a"]
    snapshot = board.snapshot()
    assert snapshot["live"] == 1 and snapshot["ended"] == 1
    board.apply(event("b", 2, size=11, hour=14))  # exactly retain_s later: still shown
    assert "a" in board
    board.apply(event("b", 3, size=12, hour=14.5))
    assert "a" not in board and "b" in board


def test_merge_marks_the_absorbed_narrative() -> None:
    board = NarrativeBoard()
    board.apply(event("a", 1, kind="emerged", size=10, hour=1))
    board.apply(event("b", 1, kind="emerged", size=20, hour=1))
    board.apply(event("b", 2, kind="merged", size=35, hour=2, parents=["a"]))
    absorbed = board.narrative("a")
    survivor = board.narrative("b")
    assert absorbed is not None and survivor is not None
    assert absorbed["status"] == "merged" and absorbed["merged_into"] == "b"
    assert absorbed["lifecycle"][-1]["type"] == "merged_into"
    assert absorbed["lifecycle"][-1]["child_ids"] == ["b"]
    assert survivor["status"] == "live" and survivor["lifecycle"][-1]["parent_ids"] == ["a"]


def test_a_resumed_narrative_is_live_again_with_its_history() -> None:
    board = NarrativeBoard()
    board.apply(event("a", 1, kind="emerged", size=10, hour=1))
    board.apply(event("b", 1, kind="emerged", size=20, hour=1))
    board.apply(event("b", 2, kind="merged", size=35, hour=2, parents=["a"]))
    board.apply(event("b", 3, kind="split", size=22, hour=3, children=["a"]))
    board.apply(event("a", 2, kind="resumed", size=12, hour=3, parents=["b"]))
    back = board.narrative("a")
    assert back is not None
    assert back["status"] == "live" and back["merged_into"] is None
    assert [step["type"] for step in back["lifecycle"]] == ["emerged", "merged_into", "resumed"]
    assert back["lifecycle"][-1]["parent_ids"] == ["b"]


def test_a_narrative_that_faded_and_resumed_is_live_again() -> None:
    board = NarrativeBoard()
    board.apply(event("a", 1, kind="emerged", size=10, hour=1))
    board.apply(event("a", 2, kind="faded", size=0, hour=4))
    faded = board.narrative("a")
    assert faded is not None and faded["status"] == "faded"
    board.apply(event("a", 3, kind="resumed", size=14, hour=6))
    back = board.narrative("a")
    assert back is not None
    assert back["status"] == "live" and back["size"] == 14
    assert [step["type"] for step in back["lifecycle"]] == ["emerged", "faded", "resumed"]


def test_split_lifecycle_names_parent_and_children() -> None:
    board = NarrativeBoard()
    board.apply(event("p", 1, kind="emerged", size=40, hour=1))
    board.apply(event("p", 2, kind="split", size=20, hour=2, children=["c"]))
    board.apply(event("c", 1, kind="emerged", size=18, hour=2, parents=["p"]))
    parent, child = board.narrative("p"), board.narrative("c")
    assert parent is not None and child is not None
    assert parent["lifecycle"][-1]["type"] == "split"
    assert parent["lifecycle"][-1]["child_ids"] == ["c"]
    assert child["lifecycle"][0]["parent_ids"] == ["p"]


def test_bounds_evict_ended_first_then_stalest_live() -> None:
    board = NarrativeBoard(BoardConfig(max_narratives=3, history_len=4, lifecycle_len=3))
    board.apply(event("old", 1, kind="emerged", hour=1))
    board.apply(event("gone", 1, kind="emerged", hour=1))
    board.apply(event("gone", 2, kind="faded", hour=5))
    board.apply(event("new", 1, kind="emerged", hour=5))
    board.apply(event("newer", 1, kind="emerged", hour=6))  # full: the faded one goes first
    assert sorted(ids(board)) == ["new", "newer", "old"]
    board.apply(event("newest", 1, kind="emerged", hour=7))  # none ended: the stalest live
    assert sorted(ids(board)) == ["new", "newer", "newest"]
    for v in range(2, 12):
        board.apply(event("new", v, size=v, hour=5 + v))
    view = board.narrative("new")
    assert view is not None
    assert [p["size"] for p in view["history"]] == [8, 9, 10, 11]
    assert [s["version"] for s in view["lifecycle"]] == [9, 10, 11]
    assert len(board) == 3


def test_label_and_unknown_optional_fields_are_tolerated() -> None:
    board = NarrativeBoard()
    assert board.apply(
        event(
            "a",
            1,
            kind="emerged",
            label="Deepfake claim",
            signals={"velocity": 2.5},
            amplification=None,
            pinned=False,
            huge="x" * 5000,
        )
    )
    view = board.narrative("a")
    assert view is not None
    assert view["label"] == "Deepfake claim"
    assert view["extra"] == {"signals": {"velocity": 2.5}}  # unset and oversized left out
    board.apply(event("a", 2, hour=2))  # an event without the field keeps the label shown
    view = board.narrative("a")
    assert view is not None and view["label"] == "Deepfake claim" and "extra" not in view
    board.apply(event("a", 3, hour=3, label=None))  # null: the analyst cleared it
    view = board.narrative("a")
    assert view is not None and "label" not in view


def test_events_without_an_id_are_ignored_and_odd_fields_do_not_break_it() -> None:
    board = NarrativeBoard()
    assert not board.apply({"type": "emerged"})
    assert not board.apply({"narrative_id": ""})
    assert board.apply({"narrative_id": "x", "version": "1", "window": "?", "size": "many"})
    view = board.narrative("x")
    assert view is not None and view["size"] == 0 and view["history"][0]["end"] is None
    assert board.snapshot()["watermark"] is None
    json.dumps(board.snapshot())


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "narrative_id",
                    "version",
                    "type",
                    "window",
                    "size",
                    "counts",
                    "keywords",
                    "representatives",
                    "parent_ids",
                    "label",
                    "story_id",
                    "other",
                ]
            ),
            _json_values,
        )
        | st.builds(
            lambda n, v, k: event(n, v, kind=k),
            st.sampled_from(["a", "b"]),
            st.integers(1, 4),
            st.sampled_from(["emerged", "updated", "merged", "split", "faded"]),
        ),
        max_size=12,
    )
)
def test_never_raises_on_arbitrary_json(events: list[dict[str, Any]]) -> None:
    """The worker feeds the board inline while publishing: the board must never throw."""
    board = NarrativeBoard(BoardConfig(max_narratives=3))
    for data in events:
        board.apply(data)
    json.dumps(board.snapshot())
    assert len(board) <= 3


def test_suppressed_by_an_analyst_ends_like_a_fade() -> None:
    board = NarrativeBoard(BoardConfig(retain_s=3600))
    board.apply(event("a", 1, kind="emerged", hour=1))
    board.apply(event("a", 2, hour=2, suppressed=True))  # no event follows this one
    view = board.narrative("a")
    assert view is not None and view["status"] == "suppressed"
    assert view["extra"] == {"suppressed": True}
    assert board.snapshot()["ended"] == 1
    board.apply(event("b", 1, kind="emerged", hour=4))
    assert "a" not in board
