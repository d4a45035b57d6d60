"""Building `NarrativeEvent`s from tracker transitions, and deciding which changes are news.

Consumers should not be flooded with an `updated` per narrative per slide: a continuing
narrative is reported only on material change (enough new members, new top keywords or a new
source). Ids are pure functions of their inputs, so the same input always yields the same events.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.events import (
    Counts,
    DetectorInfo,
    EventType,
    Keyword,
    NarrativeEvent,
    Representative,
    Window,
)
from streams.describe import Description
from streams.track import Narrative


@dataclass(frozen=True, slots=True)
class EventConfig:
    """When a continuing narrative deserves an `updated` event, and how big events may get."""

    update_min_new: int = 5
    update_min_growth: float = 0.2
    update_keyword_churn: int = 2
    max_member_ids: int = 20_000
    #: Growth counts attached documents (`streams.attach`) as well as members: a narrative
    #: that grows by the posts around its dense core, often its whole slow tail, gets an
    #: `updated` event listing them. False: members only, the behaviour (and `params_version`)
    #: of the release before, where such posts could be held by a narrative and never listed
    #: on any event (docs/measurements.md, "Posts a narrative held and never listed").
    update_counts_attached: bool = True
    #: At the end of a finite replay (`Detector.advance(flush=True)`), the last slide lists
    #: every narrative holding documents that no event listed, growth bar or not. A stream
    #: replayed to its end otherwise leaves the posts of its last slides that did not reach
    #: the bar in no event, so the replay's assignments (the latest event wins) leave them out
    #: although the detector holds them: on mide22 its last day is 17 % of the stream
    #: (docs/measurements.md, "The last word of a replay"). A live worker never flushes. False:
    #: the behaviour (and `params_version`) of the release before.
    list_held_at_end: bool = True


def rfc3339(epoch: float) -> str:
    """UTC RFC 3339 with millisecond precision; the only time format on the wire."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_id_for(params_version: str, narrative_id: str, version: int, kind: str) -> str:
    raw = f"{params_version}|{narrative_id}|{version}|{kind}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def unlisted(
    narrative: Narrative, members: frozenset[str], attached: frozenset[str] = frozenset()
) -> bool:
    """Whether the narrative holds, as members or attached, a document no event listed."""
    listed = narrative.reported_members | narrative.reported_attached
    return not (members | attached) <= listed


def is_material(
    narrative: Narrative,
    members: frozenset[str],
    desc: Description,
    config: EventConfig,
    attached: frozenset[str] = frozenset(),
) -> bool:
    """Growth, new top keywords, a new source or a new story since the last event.

    Growth counts every document the event would list that no earlier event listed: members
    and attached documents alike (`EventConfig.update_counts_attached`). Attached documents
    are posts of the narrative that HDBSCAN left outside its dense core (`streams.attach`),
    often the whole of its slow tail. Counted as members only, a narrative that grows by its
    tail never reaches the threshold, and those posts are never listed on any event, so
    consumers never learn they belong to it."""
    if narrative.story_id != narrative.reported_story_id:
        return True
    listed, now = narrative.reported_members, members
    if config.update_counts_attached:
        listed, now = listed | narrative.reported_attached, now | attached
    new = len(now - listed)
    if new >= max(config.update_min_new, config.update_min_growth * len(listed)):
        return True
    top = {term for term, _ in desc.keywords[:5]}
    if len(top - set(narrative.reported_keywords[:5])) >= config.update_keyword_churn and new > 0:
        return True
    return bool(set(desc.by_source) - narrative.reported_sources) and new > 0


def build_event(
    kind: EventType,
    narrative: Narrative,
    *,
    window: tuple[float, float],
    members: tuple[str, ...],
    desc: Description | None,
    detector: DetectorInfo,
    config: EventConfig,
    parent_ids: list[str] | None = None,
    child_ids: list[str] | None = None,
    attached: tuple[str, ...] = (),
    size: int | None = None,
    attached_size: int | None = None,
) -> NarrativeEvent:
    """Make the next event of `narrative` and record what was reported on it.

    `members` and `attached` are the documents listed on the event: the slide's members and
    attached documents (noise inside the narrative's extent, `streams.attach`) that are at
    home here (`streams.home`). `size` and `attached_size` count the slide's whole cluster
    and its attached documents (default: the lists' lengths); the difference is reported as
    `elsewhere_size`. Attached documents are not counted in `size` or `new_members`.
    """
    size = len(members) if size is None else size
    attached_size = len(attached) if attached_size is None else attached_size
    if size < len(members) or attached_size < len(attached):
        raise ValueError(
            f"narrative {narrative.narrative_id}: size {size} and attached_size {attached_size} "
            f"count the whole cluster, so they cannot be below the {len(members)} members and "
            f"{len(attached)} attached documents listed"
        )
    narrative.version += 1
    member_set = frozenset(members)
    new_members = len(member_set - narrative.reported_members)
    if desc is None:  # faded: nothing of it is left in the window
        counts = Counts(by_kind={}, by_source={}, by_lang={})
        keywords = [Keyword(term=t, score=0.0) for t in narrative.reported_keywords]
        reps: list[Representative] = []
    else:
        counts = Counts(by_kind=desc.by_kind, by_source=desc.by_source, by_lang=desc.by_lang)
        keywords = [Keyword(term=t, score=s) for t, s in desc.keywords]
        reps = [
            Representative(
                doc_id=e.doc.doc_id,
                text=e.doc.text[:280],
                kind=e.doc.kind,
                source=e.doc.source,
                lang=e.doc.lang,
                published_at=rfc3339(e.doc.time),
                similarity=sim,
            )
            for e, sim in desc.representatives
        ]
        narrative.reported_keywords = tuple(t for t, _ in desc.keywords)
        narrative.reported_sources = frozenset(desc.by_source)
    narrative.reported_members = member_set
    narrative.reported_attached = frozenset(attached)
    narrative.reported_story_id = narrative.story_id
    return NarrativeEvent(
        event_id=event_id_for(
            detector.params_version, narrative.narrative_id, narrative.version, kind
        ),
        type=kind,
        narrative_id=narrative.narrative_id,
        story_id=narrative.story_id,
        version=narrative.version,
        window=Window(start=rfc3339(window[0]), end=rfc3339(window[1])),
        size=size,
        counts=counts,
        keywords=keywords,
        representatives=reps,
        member_ids=list(members[: config.max_member_ids]),
        members_truncated=len(members) > config.max_member_ids,
        attached_size=attached_size,
        attached_ids=list(attached[: config.max_member_ids]),
        elsewhere_size=(size - len(members)) + (attached_size - len(attached)),
        new_members=new_members,
        first_seen=rfc3339(narrative.first_seen),
        last_seen=rfc3339(narrative.last_seen),
        first_doc_id=narrative.first_doc_id,
        parent_ids=sorted(parent_ids or []),
        child_ids=sorted(child_ids or []),
        detector=detector,
    )
