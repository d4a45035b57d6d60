"""Helpers shared by the benchmarks in bench/ (not part of the installed package).

- the labeled streams in ../shared/data, read in place (never copied into the repo);
- an on-disk cache of the stream's embeddings (float16, keyed by model + stream content +
  normalisation), outside the repo under ~/.cache/narrative-detector/bench/;
- the real local broker and worker processes (agents.local_kafka / agents.local_worker);
- Prometheus text parsing, resident memory, progress on stderr, the final JSON line on stdout.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.settings import Settings
from streams.normalise import NormaliseConfig, normalise
from streams.profile import WindowProfile, choose_profile

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CACHE_DIR = Path(
    os.environ.get("NARRATIVES_BENCH_CACHE", "~/.cache/narrative-detector/bench")
).expanduser()
CACHE_FORMAT = 1

_T0 = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr, with seconds since the bench started."""
    print(f"[{time.monotonic() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """The bench's result: one JSON object, the last line of stdout."""
    print(json.dumps(result, sort_keys=False), flush=True)


# -- streams ----------------------------------------------------------------------------------
def stream_path(data: Path, name: str = "crisislex-t26") -> Path:
    path = data / name / "stream.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: pass --data pointing at the shared data folder")
    return path


def labeled_streams(data: Path, only: str | None = None) -> list[Path]:
    """Every `*/stream.jsonl` under `data` (or only the folder named `only`), in name order."""
    return sorted(p for p in data.glob("*/stream.jsonl") if not only or p.parent.name == only)


def read_stream(path: Path, limit: int = 0) -> list[dict[str, Any]]:
    """The stream's records in file order (published_at order); `limit` > 0 keeps the first."""
    records: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                records.append(json.loads(line))
                if limit and len(records) >= limit:
                    break
    return records


def profiled_settings(path: Path) -> tuple[WindowProfile, Settings]:
    """The window profile `streams.profile` picks for the stream at `path` (sized with the
    configured minimum cluster size) and the settings from NARRATIVES_* with that window."""
    from agents.evaluate import load_gold

    profile = choose_profile((g.time for g in load_gold(path)), Settings().min_cluster_size)
    return profile, Settings(window_length_s=profile.length_s, window_slide_s=profile.slide_s)


@dataclass(frozen=True, slots=True)
class EmbeddedStream:
    """The stream's documents with non-empty normalised text, their vectors and gold labels."""

    ids: list[str]
    texts: list[str]  # normalised, as the pipeline embeds them
    times: list[float]
    labels: list[str | None]
    vectors: npt.NDArray[np.float16]  # L2-normalised, float16 (as the window stores them)
    model: str


def _file_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=12)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_embeddings(path: Path, model: str = "all-MiniLM-L6-v2") -> EmbeddedStream:
    """Embeddings of every document of the stream, computed once and cached on disk.

    The vectors are what the pipeline computes: normalised text through the configured
    embedder (sentence-transformers behind the de-duplicating CachedEmbedder), so cached rows
    equal what the worker would hold in its window.
    """
    from datetime import datetime

    config = NormaliseConfig()
    records = read_stream(path)
    ids: list[str] = []
    texts: list[str] = []
    times: list[float] = []
    labels: list[str | None] = []
    for record in records:
        text = normalise(str(record.get("text") or ""), config)
        if not text:
            continue
        ids.append(str(record["id"]))
        texts.append(text)
        stamp = datetime.fromisoformat(str(record["published_at"]).replace("Z", "+00:00"))
        times.append(stamp.timestamp())
        label = record.get("label")
        labels.append(None if label is None or record.get("scored") is False else str(label))
    key_blob = json.dumps(
        {"v": CACHE_FORMAT, "model": model, "stream": _file_digest(path), "norm": repr(config)}
    )
    key = hashlib.blake2b(key_blob.encode(), digest_size=10).hexdigest()
    cache = CACHE_DIR / f"{path.parent.name}-{model.replace('/', '_')}-{key}.npy"
    if cache.exists():
        vectors = np.load(cache)
        if vectors.shape[0] == len(texts):
            log(f"embeddings from cache {cache} ({vectors.shape[0]}×{vectors.shape[1]})")
            return EmbeddedStream(ids, texts, times, labels, vectors, model)
    log(f"embedding {len(texts)} texts of {path.parent.name} once (cache: {cache}) …")
    from agents.pipeline import build_embedder

    embedder = build_embedder(Settings(model=model, embed_cache_size=len(texts) + 1))
    parts: list[npt.NDArray[np.float32]] = []
    started = time.monotonic()
    step = 1024
    for start in range(0, len(texts), step):
        parts.append(embedder.embed(texts[start : start + step]))
        done = min(start + step, len(texts))
        rate = done / (time.monotonic() - started)
        log(f"  embedded {done}/{len(texts)} ({rate:.0f} docs/s)")
    vectors = np.vstack(parts).astype(np.float16)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=CACHE_DIR, suffix=".npy", delete=False) as tmp:
        np.save(tmp, vectors)
    Path(tmp.name).replace(cache)
    return EmbeddedStream(ids, texts, times, labels, vectors, model)


# -- broker and worker ------------------------------------------------------------------------
@contextmanager
def local_broker() -> Iterator[LocalKafka]:
    """The real single-node KRaft broker on a free port, state in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="bench-kafka-") as state:
        broker = LocalKafka(port=free_port(), state_dir=Path(state))
        log(f"starting Kafka on {broker.bootstrap} …")
        broker.start()
        try:
            yield broker
        finally:
            log("stopping Kafka")
            broker.stop()


def topic_env(broker: LocalKafka, name: str) -> dict[str, str]:
    """NARRATIVES_* giving one bench run its own topics and consumer group."""
    return {
        "NARRATIVES_BROKER": broker.bootstrap,
        "NARRATIVES_APP_ID": f"bench-{name}",
        "NARRATIVES_ARTICLES_TOPIC": f"{name}.articles",
        "NARRATIVES_POSTS_TOPIC": f"{name}.posts",
        "NARRATIVES_NARRATIVES_TOPIC": f"{name}.narratives",
        "NARRATIVES_DLQ_TOPIC": f"{name}.narratives.dlq",
        "NARRATIVES_LOG_LEVEL": "warning",
    }


@contextmanager
def worker_process(env: dict[str, str], workdir: Path) -> Iterator[WorkerProcess]:
    """`narratives worker` in a child process, ready (model loaded, agent consuming)."""
    worker = WorkerProcess(
        env={**env, "NARRATIVES_DATA_DIR": str(workdir / "worker-data")},
        log_path=workdir / "worker.log",
        web_port=free_port(),
    )
    log("starting worker …")
    worker.start()
    try:
        worker.wait_ready(timeout_s=300)
        log("worker ready")
        yield worker
    finally:
        worker.stop()


def metric_sum(text: str, name: str) -> float:
    """Sum of every sample of `name` (all label sets) in Prometheus text format."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        if head == name or head.startswith(name + "{"):
            total += float(value)
    return total


def worker_metrics(worker: WorkerProcess) -> str:
    status, body = worker.get("/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    return body.decode()


# -- memory -----------------------------------------------------------------------------------
def rss_bytes() -> int:
    """Resident set size of this process now, from /proc/self/statm."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))
