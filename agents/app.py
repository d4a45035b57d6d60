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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.web import Request, Response, View

from agents import logs, metrics
from agents.board import NarrativeBoard
from agents.checkpoint_history import history_headers
from agents.commands_feed import CommandFeed
from agents.dashboard import register_dashboard
from agents.pipeline import BatchOutput, Pipeline, RawRecord, failed_batch, source_key
from agents.recovery import CheckpointStore, recover
from agents.settings import Settings
from schemas.dead_letter import DeadLetter

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


class _State:
    """The worker's pipeline, built on the agent's first start (loading the model takes s)."""

    def __init__(self, pipeline: Pipeline | None) -> None:
        self.pipeline = pipeline
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

    next_offset: dict[Any, int] = {}
    positions: dict[str, int] = {}  # source -> next offset, as checkpoints record them
    store = CheckpointStore(settings)
    feed = CommandFeed(settings)  # every command, for this worker's detector (no group)
    poller = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commands")
    state_topic = app.topic(settings.state_topic, key_serializer="raw", value_serializer="raw")
    history_topic = (
        app.topic(settings.state_history_topic, key_serializer="raw", value_serializer="raw")
        if settings.state_history_topic
        else None
    )

    async def checkpoint(active: Pipeline) -> None:
        data = await asyncio.get_running_loop().run_in_executor(
            executor, store.encode, active, dict(positions)
        )
        await state_topic.send(key=store.key, value=data)
        if history_topic is not None:  # so a replay can start mid-history exactly
            await history_topic.send(
                key=store.key, value=data, headers=history_headers(active.detector)
            )
        await app.producer.flush()
        metrics.CHECKPOINTS.inc()

    input_topics = {settings.articles_topic, settings.posts_topic}

    async def source_progress(
        seen: dict[Any, int],
    ) -> tuple[frozenset[str], frozenset[str]]:
        """Which input partitions are caught up, and which have an unread backlog."""
        caught_up: set[str] = set()
        pending: set[str] = set()
        assigned = [tp for tp in app.consumer.assignment() if tp.topic in input_topics]
        # Ask the broker: the consumer's cached highwater is unknown until a partition's first
        # fetch, and an unknown backlog must hold the watermark back, not be taken as none.
        ends = await app.consumer.highwaters(*assigned) if assigned else {}
        for tp in assigned:
            highwater = ends.get(tp)
            key = source_key(tp.topic, tp.partition)
            if tp in seen:
                next_read: int | None = seen[tp]
                if highwater is not None and seen[tp] >= highwater:
                    caught_up.add(key)
            else:
                next_read = position = await app.consumer.position(tp)
                if highwater is None or position is None or position < highwater:
                    pending.add(key)
                else:
                    caught_up.add(key)
            if highwater is not None and next_read is not None:  # the SRE's backlog per partition
                metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(
                    max(highwater - next_read, 0)
                )
        return frozenset(caught_up), frozenset(pending)

    @app.agent(inputs, concurrency=1)
    async def detect(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        if state.pipeline is None:
            state.pipeline = await loop.run_in_executor(executor, Pipeline, settings)
        active = state.pipeline

        def take_all_commands() -> list[DeadLetter]:
            return active.submit_commands(feed.read_all())

        if settings.checkpoints:
            recovery = await loop.run_in_executor(
                executor, recover, settings, active, store, take_all_commands
            )
            positions.update(recovery.positions)
            await publish(recovery.output)
            log.info(
                "recovery",
                restored=recovery.restored,
                reason=recovery.reason,
                reread=recovery.records,
                events=len(recovery.output.events),
            )
        else:
            await publish(
                BatchOutput(dead_letters=await loop.run_in_executor(executor, take_all_commands))
            )
        log.info("pipeline_ready", **active.detector.info.model_dump())
        state.ready = True
        async for events in stream.take_events(
            settings.batch_size, within=settings.batch_timeout_s
        ):
            records = [
                RawRecord(
                    value=e.message.value if e.message.value is not None else b"",
                    topic=e.message.topic,
                    partition=e.message.partition,
                    offset=e.message.offset,
                )
                for e in events
            ]
            for e in events:
                tp = e.message.tp
                next_offset[tp] = max(next_offset.get(tp, 0), e.message.offset + 1)
                positions[source_key(tp.topic, tp.partition)] = next_offset[tp]
            closed_before = active.detector.window.state.closed_until
            caught_up, pending = await source_progress(next_offset)
            work = functools.partial(
                active.process, records, caught_up=caught_up, pending=pending, now=time.time()
            )
            try:
                out = await loop.run_in_executor(executor, work)
            except Exception as exc:  # never let one batch kill the worker, nor lose it:
                metrics.WORKER_ERRORS.inc()  # its records go to the DLQ for re-driving
                log.exception("batch_failed", records=len(records), error=str(exc))
                out = failed_batch(records, exc)
            await publish(out)
            metrics.LAST_BATCH_SECONDS.set(time.time())
            if settings.checkpoints and active.detector.window.state.closed_until != closed_before:
                await checkpoint(active)
            if out.events or out.dead_letters:
                log.info(
                    "batch_processed",
                    documents=out.documents,
                    dead_letters=len(out.dead_letters),
                    events=len(out.events),
                    window=len(active.detector.window),
                )

    @app.timer(interval=settings.commands_poll_s)  # type: ignore[untyped-decorator]
    async def take_commands() -> None:
        """Queue analysts' new commands within a second, whether or not input is flowing."""
        if not state.ready or state.pipeline is None:
            return  # start-up reads the whole topic once the pipeline is restored
        # The feed's own thread (not the detector's, which may be busy with a batch): the
        # commands are queued and the detector takes them before its next batch.
        records = await asyncio.get_running_loop().run_in_executor(poller, feed.poll)
        if records:
            state.pipeline.queue_commands(records)

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
