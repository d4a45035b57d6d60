"""The detector: the whole pure pipeline behind one small API.

    detector = Detector(params, embedder)
    result = detector.ingest(documents)      # embed and admit into the event-time window
    events = detector.advance()              # close due slides: cluster, track, describe
    events = detector.advance(flush=True)    # end of a finite replay: close what is left

Nothing here reads a clock, the environment or the network; time is the documents' event
time, so the same documents in the same order give the same events, live or replayed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt

from schemas.events import DetectorInfo, EventType, NarrativeEvent
from streams.cluster import Clusterer, HdbscanClusterer, HdbscanParams
from streams.describe import DescribeConfig, Description, describe_clusters
from streams.documents import Document
from streams.embed import Embedder
from streams.events import EventConfig, build_event, is_material
from streams.normalise import NormaliseConfig
from streams.story import StoryConfig, assign_stories
from streams.track import Narrative, NarrativeTracker, Observation, TrackerConfig
from streams.window import Admission, Entry, Slide, SlidingWindow, WindowConfig

DETECTOR_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class DetectorParams:
    """Every knob of the pure pipeline; hashed into `params_version` on every event."""

    window: WindowConfig = field(default_factory=WindowConfig)
    hdbscan: HdbscanParams = field(default_factory=HdbscanParams)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    story: StoryConfig = field(default_factory=StoryConfig)
    describe: DescribeConfig = field(default_factory=DescribeConfig)
    events: EventConfig = field(default_factory=EventConfig)
    normalise: NormaliseConfig = field(default_factory=NormaliseConfig)

    def version(self, model_id: str) -> str:
        """Short hash of the parameters and model: equal hash, equal behaviour."""
        blob = json.dumps({"params": asdict(self), "model": model_id}, sort_keys=True)
        return hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Admission of each input document, in input order."""

    admissions: tuple[tuple[Document, Admission], ...]

    def count(self, admission: Admission) -> int:
        return sum(1 for _, a in self.admissions if a is admission)


@dataclass(frozen=True, slots=True)
class SlideStats:
    end: float
    documents: int
    clusters: int
    noise: int


