"""Output contract: `NarrativeEvent`, published to the `narratives` topic keyed by narrative id.

Consumers rely on three properties, which the detector guarantees and the tests check:
- `event_id` is a pure function of (detector parameters, narrative id, version, type), so a
  redelivered or replayed event carries the same id and consumers can de-duplicate on it;
- `narrative_id` stays the same for a narrative across slides for its whole life;
- `version` increases by one with every event of a narrative, so per-key ordering gaps are
  visible.
Every timestamp here is event time (derived from the documents), never wall-clock time, so a
replay of the same input produces byte-identical events.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.commands import CommandRef

#: Semantic version of the event contract. Minor versions only add optional fields and enum
#: values, or widen what a value may mean (1.4: the event type `resumed`; 1.5: a `resumed`
#: event may follow a `faded` one).
EVENT_SCHEMA_VERSION = "1.5"

EventType = Literal["emerged", "updated", "merged", "split", "faded", "resumed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Frozen):
    """The event-time window whose clustering produced this event: [start, end)."""

    start: str = Field(description="Window start, RFC 3339 UTC.")
    end: str = Field(description="Window end (exclusive), RFC 3339 UTC; the slide boundary.")


class Counts(_Frozen):
    """Members of the narrative in the window, broken down by kind, source and language."""

    by_kind: dict[str, int]
    by_source: dict[str, int]
    by_lang: dict[str, int]


class Keyword(_Frozen):
    term: str
    score: float = Field(description="Class-based TF-IDF weight against the window background.")


class Representative(_Frozen):
    """A member document close to the narrative's centroid, for people to read."""

    doc_id: str
    text: str = Field(description="Normalised text, truncated for display.")
    kind: str
    source: str | None = None
    lang: str | None = None
    published_at: str
    similarity: float = Field(description="Cosine similarity to the narrative centroid.")


class DetectorInfo(_Frozen):
    """Which detector produced the event, so consumers can tell configurations apart."""

    version: str = Field(description="narrative-detector package version.")
    model: str = Field(description="Embedding model identifier.")
    params_version: str = Field(description="Hash of the detector parameters.")


class FirstDocument(_Frozen):
    """The narrative's earliest document, kept after it has left the window (since 1.1)."""

    doc_id: str
    text: str = Field(description="Normalised text, truncated for display.")
    kind: str
    source: str | None = None
    lang: str | None = None
    author: str | None = None
    published_at: str = Field(description="Event time of the document, RFC 3339 UTC.")


class Signals(_Frozen):
    """How fast the narrative grows, against its own recent history (since 1.1).

    Bins are slide-long intervals of the window ending at `window.end`; bin 0 is the latest.
    """

    arrivals: int = Field(ge=0, description="Members published in the latest slide interval.")
    growth_rate_per_h: float = Field(description="arrivals per hour of slide.")
    baseline_per_slide: float = Field(
        description="Mean members per slide interval over the narrative's earlier intervals "
        "in the window (its own baseline)."
    )
    burst_score: float = Field(
        description="(arrivals - baseline) / sqrt(max(variance, baseline) + 1): a count "
        "z-score against the narrative's own earlier intervals; a new narrative scores its "
        "arrivals."
    )
    velocity_per_h: float = Field(
        description="(arrivals - members published in the slide interval before) per hour of "
        "slide: how much faster it grows than one slide ago (negative while it slows down)."
    )


class Amplification(_Frozen):
    """Near-identical posts from different authors within a short span (since 1.1)."""

    share: float = Field(ge=0, le=1, description="Share of the members in coordinated groups.")
    groups: int = Field(ge=0, description="Groups of near-identical posts by distinct authors.")
    members: int = Field(ge=0, description="Members in those groups.")
    authors: int = Field(ge=0, description="Distinct known authors in those groups.")
    largest_group: int = Field(ge=0, description="Members of the largest group.")
    peak_rate_per_min: float = Field(
        ge=0, description="Highest group size per minute of group duration (min. one minute)."
    )
    burstiness: float | None = Field(
        default=None,
        description="Goh-Barabasi coefficient (sd - mean) / (sd + mean) of inter-arrival times "
        "inside groups: -1 regular, 0 random, towards 1 bursty; null with under two gaps.",
    )


