"""Time per slide of 20k, 50k and 100k-document windows, side by side with naive HDBSCAN.

Usage: python bench/recluster.py [--data ../shared/data] [--sizes 20000,50000,100000]
                                 [--slides 3] [--skip-naive] [--naive-timeout 900]

Windows are made of REAL embeddings: crisislex-t26 embedded once with the pipeline's
embedder and cached as float16 under ~/.cache/narrative-detector/bench/ (outside the repo;
the first run takes several minutes). Documents keep the stream's order; beyond its length it
is repeated with tiny deterministic Gaussian noise (sigma 0.002 per coordinate, rows
re-normalised) under new ids.

A window of N documents is a stream played through a default `Detector` with the dense
profile (24 h window, 1 h slide): event times are spaced so that 24 h hold exactly N
documents, so each slide brings N/24 new ones and drops N/24 old ones, as a busy stream would.
The window fills for 24 slides (not timed), then `--slides` slides are timed as a whole
(clustering + tracking + stories + describe + events): `s_<N>k` is their median,
`max_s_<N>k` the slowest, `cluster_s_<N>k` the clusterer's share (median).

Quality, on the 20k window at the last timed slide: B³ precision/recall/F1 against the gold
labels (documents with a gold label; noise = singleton) of the incremental labels the
detector used (`b3_20k`) and of the whole-window clusterer on the same window
(`exact_b3_20k`: PCA-32 + HDBSCAN on all 20k rows, the method before incremental
clustering), their difference `b3_f1_delta_20k`, and `exact_s_20k`, its time. In the
same run, the naive baseline `hdbscan.HDBSCAN(min_cluster_size=10)` on the raw 384-d
vectors of that window (`naive_s_20k`, `naive_b3_20k`), in a child process killed after
--naive-timeout (then null).
The last stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import statistics
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
from streams.incremental import IncrementalClusterer, IncrementalParams
from streams.profile import DENSE
from streams.scoring import b_cubed
from streams.window import WindowConfig

NOISE_SIGMA = 0.002
#: The dense profile's geometry (24 h window, 1 h slide), no lateness, no size cap.
DENSE_BENCH = WindowConfig(
    length_s=DENSE.length_s, slide_s=DENSE.slide_s, allowed_lateness_s=0.0, max_docs=10**7
)
SLIDES_PER_WINDOW = round(DENSE.length_s / DENSE.slide_s)
T0 = 1_700_006_400.0  # a slide boundary (a multiple of 3,600 s)


class _NoEmbedder:
    """The detector's embedder slot; the bench adds pre-computed vectors to the window."""

    model_id = "all-MiniLM-L6-v2"
    dimension = 384

    def embed(self, texts: Any) -> npt.NDArray[np.float32]:
        raise AssertionError("not used: vectors come from the cache")


@dataclass
class _TimedClusterer:
    """The detector's default clusterer, remembering how long each call took and its labels."""

    inner: IncrementalClusterer
    seconds: float = 0.0
    labels: Labels = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        return self.fit_predict_seeded(
            vectors, np.full(len(vectors), -1, dtype=np.int64), np.ones(len(vectors), dtype=bool)
        )

    def fit_predict_seeded(
        self, vectors: npt.NDArray[np.float32], seeds: Labels, fresh: npt.NDArray[np.bool_]
    ) -> Labels:
        started = time.perf_counter()
        self.labels = self.inner.fit_predict_seeded(vectors, seeds, fresh)
        self.seconds = time.perf_counter() - started
        return self.labels


def tiled(stream: EmbeddedStream, size: int) -> tuple[list[int], npt.NDArray[np.float32]]:
    """Row indices into the stream and the vectors of `size` documents (tiled past its end)."""
    n = len(stream.ids)
    rows = [i % n for i in range(size)]
    vectors = stream.vectors[rows].astype(np.float32)
    if size > n:
        rng = np.random.default_rng(20240501)
        extra = vectors[n:] + rng.normal(0.0, NOISE_SIGMA, size=vectors[n:].shape)
        extra /= np.linalg.norm(extra, axis=1, keepdims=True)
        vectors[n:] = extra.astype(np.float32)
    return rows, vectors


def _doc_id(stream: EmbeddedStream, rows: list[int], position: int) -> str:
    copy = position // len(stream.ids)
    base = stream.ids[rows[position]]
    return base if copy == 0 else f"{base}#{copy}"


@dataclass
class Run:
    """What one window size gave: timed slides, and the last slide's window and labels."""

    slide_s: list[float]
    cluster_s: list[float]
    positions: list[int]  # positions (into rows) of the last timed slide's documents
    labels: Labels  # the detector's labels for them
    events: int


