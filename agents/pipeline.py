"""Decode → detector → events and dead letters, for one batch of raw records.

The Faust agent and the offline `narratives replay` both drive this same class, so a replay of
a file gives exactly the events the live worker would publish for those records. It does no
I/O itself: the caller reads the records and sends what comes back.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from agents import metrics
from agents.settings import Settings
from schemas.alerts import NarrativeAlert
from schemas.audit import AuditRecord
from schemas.codec import DecodeError, Kind, dead_letter, decode_command, decode_record
from schemas.commands import CurationCommand
from schemas.dead_letter import DeadLetter
from schemas.events import NarrativeEvent
from streams.detector import Detector, SlideStats
from streams.documents import Document, EmptyTextError, from_record
from streams.embed import CachedEmbedder, Embedder, SentenceTransformerEmbedder
from streams.language import LanguageDetector
from streams.window import Admission


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read from Kafka or a JSONL file."""

    value: bytes | str
    topic: str
    partition: int | None = None
    offset: int | None = None


@dataclass(slots=True)
class BatchOutput:
    events: list[NarrativeEvent] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    documents: int = 0
    alerts: list[NarrativeAlert] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)


def source_key(topic: str, partition: int | None) -> str:
    """How a Kafka partition is named as a watermark source."""
    return f"{topic}:{partition or 0}"


def build_embedder(settings: Settings) -> Embedder:
    """The configured sentence-transformers model, behind the embedding cache if enabled."""
    base = SentenceTransformerEmbedder(
        settings.model,
        batch_size=settings.embed_batch_size,
        device=settings.device,
        gemm_rows=settings.embed_gemm_rows or None,
    )
    if settings.embed_cache_size > 0:
        return CachedEmbedder(base, capacity=settings.embed_cache_size)
    return base