class NarrativeEvent(_Frozen):
    """One lifecycle event of one narrative."""

    schema_version: str = Field(default=EVENT_SCHEMA_VERSION, description="Event contract version.")
    event_id: str = Field(description="Deterministic id; identical on redelivery and replay.")
    type: EventType = Field(
        description="emerged: a new narrative; updated: material change (growth, new keywords, "
        "new sources, another story); merged: absorbed the narratives in parent_ids; split: "
        "narratives in child_ids split off it; faded: unmatched too long; until 1.4 no events "
        "followed, since 1.5 a resumed event may follow while the narrative's documents are "
        "in the window; resumed (since 1.4): a narrative that a merge had ended, or (since "
        "1.5) that had faded, is a cluster of its own again, under its old id, its version "
        "continuing from its last event."
    )
    narrative_id: str = Field(description="Stable id of the narrative across windows.")
    story_id: str | None = Field(
        default=None, description="Id of the story this narrative belongs to, when grouped."
    )
    version: int = Field(ge=1, description="Per-narrative event sequence number, from 1.")
    window: Window
    size: int = Field(
        ge=0,
        description="Members of the narrative's cluster in this window, also those listed under "
        "another narrative (see elsewhere_size).",
    )
    counts: Counts
    keywords: list[Keyword]
    representatives: list[Representative]
    member_ids: list[str] = Field(
        description="Ids of the member documents in this window that are at home here. A "
        "document is listed under one narrative only: the one that has held it (as member or "
        "attached) in most slides, the latest on a tie; so a document moves when another "
        "narrative has held it longer, not at the first slide that groups it elsewhere "
        "(since 1.3; a member at home elsewhere counts in elsewhere_size)."
    )
    members_truncated: bool = Field(
        default=False,
        description="True when member_ids was capped at the detector's limit (see size and "
        "elsewhere_size for the totals).",
    )
    new_members: int = Field(ge=0, description="Listed members not listed in the previous event.")
    first_seen: str = Field(description="Event time of the narrative's earliest document.")
    last_seen: str = Field(description="Event time of the narrative's latest document.")
    first_doc_id: str = Field(description="The earliest document the narrative was seen in.")
    parent_ids: list[str] = Field(
        default_factory=list,
        description="merged: narratives absorbed into this one; emerged after a split: the "
        "parent; resumed: the narrative whose cluster it left, when it split off one.",
    )
    child_ids: list[str] = Field(
        default_factory=list, description="split: narratives that split off this one."
    )
    detector: DetectorInfo
    label: str | None = Field(
        default=None, description="Human label given by an analyst (rename command), if any."
    )
    pinned: bool = Field(default=False, description="Kept alive by an analyst: never fades.")
    suppressed: bool = Field(
        default=False,
        description="Marked as not a narrative by an analyst; no events follow this one.",
    )
    caused_by: list[CommandRef] = Field(
        default_factory=list,
        description="The curation commands that caused this event (empty: the detector alone).",
    )
    signals: Signals | None = Field(
        default=None,
        description="Growth rate, burst score and velocity; null on faded events (since 1.1).",
    )
    amplification: Amplification | None = Field(
        default=None,
        description="Coordinated amplification among the members; null on faded events "
        "(since 1.1).",
    )
    first_document: FirstDocument | None = Field(
        default=None, description="The narrative's earliest document, when known (since 1.1)."
    )
    attached_size: int = Field(
        default=0,
        ge=0,
        description="Documents of this window that clustering left as noise but that lie "
        "inside the narrative's extent (as close to its centroid as its members are) and use "
        "one of its top keywords, or, outside every extent, name it in at least two of its top "
        "keywords and are nearest to it; not counted in size (since 1.2).",
    )
    attached_ids: list[str] = Field(
        default_factory=list,
        description="Ids of the attached documents at home here, capped like member_ids "
        "(attached_size gives the total); a document is attached to at most one narrative per "
        "window (since 1.2; at home since 1.3).",
    )
    elsewhere_size: int = Field(
        default=0,
        ge=0,
        description="Members and attached documents of this window's cluster not listed here "
        "because another narrative has held them in more slides; they are listed there "
        "(since 1.3). size + attached_size - elsewhere_size documents are listed (before "
        "any cap).",
    )
