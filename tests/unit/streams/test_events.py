"""Unit tests for streams.events: wire timestamps, event ids, materiality and event building."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from schemas.events import DetectorInfo, EventType, NarrativeEvent
from streams.describe import Description
from streams.documents import Document
from streams.events import (
    EventConfig,
    build_event,
    event_id_for,
    is_material,
    rfc3339,
    unlisted,
)
from streams.track import Narrative
from streams.window import Entry

START = datetime(2023, 5, 11, tzinfo=UTC).timestamp()
HOUR = 3600.0
DETECTOR = DetectorInfo(version="0.1.0", model="fake-bow-256", params_version="abc123")
CONFIG = EventConfig(update_min_new=5, update_min_growth=0.2, update_keyword_churn=2)


def narrative(**fields: object) -> Narrative:
    defaults: dict[str, object] = {
        "narrative_id": "nar-0000000000000001",
        "centroid": np.ones(4, dtype=np.float32) / 2,
        "members": frozenset(),
        "first_seen": START,
        "first_doc_id": "d00",
        "last_seen": START + 600.0,
        "last_matched_end": START + HOUR,
    }
    defaults.update(fields)
    return Narrative(**defaults)  # type: ignore[arg-type]


def description(
    keywords: tuple[str, ...] = ("flood", "dam", "river", "levee", "rescue"),
    sources: tuple[str, ...] = ("twitter",),
    representatives: tuple[tuple[Entry, float], ...] = (),
) -> Description:
    return Description(
        keywords=tuple((term, round(1.0 / (i + 1), 6)) for i, term in enumerate(keywords)),
        representatives=representatives,
        by_kind={"post": 3},
        by_source={s: 1 for s in sources},
        by_lang={"en": 3},
    )


def ids(count: int, prefix: str = "d") -> frozenset[str]:
    return frozenset(f"{prefix}{i:02d}" for i in range(count))


# --- rfc3339 and event ids -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (datetime(2023, 5, 11, 18, 4, 5, tzinfo=UTC), "2023-05-11T18:04:05.000Z"),
        (datetime(2023, 5, 11, 18, 4, 5, 123456, tzinfo=UTC), "2023-05-11T18:04:05.123Z"),
        (datetime(1970, 1, 1, tzinfo=UTC), "1970-01-01T00:00:00.000Z"),
        (datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC), "2024-02-29T23:59:59.999Z"),
    ],
)
def test_rfc3339_is_utc_with_milliseconds_and_z(stamp: datetime, expected: str) -> None:
    assert rfc3339(stamp.timestamp()) == expected
    assert datetime.fromisoformat(expected).timestamp() == pytest.approx(
        stamp.timestamp(), abs=1e-3
    )


def test_event_id_is_a_pure_function_of_all_four_inputs() -> None:
    base = event_id_for("p1", "nar-1", 1, "emerged")
    assert base == event_id_for("p1", "nar-1", 1, "emerged")
    assert len(base) == 32 and int(base, 16) >= 0
    variants = {
        event_id_for("p2", "nar-1", 1, "emerged"),
        event_id_for("p1", "nar-2", 1, "emerged"),
        event_id_for("p1", "nar-1", 2, "emerged"),
        event_id_for("p1", "nar-1", 1, "updated"),
    }
    assert base not in variants and len(variants) == 4


# --- is_material -----------------------------------------------------------------------------


def reported(count: int = 20) -> Narrative:
    """A narrative whose last event reported `count` members, the default keywords, twitter."""
    n = narrative()
    n.reported_members = ids(count)
    n.reported_keywords = ("flood", "dam", "river", "levee", "rescue")
    n.reported_sources = frozenset({"twitter"})
    return n


def test_nothing_new_is_not_material() -> None:
    assert not is_material(reported(), ids(20), description(), CONFIG)


def test_losing_members_is_not_material() -> None:
    assert not is_material(reported(), ids(12), description(), CONFIG)


def test_growth_is_material_from_max_of_min_new_and_share_of_reported() -> None:
    # 20 reported: the bar is max(5, 0.2 × 20 = 4) = 5 new members.
    assert not is_material(reported(20), ids(20) | ids(4, "n"), description(), CONFIG)
    assert is_material(reported(20), ids(20) | ids(5, "n"), description(), CONFIG)
    # 100 reported: the bar is max(5, 20) = 20.
    assert not is_material(reported(100), ids(100) | ids(19, "n"), description(), CONFIG)
    assert is_material(reported(100), ids(100) | ids(20, "n"), description(), CONFIG)


def test_new_attached_documents_count_as_growth_like_new_members() -> None:
    # 20 reported members: the bar is 5 new documents, whether members or attached.
    assert not is_material(reported(20), ids(20), description(), CONFIG, ids(4, "a"))
    assert is_material(reported(20), ids(20), description(), CONFIG, ids(5, "a"))
    assert is_material(reported(20), ids(20) | ids(2, "n"), description(), CONFIG, ids(3, "a"))
    # Members only: the release before, where a tail of attached posts never made the news.
    members_only = EventConfig(
        update_min_new=5, update_min_growth=0.2, update_counts_attached=False
    )
    assert not is_material(reported(20), ids(20), description(), members_only, ids(9, "a"))


def test_documents_listed_before_as_attached_are_not_new_and_widen_the_bar() -> None:
    n = reported(20)
    n.reported_attached = ids(5, "a")
    # Listed on the last event already: nothing new, whether still attached or now members.
    assert not is_material(n, ids(20), description(), CONFIG, ids(5, "a"))
    assert not is_material(n, ids(20) | ids(5, "a"), description(), CONFIG)
    # The growth share is of everything listed: 100 members and 25 attached make a bar of
    # max(5, 0.2 × 125) = 25 new documents, not the 20 of the members alone.
    wide = reported(100)
    wide.reported_attached = ids(25, "a")
    assert not is_material(wide, ids(100), description(), CONFIG, ids(25, "a") | ids(24, "b"))
    assert is_material(wide, ids(100), description(), CONFIG, ids(25, "a") | ids(25, "b"))


def test_unlisted_is_any_held_document_no_event_listed_as_member_or_attached() -> None:
    n = reported(20)
    n.reported_attached = ids(3, "a")
    # Everything held was listed, as a member or attached (a former attached document now a
    # member counts as listed), or fewer are held than were listed: nothing unlisted.
    assert not unlisted(n, ids(20), ids(3, "a"))
    assert not unlisted(n, ids(18) | ids(2, "a"))
    # One new document, member or attached, is enough: far below the growth bar.
    assert unlisted(n, ids(20) | ids(1, "n"))
    assert unlisted(n, ids(20), ids(1, "b"))


def test_building_an_event_records_the_attached_documents_it_lists() -> None:
    n = narrative(members=ids(3))
    build_event(
        "emerged",
        n,
        window=(START, START + HOUR),
        members=tuple(sorted(ids(3))),
        desc=description(),
        detector=DETECTOR,
        config=CONFIG,
        attached=("a00", "a01"),
    )
    assert n.reported_members == ids(3) and n.reported_attached == ids(2, "a")


def test_keyword_churn_is_material_only_with_new_members() -> None:
    churned = description(keywords=("flood", "dam", "river", "sabotage", "drones"))
    assert is_material(reported(), ids(20) | ids(1, "n"), churned, CONFIG)
    assert not is_material(reported(), ids(20), churned, CONFIG)
    one_new_term = description(keywords=("flood", "dam", "river", "levee", "drones"))
    assert not is_material(reported(), ids(20) | ids(1, "n"), one_new_term, CONFIG)
    # Only the top five count: churn below them is not news.
    deep = description(keywords=("flood", "dam", "river", "levee", "rescue", "x1", "x2"))
    assert not is_material(reported(), ids(20) | ids(1, "n"), deep, CONFIG)


def test_new_source_is_material_only_with_new_members() -> None:
    new_source = description(sources=("twitter", "bbc"))
    assert is_material(reported(), ids(20) | ids(1, "n"), new_source, CONFIG)
    assert not is_material(reported(), ids(20), new_source, CONFIG)


# --- build_event -----------------------------------------------------------------------------


def test_first_event_carries_the_description_and_records_what_was_reported() -> None:
    doc = Document("d00", "post", "Dam breach " * 40, START, "twitter", "en", "@bob")
    rep = (Entry(doc, np.zeros(4, dtype=np.float16)), 0.9876)
    n = narrative()
    members = tuple(sorted(ids(3)))
    event = build_event(
        "emerged",
        n,
        window=(START - 3 * HOUR, START + HOUR),
        members=members,
        desc=description(representatives=(rep,)),
        detector=DETECTOR,
        config=CONFIG,
        parent_ids=["nar-b", "nar-a"],
    )
    assert event.type == "emerged"
    assert event.version == 1 and n.version == 1
    assert event.event_id == event_id_for("abc123", n.narrative_id, 1, "emerged")
    assert event.window.start == "2023-05-10T21:00:00.000Z"
    assert event.window.end == "2023-05-11T01:00:00.000Z"
    assert event.size == 3 and event.member_ids == list(members)
    assert event.new_members == 3 and not event.members_truncated
    assert [k.term for k in event.keywords] == ["flood", "dam", "river", "levee", "rescue"]
    assert event.counts.by_source == {"twitter": 1}
    assert event.first_seen == "2023-05-11T00:00:00.000Z"
    assert event.last_seen == "2023-05-11T00:10:00.000Z"
    assert event.first_doc_id == "d00"
    assert event.parent_ids == ["nar-a", "nar-b"]
    assert event.child_ids == []
    (r,) = event.representatives
    assert (r.doc_id, r.kind, r.source, r.lang, r.similarity) == (
        "d00",
        "post",
        "twitter",
        "en",
        0.9876,
    )
    assert r.text == doc.text[:280] and len(r.text) == 280
    assert r.published_at == "2023-05-11T00:00:00.000Z"
    assert event.detector == DETECTOR
    # What the next materiality check compares against.
    assert n.reported_members == frozenset(members)
    assert n.reported_keywords == ("flood", "dam", "river", "levee", "rescue")
    assert n.reported_sources == frozenset({"twitter"})


def test_versions_increase_by_one_and_new_members_count_against_the_last_event() -> None:
    n = narrative()

    def emit(kind: EventType, members: tuple[str, ...], **extra: list[str]) -> NarrativeEvent:
        return build_event(
            kind,
            n,
            window=(START, START + HOUR),
            members=members,
            desc=description(),
            detector=DETECTOR,
            config=CONFIG,
            **extra,
        )

    first = emit("emerged", ("a", "b"))
    second = emit("updated", ("a", "b", "c", "d"))
    third = emit("split", ("c", "d", "e"), child_ids=["nar-z"])
    assert [e.version for e in (first, second, third)] == [1, 2, 3]
    assert [e.new_members for e in (first, second, third)] == [2, 2, 1]
    assert len({e.event_id for e in (first, second, third)}) == 3
    assert third.child_ids == ["nar-z"]


def test_faded_event_has_no_members_and_repeats_the_last_keywords_with_zero_score() -> None:
    n = reported()
    n.version = 4
    event = build_event(
        "faded",
        n,
        window=(START, START + HOUR),
        members=(),
        desc=None,
        detector=DETECTOR,
        config=CONFIG,
    )
    assert (event.type, event.version, event.size, event.new_members) == ("faded", 5, 0, 0)
    assert event.member_ids == [] and event.representatives == []
    assert [(k.term, k.score) for k in event.keywords] == [
        ("flood", 0.0),
        ("dam", 0.0),
        ("river", 0.0),
        ("levee", 0.0),
        ("rescue", 0.0),
    ]
    assert event.counts.by_kind == {} and event.counts.by_source == {}
    assert n.reported_members == frozenset()


def test_member_ids_are_capped_but_size_counts_them_all() -> None:
    members = tuple(f"d{i:03d}" for i in range(30))
    event = build_event(
        "emerged",
        narrative(),
        window=(START, START + HOUR),
        members=members,
        desc=description(),
        detector=DETECTOR,
        config=EventConfig(max_member_ids=10),
    )
    assert event.size == 30
    assert event.member_ids == list(members[:10])
    assert event.members_truncated


def test_documents_at_home_elsewhere_count_in_size_and_elsewhere_size_but_are_not_listed() -> None:
    n = narrative()
    event = build_event(
        "updated",
        n,
        window=(START, START + HOUR),
        members=("d00", "d02"),  # of a cluster of 3; d01 is at home in another narrative
        desc=description(),
        detector=DETECTOR,
        config=CONFIG,
        attached=("x1",),  # of 3 attached; two at home elsewhere
        size=3,
        attached_size=3,
    )
    assert (event.size, event.member_ids, event.new_members) == (3, ["d00", "d02"], 2)
    assert (event.attached_size, event.attached_ids) == (3, ["x1"])
    assert event.elsewhere_size == 1 + 2
    assert n.reported_members == frozenset({"d00", "d02"})  # what was listed, not the cluster
    with pytest.raises(ValueError, match="cannot be below"):
        build_event(
            "updated",
            narrative(),
            window=(START, START + HOUR),
            members=("d00", "d02"),
            desc=description(),
            detector=DETECTOR,
            config=CONFIG,
            size=1,
        )


def test_a_new_story_is_material_and_is_recorded_once_reported() -> None:
    moved = reported()
    moved.story_id = "story-b"
    assert is_material(moved, ids(20), description(), CONFIG)
    build_event(
        "updated",
        moved,
        window=(0.0, 3600.0),
        members=tuple(sorted(ids(20))),
        desc=description(),
        detector=DetectorInfo(version="t", model="m", params_version="p"),
        config=CONFIG,
    )
    assert moved.reported_story_id == "story-b"
    assert not is_material(moved, ids(20), description(), CONFIG)
