"""BERTopic with its defaults on a whole labeled stream, scored by the project's own protocol.

Usage: python bench/baseline.py [--data ../shared/data] [--only NAME] [--seed 42]
(`bench/eval_all.py` calls `bertopic_row` for every stream, beside the detector's row.)

Why: the data README quotes BERTopic's B³ F1 as the reference a streaming detector is judged
against, but a number measured elsewhere cannot show whether a gap comes from the method or
from the set-up. Here BERTopic sees exactly what the detector sees:

- the **same vectors**: the bench embedding cache (`_common.cached_embeddings`: the pipeline's
  normalised text through the pipeline's embedder, float16 as the window stores them), passed
  through `embeddings=`, so BERTopic never loads a model of its own;
- the **same scoring**: `streams.scoring.score` with the answer key read by
  `agents.evaluate.load_gold`; BERTopic's topic -1 (outliers) is "unassigned", like a
  document the detector never put in a narrative, and so is a document whose normalised text
  is empty (neither method can embed it). BERTopic emits no events, so it has no delay.

It is static and has hindsight (the whole stream in one fit, no windows), which is what the
README's reference rows measured, so it is a ceiling-like reference, not a streaming rival.

BERTopic defaults (0.17.x) kept as they are: UMAP(n_neighbors=15, n_components=5,
min_dist=0.0, metric="cosine", low_memory=False), HDBSCAN(min_cluster_size=min_topic_size=10,
metric="euclidean", cluster_selection_method="eom", prediction_data=True), CountVectorizer
and c-TF-IDF for the topic words (which do not change the assignments), nr_topics=None (no
topic reduction), calculate_probabilities=False. The one change: UMAP gets `random_state`
so two runs give the same topics (UMAP then runs single-threaded, which also keeps it off the
shared development box's second core).

BERTopic is a bench-only extra (`pip install -e .[bench]`); without it `bertopic_row`
returns a row saying so and eval_all goes on with the detector's rows alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import DEFAULT_DATA, EmbeddedStream, cached_embeddings, labeled_streams, log

from agents.evaluate import load_gold
from streams.embed import Embedder
from streams.scoring import score

MISSING = (
    "BERTopic is not installed: the side-by-side baseline is skipped. "
    "Install the bench extra (pip install -e '.[bench]') to get its rows."
)


def bertopic_missing() -> str | None:
    """None when BERTopic and UMAP import, else the message to print instead of its row."""
    try:
        import bertopic  # noqa: F401
        import umap  # noqa: F401
    except ImportError:
        return MISSING
    return None


def bertopic_row(
    stream: Path, *, model: str = "all-MiniLM-L6-v2", seed: int = 42, min_topic_size: int = 10
) -> dict[str, Any]:
    """BERTopic's scores on `stream` (whole stream, hindsight), with the detector's vectors."""
    missing = bertopic_missing()
    if missing is not None:
        return {"method": "bertopic", "skipped": missing}
    from bertopic import BERTopic
    from umap import UMAP

    embedded = cached_embeddings(stream, model)
    umap_model = UMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        low_memory=False,
        random_state=seed,
    )
    topic_model = BERTopic(umap_model=umap_model, min_topic_size=min_topic_size)
    log(f"BERTopic on {len(embedded.texts)} documents of {stream.parent.name} …")
    started = time.perf_counter()
    topics, _ = topic_model.fit_transform(
        embedded.texts, embeddings=np.asarray(embedded.vectors, dtype=np.float32)
    )
    seconds = time.perf_counter() - started
    assignments: dict[str, str | None] = {
        doc_id: None if int(topic) == -1 else f"bertopic-{int(topic)}"
        for doc_id, topic in zip(embedded.ids, topics, strict=True)
    }
    scores = score(load_gold(stream), assignments)
    found = {t for t in topics if int(t) != -1}
    return {
        "method": "bertopic",
        **scores.to_dict(),
        "topics": len(found),
        "documents": len(embedded.ids),
        "seconds": round(seconds, 1),
        "params": {
            "min_topic_size": min_topic_size,
            "umap": "n_neighbors=15 n_components=5 min_dist=0 cosine",
            "umap_random_state": seed,
            "embeddings": "bench cache (pipeline vectors, float16)",
        },
    }


class CachedVectorsEmbedder:
    """An `Embedder` that answers from the bench embedding cache, encoding only misses.

    Why: eval_all's detector run and the baseline then read the same vectors, and replaying
    a 28k-post stream does not spend ~6 minutes of the shared box's two cores re-encoding
    texts already encoded once. The window stores float16 vectors, and the cache holds the
    same per-text vectors in float16, so the detector's windows (and events) are the ones a
    run with the real encoder gives. A text the cache lacks (another normalisation setting)
    goes to the real encoder, loaded on first need; `misses` counts them.
    """

    def __init__(self, embedded: EmbeddedStream, fallback: Embedder | None = None) -> None:
        self._table: dict[str, npt.NDArray[np.float16]] = {}
        for text, vector in zip(embedded.texts, embedded.vectors, strict=True):
            self._table.setdefault(text, vector)
        self._model = embedded.model
        self._dimension = int(embedded.vectors.shape[1])
        self._fallback = fallback
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        todo = [i for i, text in enumerate(texts) if text not in self._table]
        for i, text in enumerate(texts):
            vector = self._table.get(text)
            if vector is not None:
                out[i] = vector
        if todo:
            if self._fallback is None:
                from agents.pipeline import build_embedder
                from agents.settings import Settings

                self._fallback = build_embedder(Settings(model=self._model))
            out[todo] = self._fallback.embed([texts[i] for i in todo])
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="only this stream (folder name)")
    parser.add_argument("--seed", type=int, default=42, help="UMAP random_state")
    args = parser.parse_args(argv)
    missing = bertopic_missing()
    if missing is not None:
        print(missing, file=sys.stderr)
        return 2
    streams = labeled_streams(args.data, args.only)
    rows = {}
    for stream in streams:
        rows[stream.parent.name] = bertopic_row(stream, seed=args.seed)
        print(json.dumps({"stream": stream.parent.name, **rows[stream.parent.name]}), flush=True)
    print(json.dumps({"bench": "baseline", "streams": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
