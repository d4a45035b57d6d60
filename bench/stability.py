"""How much of a quality change is noise: scores under perturbations that should not matter.

Usage: python bench/stability.py [--data ../shared/data] [--only NAME] [--seeds 2]
                                 [--sigma 0.001]

Why: on crisislex-t26 the incremental regime's B³ F1 moved from 0.631 to 0.581 when HDBSCAN
built its spanning tree with another exact algorithm, and to 0.596 / 0.615 with 10⁻³ noise on
the vectors (docs/measurements.md, sixth session). Mutual-reachability distances tie often, so
tiny changes break ties differently, and a regime that carries a slide's choices into the
next can amplify them. A change to the detector is only worth keeping when it moves the score
by more than this spread, so the spread is measured, not assumed.

For each stream (window from `streams.profile.choose_profile`, other settings from
NARRATIVES_* as everywhere), the detector replays the bench embedding cache once as it is
(seed 0) and once per seed with every vector moved by Gaussian noise of `--sigma` per
coordinate, re-normalised and stored as float16 like the window does. Each run is scored by
`streams.scoring`; one JSON line per run, then a final line with each stream's mean, min, max
and spread (max − min) of B³ F1, noise recall and ids per gold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    DEFAULT_DATA,
    EmbeddedStream,
    cached_embeddings,
    emit,
    labeled_streams,
    log,
    profiled_settings,
)
from baseline import CachedVectorsEmbedder

from agents.evaluate import evaluate

#: The scores whose spread is reported.
FIGURES = (
    "b3_f1",
    "b3_precision",
    "b3_recall",
    "noise_recall",
    "ids_per_gold",
    "major_ids_per_gold",
    "foreign_ids_per_gold",
    "id_handovers",
    "detection_lag_after_10th_median_s",
)


def perturbed(embedded: EmbeddedStream, seed: int, sigma: float) -> EmbeddedStream:
    """The same stream with every vector moved by N(0, sigma²) noise; seed 0 leaves it as is."""
    if seed == 0:
        return embedded
    rng = np.random.default_rng(seed)
    vectors = embedded.vectors.astype(np.float32)
    vectors += rng.normal(0.0, sigma, vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return dataclasses.replace(embedded, vectors=vectors.astype(np.float16))


def summary(values: list[float | None]) -> dict[str, float | None]:
    """Mean, min, max and spread of the runs' values (None where a figure does not apply)."""
    known = [v for v in values if v is not None]
    if not known:
        return {"mean": None, "min": None, "max": None, "spread": None}
    return {
        "mean": round(statistics.fmean(known), 4),
        "min": round(min(known), 4),
        "max": round(max(known), 4),
        "spread": round(max(known) - min(known), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="only this stream (folder name)")
    parser.add_argument("--seeds", type=int, default=2, help="perturbed runs per stream")
    parser.add_argument("--sigma", type=float, default=1e-3, help="noise per coordinate")
    args = parser.parse_args(argv)
    streams = labeled_streams(args.data, args.only)
    if not streams:
        print(f"no */stream.jsonl under {args.data}", file=sys.stderr)
        return 1
    result: dict[str, Any] = {"bench": "stability", "sigma": args.sigma, "streams": {}}
    for stream in streams:
        name = stream.parent.name
        profile, settings = profiled_settings(stream)
        embedded = cached_embeddings(stream, settings.model)
        runs: list[dict[str, Any]] = []
        for seed in range(args.seeds + 1):
            log(f"{name}: run {seed} ({'as cached' if seed == 0 else f'noise seed {seed}'})")
            embedder = CachedVectorsEmbedder(perturbed(embedded, seed, args.sigma))
            row = evaluate(settings, stream, embedder=embedder)
            run = {"stream": name, "seed": seed, **{k: row.get(k) for k in FIGURES}}
            runs.append(run)
            print(json.dumps(run), flush=True)
        result["streams"][name] = {
            "profile": profile.name,
            "runs": len(runs),
            **{k: summary([r[k] for r in runs]) for k in FIGURES},
        }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
