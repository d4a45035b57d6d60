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
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt

from schemas.alerts import NarrativeAlert
from schemas.audit import AuditRecord
from schemas.commands import CurationCommand
from schemas.events import DetectorInfo, EventType, NarrativeEvent
from streams.alerts import Alerter, AlertPolicy
from streams.amplification import AmplificationConfig, measure
from streams.attach import AttachConfig, attach_by_keywords, attach_noise, keep_naming
from streams.cluster import Clusterer, HdbscanClusterer, HdbscanParams
from streams.curation import Curator, Outcome, Touch
from streams.describe import (
    DescribeConfig,
    Description,
    describe_clusters,
    entry_tokens,
    keyword_candidates,
)
from streams.documents import Document
from streams.embed import Embedder
from streams.events import EventConfig, build_event, is_material, rfc3339, unlisted
from streams.home import HomeConfig, Homes
from streams.incremental import IncrementalClusterer, IncrementalParams, SeededClusterer
from streams.keywords import TOKENS_REVISION, class_tfidf, pseudo_stem
from streams.lexical import LexicalConfig, blend
from streams.lone import LoneConfig, cold_start_story, lone_story, typical_cohesion
from streams.normalise import NormaliseConfig
from streams.signals import FirstDocuments, compute_signals
from streams.story import StoryConfig, assign_stories
from streams.time_view import TimeViewConfig, with_time
from streams.track import (
    Narrative,
    NarrativeTracker,
    Observation,
    TrackerConfig,
    Transition,
    keep_apart,
)
from streams.window import Admission, Entry, Slide, SlidingWindow, WindowConfig

DETECTOR_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class DetectorParams:
    """Every knob of the pure pipeline; hashed into `params_version` on every event."""

    window: WindowConfig = field(default_factory=WindowConfig)
    hdbscan: HdbscanParams = field(default_factory=HdbscanParams)
    lexical: LexicalConfig = field(default_factory=LexicalConfig)
    time_view: TimeViewConfig = field(default_factory=TimeViewConfig)
    incremental: IncrementalParams = field(default_factory=IncrementalParams)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    story: StoryConfig = field(default_factory=StoryConfig)
    attach: AttachConfig = field(default_factory=AttachConfig)
    home: HomeConfig = field(default_factory=HomeConfig)
    lone: LoneConfig = field(default_factory=LoneConfig)
    describe: DescribeConfig = field(default_factory=DescribeConfig)
    events: EventConfig = field(default_factory=EventConfig)
    normalise: NormaliseConfig = field(default_factory=NormaliseConfig)
    amplification: AmplificationConfig = field(default_factory=AmplificationConfig)

    def version(self, model_id: str) -> str:
        """Short hash of the parameters and model: equal hash, equal behaviour.

        A stage that is off is left out, so adding an optional stage (off by default) keeps
        every existing deployment's version: its checkpoints still restore and its narratives
        keep their ids across the upgrade. Likewise a switch added later, while it is off
        (`tracker.resume_absorbed`, `tracker.anchor_by_members`, `tracker.resume_faded`,
        `story.term_prefix` at 0, `lone.cold_start` off, `events.update_counts_attached` off,
        `events.list_held_at_end` off, `attach.extent_terms` at 0, `hdbscan.cap_copies` off,
        `tracker.keep_apart` off, or on with `tracker.keep_apart_by_words` off, or with
        `tracker.keep_apart_shared_words` at 1):
        turning it off restores the version of the release before it, whose behaviour that is.
        The tokenizer's revision (`streams.keywords.TOKENS_REVISION`) is in it too: tokens
        decide keywords, stories and attachment by words, so other tokens are other
        behaviour."""
        params = asdict(self)
        if not self.lexical.enabled:
            del params["lexical"]
        if not self.time_view.enabled:
            del params["time_view"]
        if not self.tracker.resume_absorbed:
            del params["tracker"]["resume_absorbed"]
        if not self.tracker.keep_apart:
            del params["tracker"]["keep_apart"]
            del params["tracker"]["keep_apart_by_words"]
            del params["tracker"]["keep_apart_shared_words"]
        elif not self.tracker.keep_apart_by_words:
            del params["tracker"]["keep_apart_by_words"]
            del params["tracker"]["keep_apart_shared_words"]
        elif self.tracker.keep_apart_shared_words == 1:
            del params["tracker"]["keep_apart_shared_words"]
        if not self.tracker.anchor_by_members:
            del params["tracker"]["anchor_by_members"]
        if not self.tracker.resume_faded:
            del params["tracker"]["resume_faded"]
        if not self.story.term_prefix:
            del params["story"]["term_prefix"]
        if not self.lone.cold_start:
            del params["lone"]["cold_start"]
        if not self.events.update_counts_attached:
            del params["events"]["update_counts_attached"]
        if not self.events.list_held_at_end:
            del params["events"]["list_held_at_end"]
        if not self.attach.extent_terms:
            del params["attach"]["extent_terms"]
        if not self.hdbscan.cap_copies:
            del params["hdbscan"]["cap_copies"]
        blob = json.dumps(
            {"params": params, "model": model_id, "tokens": TOKENS_REVISION}, sort_keys=True
        )
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
    attached: int = 0
    #: Documents this slide grouped in a narrative other than their home (`streams.home`).
    away: int = 0


