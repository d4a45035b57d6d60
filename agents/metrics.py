"""Every Prometheus metric the worker exports, in one place.

Names follow Prometheus conventions (`narratives_` namespace, base units in the name, `_total`
for counters); label sets are bounded (topics, a fixed set of reasons and event types), so a
hostile input cannot blow up the series count. The registry is the worker's own, with the
process and platform collectors added for memory, CPU and file-descriptor health.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

DOCUMENTS_CONSUMED = Counter(
    "narratives_documents_consumed_total",
    "Input records read from Kafka, valid or not.",
    ["topic"],
    registry=REGISTRY,
)
DOCUMENTS_PROCESSED = Counter(
    "narratives_documents_processed_total",
    "Input records whose batch the worker finished: its events and dead letters published, "
    "its checkpoint written. Consumed minus processed is the work in flight.",
    ["topic"],
    registry=REGISTRY,
)
DOCUMENTS_INVALID = Counter(
    "narratives_documents_invalid_total",
    "Input records refused and sent to the dead-letter topic, by reason.",
    ["reason"],
    registry=REGISTRY,
)
DOCUMENTS_LATE = Counter(
    "narratives_documents_late_total",
    "Documents behind the watermark: accepted into a later window, or refused as too late.",
    ["outcome"],
    registry=REGISTRY,
)
DOCUMENTS_DUPLICATE = Counter(
    "narratives_documents_duplicate_total",
    "Documents whose id was already in the window (redeliveries), ignored.",
    registry=REGISTRY,
)
EMBED_SECONDS = Histogram(
    "narratives_embed_batch_duration_seconds",
    "Wall time to normalise and embed one batch of documents.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
EMBED_BATCH_DOCUMENTS = Histogram(
    "narratives_embed_batch_documents",
    "Documents per embedding batch.",
    buckets=(1, 8, 32, 64, 128, 256, 512, 1024),
    registry=REGISTRY,
)
CLUSTER_SECONDS = Histogram(
    "narratives_cluster_duration_seconds",
    "Wall time to close due slides: cluster, track and describe.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
SLIDES_CLOSED = Counter(
    "narratives_slides_closed_total", "Window slides closed and clustered.", registry=REGISTRY
)
SLIDES_INCREMENTAL = Counter(
    "narratives_slides_incremental_total",
    "Slides whose window exceeded NARRATIVES_CLUSTER_WHOLE_MAX: clustered incrementally.",
    registry=REGISTRY,
)
SLIDES_LONE = Counter(
    "narratives_slides_lone_total",
    "Slides where clustering found nothing and the lone-story pass found one story "
    "(streams/lone.py).",
    registry=REGISTRY,
)
WINDOW_DOCUMENTS = Gauge(
    "narratives_window_documents", "Documents held in the sliding window.", registry=REGISTRY
)
SLIDE_DOCUMENTS = Gauge(
    "narratives_slide_documents",
    "Window documents at the latest closed slide, by what clustering made of them: member "
    "of a narrative, attached to one (noise inside its extent or named by its keywords), or noise.",
    ["state"],
    registry=REGISTRY,
)
SLIDE_DOCUMENTS_AWAY = Gauge(
    "narratives_slide_documents_away",
    "Window documents the latest closed slide grouped in a narrative other than their home "
    "(the narrative that has held them in most slides, where events list them).",
    registry=REGISTRY,
)
NARRATIVES_ACTIVE = Gauge(
    "narratives_active", "Narratives currently tracked (not faded or merged).", registry=REGISTRY
)
WATERMARK_SECONDS = Gauge(
    "narratives_watermark_timestamp_seconds",
    "Event-time watermark of the window, Unix seconds.",
    registry=REGISTRY,
)
EVENTS_OUT = Counter(
    "narratives_events_total",
    "Narrative events published, by type.",
    ["type"],
    registry=REGISTRY,
)
CHECKPOINTS = Counter(
    "narratives_checkpoints_total",
    "Detector checkpoints written to the state topic.",
    registry=REGISTRY,
)
LAST_BATCH_SECONDS = Gauge(
    "narratives_last_batch_timestamp_seconds",
    "Wall-clock time the worker last processed a batch, Unix seconds.",
    registry=REGISTRY,
)
WINDOW_EVICTED = Counter(
    "narratives_window_evicted_total",
    "Documents dropped from the window because it reached NARRATIVES_WINDOW_MAX_DOCS.",
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "narratives_consumer_lag_messages",
    "Input records not read yet per partition (broker highwater minus the next offset to read); "
    "labels are the input topics and their partitions, so the series count is bounded.",
    ["topic", "partition"],
    registry=REGISTRY,
)
ALERTS = Counter(
    "narratives_alerts_total",
    "Emerging-narrative alerts raised, by primary reason (emerged, amplification, burst, "
    "velocity): the sum over reasons is the number of alerts.",
    ["reason"],
    registry=REGISTRY,
)
for _reason in ("emerged", "amplification", "burst", "velocity"):  # export zeros from the start
    ALERTS.labels(_reason)
LAST_ALERT_SECONDS = Gauge(
    "narratives_last_alert_event_timestamp_seconds",
    "Event time (slide end) of the newest alert raised, Unix seconds.",
    registry=REGISTRY,
)
COMMANDS = Counter(
    "narratives_commands_total",
    "Curation commands taken, by type and outcome (applied, no_op, rejected, duplicate).",
    ["type", "status"],
    registry=REGISTRY,
)
WORKER_ERRORS = Counter(
    "narratives_worker_errors_total",
    "Unexpected errors caught in the worker loop (the batch is dead-lettered, not lost).",
    registry=REGISTRY,
)


def render() -> bytes:
    """The exposition text for `/metrics`."""
    return generate_latest(REGISTRY)
