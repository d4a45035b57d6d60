"""End-to-end throughput through the real broker, side by side with raw encoding.

Usage: python bench/throughput.py [--data ../shared/data] [--docs 3000]

In one run:

1. start the real local broker (free port, temporary state) and one `narratives worker`
   (model loaded, agent consuming: /readyz 200) with generous windows (6 h, sliding every
   3 h: the first 3000 crisislex posts span ~16 h, so a few cheap slides close and narrative
   events come out);
2. produce the first N posts of crisislex-t26 to the posts topic as fast as kafka-python
   sends them, and poll the worker's /metrics every 0.2 s;
3. **pipeline** time = from the first produce until the worker has consumed N records
   (`narratives_documents_consumed_total` = N) *and* processed them: every one is either
   embedded and in the window (`narratives_embed_batch_documents_sum`, observed after
   `Detector.ingest`) or refused (`narratives_documents_invalid_total`). Slides closed on the
   way are included; the `advance()` of the very last batch (at most one slide) is not;
4. stop the worker, then **encode** time = `SentenceTransformer.encode` of the same N
   documents' normalised texts (what the worker's encoder reads), the bundled model,
   batch_size 64, normalize_embeddings=True, after a one-batch warm-up, in this process.

`ratio` = pipeline docs/s ÷ encode docs/s. The worker de-duplicates reposts before encoding
(CachedEmbedder), so the ratio can exceed the share of time spent outside the encoder.
The last stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    DEFAULT_DATA,
    emit,
    local_broker,
    log,
    metric_sum,
    read_stream,
    stream_path,
    topic_env,
    worker_metrics,
    worker_process,
)

from agents.produce import make_producer
from agents.settings import Settings
from streams.normalise import dedup_key, normalise

WINDOW_ENV = {
    "NARRATIVES_WINDOW_LENGTH_S": "21600",
    "NARRATIVES_WINDOW_SLIDE_S": "10800",
    "NARRATIVES_ALLOWED_LATENESS_S": "600",
}


def encode_rate(texts: list[str]) -> tuple[float, float]:
    """(seconds, docs/s) of raw SentenceTransformer.encode over `texts`."""
    from streams.embed import SentenceTransformerEmbedder

    # Loaded offline like the worker loads it, but left as the library ships it (no fixed
    # product shapes); then the raw SentenceTransformer is called.
    model: Any = SentenceTransformerEmbedder(None, device="cpu", gemm_rows=None)._model
    model.encode(texts[:64], batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    started = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    seconds = time.perf_counter() - started
    return seconds, len(texts) / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--stream", default="crisislex-t26")
    parser.add_argument("--docs", type=int, default=3000, help="posts to push through (N)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after (s)")
    args = parser.parse_args(argv)

    records = read_stream(stream_path(args.data, args.stream), limit=args.docs)
    n = len(records)
    lines = [json.dumps(record, ensure_ascii=False).encode("utf-8") for record in records]
    texts = [t for t in (normalise(str(r.get("text") or "")) for r in records) if t]
    unique = len({dedup_key(t) for t in texts})
    log(f"{n} posts from {args.stream}: {len(texts)} non-empty, {unique} distinct dedup keys")

    result: dict[str, Any] = {"bench": "throughput", "stream": args.stream, "docs": n}
    with local_broker() as broker, tempfile.TemporaryDirectory(prefix="bench-tp-") as tmp:
        env = {**topic_env(broker, "tp"), **WINDOW_ENV}
        settings = Settings(
            broker=broker.bootstrap,
            posts_topic=env["NARRATIVES_POSTS_TOPIC"],
            articles_topic=env["NARRATIVES_ARTICLES_TOPIC"],
        )
        with worker_process(env, Path(tmp)) as worker:
            producer = make_producer(settings)
            log(f"producing {n} posts …")
            started = time.perf_counter()
            for raw, record in zip(lines, records, strict=True):
                producer.send(settings.posts_topic, key=str(record["id"]).encode(), value=raw)
            producer.flush()
            produce_s = time.perf_counter() - started
            producer.close()
            log(f"produced in {produce_s:.1f}s; waiting for the worker …")
            last_report = 0.0
            while True:
                text = worker_metrics(worker)
                consumed = metric_sum(text, "narratives_documents_consumed_total")
                embedded = metric_sum(text, "narratives_embed_batch_documents_sum")
                invalid = metric_sum(text, "narratives_documents_invalid_total")
                elapsed = time.perf_counter() - started
                if consumed >= n and embedded + invalid >= n:
                    break
                if elapsed > args.timeout:
                    raise SystemExit(f"worker not done after {elapsed:.0f}s:\n{worker.log_tail()}")
                if elapsed - last_report >= 10:
                    last_report = elapsed
                    log(f"  {elapsed:5.0f}s consumed={consumed:.0f} processed={embedded:.0f}")
                time.sleep(0.2)
            pipeline_s = time.perf_counter() - started
            log(f"worker processed {n} in {pipeline_s:.1f}s ({n / pipeline_s:.1f} docs/s)")
            time.sleep(1.0)  # let the last batch's advance() finish before reading totals
            text = worker_metrics(worker)
        result.update(
            pipeline_s=round(pipeline_s, 2),
            pipeline_docs_per_s=round(n / pipeline_s, 2),
            produce_s=round(produce_s, 2),
            invalid=int(metric_sum(text, "narratives_documents_invalid_total")),
            embed_s_total=round(metric_sum(text, "narratives_embed_batch_duration_seconds_sum"), 2),
            embed_batches=int(metric_sum(text, "narratives_embed_batch_duration_seconds_count")),
            cluster_s_total=round(metric_sum(text, "narratives_cluster_duration_seconds_sum"), 2),
            slides_closed=int(metric_sum(text, "narratives_slides_closed_total")),
            events=int(metric_sum(text, "narratives_events_total")),
        )

    log(f"raw SentenceTransformer.encode of the same {len(texts)} normalised texts …")
    encode_s, encode_docs_per_s = encode_rate(texts)
    log(f"encode: {encode_s:.1f}s ({encode_docs_per_s:.1f} docs/s)")
    result.update(
        encode_s=round(encode_s, 2),
        encode_docs_per_s=round(encode_docs_per_s, 2),
        ratio=round(result["pipeline_docs_per_s"] / encode_docs_per_s, 3),
        distinct_texts=unique,
        window=WINDOW_ENV,
        method=(
            "pipeline: first produce -> consumed_total==N and embedded+invalid==N (polled "
            "every 0.2 s); encode: SentenceTransformer.encode(batch_size=64, "
            "normalize_embeddings=True) of the same normalised texts, after the worker stopped"
        ),
    )
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