class Pipeline:
    """Owns the detector of one worker (or one replay) and turns raw batches into output."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.detector = Detector(
            settings.detector_params,
            embedder or build_embedder(settings),
            alert_policy=settings.alert_policy,
        )
        self._alerts: list[NarrativeAlert] = []  # raised by advance(), not yet handed out
        self._command_queue: deque[RawRecord] = deque()  # see queue_commands
        self.languages = LanguageDetector(settings.language_candidates or None)
        self._kinds: dict[str, Kind] = {settings.articles_topic: "article"}
        self._evicted_seen = 0  # window.state.evicted_by_cap already counted in the metric
        self._incremental_seen = 0  # detector.incremental_slides already counted
        self._lone_seen = 0  # detector.lone_slides already counted

    def _decode(self, record: RawRecord) -> Document | DeadLetter:
        kind: Kind = self._kinds.get(record.topic, "post")
        metrics.DOCUMENTS_CONSUMED.labels(record.topic).inc()
        try:
            parsed = decode_record(record.value, kind, max_bytes=self.settings.max_record_bytes)
            return from_record(
                parsed,
                normalise_config=self.settings.detector_params.normalise,
                languages=self.languages,
            )
        except DecodeError as exc:
            error = exc
        except EmptyTextError as exc:
            error = DecodeError("empty_text", str(exc))
        except Exception as exc:  # a bug must not stop the stream: dead-letter and count it
            metrics.WORKER_ERRORS.inc()
            error = DecodeError("internal_error", f"{type(exc).__name__}: {exc}")
        return refuse(record, error)

    def _refuse_future(self, doc: Document, record: RawRecord, now: float) -> Document | DeadLetter:
        """A live record dated beyond the clock plus skew would drag the watermark ahead."""
        skew = self.settings.max_future_skew_s
        if doc.time <= now + skew:
            return doc
        error = DecodeError(
            "bad_timestamp",
            f"published_at is {doc.time - now:.0f}s ahead of the worker's clock (limit "
            f"NARRATIVES_MAX_FUTURE_SKEW_S={skew:.0f}); fix the producer's clock or time zone",
            doc.doc_id,
        )
        return refuse(record, error)

    def process(
        self,
        records: list[RawRecord],
        *,
        flush: bool = False,
        caught_up: frozenset[str] = frozenset(),
        pending: frozenset[str] = frozenset(),
        now: float | None = None,
    ) -> BatchOutput:
        """Decode, embed and window a batch, then close any slides now due.

        `caught_up` and `pending` name sources ("topic:partition") with nothing left to read
        and with an unread backlog, so the watermark follows the slowest partition. `now`
        (wall clock, live only) refuses records dated implausibly far in the future.
        """
        out = BatchOutput()
        out.dead_letters.extend(self.take_queued_commands())
        docs: list[Document] = []
        origins: list[str] = []
        offsets: list[int | None] = []
        sources: dict[str, RawRecord] = {}
        for record in records:
            decoded = self._decode(record)
            if not isinstance(decoded, DeadLetter) and now is not None:
                decoded = self._refuse_future(decoded, record, now)
            if isinstance(decoded, DeadLetter):
                out.dead_letters.append(decoded)
            else:
                docs.append(decoded)
                origins.append(source_key(record.topic, record.partition))
                offsets.append(record.offset)
                sources.setdefault(decoded.doc_id, record)
        out.documents = len(docs)
        if docs:
            started = time.perf_counter()
            result = self.detector.ingest(docs, origins, offsets)
            metrics.EMBED_SECONDS.observe(time.perf_counter() - started)
            metrics.EMBED_BATCH_DOCUMENTS.observe(len(docs))
            for doc, admission in result.admissions:
                if admission is Admission.DUPLICATE:
                    metrics.DOCUMENTS_DUPLICATE.inc()
                elif admission is Admission.LATE:
                    metrics.DOCUMENTS_LATE.labels("accepted").inc()
                elif admission is Admission.TOO_LATE:
                    metrics.DOCUMENTS_LATE.labels("refused").inc()
                    error = DecodeError(
                        "too_late",
                        f"document {doc.doc_id!r} is older than every open window "
                        f"(allowed lateness {self.settings.allowed_lateness_s:.0f}s); "
                        "raise NARRATIVES_ALLOWED_LATENESS_S or replay that period",
                        doc.doc_id,
                    )
                    out.dead_letters.append(refuse(sources[doc.doc_id], error))
        self.detector.set_sources(caught_up=caught_up, pending=pending)
        out.events = self.advance(flush=flush)
        out.alerts = self.drain_alerts()
        out.audit = self.drain_audit()
        return out

    def queue_commands(self, records: list[RawRecord]) -> None:
        """Hand raw commands over from another thread; `process` takes them before its batch.

        The worker polls the commands topic on its event loop while the detector thread may be
        busy with a batch; queueing (a deque append is atomic) keeps the detector's state
        touched by one thread only, and the commands reach the next batch.
        """
        self._command_queue.extend(records)

    def take_queued_commands(self) -> list[DeadLetter]:
        records: list[RawRecord] = []
        while self._command_queue:
            records.append(self._command_queue.popleft())
        return self.submit_commands(records) if records else []

    def submit_commands(self, records: list[RawRecord]) -> list[DeadLetter]:
        """Decode curation commands and queue them for their slides; refused ones come back.

        With `NARRATIVES_APPLY_COMMANDS=false` valid commands are read and ignored, so a run
        shows what the machine alone would say.
        """
        refused: list[DeadLetter] = []
        for record in records:
            try:
                command = decode_command(record.value)
            except DecodeError as exc:
                refused.append(refuse(record, exc))
                continue
            if self.settings.apply_commands:
                self.submit(command)
        return refused

    def submit(self, command: CurationCommand, due_end: float | None = None) -> bool:
        accepted = self.detector.submit(command, due_end)
        if not accepted:
            metrics.COMMANDS.labels(command.type, "duplicate").inc()
        return accepted

    def drain_audit(self) -> list[AuditRecord]:
        """Audit records of the commands applied by the slides closed since the last call."""
        records = self.detector.drain_audit()
        for record in records:
            metrics.COMMANDS.labels(record.command.type, record.status).inc()
        return records

    def drain_alerts(self) -> list[NarrativeAlert]:
        """Alerts raised by the slides `advance` closed since the last call."""
        alerts, self._alerts = self._alerts, []
        return alerts

    def mark_evictions_counted(self) -> None:
        """Treat the window's eviction count so far as already in the metric (after restore)."""
        self._evicted_seen = self.detector.window.state.evicted_by_cap

    def advance(self, *, flush: bool = False) -> list[NarrativeEvent]:
        started = time.perf_counter()
        closed_before = self.detector.window.state.closed_until
        events = self.detector.advance(flush=flush)
        closed_after = self.detector.window.state.closed_until
        if closed_after is not None and closed_after != closed_before:
            metrics.CLUSTER_SECONDS.observe(time.perf_counter() - started)
            slide = self.settings.window_slide_s
            first = closed_after if closed_before is None else closed_before + slide
            metrics.SLIDES_CLOSED.inc(round((closed_after - first) / slide) + 1)
        for event in events:
            metrics.EVENTS_OUT.labels(event.type).inc()
        alerts = self.detector.drain_alerts()
        for alert in alerts:
            metrics.ALERTS.labels(alert.reasons[0]).inc()
        if alerts:
            raised = alerts[-1].raised_at.replace("Z", "+00:00")
            metrics.LAST_ALERT_SECONDS.set(datetime.fromisoformat(raised).timestamp())
        self._alerts.extend(alerts)
        metrics.WINDOW_DOCUMENTS.set(len(self.detector.window))
        incremental = self.detector.incremental_slides
        if incremental > self._incremental_seen:
            metrics.SLIDES_INCREMENTAL.inc(incremental - self._incremental_seen)
        self._incremental_seen = incremental
        lone = self.detector.lone_slides
        if lone > self._lone_seen:
            metrics.SLIDES_LONE.inc(lone - self._lone_seen)
        self._lone_seen = lone
        evicted = self.detector.window.state.evicted_by_cap
        if evicted > self._evicted_seen:
            metrics.WINDOW_EVICTED.inc(evicted - self._evicted_seen)
        self._evicted_seen = evicted
        metrics.NARRATIVES_ACTIVE.set(len(self.detector.tracker.narratives))
        if self.detector.last_slide is not None:
            set_slide_gauges([self.detector.last_slide])
        if self.detector.window.state.max_event_time > 0:
            metrics.WATERMARK_SECONDS.set(self.detector.window.watermark)
        return events


