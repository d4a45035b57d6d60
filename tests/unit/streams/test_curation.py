"""Unit tests for analyst curation (streams.curation through streams.detector).

The planted stream of `test_detector` (flood 0–5 h, vaccine 3–8 h, election 6–11 h, noise over
24 h; fade after 3 h) is replayed with commands at chosen event times. Every command must take
effect in the slide its `issued_at` falls in, persist through later slides, be reproducible
(commands submitted up front, as a replay does, or as they "arrive" mid-stream, as live), and
change nothing when applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from conftest import FakeEmbedder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_detector import (
    HOUR,
    LUMPED,
    PARAMS,
    QUIET,
    START,
    SWING_PARAMS,
    AngleEmbedder,
    LumpCluster,
    QuietCluster,
    lump_stream,
    majority_ids,
    planted_stream,
    topic_of,
)

from schemas.audit import AuditRecord
from schemas.commands import (
    COMMANDS,
    CurationCommand,
    LinkCommand,
    MergeCommand,
    PinCommand,
    RenameCommand,
    SplitCommand,
    SuppressCommand,
)
from schemas.events import NarrativeEvent
from streams.checkpoint import restore, snapshot
from streams.detector import Detector
from streams.documents import Document
from streams.events import rfc3339

Run = tuple[list[NarrativeEvent], list[AuditRecord]]


def at(hours: float) -> str:
    return rfc3339(START + hours * HOUR)


def meta(cid: str, hours: float) -> dict[str, Any]:
    return {"command_id": cid, "issued_at": at(hours), "author": "analyst", "reason": "test"}


def run(
    docs: Sequence[Document], commands: Sequence[CurationCommand] = (), *, live: bool = False
) -> Run:
    """Replay `docs` in batches; commands up front (replay) or when their time comes (live)."""
    detector = Detector(PARAMS, FakeEmbedder())
    waiting = list(commands)
    if not live:
        for command in waiting:
            detector.submit(command)
        waiting = []
    events: list[NarrativeEvent] = []
    audit: list[AuditRecord] = []
    for i in range(0, len(docs), 25):
        batch = docs[i : i + 25]
        detector.ingest(batch)
        newest = max(d.time for d in batch)
        for command in [c for c in waiting if rfc3339(newest) >= c.issued_at]:
            detector.submit(command)
            waiting.remove(command)
        events.extend(detector.advance())
        audit.extend(detector.drain_audit())
    for command in waiting:
        detector.submit(command)
    events.extend(detector.advance(flush=True))
    audit.extend(detector.drain_audit())
    return events, audit


@pytest.fixture(scope="module")
def stream() -> list[Document]:
    return planted_stream()


@pytest.fixture(scope="module")
def plain(stream: list[Document]) -> Run:
    return run(stream)


@pytest.fixture(scope="module")
def ids(stream: list[Document], plain: Run) -> dict[str, str]:
    return majority_ids(stream, plain[0])


def of(events: Sequence[NarrativeEvent], nid: str) -> list[NarrativeEvent]:
    return [e for e in events if e.narrative_id == nid]


def after(events: Sequence[NarrativeEvent], hours: float) -> list[NarrativeEvent]:
    return [e for e in events if e.window.end > at(hours)]


def test_plain_run_has_the_three_narratives_alive_when_commands_are_issued(
    plain: Run, ids: dict[str, str]
) -> None:
    events = plain[0]
    assert len(set(ids.values())) == 3
    emerged = {e.narrative_id: e.window.end for e in events if e.type == "emerged"}
    assert emerged[ids["flood"]] <= at(5) and emerged[ids["vaccine"]] <= at(6)
    assert any(e.type == "faded" and e.narrative_id == ids["flood"] for e in events)
    assert all(e.label is None and not e.caused_by for e in events)


def test_rename_labels_every_later_event_and_is_audited(
    stream: list[Document], ids: dict[str, str]
) -> None:
    flood = ids["flood"]
    command = RenameCommand(**meta("c-rename", 4.5), narrative_id=flood, label="Dam burst")
    events, audit = run(stream, [command])
    caused = [e for e in events if e.caused_by]
    assert [(e.narrative_id, e.type, e.window.end) for e in caused] == [(flood, "updated", at(5))]
    later = [e for e in of(events, flood) if e.window.end >= at(5)]
    assert len(later) >= 2 and all(e.label == "Dam burst" for e in later)
    assert all(e.label is None for e in of(events, flood) if e.window.end < at(5))
    (record,) = audit
    assert record.status == "applied" and record.applied_at == at(5) and not record.late
    assert record.event_ids == [caused[0].event_id]
    assert record.command == command and record.narrative_ids == [flood]


def test_merge_makes_one_narrative_and_it_stays_one(
    stream: list[Document], ids: dict[str, str]
) -> None:
    flood, vaccine = ids["flood"], ids["vaccine"]
    merge = MergeCommand(**meta("c-merge", 5.5), narrative_ids=[flood, vaccine])
    events, audit = run(stream, [merge])
    (merged,) = [e for e in events if e.caused_by]
    assert merged.type == "merged" and merged.narrative_id == flood
    assert merged.parent_ids == [vaccine] and merged.window.end == at(6)
    # The analyst decided: the absorbed narrative's documents are listed on the survivor at
    # once (their home votes moved with them), none is left at home under the absorbed id.
    assert merged.elsewhere_size == 0 and len(merged.member_ids) == merged.size
    assert sum(topic_of(d) == "vaccine" for d in merged.member_ids) >= 10
    assert audit[0].status == "applied" and audit[0].event_ids == [merged.event_id]
    # Nothing is ever reported under the absorbed id again, and no new narrative takes the
    # vaccine documents: they stay with the survivor.
    assert not of(after(events, 6), vaccine)
    owners = {
        e.narrative_id
        for e in after(events, 6)
        if e.type != "faded" and sum(topic_of(d) == "vaccine" for d in e.member_ids) >= 3
    }
    assert owners == {flood}
    # A command naming the absorbed id lands on the survivor.
    rename = RenameCommand(**meta("c-rename", 6.5), narrative_id=vaccine, label="Mixed")
    events2, audit2 = run(stream, [merge, rename])
    assert audit2[1].status == "applied" and audit2[1].narrative_ids == [flood]
    assert all(e.label == "Mixed" for e in of(events2, flood) if e.window.end >= at(7))


def test_split_makes_a_separate_narrative_that_stays_separate(
    stream: list[Document], plain: Run, ids: dict[str, str]
) -> None:
    vaccine = ids["vaccine"]
    last = [e for e in of(plain[0], vaccine) if e.window.end <= at(6)][-1]
    moved = sorted(last.member_ids)[::2]
    split = SplitCommand(**meta("c-split", 6.5), narrative_id=vaccine, member_ids=moved)
    events, audit = run(stream, [split])
    caused = [e for e in events if e.caused_by]
    parent = next(e for e in caused if e.narrative_id == vaccine)
    child = next(e for e in caused if e.narrative_id != vaccine)
    assert parent.type == "split" and parent.child_ids == [child.narrative_id]
    assert child.type == "emerged" and child.parent_ids == [vaccine]
    assert not set(child.member_ids) & set(parent.member_ids)
    assert len(set(moved) & set(child.member_ids)) > len(set(moved) & set(parent.member_ids))
    # The moved documents are listed on the child from its first event: an analyst's split
    # moves their home votes too (without that they would stay listed under the parent).
    assert not set(moved) & set(parent.member_ids)
    assert len(set(moved) & set(child.member_ids)) >= len(moved) // 2
    assert audit[0].status == "applied" and sorted(audit[0].event_ids) == sorted(
        e.event_id for e in caused
    )
    # Later slides keep them apart: neither is merged into the other.
    for e in after(events, 7):
        assert child.narrative_id not in e.parent_ids and vaccine not in e.parent_ids
    assert of(after(events, 7), child.narrative_id)


def test_pin_keeps_a_narrative_from_fading(stream: list[Document], ids: dict[str, str]) -> None:
    flood = ids["flood"]
    events, _ = run(stream, [PinCommand(**meta("c-pin", 4.5), narrative_id=flood)])
    assert not [e for e in of(events, flood) if e.type == "faded"]
    assert all(e.pinned for e in of(events, flood) if e.window.end >= at(5))
    unpin = PinCommand(**meta("c-unpin", 12.5), narrative_id=flood, pinned=False)
    events2, _ = run(stream, [PinCommand(**meta("c-pin", 4.5), narrative_id=flood), unpin])
    faded = [e for e in of(events2, flood) if e.type == "faded"]
    # Unpinned long after its last cluster, it fades at once, and the event says why.
    assert len(faded) == 1 and faded[0].window.end == at(13)
    assert [r.command_id for r in faded[0].caused_by] == ["c-unpin"]


def test_suppress_stops_events_after_one_acknowledgement(
    stream: list[Document], plain: Run, ids: dict[str, str]
) -> None:
    vaccine = ids["vaccine"]
    events, audit = run(stream, [SuppressCommand(**meta("c-sup", 5.5), narrative_id=vaccine)])
    after_command = [e for e in of(events, vaccine) if e.window.end >= at(6)]
    assert [e.suppressed for e in after_command] == [True]
    assert after_command[0].caused_by
    assert audit[0].event_ids == [after_command[0].event_id]
    # The other narratives are untouched.
    flood = ids["flood"]
    assert [e.event_id for e in of(events, flood)] == [e.event_id for e in of(plain[0], flood)]


def test_suppressed_spam_coming_back_under_a_new_id_is_suppressed_too() -> None:
    base = planted_stream()
    # The flood comes back at 16-21 h, long after its narrative faded, beside the election
    # (one lone cluster would be all noise to HDBSCAN).
    shift = {"flood": 16 * HOUR, "election": 10 * HOUR}
    rerun = [
        Document(f"{d.doc_id}-again", d.kind, d.text, d.time + shift[t], d.source, d.lang)
        for d in base
        if (t := topic_of(d.doc_id)) in shift
    ]
    stream = sorted([*base, *rerun], key=lambda d: (d.time, d.doc_id))
    plain_events, _ = run(stream)

    def returning(events: list[NarrativeEvent], topic: str) -> set[str]:
        return {
            e.narrative_id
            for e in events
            if sum(m.startswith(topic) and m.endswith("again") for m in e.member_ids) >= 5
        }

    assert returning(plain_events, "flood"), "without the command the flood comes back"
    flood = majority_ids(base, plain_events)["flood"]
    events, _ = run(stream, [SuppressCommand(**meta("c-sup", 4.5), narrative_id=flood)])
    assert not returning(events, "flood")
    assert returning(events, "election") == returning(plain_events, "election")


def test_a_suppressed_narrative_that_fades_and_resurfaces_stays_suppressed() -> None:
    # test_detector's quiet stream: B fades at 07:00 and its posts gather again at 08:00,
    # where B resumes under its id. Suppressed at 02:30, B is acknowledged once and then
    # silent, through its fade and its return: its curation is kept while it may resume.
    def replay(commands: Sequence[CurationCommand]) -> list[NarrativeEvent]:
        detector = Detector(SWING_PARAMS, AngleEmbedder(), QuietCluster(QUIET))
        for command in commands:
            detector.submit(command)
        detector.ingest(lump_stream())
        return detector.advance(flush=True)

    plain = replay([])
    b_id = next(e.narrative_id for e in plain if e.first_doc_id == "b00")
    assert [e.window.end[11:16] for e in plain if e.narrative_id == b_id and e.type == "resumed"]
    events = replay([SuppressCommand(**meta("c-sup", 2.5), narrative_id=b_id)])
    after = [e for e in events if e.narrative_id == b_id and e.window.end >= at(3)]
    assert [(e.type, e.suppressed) for e in after] == [("updated", True)]
    a_id = next(e.narrative_id for e in plain if e.first_doc_id == "a00")
    assert [e for e in events if e.narrative_id == a_id] == [
        e for e in plain if e.narrative_id == a_id
    ]


def test_link_places_the_narrative_under_the_analysts_story(
    stream: list[Document], ids: dict[str, str]
) -> None:
    election = ids["election"]
    link = LinkCommand(**meta("c-link", 8.5), narrative_id=election, story_id="story-vote")
    events, _ = run(stream, [link])
    later = [e for e in of(events, election) if e.window.end >= at(9)]
    assert later and all(e.story_id == "story-vote" for e in later)


def test_unknown_narrative_is_rejected_without_changing_anything(
    stream: list[Document], plain: Run
) -> None:
    command = RenameCommand(**meta("c-x", 4.5), narrative_id="nar-doesnotexist", label="x")
    events, audit = run(stream, [command])
    assert [e.event_id for e in events] == [e.event_id for e in plain[0]]
    assert audit[0].status == "rejected" and "not live" in audit[0].detail
    assert audit[0].event_ids == []


def test_a_command_id_is_taken_once() -> None:
    detector = Detector(PARAMS, FakeEmbedder())
    command = PinCommand(**meta("c-1", 1.0), narrative_id="nar-1")
    assert detector.submit(command) is True
    assert detector.submit(command) is False


def test_live_arrival_and_up_front_submission_give_the_same_events(
    stream: list[Document], ids: dict[str, str]
) -> None:
    commands: list[CurationCommand] = [
        RenameCommand(**meta("c-1", 4.5), narrative_id=ids["flood"], label="Dam"),
        MergeCommand(**meta("c-2", 7.2), narrative_ids=[ids["vaccine"], ids["election"]]),
        PinCommand(**meta("c-3", 7.7), narrative_id=ids["vaccine"]),
    ]
    replayed = run(stream, commands)
    live = run(stream, commands, live=True)
    assert replayed == live
    assert [r.status for r in replayed[1]] == ["applied", "applied", "applied"]


def test_checkpoint_carries_the_curation(stream: list[Document], ids: dict[str, str]) -> None:
    detector = Detector(PARAMS, FakeEmbedder())
    detector.submit(RenameCommand(**meta("c-1", 4.5), narrative_id=ids["flood"], label="Dam"))
    detector.submit(PinCommand(**meta("c-2", 30.0), narrative_id=ids["flood"]))
    for i in range(0, 150, 25):
        detector.ingest(stream[i : i + 25])
        detector.advance()
    data = snapshot(detector)
    fresh = Detector(PARAMS, FakeEmbedder())
    restore(fresh, data)
    assert fresh.curator.snapshot() == detector.curator.snapshot()
    assert fresh.curator.labels == {ids["flood"]: "Dam"}
    assert list(fresh.curator.pending) == ["c-2"]
    assert fresh.submit(PinCommand(**meta("c-1", 4.5), narrative_id="x")) is False


# --- applying a command twice changes nothing -------------------------------------------------

KINDS = ["rename", "pin", "unpin", "suppress", "link", "merge"]


def _command(kind: str, cid: str, hours: float, targets: list[str]) -> CurationCommand:
    base = meta(cid, hours)
    if kind == "rename":
        return RenameCommand(**base, narrative_id=targets[0], label=f"label {targets[0][-4:]}")
    if kind in ("pin", "unpin"):
        return PinCommand(**base, narrative_id=targets[0], pinned=kind == "pin")
    if kind == "suppress":
        return SuppressCommand(**base, narrative_id=targets[0])
    if kind == "link":
        return LinkCommand(**base, narrative_id=targets[0], story_id="story-x")
    return MergeCommand(**base, narrative_ids=targets[:2])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.sampled_from([6.2, 7.5, 9.5]),
            st.permutations(["flood", "vaccine", "election"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_applying_each_command_twice_changes_no_event(
    plan: list[tuple[str, float, list[str]]],
) -> None:
    stream = _STREAM
    ids = _IDS
    once = [
        _command(kind, f"c{i}", hours, [ids[t] for t in topics])
        for i, (kind, hours, topics) in enumerate(plan)
    ]
    # Each command applied twice in a row: a copy (new id, same content and time) sorts
    # right after its original ("c0" < "c0-again" < "c1").
    twice = once + [
        COMMANDS.validate_python({**c.model_dump(), "command_id": c.command_id + "-again"})
        for c in once
    ]
    events_once, audit_once = run(stream, once)
    events_twice, audit_twice = run(stream, twice)
    strip = [e.model_copy(update={"caused_by": []}) for e in events_once]
    assert [e.model_dump() for e in strip] == [
        e.model_copy(update={"caused_by": []}).model_dump() for e in events_twice
    ]
    again = [r for r in audit_twice if r.command.command_id.endswith("-again")]
    assert {r.status for r in again} <= {"no_op", "rejected"}
    assert all(r.event_ids == [] for r in again)
    assert len(audit_once) == len(once)


_STREAM = planted_stream()
_IDS = majority_ids(_STREAM, run(_STREAM)[0])


def test_a_resumed_narrative_is_addressed_by_its_own_id_again() -> None:
    # The lump stream of test_detector: B is merged into A at 06:00 and resumes at 07:00.
    # While B is absorbed, a command naming B reaches A (its survivor); once B has resumed, a
    # command naming B must reach B, not A.
    plain = Detector(SWING_PARAMS, AngleEmbedder(), LumpCluster(LUMPED))
    plain.ingest(lump_stream())
    events = plain.advance(flush=True)
    a_id = next(e.narrative_id for e in events if e.first_doc_id == "a00")
    b_id = next(e.narrative_id for e in events if e.first_doc_id == "b00")
    assert any(e.type == "resumed" and e.narrative_id == b_id for e in events)

    detector = Detector(SWING_PARAMS, AngleEmbedder(), LumpCluster(LUMPED))
    for command in (
        RenameCommand(**meta("c-absorbed", 6.5), narrative_id=b_id, label="while absorbed"),
        RenameCommand(**meta("c-resumed", 7.5), narrative_id=b_id, label="B again"),
    ):
        detector.submit(command)
    detector.ingest(lump_stream())
    renamed = detector.advance(flush=True)
    audit = {r.command.command_id: r for r in detector.drain_audit()}
    assert audit["c-absorbed"].narrative_ids == [a_id]
    assert audit["c-resumed"].narrative_ids == [b_id]
    assert {e.label for e in of(renamed, b_id) if e.window.end > at(8)} == {"B again"}
    assert {e.label for e in of(renamed, a_id) if e.window.end > at(8)} == {"while absorbed"}
