"""Event-time sliding windows with a watermark, allowed lateness and a hard size cap.

Timeline (slide = S, length = L, lateness = A):

    boundaries:   ...   T-S         T          T+S   ...
    window(T):        [T-L ..................... T)
    watermark W = min over input sources of their max event time - A; slide T closes once W >= T.

A closed slide hands its window's documents to the clusterer. A document older than the next
open slide's window start can no longer appear in any slide: it is "too late", reported to the
caller (who counts it and dead-letters it) and not kept. A document older than the watermark
but still inside a future window is accepted and counted as late.

Sources (Kafka partitions) advance independently: the watermark follows the slowest one, as
in Flink, so a partition read later than another (a backlog of articles behind posts) does not
see its documents refused as late. The caller says which sources are *caught up* (nothing left
to read: they stop holding the watermark back, or a quiet topic would stop every window from
closing) and which are *pending* (assigned, with a backlog not read yet: nothing closes until
they have been read from). With no source information it is one ordered stream.

All state lives in `WindowState`, a plain dataclass that can be snapshot and restored, so a
restarted worker can rebuild its window (faust's windowed tables do not persist it).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from streams.documents import Document


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """Window geometry in seconds, and the most documents a window may hold."""

    length_s: float = 24 * 3600.0
    slide_s: float = 3600.0
    allowed_lateness_s: float = 600.0
    max_docs: int = 200_000

    def __post_init__(self) -> None:
        if self.slide_s <= 0 or self.length_s < self.slide_s:
            raise ValueError(f"window length {self.length_s}s must be >= slide {self.slide_s}s > 0")
        if self.allowed_lateness_s < 0 or self.max_docs < 1:
            raise ValueError("allowed lateness must be >= 0 and max_docs >= 1")


class Admission(enum.Enum):
    ADDED = "added"
    LATE = "late"  # behind the watermark but still inside a future window: kept
    TOO_LATE = "too_late"  # no future window can hold it: refused
    DUPLICATE = "duplicate"  # same doc id already held: at-least-once redelivery


@dataclass(slots=True)
class Entry:
    """A document held in the window with its compact (float16) embedding."""

    doc: Document
    vector: npt.NDArray[np.float16]
    source: str = ""
    offset: int | None = None  # position in its source, so a restart can re-read the window
    #: The text's keyword tokens, space-joined (compact), filled on first use by
    #: `streams.describe`: a document is described in every slide it stays in, tokenised once.
    tokens: str | None = None


@dataclass(frozen=True, slots=True)
class Slide:
    """One closed slide: the window [start, end) and its documents, in (time, id) order."""

    start: float
    end: float
    entries: tuple[Entry, ...]

    def matrix(self) -> npt.NDArray[np.float32]:
        if not self.entries:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([e.vector for e in self.entries]).astype(np.float32)


@dataclass(slots=True)
class WindowState:
    """Everything a window remembers; snapshot-able."""

    entries: dict[str, Entry] = field(default_factory=dict)
    max_event_time: float = -math.inf
    source_max: dict[str, float] = field(default_factory=dict)
    caught_up: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()
    next_end: float | None = None  # the next slide boundary to close
    closed_until: float | None = None  # the last slide boundary closed
    evicted_by_cap: int = 0


class SlidingWindow:
    """Holds documents by event time and yields slides as the watermark passes boundaries."""

    def __init__(self, config: WindowConfig, state: WindowState | None = None) -> None:
        self.config = config
        self.state = state or WindowState()

    # -- time -----------------------------------------------------------------------------
    @property
    def watermark(self) -> float:
        st = self.state
        if st.pending - st.source_max.keys():
            return -math.inf
        active = [t for s, t in st.source_max.items() if s not in st.caught_up]
        slowest = min(active, default=st.max_event_time)
        return slowest - self.config.allowed_lateness_s

    def set_sources(
        self, *, caught_up: frozenset[str] = frozenset(), pending: frozenset[str] = frozenset()
    ) -> None:
        """Tell the window which sources have nothing left to read, and which have a backlog
        not read yet (see the module docstring)."""
        self.state.caught_up = caught_up
        self.state.pending = pending

    def flush_end(self) -> float | None:
        """The end of the last slide `due(flush=True)` would close: the slide boundary after
        the newest document (None before any document)."""
        if self.state.max_event_time == -math.inf:
            return None
        return self._boundary_after(self.state.max_event_time)

    def _boundary_after(self, t: float) -> float:
        """The first slide boundary strictly after t."""
        s = self.config.slide_s
        return (math.floor(t / s) + 1) * s

    @property
    def open_window_start(self) -> float:
        """Start of the window of the next slide to close; older documents are too late."""
        nxt = self.state.next_end
        if nxt is None and self.state.closed_until is not None:
            nxt = self.state.closed_until + self.config.slide_s
        return -math.inf if nxt is None else nxt - self.config.length_s

    # -- input ----------------------------------------------------------------------------
    def add(
        self,
        doc: Document,
        vector: npt.NDArray[np.floating],
        source: str = "",
        offset: int | None = None,
    ) -> Admission:
        """Admit one document read from `source` (e.g. "topic:partition") at `offset`."""
        st = self.state
        if doc.doc_id in st.entries:
            return Admission.DUPLICATE
        if doc.time < self.open_window_start:
            return Admission.TOO_LATE
        late = doc.time < self.watermark
        st.entries[doc.doc_id] = Entry(doc, np.asarray(vector, dtype=np.float16), source, offset)
        if st.next_end is None:
            st.next_end = self._boundary_after(doc.time)
            if st.closed_until is not None:
                st.next_end = max(st.next_end, st.closed_until + self.config.slide_s)
        st.max_event_time = max(st.max_event_time, doc.time)
        st.source_max[source] = max(st.source_max.get(source, -math.inf), doc.time)
        if len(st.entries) > self.config.max_docs:
            self._evict_oldest(len(st.entries) - self.config.max_docs)
        return Admission.LATE if late else Admission.ADDED

    def _evict_oldest(self, count: int) -> None:
        """Cap policy: drop the oldest documents first (they leave the window soonest anyway)."""
        oldest = sorted(self.state.entries.values(), key=lambda e: (e.doc.time, e.doc.doc_id))
        for entry in oldest[:count]:
            del self.state.entries[entry.doc.doc_id]
        self.state.evicted_by_cap += count

    def __len__(self) -> int:
        return len(self.state.entries)

    # -- output ---------------------------------------------------------------------------
    def due(self, *, flush: bool = False) -> Iterator[Slide]:
        """Close every slide whose boundary the watermark has passed (all of them if `flush`).

        With `flush` (end of a finite replay) the slides up to the one holding the newest
        document close, so every document is clustered at least once.
        """
        st = self.state
        if st.next_end is None:
            return
        limit = self._boundary_after(st.max_event_time) if flush else self.watermark
        while st.next_end is not None and st.next_end <= limit:
            end = st.next_end
            start = end - self.config.length_s
            members = sorted(
                (e for e in st.entries.values() if start <= e.doc.time < end),
                key=lambda e: (e.doc.time, e.doc.doc_id),
            )
            nxt = end + self.config.slide_s
            earliest = self.earliest_time()
            if not members and earliest is not None:
                # A gap in the stream: jump to the first boundary whose window can hold data.
                nxt = max(nxt, self._boundary_after(earliest))
            st.next_end = nxt
            st.closed_until = end
            self._evict_before(nxt - self.config.length_s)
            yield Slide(start=start, end=end, entries=tuple(members))
            if not st.entries and not flush:
                st.next_end = None  # the next document decides the next boundary
                return

    def _evict_before(self, start: float) -> None:
        stale = [doc_id for doc_id, e in self.state.entries.items() if e.doc.time < start]
        for doc_id in stale:
            del self.state.entries[doc_id]

    def source_floors(self) -> dict[str, int]:
        """Per source, the lowest offset still held: where a restart re-reads the window from."""
        floors: dict[str, int] = {}
        for entry in self.state.entries.values():
            if entry.offset is not None:
                floors[entry.source] = min(floors.get(entry.source, entry.offset), entry.offset)
        return floors

    def earliest_time(self) -> float | None:
        if not self.state.entries:
            return None
        return min(e.doc.time for e in self.state.entries.values())