def set_slide_gauges(slides: list[SlideStats]) -> None:
    """`narratives_slide_documents` (and `_away`) from the latest slide of each scope, summed."""
    attached = sum(s.attached for s in slides)
    noise = sum(s.noise for s in slides)
    members = sum(s.documents for s in slides) - noise
    metrics.SLIDE_DOCUMENTS.labels("member").set(members)
    metrics.SLIDE_DOCUMENTS.labels("attached").set(attached)
    metrics.SLIDE_DOCUMENTS.labels("noise").set(noise - attached)
    metrics.SLIDE_DOCUMENTS_AWAY.set(sum(s.away for s in slides))


def failed_batch(records: list[RawRecord], exc: BaseException) -> BatchOutput:
    """Dead letters for a batch the detector failed on, so no record is silently dropped."""
    error = DecodeError(
        "internal_error",
        f"detector failed on this batch ({type(exc).__name__}: {exc}); re-drive from the DLQ "
        "after fixing the cause",
    )
    return BatchOutput(dead_letters=[refuse(record, error) for record in records])


def refuse(record: RawRecord, error: DecodeError) -> DeadLetter:
    """Count a refused record by reason and build its dead letter: the one way records leave."""
    metrics.DOCUMENTS_INVALID.labels(error.reason).inc()
    return dead_letter(
        record.value, error, topic=record.topic, partition=record.partition, offset=record.offset
    )
