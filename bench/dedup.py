"""How much the embedding cache saves on a repost-heavy stream, side by side with raw encoding.

Usage: python bench/dedup.py [--data ../shared/data] [--docs 6000] [--batch 256]

Takes the first N documents of crisislex-t26, normalises them (streams.normalise.normalise,
the pipeline's config) and, in one process with one loaded model:

- **cached**: the embedder as the pipeline configures it (`agents.pipeline.build_embedder`:
  SentenceTransformerEmbedder behind CachedEmbedder with NARRATIVES_EMBED_CACHE_SIZE),
  fed in batches of 256 (the worker's batch size); a counting shim between the cache and the
  model counts the texts that really reach the encoder (misses);
- **uncached**: the same SentenceTransformerEmbedder without the cache, same batches;
- **free shapes**: the same, uncached, with `gemm_rows=None` (products of whatever shape
  the batch gives: faster, but a vector then moves by ~1e-7 with its batch), to show what
  the fixed product shapes cost;
- **raw**: `SentenceTransformer.encode` of every text (batch_size 64,
  normalize_embeddings=True) on that free-shapes model, i.e. the library as shipped.

`encoder_calls_saved` = 1 - misses / docs; `effective_vs_raw` = (docs/s through the cache) /
(docs/s of raw encode) = `dedup_gain` (cached / uncached) × `batching_gain` (uncached / raw:
shape-stable batches against the library's `encode`). `shape_cost` = free-shapes docs/s /
uncached docs/s. A one-batch warm-up runs first. Raw `RT @` share is reported to compare
with what the dedup key catches. The last stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import DEFAULT_DATA, emit, log, read_stream, stream_path

from agents.settings import Settings
from streams.embed import CachedEmbedder, SentenceTransformerEmbedder
from streams.normalise import normalise


class CountingEmbedder:
    """Passes through to an embedder, counting calls and texts encoded."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.calls = 0
        self.texts = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


def _timed_batches(embedder: Any, texts: list[str], batch: int) -> float:
    """Seconds to embed `texts` in consecutive batches of `batch`, as the worker feeds them."""
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        embedder.embed(texts[start : start + batch])
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--stream", default="crisislex-t26")
    parser.add_argument("--docs", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)

    settings = Settings()
    records = read_stream(stream_path(args.data, args.stream), limit=args.docs)
    config = settings.detector_params.normalise
    texts = [t for t in (normalise(str(r.get("text") or ""), config) for r in records) if t]
    retweets = sum(1 for r in records if str(r.get("text") or "").startswith("RT @"))
    log(f"{len(records)} records, {len(texts)} non-empty texts, {retweets} start with 'RT @'")

    base = SentenceTransformerEmbedder(
        settings.model, batch_size=settings.embed_batch_size, device=settings.device
    )
    base.embed(texts[:64])  # warm-up
    free = SentenceTransformerEmbedder(
        settings.model, batch_size=settings.embed_batch_size, device=settings.device, gemm_rows=None
    )
    free.embed(texts[:64])
    counting = CountingEmbedder(base)
    cached = CachedEmbedder(counting, capacity=settings.embed_cache_size)

    log(f"CachedEmbedder over {len(texts)} texts in batches of {args.batch} …")
    cached_s = _timed_batches(cached, texts, args.batch)
    log(f"  {cached_s:.1f}s, {counting.texts} texts reached the encoder")

    log(f"the same embedder without the cache over the same {len(texts)} texts …")
    uncached_s = _timed_batches(base, texts, args.batch)
    log(f"  {uncached_s:.1f}s")

    log(f"the same without fixed product shapes over the same {len(texts)} texts …")
    free_s = _timed_batches(free, texts, args.batch)
    log(f"  {free_s:.1f}s")

    log(f"raw SentenceTransformer.encode of the same {len(texts)} texts …")
    model: Any = free._model  # the loaded SentenceTransformer, as the library ships it
    started = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    raw_s = time.perf_counter() - started
    log(f"  {raw_s:.1f}s")

    docs = len(texts)
    cached_rate, raw_rate, uncached_rate = docs / cached_s, docs / raw_s, docs / uncached_s
    emit(
        {
            "bench": "dedup",
            "stream": args.stream,
            "docs": docs,
            "records": len(records),
            "rt_prefixed": retweets,
            "encoder_texts": counting.texts,
            "encoder_batches": counting.calls,
            "cache_hits": cached.hits,
            "encoder_calls_saved": round(1 - counting.texts / docs, 4),
            "cached_s": round(cached_s, 2),
            "raw_s": round(raw_s, 2),
            "cached_docs_per_s": round(cached_rate, 2),
            "raw_docs_per_s": round(raw_rate, 2),
            "effective_vs_raw": round(cached_rate / raw_rate, 3),
            # The two parts of that ratio: what the cache alone gives (same encoder with and
            # without it), and what shape-stable batching alone gives against `encode`.
            "uncached_docs_per_s": round(uncached_rate, 2),
            "dedup_gain": round(cached_rate / uncached_rate, 3),
            "batching_gain": round(uncached_rate / raw_rate, 3),
            # What vectors independent of the batch cost: free shapes against fixed ones.
            "free_shapes_docs_per_s": round(docs / free_s, 2),
            "shape_cost": round((docs / free_s) / uncached_rate, 3),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
