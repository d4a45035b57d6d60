"""The Faust application: topics, the detection agent and the worker's HTTP pages.

Thin by design: the agent decodes nothing itself; it hands batches of raw records to
`agents.pipeline.Pipeline` in an executor (the encoder and HDBSCAN are CPU-bound and would
otherwise block every coroutine on the loop), then sends what comes back and lets Faust
commit offsets. Concurrency stays 1: with more, Faust can commit offsets past batches still in
flight (faust #606) and a crash would lose them.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.types import TP
from faust.web import Request, Response, View

from agents import logs, metrics
from agents.board import NarrativeBoard
from agents.checkpoint_history import history_headers
from agents.commands_feed import CommandFeed
from agents.dashboard import register_dashboard
from agents.pipeline import (
    BatchOutput,
    Pipeline,
    RawRecord,
    build_embedder,
    failed_batch,
    set_slide_gauges,
    source_key,
)
from agents.recovery import CheckpointStore, recover, resume_offsets
from agents.settings import Settings
from agents.topics import group_offsets
from schemas.dead_letter import DeadLetter
from streams.curation import not_held
from streams.embed import Embedder

log = logs.get(__name__)


def _credentials(settings: Settings) -> Any:
    if settings.security_protocol == "PLAINTEXT":
        return None
    context = None
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.ssl_cafile)
        if settings.ssl_certfile:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    if settings.security_protocol == "SSL":
        return faust.SSLCredentials(context)
    password = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return faust.SASLCredentials(
        username=settings.sasl_username,
        password=password,
        ssl_context=context,
        mechanism=settings.sasl_mechanism,
    )


class _Scope:
    """The detector of one *scope*: one input partition number (of articles and posts).

    Scaling out: Faust shares the co-partitioned input partitions among the workers of the
    group, and each scope — its window, narratives and checkpoint (keyed by scope) — lives on
    the worker that holds its partitions. When a worker stops, the one that takes its
    partitions over restores their scopes from their checkpoints, as after a crash. Records
    are expected to be partitioned by a scope key (region, campaign, language…): a narrative
    lives within one scope.
    """

    def __init__(self, number: int, pipeline: Pipeline, store: CheckpointStore) -> None:
        self.number = number
        self.pipeline = pipeline
        self.store = store
        self.next_offset: dict[Any, int] = {}
        self.positions: dict[str, int] = {}  # source -> next offset, as checkpoints record

    def resume_offset(self, tp: Any) -> int | None:
        """The next offset of `tp` this scope will process: past the last record it processed,
        else where the scope was restored or opened (None where neither is known).

        Not the consumer's position: that runs ahead by what Faust has fetched into its
        buffers and the agent has not processed yet, so a partition whose backlog sits in a
        buffer would look caught up, the watermark would follow the other source alone, and
        the backlog would arrive after its slides had closed (seen after takeovers).
        """
        if tp in self.next_offset:
            return self.next_offset[tp]
        return self.positions.get(source_key(tp.topic, tp.partition))


def source_state(resume: int | None, highwater: int | None) -> str:
    """Whether a source has nothing left to read ("caught_up") or may have ("pending").

    An unknown end or an unknown resume point counts as a backlog: it holds the watermark back
    rather than let the watermark run past records not read yet."""
    if resume is None or highwater is None or resume < highwater:
        return "pending"
    return "caught_up"


class _State:
    """The worker's scopes and shared embedder (loading the model takes seconds)."""

    def __init__(self, pipeline: Pipeline | None) -> None:
        self.pipeline = pipeline  # given by a caller: used as scope 0
        self.embedder: Embedder | None = None
        self.scopes: dict[int, _Scope] = {}
        #: Scope numbers whose input partitions a rebalance revoked since the last sync: a
        #: partition can go to another worker and come back between two looks at the
        #: assignment, and the scope kept here would then miss what the other worker read.
        self.revoked: set[int] = set()
        self.ready = False


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> faust.App:
    """Build the Faust app. `pipeline` is created lazily on first use unless given."""
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.broker.split(",")],
        broker_credentials=_credentials(settings),
        store="memory://",
        datadir=settings.data_dir,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=4 * 1024 * 1024,
        web_in_thread=False,
    )
    inputs = app.topic(
        settings.articles_topic,
        settings.posts_topic,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    narratives = app.topic(settings.narratives_topic, key_serializer="raw", value_serializer="raw")
    dlq = app.topic(settings.dlq_topic, key_serializer="raw", value_serializer="raw")
    alerts = app.topic(settings.alerts_topic, key_serializer="raw", value_serializer="raw")
    audit = app.topic(settings.audit_topic, key_serializer="raw", value_serializer="raw")
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detector")
    state = _State(pipeline)
    board = NarrativeBoard()  # what /dashboard shows: every event this worker publishes

    async def publish(out: BatchOutput) -> None:
        for letter in out.dead_letters:
            await dlq.send(
                key=(letter.doc_id or "").encode("utf-8", "replace"),
                value=letter.model_dump_json().encode(),
            )
        for event in out.events:
            await narratives.send(
                key=event.narrative_id.encode(), value=event.model_dump_json().encode()
            )
            board.apply(event)
        for record in out.audit:  # after the events it names
            await audit.send(
                key=record.command.command_id.encode(), value=record.model_dump_json().encode()
            )
            log.info(
                "command_taken",
                command_id=record.command.command_id,
                type=record.command.type,
                author=record.command.author,
                status=record.status,
                detail=record.detail,
                events=len(record.event_ids),
            )
        for alert in out.alerts:  # after the events, so the triggering event is out first
            await alerts.send(
                key=alert.narrative_id.encode(), value=alert.model_dump_json().encode()
            )
            log.info(
                "narrative_alert",
                alert_id=alert.alert_id,
                narrative_id=alert.narrative_id,
                reasons=alert.reasons,
                size=alert.size,
                raised_at=alert.raised_at,
            )
        await app.producer.flush()

    feed = CommandFeed(settings)  # every command, for every scope's detector (no group)
    poller = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commands")
    state_topic = app.topic(settings.state_topic, key_serializer="raw", value_serializer="raw")
    history_topic = (
        app.topic(settings.state_history_topic, key_serializer="raw", value_serializer="raw")
        if settings.state_history_topic
        else None
    )
    input_topics = {settings.articles_topic, settings.posts_topic}
    scopes_lock = asyncio.Lock()

    async def checkpoint(scope: _Scope) -> None:
        data = await asyncio.get_running_loop().run_in_executor(
            executor, scope.store.encode, scope.pipeline, dict(scope.positions)
        )
        await state_topic.send(key=scope.store.key, value=data)
        if history_topic is not None:  # so a replay can start mid-history exactly
            await history_topic.send(
                key=scope.store.key, value=data, headers=history_headers(scope.pipeline.detector)
            )
        await app.producer.flush()
        metrics.CHECKPOINTS.inc()

    def assigned_scopes() -> set[int]:
        return {tp.partition for tp in app.consumer.assignment() if tp.topic in input_topics}

    async def note_revoked(sender: Any, *args: Any, signal: Any = None, **_: Any) -> None:
        """Remember which scopes a rebalance took away, even if it gives them back before
        the worker looks again (Faust sends the revoked set before the new assignment)."""
        revoked: set[TP] = set(args[0]) if args else set()
        state.revoked.update(tp.partition for tp in revoked if tp.topic in input_topics)

    app.on_partitions_revoked.connect(note_revoked)  # type: ignore[arg-type]  # mode types it narrowly

    async def moved_on(numbers: set[int]) -> set[int]:
        """Of these scopes, those whose partitions the group committed past what the scope
        has seen: another worker read them in between, so the scope kept here is stale.
        This worker's own commits never pass its scopes' positions, so a partition that
        merely went through a rebalance keeps its scope (no needless re-read)."""
        if not numbers:
            return set()
        try:
            committed = await asyncio.get_running_loop().run_in_executor(
                None, group_offsets, settings, input_topics
            )
        except Exception as exc:  # cannot tell: restoring from the checkpoint is always right
            log.warning("group_offsets_failed", error=str(exc), scopes=sorted(numbers))
            return set(numbers)
        stale = set()
        for (topic, partition), offset in committed.items():
            scope = state.scopes.get(partition)
            seen = scope.positions.get(source_key(topic, partition), 0) if scope else 0
            if partition in numbers and scope is not None and offset > seen:
                stale.add(partition)
        return stale

    async def open_scope(number: int) -> _Scope:
        """A scope's detector, restored from its checkpoint and caught up to the group's
        committed offsets (start-up, or a partition taken over from a stopped worker)."""
        loop = asyncio.get_running_loop()
        if state.embedder is None:
            state.embedder = await loop.run_in_executor(executor, build_embedder, settings)
        pipeline = state.pipeline if number == 0 and state.pipeline is not None else None
        if pipeline is None:
            pipeline = await loop.run_in_executor(executor, Pipeline, settings, state.embedder)
        scope = _Scope(number, pipeline, CheckpointStore(settings, number))
        reader = CommandFeed(settings)

        def take_all_commands() -> list[DeadLetter]:
            try:
                return pipeline.submit_commands(reader.read_all())
            finally:
                reader.close()

        if settings.checkpoints:
            recovery = await loop.run_in_executor(
                executor,
                recover,
                settings,
                pipeline,
                scope.store,
                take_all_commands,
                [source_key(topic, number) for topic in sorted(input_topics)],
            )
            scope.positions.update(recovery.positions)
            await publish(recovery.output)
            # Re-read records were counted consumed as they were decoded: count them done too,
            # so processed catches up with consumed once recovery is published.
            for topic, count in recovery.by_topic.items():
                metrics.DOCUMENTS_PROCESSED.labels(topic).inc(count)
            log.info(
                "recovery",
                scope=number,
                restored=recovery.restored,
                reason=recovery.reason,
                reread=recovery.records,
                events=len(recovery.output.events),
            )
        else:
            refused = await loop.run_in_executor(executor, take_all_commands)
            await publish(BatchOutput(dead_letters=refused))
        # Where each source resumes, for a source neither the checkpoint nor the re-read
        # placed: what tells its backlog from none before this scope processes a record of it.
        sources = [source_key(topic, number) for topic in sorted(input_topics)]
        unplaced = [s for s in sources if s not in scope.positions]
        if unplaced:
            try:
                found = await loop.run_in_executor(executor, resume_offsets, settings, unplaced)
            except Exception as exc:  # the consumer's position is the fallback (agents.app)
                log.warning("resume_offsets_failed", scope=number, error=str(exc))
                found = {}
            for source, offset in found.items():
                scope.positions.setdefault(source, offset)
        state.scopes[number] = scope
        log.info("scope_ready", scope=number, **pipeline.detector.info.model_dump())
        return scope

    async def sync_scopes() -> None:
        """Open the scopes of newly assigned partitions; forget those taken away (a later
        assignment restores them from their checkpoint, which their new owner keeps)."""
        async with scopes_lock:
            wanted = assigned_scopes()
            revoked, state.revoked = state.revoked, set()
            for number in sorted(set(state.scopes) - wanted):
                del state.scopes[number]
                log.info("scope_released", scope=number)
            # Revoked and given back: keep the scope unless another worker moved it on.
            for number in sorted(await moved_on(revoked & set(state.scopes))):
                del state.scopes[number]
                log.info("scope_stale", scope=number, reason="read by another worker")
            for number in sorted(wanted - set(state.scopes)):
                await open_scope(number)

    async def source_progress(
        scope: _Scope,
    ) -> tuple[frozenset[str], frozenset[str]]:
        """Which of a scope's input partitions are caught up, and which have a backlog."""
        caught_up: set[str] = set()
        pending: set[str] = set()
        assigned = [
            tp
            for tp in app.consumer.assignment()
            if tp.topic in input_topics and tp.partition == scope.number
        ]
        # The consumer's highwater as of its last fetch (fetches long-poll every partition, so
        # it is at most a fetch old); the broker is asked only where it is unknown, before a
        # partition's first fetch: an unknown backlog must hold the watermark back, not be
        # taken as none. (Asking every batch cost 0.5-1.5 s per batch under load: the request
        # crosses to the consumer thread and queues behind its fetch.)
        ends: dict[TP, int | None] = {tp: app.consumer.highwater(tp) for tp in assigned}
        unknown = [tp for tp in assigned if ends[tp] is None]
        if unknown:
            ends.update(await app.consumer.highwaters(*unknown))
        for tp in assigned:
            highwater = ends.get(tp)
            key = source_key(tp.topic, tp.partition)
            next_read = scope.resume_offset(tp)
            if next_read is None:  # neither processed nor restored: the consumer's best guess
                next_read = await app.consumer.position(tp)
            (caught_up if source_state(next_read, highwater) == "caught_up" else pending).add(key)
            if highwater is not None and next_read is not None:  # the SRE's backlog per partition
                metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(
                    max(highwater - next_read, 0)
                )
        return frozenset(caught_up), frozenset(pending)

    def finished(records: list[RawRecord]) -> None:
        """Count records whose batch is done here (read, and now published or handed on)."""
        for topic, count in sorted(Counter(r.topic for r in records).items()):
            metrics.DOCUMENTS_PROCESSED.labels(topic).inc(count)

    async def process(scope: _Scope, records: list[RawRecord]) -> None:
        loop = asyncio.get_running_loop()
        active = scope.pipeline
        for r in records:
            tp = TP(r.topic, r.partition or 0)
            scope.next_offset[tp] = max(scope.next_offset.get(tp, 0), (r.offset or 0) + 1)
            scope.positions[source_key(r.topic, r.partition)] = scope.next_offset[tp]
        closed_before = active.detector.window.state.closed_until
        if scope.number not in assigned_scopes():
            log.info("stale_records_skipped", scope=scope.number, records=len(records))
            state.scopes.pop(scope.number, None)
            return
        caught_up, pending = await source_progress(scope)
        work = functools.partial(
            active.process, records, caught_up=caught_up, pending=pending, now=time.time()
        )
        try:
            out = await loop.run_in_executor(executor, work)
        except Exception as exc:  # never let one batch kill the worker, nor lose it:
            metrics.WORKER_ERRORS.inc()  # its records go to the DLQ for re-driving
            log.exception("batch_failed", scope=scope.number, records=len(records), error=str(exc))
            out = failed_batch(records, exc)
        if scope.number not in assigned_scopes() or (
            scope.number in state.revoked and await moved_on({scope.number})
        ):
            # A rebalance took the partition away while the batch ran (or gave it back after
            # another worker read it): without the partition's progress its watermark was not
            # the owner's, and the owner re-reads these records from the committed offset,
            # after restoring the scope from its checkpoint. Publish nothing, checkpoint
            # nothing.
            log.info("revoked_batch_dropped", scope=scope.number, records=len(records))
            state.scopes.pop(scope.number, None)
            finished(records)
            return
        if len(state.scopes) > 1 or scope.number > 0:
            # Every scope's detector sees every command; only the one holding the narrative
            # has something to say about it.
            out.audit = [r for r in out.audit if not not_held(r)]
        await publish(out)
        if settings.checkpoints and active.detector.window.state.closed_until != closed_before:
            await checkpoint(scope)
        finished(records)
        if out.events or out.dead_letters:
            log.info(
                "batch_processed",
                scope=scope.number,
                documents=out.documents,
                dead_letters=len(out.dead_letters),
                events=len(out.events),
                window=len(active.detector.window),
            )

    def report_gauges() -> None:
        """Gauges over all scopes (each pipeline sets them for itself alone)."""
        pipelines = [s.pipeline for s in state.scopes.values()]
        if not pipelines:
            return
        metrics.WINDOW_DOCUMENTS.set(sum(len(p.detector.window) for p in pipelines))
        metrics.NARRATIVES_ACTIVE.set(sum(len(p.detector.tracker.narratives) for p in pipelines))
        slides = [p.detector.last_slide for p in pipelines if p.detector.last_slide is not None]
        if slides:
            set_slide_gauges(slides)
        marks = [
            p.detector.window.watermark
            for p in pipelines
            if p.detector.window.state.max_event_time > 0
        ]
        if marks:
            metrics.WATERMARK_SECONDS.set(min(marks))

    @app.agent(inputs, concurrency=1)
    async def detect(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        if state.embedder is None:
            state.embedder = (
                state.pipeline.detector.embedder
                if state.pipeline is not None
                else await loop.run_in_executor(executor, build_embedder, settings)
            )
        # The assignment arrives with the first rebalance; recover what it gives before any
        # record is read, so a restart re-publishes interrupted slides even with no new input.
        for _ in range(120):
            if assigned_scopes():
                break
            await asyncio.sleep(0.25)
        await sync_scopes()
        state.ready = True
        async for events in stream.take_events(
            settings.batch_size, within=settings.batch_timeout_s
        ):
            by_scope: dict[int, list[RawRecord]] = {}
            for e in events:
                by_scope.setdefault(e.message.partition, []).append(
                    RawRecord(
                        value=e.message.value if e.message.value is not None else b"",
                        topic=e.message.topic,
                        partition=e.message.partition,
                        offset=e.message.offset,
                    )
                )
            await sync_scopes()
            async with scopes_lock:
                for number in sorted(by_scope):
                    scope = state.scopes.get(number)
                    if scope is None:
                        # Fetched before a rebalance took the partition away: its new owner
                        # reads these records from the committed offset; processing them here
                        # too would run a second, stale copy of the scope.
                        log.info(
                            "stale_records_skipped", scope=number, records=len(by_scope[number])
                        )
                        continue
                    await process(scope, by_scope[number])
                report_gauges()
            metrics.LAST_BATCH_SECONDS.set(time.time())

    @app.timer(interval=settings.commands_poll_s)  # type: ignore[untyped-decorator]
    async def take_commands() -> None:
        """Queue analysts' new commands within a second, whether or not input is flowing;
        and follow partition moves between batches (a takeover with no new input)."""
        if not state.ready:
            return  # start-up reads the whole topic once the pipelines are restored
        # The feed's own thread (not the detector's, which may be busy with a batch): the
        # commands are queued and each detector takes them before its next batch.
        records = await asyncio.get_running_loop().run_in_executor(poller, feed.poll, 500)
        if records:
            for scope in list(state.scopes.values()):
                scope.pipeline.queue_commands(records)
        if assigned_scopes() != set(state.scopes):
            await sync_scopes()

    @app.page("/metrics")
    class MetricsView(View):
        async def get(self, request: Request) -> Response:
            return self.bytes(metrics.render(), content_type="text/plain; version=0.0.4")

    register_dashboard(app, board)

    @app.page("/healthz")
    class LivenessView(View):
        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok"})

    @app.page("/readyz")
    class ReadinessView(View):
        async def get(self, request: Request) -> Response:
            ready = state.ready
            return self.json({"ready": ready}, status=200 if ready else 503)

    return app