def steady_state(
    stream: EmbeddedStream,
    size: int,
    timed_slides: int,
    incremental: IncrementalParams | None = None,
) -> tuple[Run, list[int], npt.NDArray[np.float32]]:
    """Fill a `size`-document window slide by slide, then time `timed_slides` slides."""
    incremental = incremental or IncrementalParams()
    per_slide = size // SLIDES_PER_WINDOW
    total = size + per_slide * (timed_slides + 1)
    rows, vectors = tiled(stream, total)
    clusterer = _TimedClusterer(
        IncrementalClusterer(HdbscanClusterer(HdbscanParams()), incremental)
    )
    params = DetectorParams(window=DENSE_BENCH, incremental=incremental)
    detector = Detector(params, _NoEmbedder(), clusterer)
    spacing = DENSE_BENCH.length_s / size
    run = Run([], [], [], np.zeros(0, dtype=np.int64), 0)
    next_log = time.monotonic()
    for position in range(total):
        doc = Document(
            doc_id=_doc_id(stream, rows, position),
            kind="post",
            text=stream.texts[rows[position]],
            time=T0 + position * spacing,
            source="twitter",
        )
        detector.window.add(doc, vectors[position])
        if (position + 1) % per_slide:
            continue
        filled = position + 1 >= size + per_slide
        started = time.perf_counter()
        events = detector.advance()
        seconds = time.perf_counter() - started
        if not events and detector.last_slide is None:
            continue
        if time.monotonic() >= next_log or filled:
            held = detector.last_slide.documents if detector.last_slide else 0
            log(f"  slide of {held} documents: {seconds:.2f}s ({clusterer.seconds:.2f}s cluster)")
            next_log = time.monotonic() + 15
        if filled and len(run.slide_s) < timed_slides:
            run.slide_s.append(seconds)
            run.cluster_s.append(clusterer.seconds)
            run.events += len(events)
            end = detector.last_slide.end if detector.last_slide else 0.0
            run.positions = [
                p for p in range(total) if end - DENSE_BENCH.length_s <= T0 + p * spacing < end
            ]
            run.labels = clusterer.labels.copy()
        if len(run.slide_s) == timed_slides:
            break
    return run, rows, vectors


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
    parser.add_argument("--slides", type=int, default=3, help="timed slides per size")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--naive-timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    stream = cached_embeddings(stream_path(args.data, "crisislex-t26"))
    result: dict[str, Any] = {"bench": "recluster", "stream": "crisislex-t26"}
    gold_size = min(sizes)
    gold_window: tuple[list[int], npt.NDArray[np.float32]] | None = None
    for size in sizes:
        key = f"{size // 1000}k"
        log(f"window of {size} documents: filling, then timing {args.slides} slides …")
        run, rows, vectors = steady_state(stream, size, args.slides)
        labels = run.labels
        clusters = len(set(labels[labels >= 0].tolist()))
        log(
            f"  median slide {statistics.median(run.slide_s):.2f}s, max {max(run.slide_s):.2f}s "
            f"(clusterer {statistics.median(run.cluster_s):.2f}s); {clusters} clusters, "
            f"noise {float((labels < 0).mean()):.0%}, {run.events} events"
        )
        result[f"s_{key}"] = round(statistics.median(run.slide_s), 3)
        result[f"max_s_{key}"] = round(max(run.slide_s), 3)
        result[f"cluster_s_{key}"] = round(statistics.median(run.cluster_s), 3)
        result[f"window_docs_{key}"] = len(run.positions)
        result[f"clusters_{key}"] = clusters
        if size == gold_size:
            window_rows = [rows[p] for p in run.positions]
            matrix = vectors[run.positions]
            gold_window = (window_rows, matrix)
            result[f"b3_{key}"] = b3(stream, window_rows, labels)
            log(f"  B³ vs gold (incremental): {result[f'b3_{key}']}")
            started = time.perf_counter()
            exact = HdbscanClusterer(HdbscanParams()).fit_predict(matrix)
            result[f"exact_s_{key}"] = round(time.perf_counter() - started, 2)
            result[f"exact_b3_{key}"] = b3(stream, window_rows, exact)
            log(
                f"  whole-window PCA-32 + HDBSCAN: {result[f'exact_s_{key}']}s, "
                f"B³ {result[f'exact_b3_{key}']}"
            )
            result[f"b3_f1_delta_{key}"] = round(
                result[f"b3_{key}"]["f1"] - result[f"exact_b3_{key}"]["f1"], 4
            )

    key = f"{gold_size // 1000}k"
    result[f"naive_s_{key}"] = None
    if args.skip_naive or gold_window is None:
        result["naive"] = "skipped (--skip-naive)"
    else:
        window_rows, matrix = gold_window
        log(f"naive hdbscan.HDBSCAN(min_cluster_size=10) on {len(matrix)}×384 raw vectors …")
        outcome = naive(matrix, args.naive_timeout)
        if outcome is None:
            result["naive"] = f"timed out after {args.naive_timeout:.0f}s (reported null)"
            log(f"  {result['naive']}")
        else:
            seconds, naive_labels = outcome
            result[f"naive_s_{key}"] = round(seconds, 2)
            result[f"naive_b3_{key}"] = b3(stream, window_rows, naive_labels)
            result["naive"] = "hdbscan.HDBSCAN(min_cluster_size=10).fit_predict, 384-d float32"
            log(f"  naive {seconds:.1f}s, B³ {result[f'naive_b3_{key}']}")
    if result.get(f"naive_s_{key}"):
        result[f"speedup_vs_naive_{key}"] = round(result[f"naive_s_{key}"] / result[f"s_{key}"], 1)
    defaults = IncrementalParams()
    result["notes"] = (
        "s_<N>k = median time of a steady-state default Detector slide (24 h window, 1 h "
        f"slide, N/24 new documents per slide): windows above {defaults.whole_max:,} "
        "documents clustered incrementally (streams.incremental: seeds kept, new documents "
        f"assigned by cluster radius, local HDBSCAN on at most {defaults.max_points:,} points) "
        "+ track + stories + describe + events; "
        "exact = PCA-32 + HDBSCAN on the whole window (what windows up to the whole-window "
        "bound get); "
        "naive = plain hdbscan on raw 384-d vectors; windows > stream length tile it with "
        f"sigma {NOISE_SIGMA} noise"
    )
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
