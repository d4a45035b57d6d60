"""Narrative signals: how fast a narrative grows, against its own recent history.

Every figure is a pure function of the slide being closed (its documents' event times) and of
what the tracker knew at the previous slide, so replays and restored workers compute the same
numbers. With slide S and window length L, the narrative's members in the window fall into
`L / S` intervals ("bins") ending at the slide end; bin 0 is the latest slide interval:

    arrivals            members published in bin 0, i.e. in [end - S, end)
    growth_rate_per_h   arrivals / (S in hours)
    baseline_per_slide  mean of the earlier bins 1 .. L/S - 1 (the narrative's own baseline)
    burst_score         (arrivals - baseline) / sqrt(max(variance, baseline) + 1)
    velocity_per_h      (arrivals - bin 1) / (S in hours): how much faster the narrative
                        gained members in this slide than in the one before (members per
                        hour, per slide); positive while it accelerates

Why this burst score: arrivals per slide are counts, and a count's variance is at least its
mean (Poisson), so the z-score uses max(sample variance, mean) — an over-dispersed narrative
(bursty by nature) needs a bigger jump to score high. The +1 keeps the score finite for a
narrative with no history (a baseline of zero): it then scores its arrivals, so a new narrative
with 30 posts in the last hour scores 30, one with 3 scores 3. A robust median/MAD z-score was
rejected because most narratives have zero arrivals in most bins, which makes MAD zero. The
baseline is read from the window (members by publication time) rather than from past slides'
reports, so it needs no extra state, covers a narrative's documents published before it was
first clustered, and is identical after a restart.

Why velocity is read from the bins and not from the change of the narrative's size: the size
jumps whenever HDBSCAN re-cuts the window (a narrative absorbing documents that were noise in
the previous slide, or a merge) although nothing new was published; on the demo stream such
re-cuts made "size growth" fire on narratives with 0 to 2 new posts. Both bins count the
current members, so a re-cut moves them together and the difference is real acceleration.

`FirstDocuments` keeps each live narrative's earliest document (truncated text and facets)
beside the tracker, so `first_document` survives that document leaving the window; it is part
of the detector checkpoint.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from schemas.events import FirstDocument, Signals
from streams.events import rfc3339
from streams.track import Narrative
from streams.window import Entry, WindowConfig

#: Characters of the first document's text kept and reported (as for representatives).
FIRST_TEXT_CHARS = 280


def _round(value: float) -> float:
    return round(value, 4)


def compute_signals(times: Sequence[float], slide_end: float, window: WindowConfig) -> Signals:
    """Signals of a narrative whose window members were published at `times`."""
    slide = window.slide_s
    bins = max(1, round(window.length_s / slide))
    counts = [0] * bins
    for t in times:
        k = math.floor((slide_end - t) / slide)
        counts[min(max(k, 0), bins - 1)] += 1
    arrivals = counts[0]
    hours = slide / 3600.0
    earlier = counts[1:]
    if earlier:
        mean = sum(earlier) / len(earlier)
        variance = sum((c - mean) ** 2 for c in earlier) / len(earlier)
    else:
        mean = variance = 0.0
    burst = (arrivals - mean) / math.sqrt(max(variance, mean) + 1.0)
    velocity = (arrivals - (counts[1] if bins > 1 else 0)) / hours
    return Signals(
        arrivals=arrivals,
        growth_rate_per_h=_round(arrivals / hours),
        baseline_per_slide=_round(mean),
        burst_score=_round(burst),
        velocity_per_h=_round(velocity),
    )


@dataclass(frozen=True, slots=True)
class FirstDoc:
    """The earliest document of a narrative, as remembered after it leaves the window."""

    doc_id: str
    text: str
    kind: str
    time: float
    source: str | None = None
    lang: str | None = None
    author: str | None = None

    @classmethod
    def of(cls, entry: Entry) -> FirstDoc:
        doc = entry.doc
        return cls(
            doc_id=doc.doc_id,
            text=doc.text[:FIRST_TEXT_CHARS],
            kind=doc.kind,
            time=doc.time,
            source=doc.source,
            lang=doc.lang,
            author=doc.author,
        )

    def model(self) -> FirstDocument:
        return FirstDocument(
            doc_id=self.doc_id,
            text=self.text,
            kind=self.kind,
            source=self.source,
            lang=self.lang,
            author=self.author,
            published_at=rfc3339(self.time),
        )


class FirstDocuments:
    """Each live narrative's first document, keyed by narrative id (checkpointed state).

    A narrative's first document changes only to a document of the slide being closed (an
    earlier member clustered late) or to the first document of a narrative it absorbed in a
    merge, whose record is still here when `update` runs (stale ones are pruned first thing in
    the next slide, by `prune`).
    """

    def __init__(self) -> None:
        self.by_narrative: dict[str, FirstDoc] = {}

    def prune(self, live: Iterable[str]) -> None:
        keep = set(live)
        self.by_narrative = {k: v for k, v in self.by_narrative.items() if k in keep}

    def update(self, narratives: Iterable[Narrative], entries: Mapping[str, Entry]) -> None:
        known = {doc.doc_id: doc for doc in self.by_narrative.values()}
        for narrative in narratives:
            current = self.by_narrative.get(narrative.narrative_id)
            if current is not None and current.doc_id == narrative.first_doc_id:
                continue
            entry = entries.get(narrative.first_doc_id)
            found = FirstDoc.of(entry) if entry is not None else known.get(narrative.first_doc_id)
            if found is not None:
                self.by_narrative[narrative.narrative_id] = found

    def get(self, narrative_id: str) -> FirstDocument | None:
        doc = self.by_narrative.get(narrative_id)
        return None if doc is None else doc.model()

    def snapshot(self) -> dict[str, Any]:
        return {nid: asdict(doc) for nid, doc in sorted(self.by_narrative.items())}

    def restore(self, data: Mapping[str, Any] | None) -> None:
        self.by_narrative = {
            str(nid): FirstDoc(**{k: v for k, v in doc.items() if k in FirstDoc.__slots__})
            for nid, doc in (data or {}).items()
        }