class Detector:
    """Window → clusterer → tracker → events, with swappable embedder and clusterer."""

    def __init__(
        self,
        params: DetectorParams,
        embedder: Embedder,
        clusterer: Clusterer | None = None,
        alert_policy: AlertPolicy | None = None,
    ) -> None:
        self.params = params
        self.embedder = embedder
        self.clusterer: Clusterer = clusterer or IncrementalClusterer(
            HdbscanClusterer(params.hdbscan), params.incremental
        )
        self.window = SlidingWindow(params.window)
        self.tracker = NarrativeTracker(params.tracker)
        self.info = DetectorInfo(
            version=DETECTOR_VERSION,
            model=embedder.model_id,
            params_version=params.version(embedder.model_id),
        )
        self.last_slide: SlideStats | None = None
        #: Slides clustered incrementally (window above `incremental.whole_max`), for metrics.
        self.incremental_slides = 0
        #: The stream's yardstick for a window with one story (`streams.lone`): checkpointed.
        self.reference_cohesion: float | None = None
        #: Slides whose only narrative was found by the lone-story pass, for metrics.
        self.lone_slides = 0
        self.curator = Curator(
            params.window.slide_s, params.tracker.min_similarity, params.tracker.min_overlap
        )
        self.audit: list[AuditRecord] = []
        # Signals and alerts (streams.signals, streams.amplification, streams.alerts): the
        # first documents and the alert cool-downs are checkpointed state; `_slide_entries`
        # is the slide being closed, read by `_event`.
        self.first_docs = FirstDocuments()
        self.alerter = Alerter(alert_policy or AlertPolicy())
        self.alerts: list[NarrativeAlert] = []
        self._slide_entries: dict[str, Entry] = {}
        #: Each document's home narrative by slide votes (`streams.home`): checkpointed.
        self.homes = Homes()

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

    # -- curation -------------------------------------------------------------------------
    def submit(self, command: CurationCommand, due_end: float | None = None) -> bool:
        """Queue an analyst's command for the slide it falls in; False if its id was seen.

        `due_end` pins the slide end it applies at (a replay following the live audit log).
        """
        return self.curator.submit(command, due_end)

    def drain_audit(self) -> list[AuditRecord]:
        """Audit records of the commands applied since the last call, in apply order."""
        records, self.audit = self.audit, []
        return records

    # -- slides ---------------------------------------------------------------------------
    def set_sources(
        self, *, caught_up: frozenset[str] = frozenset(), pending: frozenset[str] = frozenset()
    ) -> None:
        """Source progress for the watermark; see `SlidingWindow.set_sources`."""
        self.window.set_sources(caught_up=caught_up, pending=pending)

    def advance(self, *, flush: bool = False) -> list[NarrativeEvent]:
        """Close every due slide and return the events they produce, in order."""
        events: list[NarrativeEvent] = []
        # The end of a finite replay: its last slide is the replay's last word on every
        # narrative (`EventConfig.list_held_at_end`).
        final_end = self.window.flush_end() if flush else None
        if not self.params.events.list_held_at_end:
            final_end = None
        for slide in self.window.due(flush=flush):
            events.extend(self._close(slide, final=slide.end == final_end))
        return events

    def _story_signals(
        self, narratives: Sequence[Narrative], slide_end: float
    ) -> tuple[list[Counter[str]], list[int], list[list[int]]]:
        """Per narrative, from its documents in the window: how many use each keyword token,
        how many there are, and the slide each arrived in (0 = the slide closing now)."""
        slide_s = self.params.window.slide_s
        prefix = self.params.story.term_prefix
        profiles: list[Counter[str]] = []
        sizes: list[int] = []
        activity: list[list[int]] = []
        for narrative in narratives:
            profile: Counter[str] = Counter()
            bins: list[int] = []
            for doc_id in narrative.members:
                entry = self._slide_entries.get(doc_id)
                if entry is not None:
                    profile.update({pseudo_stem(t, prefix) for t in entry_tokens(entry)})
                    # A document of [end - slide, end) is in slide 0, the one before in 1...
                    bins.append(max(0, math.ceil((slide_end - entry.doc.time) / slide_s) - 1))
            profiles.append(profile)
            sizes.append(len(bins))
            activity.append(bins)
        return profiles, sizes, activity

    def _close(self, slide: Slide, *, final: bool = False) -> list[NarrativeEvent]:
        """Cluster, track and describe one slide. `final`: the last slide of a flushed replay,
        where a narrative holding documents no event listed is reported whatever its growth."""
        entries = slide.entries
        # Analysts' commands due in this slide act on the narratives before it is clustered.
        outcomes: list[Outcome] = []
        touches: dict[str, Touch] = {}
        for command in self.curator.due(slide.end):
            outcome, effects = self.curator.apply(command, self.tracker, entries, slide.end)
            outcomes.append(outcome)
            self._reassign_homes(effects)
            for nid, effect in effects.items():
                touches[nid] = touches[nid].combine(effect) if nid in touches else effect
        matrix = slide.matrix()
        labels = self._cluster(slide, matrix)
        found = bool(len(labels)) and int(labels.max()) >= 0
        if not found:
            labels = self._lone(labels, matrix)
        groups: dict[int, list[int]] = {}
        for row, label in enumerate(labels.tolist()):
            if label >= 0:
                groups.setdefault(label, []).append(row)
        # Order clusters by their first member so numbering never leaks into ids or events.
        ordered = sorted(groups.values(), key=lambda rows: rows[0])
        ordered = self.curator.constrain(ordered, entries, matrix, self.tracker)
        if self.params.tracker.keep_apart:
            ordered = keep_apart(
                ordered,
                [e.doc.doc_id for e in entries],
                matrix,
                list(self.tracker.narratives.values()),
                self.params.tracker,
            )
        if found:  # only what the clusterer found sets the lone-story yardstick
            self.reference_cohesion = typical_cohesion(
                matrix, ordered, self.params.lone.reach_quantile
            )
        clustered = {r for rows in ordered for r in rows}
        observations: list[Observation] = []
        members_of: dict[str, list[Entry]] = {}
        centroids: dict[str, npt.NDArray[np.float32]] = {}
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
        noise_rows = [r for r in range(len(entries)) if r not in clustered]
        noise = [entries[r] for r in noise_rows]
        # Noise inside a narrative's extent is reported beside its members, never fed back.
        attached_of: dict[str, tuple[str, ...]] = {}
        # The slide's keywords when the word rule computed them (reused by the descriptions).
        slide_keywords: dict[str, list[tuple[str, float]]] | None = None
        if observations:
            keys = [obs.first_doc_id for obs in observations]
            attached_rows = attach_noise(
                matrix,
                ordered,
                np.stack([centroids[k] for k in keys]),
                noise_rows,
                self.params.attach,
            )
            if self.params.attach.needs_keywords:
                slide_keywords = self._attach_by_words(
                    entries, matrix, ordered, keys, centroids, noise_rows, attached_rows
                )
            for key, rows in zip(keys, attached_rows, strict=True):
                if rows:
                    attached_of[key] = tuple(entries[r].doc.doc_id for r in sorted(rows))
        window_ids = frozenset(e.doc.doc_id for e in entries)
        pinned_before = frozenset(
            n.narrative_id for n in self.tracker.narratives.values() if n.pinned
        )
        self._slide_entries = {e.doc.doc_id: e for e in entries}
        self.first_docs.prune(self.tracker.remembered())
        transitions = self.tracker.step(slide.end, observations, window_ids)
        self.first_docs.update(self.tracker.narratives.values(), self._slide_entries)
        self.curator.after_step(transitions, pinned_before)
        touches = self.curator.rekey(touches)
        self.last_slide = SlideStats(
            slide.end,
            len(entries),
            len(ordered),
            len(noise),
            sum(len(ids) for ids in attached_of.values()),
            away=self._vote(slide.end, transitions, attached_of, window_ids),
        )
        # Group the live narratives into stories before any event is built, so every event
        # carries its narrative's current story; analysts' links override the grouping.
        live = list(self.tracker.narratives.values())
        links = self.curator.links
        grouped = [n for n in live if n.narrative_id not in links]
        profiles, sizes, activity = self._story_signals(grouped, slide.end)
        assign_stories(grouped, self.params.story, profiles, sizes, activity)
        for narrative in live:
            if narrative.narrative_id in links:
                narrative.story_id = links[narrative.narrative_id]
        # A command's narrative gets an event even when this slide found no cluster for it.
        moved = {t.narrative.narrative_id for t in transitions}
        by_id = {e.doc.doc_id: e for e in entries}
        extra: list[Narrative] = []
        for nid in touches:
            touched = self.tracker.narratives.get(nid)
            if touched is not None and nid not in moved:
                extra.append(touched)
                alive = sorted(
                    (by_id[d] for d in touched.members if d in by_id),
                    key=lambda e: (e.doc.time, e.doc.doc_id),
                )
                members_of[f"narrative:{nid}"] = alive
                centroids[f"narrative:{nid}"] = touched.centroid
        descriptions = describe_clusters(
            members_of, centroids, noise, self.params.describe, slide_keywords
        )

        events: list[NarrativeEvent] = []
        span = (slide.start, slide.end)
        suppressed = self.curator.suppressed
        for t in transitions:
            narrative = t.narrative
            nid = narrative.narrative_id
            touch = touches.get(nid)
            if nid in suppressed and (touch is None or not touch.has("suppress")):
                continue
            if t.kind == "faded":
                events.append(self._event("faded", narrative, span, (), None, touch=touch))
                continue
            assert t.observation is not None
            cluster = t.observation.members
            members = self._at_home(nid, cluster)
            all_attached = attached_of.get(t.observation.first_doc_id, ())
            attached = self._at_home(nid, all_attached)
            desc = descriptions[t.observation.first_doc_id]
            if (
                t.kind == "continued"
                and touch is None
                and not is_material(
                    narrative, frozenset(members), desc, self.params.events, frozenset(attached)
                )
                and not (final and unlisted(narrative, frozenset(members), frozenset(attached)))
            ):
                narrative.reported_members = narrative.reported_members & window_ids
                narrative.reported_attached = narrative.reported_attached & window_ids
                continue
            kind: EventType = "updated" if t.kind == "continued" else t.kind
            parents, children = list(t.parent_ids), list(t.child_ids)
            if touch is not None and kind == "updated":
                kind = touch.kind
            if touch is not None:
                parents += [p for p in touch.parent_ids if p not in parents]
                children += [c for c in touch.child_ids if c not in children]
            events.append(
                self._event(
                    kind,
                    narrative,
                    span,
                    members,
                    desc,
                    parents,
                    children,
                    touch=touch,
                    attached=attached,
                    cluster=cluster,
                    attached_size=len(all_attached),
                )
            )
        for quiet in extra:
            nid = quiet.narrative_id
            forced = touches[nid]
            if nid in suppressed and not forced.has("suppress"):
                continue
            key = f"narrative:{nid}"
            in_window = tuple(e.doc.doc_id for e in members_of[key])
            alive_ids = self._at_home(nid, in_window)
            events.append(
                self._event(
                    forced.kind,
                    quiet,
                    span,
                    alive_ids,
                    descriptions[key] if in_window else None,
                    list(forced.parent_ids),
                    list(forced.child_ids),
                    touch=forced,
                    cluster=in_window,
                )
            )
        # A faded narrative's curation goes with it once it can no longer resume (its
        # documents left the window): a suppressed narrative that resurfaces stays suppressed.
        self.curator.sweep(set(self.tracker.narratives) | set(self.tracker.faded))
        self._audit(outcomes, events)
        self.alerts.extend(
            self.alerter.evaluate(events, slide.end, self.tracker.remembered(), self.info)
        )
        return events

    def _vote(
        self,
        slide_end: float,
        transitions: Sequence[Transition],
        attached_of: Mapping[str, tuple[str, ...]],
        window_ids: frozenset[str],
    ) -> int:
        """Count this slide's grouping into the documents' homes (`streams.home`); returns
        how many documents the slide grouped away from their home."""
        if not self.params.home.enabled:
            return 0
        self.homes.prune(window_ids)
        holders: dict[str, str] = {}
        for t in transitions:
            if t.observation is None or t.narrative.narrative_id not in self.tracker.narratives:
                continue
            nid = t.narrative.narrative_id
            attached = attached_of.get(t.observation.first_doc_id, ())
            for doc_id in (*t.observation.members, *attached):
                holders[doc_id] = nid
        self.homes.vote(slide_end, holders)
        return sum(1 for doc_id, nid in holders.items() if self.homes.home(doc_id) != nid)

    def _reassign_homes(self, effects: Mapping[str, Touch]) -> None:
        """An analyst's merge or split moves its documents' home votes (`Homes.reassign`)."""
        for nid, effect in effects.items():
            if effect.kind == "merged":
                for absorbed in effect.parent_ids:
                    self.homes.reassign(absorbed, nid)
            elif effect.kind == "emerged" and nid in self.tracker.narratives:
                child = self.tracker.narratives[nid]
                for parent in effect.parent_ids:
                    self.homes.reassign(parent, nid, sorted(child.members))

    def _at_home(self, narrative_id: str, doc_ids: Iterable[str]) -> tuple[str, ...]:
        """The documents to report on `narrative_id`: all, or those at home in it."""
        if not self.params.home.enabled:
            return tuple(doc_ids)
        return self.homes.at_home(narrative_id, doc_ids)

    def _cluster(self, slide: Slide, matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        """Labels of the slide's rows; a `SeededClusterer` also gets the live narratives.

        Seeds come from the tracker (checkpointed), and a row is fresh when its event time is
        inside the last slide step, so both are functions of the input: replays agree.
        """
        entries = slide.entries
        if not entries:
            return np.zeros(0, dtype=np.int64)
        if self.params.lexical.enabled:
            matrix = blend(matrix, [entry_tokens(e) for e in entries], self.params.lexical)
        incremental = isinstance(
            self.clusterer, SeededClusterer
        ) and self.params.incremental.incremental(len(entries))
        if self.params.time_view.enabled and not incremental:
            # Whole windows only. The incremental regime admits a new document by comparing
            # it with a cluster's centroid against its members; a new document always sits
            # at the cluster's newest edge in time, so in the time view it would look farther
            # than the members of the cluster's middle and be turned away. That regime only
            # extends known narratives and cannot cut overlapping stories apart anyway, which
            # is what the view is for.
            window = self.params.window
            times = [e.doc.time for e in entries]
            matrix = with_time(matrix, times, slide.end, window.length_s, self.params.time_view)
        if not isinstance(self.clusterer, SeededClusterer):
            return self.clusterer.fit_predict(matrix)
        row_of = {e.doc.doc_id: r for r, e in enumerate(entries)}
        seeds = np.full(len(entries), -1, dtype=np.int64)
        for label, narrative in enumerate(self.tracker.narratives.values()):
            for doc_id in narrative.members:
                row = row_of.get(doc_id)
                if row is not None and seeds[row] < 0:
                    seeds[row] = label
        since = slide.end - self.params.window.slide_s
        fresh = np.fromiter((e.doc.time >= since for e in entries), np.bool_, len(entries))
        if incremental:
            self.incremental_slides += 1
        return self.clusterer.fit_predict_seeded(matrix, seeds, fresh)

    def _attach_by_words(
        self,
        entries: Sequence[Entry],
        matrix: npt.NDArray[np.float32],
        clusters: Sequence[Sequence[int]],
        keys: Sequence[str],
        centroids: Mapping[str, npt.NDArray[np.float32]],
        noise_rows: Sequence[int],
        attached_rows: list[list[int]],
    ) -> dict[str, list[tuple[str, float]]]:
        """The word rules of attachment, in place on `attached_rows`: documents inside an
        extent stay only when they use a word of their narrative (`streams.attach.keep_naming`),
        and noise left outside every extent is attached where its words and meaning agree
        (`streams.attach.attach_by_keywords`).

        The keywords are the ones the slide's events publish: class-based TF-IDF of each
        cluster against the slide's noise. Returned, keyed like `keys`, for the descriptions."""
        attach = self.params.attach
        # Only what lies outside every extent is offered to the second rule, also when the
        # first one let go of a document inside an extent.
        taken = {r for rows in attached_rows for r in rows}
        rest = [r for r in noise_rows if r not in taken]
        classes = {
            key: [entry_tokens(entries[r]) for r in rows]
            for key, rows in zip(keys, clusters, strict=True)
        }
        noise_tokens = {r: entry_tokens(entries[r]) for r in noise_rows}
        describe = self.params.describe
        top = class_tfidf(classes, noise_tokens.values(), top_k=keyword_candidates(describe))
        words = [[term for term, _ in top[k][: describe.top_keywords]] for k in keys]
        attached_rows[:] = keep_naming(attached_rows, words, noise_tokens, attach.extent_terms)
        extra = attach_by_keywords(
            matrix,
            np.stack([centroids[k] for k in keys]),
            words,
            rest,
            [noise_tokens[r] for r in rest],
            attach.keyword_terms,
        )
        for rows, more in zip(attached_rows, extra, strict=True):
            rows.extend(more)
        return top

    def _lone(
        self, labels: npt.NDArray[np.int64], matrix: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.int64]:
        """A slide whose clusterer found nothing, searched for a single story at the
        reference cohesion of the last slide that found clusters, or, before any did, by
        HDBSCAN allowed a single cluster (`streams.lone`)."""
        config = self.params.lone
        if not config.enabled or len(labels) > config.max_rows:
            return labels
        if self.reference_cohesion is not None:
            size = self.params.hdbscan.min_cluster_size
            rows = lone_story(matrix, self.reference_cohesion, size)
        elif config.cold_start:
            rows = cold_start_story(matrix, self.params.hdbscan)
        else:
            return labels
        if rows:
            labels = labels.copy()
            labels[rows] = 0
            self.lone_slides += 1
        return labels

    def drain_alerts(self) -> list[NarrativeAlert]:
        """Alerts raised by the slides closed since the last call, in order."""
        alerts, self.alerts = self.alerts, []
        return alerts

    def _signals(
        self, narrative: Narrative, members: tuple[str, ...], span: tuple[float, float]
    ) -> dict[str, object]:
        """The 1.1 signal fields of an event on `narrative` with `members` in this slide."""
        nid = narrative.narrative_id
        extras: dict[str, object] = {"first_document": self.first_docs.get(nid)}
        docs = [self._slide_entries[m].doc for m in members if m in self._slide_entries]
        if docs:
            extras["signals"] = compute_signals([d.time for d in docs], span[1], self.params.window)
            extras["amplification"] = measure(docs, self.params.amplification)
        return extras

    def _audit(self, outcomes: list[Outcome], events: list[NarrativeEvent]) -> None:
        for outcome in outcomes:
            cid = outcome.command.command_id
            self.audit.append(
                AuditRecord(
                    command=outcome.command,
                    status=outcome.status,
                    detail=outcome.detail,
                    applied_at=rfc3339(outcome.slide_end),
                    late=outcome.late,
                    narrative_ids=outcome.narrative_ids,
                    event_ids=[
                        e.event_id
                        for e in events
                        if any(ref.command_id == cid for ref in e.caused_by)
                    ],
                    detector=self.info,
                )
            )

    def _event(
        self,
        kind: EventType,
        narrative: Narrative,
        span: tuple[float, float],
        members: tuple[str, ...],
        desc: Description | None,
        parent_ids: list[str] | None = None,
        child_ids: list[str] | None = None,
        *,
        touch: Touch | None = None,
        attached: tuple[str, ...] = (),
        cluster: tuple[str, ...] | None = None,
        attached_size: int | None = None,
    ) -> NarrativeEvent:
        """`members`/`attached` are listed (at home here); `cluster` is the slide's whole
        cluster (default: `members`), which the size and the signals describe."""
        cluster = members if cluster is None else cluster
        event = build_event(
            kind,
            narrative,
            window=span,
            members=members,
            desc=desc,
            detector=self.info,
            config=self.params.events,
            parent_ids=parent_ids,
            child_ids=child_ids,
            attached=attached,
            size=len(cluster),
            attached_size=attached_size,
        )
        event = event.model_copy(update=self._signals(narrative, cluster, span))
        nid = narrative.narrative_id
        curated = {
            "label": self.curator.labels.get(nid),
            "pinned": narrative.pinned,
            "suppressed": nid in self.curator.suppressed,
            "caused_by": list(touch.refs) if touch is not None else [],
        }
        if curated["label"] is None and not any(list(curated.values())[1:]):
            return event
        return event.model_copy(update=curated)
