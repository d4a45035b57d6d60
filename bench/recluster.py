"""Time per slide for big windows, side by side with naive HDBSCAN on the raw vectors.

Usage: python bench/recluster.py [--data ../shared/data] [--sizes 20000,50000,100000]
                                 [--skip-naive] [--naive-timeout 900]

Windows are made of REAL embeddings: crisislex-t26 embedded once with the pipeline's
embedder and cached as float16 under ~/.cache/narrative-detector/bench/ (outside the repo;
the first run takes several minutes). The 20k window is the first 20,000 documents of the
stream (a real contiguous window); larger windows repeat the stream with tiny deterministic
Gaussian noise (sigma 0.002 per coordinate, rows re-normalised), under new ids.

For each size, one `Detector` slide close (clustering + tracking + stories + describe +
events) of a window holding exactly those documents, timed as a whole (`s_<N>k`), with the
clusterer's `fit_predict` timed inside it (`cluster_s_<N>k`). In the same run, the naive
baseline `hdbscan.HDBSCAN(min_cluster_size=10)` on the raw 384-d vectors of the 20k window
(`naive_s_20k`), in a child process killed after --naive-timeout (then null).
B³ precision/recall/F1 of both label sets against the gold labels of the 20k window
(documents with a gold label; noise = singleton), via streams.scoring.b_cubed.
The last stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import DEFAULT_DATA, EmbeddedStream, cached_embeddings, emit, log, stream_path

from streams.cluster import HdbscanClusterer, HdbscanParams, Labels
from streams.detector import Detector, DetectorParams
from streams.documents import Document
from streams.scoring import b_cubed
from streams.window import WindowConfig

NOISE_SIGMA = 0.002
#: One slide holds everything: boundaries every ~31.7 years, so any 2023 stream is one slide.
ONE_SLIDE = WindowConfig(length_s=1e9, slide_s=1e9, allowed_lateness_s=0.0, max_docs=1_000_000)


class _NoEmbedder:
    """The detector's embedder slot; the bench adds pre-computed vectors to the window."""

    model_id = "all-MiniLM-L6-v2"
    dimension = 384

    def embed(self, texts: Any) -> npt.NDArray[np.float32]:
        raise AssertionError("not used: vectors come from the cache")


@dataclass
class _TimedClusterer:
    """HdbscanClusterer, remembering how long fit_predict took and what it returned."""

    inner: HdbscanClusterer
    seconds: float = 0.0
    labels: Labels = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        started = time.perf_counter()
        self.labels = self.inner.fit_predict(vectors)
        self.seconds = time.perf_counter() - started
        return self.labels


def tiled(stream: EmbeddedStream, size: int) -> tuple[list[int], npt.NDArray[np.float32]]:
    """Row indices into the stream and the vectors of a `size`-document window."""
    n = len(stream.ids)
    rows = [i % n for i in range(size)]
    vectors = stream.vectors[rows].astype(np.float32)
    if size > n:
        rng = np.random.default_rng(20240501)
        extra = vectors[n:] + rng.normal(0.0, NOISE_SIGMA, size=vectors[n:].shape)
        extra /= np.linalg.norm(extra, axis=1, keepdims=True)
        vectors[n:] = extra.astype(np.float32)
    return rows, vectors


def slide_close(
    stream: EmbeddedStream, rows: list[int], vectors: npt.NDArray[np.float32]
) -> tuple[float, float, Labels, int]:
    """(slide seconds, fit_predict seconds, labels in input order, events) of one close."""
    clusterer = _TimedClusterer(HdbscanClusterer(HdbscanParams()))
    detector = Detector(DetectorParams(window=ONE_SLIDE), _NoEmbedder(), clusterer)
    n = len(stream.ids)
    for position, (row, vector) in enumerate(zip(rows, vectors, strict=True)):
        copy = position // n
        doc = Document(
            doc_id=stream.ids[row] if copy == 0 else f"{stream.ids[row]}#{copy}",
            kind="post",
            text=stream.texts[row],
            time=stream.times[row],
            source="twitter",
        )
        detector.window.add(doc, vector)
    # The slide orders documents by (time, id); map labels back to input order.
    order = sorted(
        range(len(rows)), key=lambda p: (stream.times[rows[p]], _doc_id(stream, rows, p))
    )
    started = time.perf_counter()
    events = detector.advance(flush=True)
    seconds = time.perf_counter() - started
    labels = np.empty(len(rows), dtype=np.int64)
    labels[order] = clusterer.labels
    return seconds, clusterer.seconds, labels, len(events)