class Detector:
    """Window → clusterer → tracker → events, with swappable embedder and clusterer."""

    def __init__(
        self,
        params: DetectorParams,
        embedder: Embedder,
        clusterer: Clusterer | None = None,
    ) -> None:
        self.params = params
        self.embedder = embedder
        self.clusterer: Clusterer = clusterer or HdbscanClusterer(params.hdbscan)
        self.window = SlidingWindow(params.window)
        self.tracker = NarrativeTracker(params.tracker)
        self.info = DetectorInfo(
            version=DETECTOR_VERSION,
            model=embedder.model_id,
            params_version=params.version(embedder.model_id),
        )
        self.last_slide: SlideStats | None = None

    # -- input ----------------------------------------------------------------------------
    def ingest(
        self,
        documents: Sequence[Document],
        sources: Sequence[str] | None = None,
        offsets: Sequence[int | None] | None = None,
    ) -> IngestResult:
        """Embed the admissible documents in one batch and add them to the window.

        `sources` names where each document was read from (a Kafka topic and partition), so
        the watermark can follow the slowest source; omit it for a single ordered stream.
        `offsets` are the documents' positions in their sources (for restart recovery).
        """
        if sources is not None and len(sources) != len(documents):
            raise ValueError("sources must name one source per document")
        if offsets is not None and len(offsets) != len(documents):
            raise ValueError("offsets must give one offset per document")
        fresh: list[Document] = []
        pre: dict[int, Admission] = {}
        batch_ids: set[str] = set()
        for i, doc in enumerate(documents):
            if doc.doc_id in self.window.state.entries or doc.doc_id in batch_ids:
                pre[i] = Admission.DUPLICATE
            elif doc.time < self.window.open_window_start:
                pre[i] = Admission.TOO_LATE
            else:
                batch_ids.add(doc.doc_id)
                fresh.append(doc)
        vectors = self.embedder.embed([d.text for d in fresh])
        by_id = {d.doc_id: row for d, row in zip(fresh, vectors, strict=True)}
        admissions: list[tuple[Document, Admission]] = []
        for i, doc in enumerate(documents):
            if i in pre:
                admissions.append((doc, pre[i]))
            else:
                source = sources[i] if sources is not None else ""
                offset = offsets[i] if offsets is not None else None
                admissions.append((doc, self.window.add(doc, by_id[doc.doc_id], source, offset)))
        return IngestResult(tuple(admissions))

    # -- slides ---------------------------------------------------------------------------
    def set_sources(
        self, *, caught_up: frozenset[str] = frozenset(), pending: frozenset[str] = frozenset()
    ) -> None:
        """Source progress for the watermark; see `SlidingWindow.set_sources`."""
        self.window.set_sources(caught_up=caught_up, pending=pending)

    def advance(self, *, flush: bool = False) -> list[NarrativeEvent]:
        """Close every due slide and return the events they produce, in order."""
        events: list[NarrativeEvent] = []
        for slide in self.window.due(flush=flush):
            events.extend(self._close(slide))
        return events

    def _close(self, slide: Slide) -> list[NarrativeEvent]:
        entries = slide.entries
        labels = (
            self.clusterer.fit_predict(slide.matrix()) if entries else np.zeros(0, dtype=np.int64)
        )
        groups: dict[int, list[int]] = {}
        for row, label in enumerate(labels.tolist()):
            if label >= 0:
                groups.setdefault(label, []).append(row)
        # Order clusters by their first member so numbering never leaks into ids or events.
        ordered = sorted(groups.values(), key=lambda rows: rows[0])
        observations: list[Observation] = []
        members_of: dict[str, list[Entry]] = {}
        centroids: dict[str, npt.NDArray[np.float32]] = {}
        matrix = slide.matrix()
        for rows in ordered:
            centroid = matrix[rows].mean(axis=0)
            centroid = (centroid / (np.linalg.norm(centroid) or 1.0)).astype(np.float32)
            obs = Observation(
                members=tuple(entries[r].doc.doc_id for r in rows),
                centroid=centroid,
                first_time=entries[rows[0]].doc.time,
                last_time=entries[rows[-1]].doc.time,
            )
            observations.append(obs)
            members_of[obs.first_doc_id] = [entries[r] for r in rows]
            centroids[obs.first_doc_id] = centroid
        noise = [entries[r] for r, label in enumerate(labels.tolist()) if label < 0]
        self.last_slide = SlideStats(slide.end, len(entries), len(ordered), len(noise))

        window_ids = frozenset(e.doc.doc_id for e in entries)
        transitions = self.tracker.step(slide.end, observations, window_ids)
        # Group the live narratives into stories before any event is built, so every event
        # carries its narrative's current story.
        assign_stories(list(self.tracker.narratives.values()), self.params.story)
        descriptions = describe_clusters(members_of, centroids, noise, self.params.describe)

        events: list[NarrativeEvent] = []
        span = (slide.start, slide.end)
        for t in transitions:
            narrative = t.narrative
            if t.kind == "faded":
                events.append(self._event("faded", narrative, span, (), None))
                continue
            assert t.observation is not None
            members = t.observation.members
            desc = descriptions[t.observation.first_doc_id]
            if t.kind == "continued" and not is_material(
                narrative, frozenset(members), desc, self.params.events
            ):
                narrative.reported_members = narrative.reported_members & window_ids
                continue
            kind: EventType = "updated" if t.kind == "continued" else t.kind
            events.append(
                self._event(kind, narrative, span, members, desc, t.parent_ids, t.child_ids)
            )
        return events

    def _event(
        self,
        kind: EventType,
        narrative: Narrative,
        span: tuple[float, float],
        members: tuple[str, ...],
        desc: Description | None,
        parent_ids: list[str] | None = None,
        child_ids: list[str] | None = None,
    ) -> NarrativeEvent:
        return build_event(
            kind,
            narrative,
            window=span,
            members=members,
            desc=desc,
            detector=self.info,
            config=self.params.events,
            parent_ids=parent_ids,
            child_ids=child_ids,
        )
