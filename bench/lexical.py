"""How much the lexical view could add: whole-stream HDBSCAN by meaning, and by meaning and words.

Usage: python bench/lexical.py [--data ../shared/data] [--only NAME] [--weights 0.3,0.5,0.7]

Why: `streams.lexical` blends TF-IDF/LSA rows of the words into what the clusterer sees.
Before judging it inside the streaming detector (`NARRATIVES_LEXICAL_WEIGHT=w
bench/eval_all.py --reuse-embeddings`), this measures the lever itself in hindsight: one
HDBSCAN run over the whole stream (the default `HdbscanClusterer`: PCA-32, min cluster size
10, min samples 5, eom), first on the bench cache's sentence vectors, then on
`streams.lexical.blend` of them with the documents' keyword tokens, scored side by side in one
run by `streams.scoring` (a row per weight). It is not a streaming method: a whole stream is
one window, which a detector never sees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import DEFAULT_DATA, cached_embeddings, labeled_streams, log

from agents.evaluate import load_gold
from streams.cluster import HdbscanClusterer
from streams.keywords import tokenize
from streams.lexical import LexicalConfig, blend
from streams.scoring import score


def rows(stream: Path, weights: list[float]) -> list[dict[str, Any]]:
    embedded = cached_embeddings(stream)
    dense = np.asarray(embedded.vectors, dtype=np.float32)
    tokens = [tokenize(text) for text in embedded.texts]
    gold = load_gold(stream)
    out: list[dict[str, Any]] = []
    for weight in [0.0, *weights]:
        started = time.perf_counter()
        matrix = blend(dense, tokens, LexicalConfig(weight=weight))
        labels = HdbscanClusterer().fit_predict(matrix)
        seconds = time.perf_counter() - started
        assignments: dict[str, str | None] = {
            doc_id: None if int(label) < 0 else f"c{int(label)}"
            for doc_id, label in zip(embedded.ids, labels, strict=True)
        }
        scores = score(gold, assignments).to_dict()
        row = {
            "stream": stream.parent.name,
            "lexical_weight": weight,
            **{k: scores[k] for k in ("b3_precision", "b3_recall", "b3_f1", "noise_recall")},
            "clusters": len({int(x) for x in labels if x >= 0}),
            "seconds": round(seconds, 1),
        }
        log(json.dumps(row))
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="evaluate only this stream (folder name)")
    parser.add_argument("--weights", default="0.3,0.5,0.7", help="lexical weights beside 0")
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",") if w.strip()]
    result = {
        stream.parent.name: rows(stream, weights)
        for stream in labeled_streams(args.data, args.only)
    }
    print(json.dumps({"bench": "lexical", "streams": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