def _doc_id(stream: EmbeddedStream, rows: list[int], position: int) -> str:
    copy = position // len(stream.ids)
    base = stream.ids[rows[position]]
    return base if copy == 0 else f"{base}#{copy}"


def b3(stream: EmbeddedStream, rows: list[int], labels: Labels) -> dict[str, float]:
    gold: list[str] = []
    predicted: list[str] = []
    for position, row in enumerate(rows):
        label = stream.labels[row]
        if label is None:
            continue
        gold.append(label)
        cluster = int(labels[position])
        predicted.append(f"c{cluster}" if cluster >= 0 else f"doc{position}")
    precision, recall, f1 = b_cubed(gold, predicted)
    return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4)}


def naive(vectors: npt.NDArray[np.float32], timeout_s: float) -> tuple[float, Labels] | None:
    """hdbscan.HDBSCAN(min_cluster_size=10) on raw vectors in a child process (killable)."""
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as tmp:
        src, dst = Path(tmp) / "x.npy", Path(tmp) / "labels.npy"
        np.save(src, vectors)
        code = (
            "import sys, time, numpy as np, hdbscan\n"
            "x = np.load(sys.argv[1])\n"
            "t = time.perf_counter()\n"
            "labels = hdbscan.HDBSCAN(min_cluster_size=10).fit_predict(x)\n"
            "np.save(sys.argv[2], np.asarray(labels, dtype=np.int64))\n"
            "print(time.perf_counter() - t)\n"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, str(src), str(dst)],
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return None
        return float(done.stdout.strip().splitlines()[-1]), np.load(dst)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="20000,50000,100000")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--naive-timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    stream = cached_embeddings(stream_path(args.data, "crisislex-t26"))
    result: dict[str, Any] = {"bench": "recluster", "stream": "crisislex-t26"}
    gold_size = min(sizes)
    for size in sizes:
        key = f"{size // 1000}k"
        rows, vectors = tiled(stream, size)
        log(f"window of {size} documents: one slide close …")
        slide_s, cluster_s, labels, events = slide_close(stream, rows, vectors)
        clusters = int(labels.max()) + 1 if labels.size else 0
        noise = float((labels < 0).mean()) if labels.size else 0.0
        log(
            f"  slide {slide_s:.1f}s (fit_predict {cluster_s:.1f}s), {clusters} clusters, "
            f"noise {noise:.0%}, {events} events"
        )
        result[f"s_{key}"] = round(slide_s, 2)
        result[f"cluster_s_{key}"] = round(cluster_s, 2)
        result[f"clusters_{key}"] = clusters
        if size == gold_size:
            result[f"b3_{key}"] = b3(stream, rows, labels)
            log(f"  B³ vs gold: {result[f'b3_{key}']}")

    key = f"{gold_size // 1000}k"
    result[f"naive_s_{key}"] = None
    if args.skip_naive:
        result["naive"] = "skipped (--skip-naive)"
    else:
        rows, vectors = tiled(stream, gold_size)
        log(f"naive hdbscan.HDBSCAN(min_cluster_size=10) on {gold_size}×384 raw vectors …")
        outcome = naive(vectors, args.naive_timeout)
        if outcome is None:
            result["naive"] = f"timed out after {args.naive_timeout:.0f}s (reported null)"
            log(f"  {result['naive']}")
        else:
            seconds, labels = outcome
            result[f"naive_s_{key}"] = round(seconds, 2)
            result[f"naive_b3_{key}"] = b3(stream, rows, labels)
            result[f"naive_clusters_{key}"] = int(labels.max()) + 1
            result["naive"] = "hdbscan.HDBSCAN(min_cluster_size=10).fit_predict, 384-d float32"
            log(f"  naive {seconds:.1f}s, B³ {result[f'naive_b3_{key}']}")
    result["notes"] = (
        "s_<N>k = one Detector slide close (fit_predict + track + stories + describe + events); "
        "cluster_s_<N>k = HdbscanClusterer.fit_predict alone (PCA-32 + exact HDBSCAN, "
        "min_cluster_size 10, min_samples 5), measured inside that close; naive_s = plain "
        "hdbscan on raw 384-d vectors; windows > stream length tile it with sigma "
        f"{NOISE_SIGMA} noise"
    )
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
