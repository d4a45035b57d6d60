"""Replay every labeled stream in ../shared/data through the detector and print its scores.

Usage: python bench/eval_all.py [--data ../shared/data] [--only NAME] [--no-baseline]
                                 [--reuse-embeddings]

One JSON line per stream (the metrics of the protocol in ../shared/data/README.md, plus
docs/s), then a final JSON line with every stream's row, so runs can be compared side by side.
Window length and slide follow `streams.profile.choose_profile` (the stream's density); the
other settings come from NARRATIVES_* like everywhere else.

Beside each stream's row, BERTopic with its defaults on the same stream (bench/baseline.py:
whole stream with hindsight, the same vectors, the same scoring) gives a second line, and the
final line's `side_by_side` puts the main figures of both our levels (narratives and their
stories, from one replay) and BERTopic's next to each other, so a change of
ours is read against the reference method on this machine rather than against a number from
elsewhere. BERTopic is the optional `bench` extra; without it a clear message is printed and
only our rows come out. `--no-baseline` skips it. `--reuse-embeddings` feeds our detector the
vectors of the bench embedding cache instead of encoding again (the same vectors, so the same
events; docs/s then leaves the encoder out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _common import DEFAULT_DATA, cached_embeddings, labeled_streams, profiled_settings
from baseline import CachedVectorsEmbedder, bertopic_missing, bertopic_row

from agents.evaluate import LEVEL_FIGURES, evaluate
from streams.embed import Embedder

#: The figures put next to each other in the final line's `side_by_side`: the level-dependent
#: ones, less the noise share and the assigned count (BERTopic's differ by construction).
SIDE_BY_SIDE = tuple(k for k in LEVEL_FIGURES if k not in {"noise_in_narratives", "assigned_docs"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="evaluate only this stream (folder name)")
    parser.add_argument("--no-baseline", action="store_true", help="skip BERTopic's rows")
    parser.add_argument(
        "--reuse-embeddings",
        action="store_true",
        help="our detector reads the bench embedding cache instead of encoding",
    )
    parser.add_argument("--seed", type=int, default=42, help="BERTopic's UMAP random_state")
    args = parser.parse_args(argv)
    streams = labeled_streams(args.data, args.only)
    if not streams:
        print(f"no */stream.jsonl under {args.data}", file=sys.stderr)
        return 1
    baseline = not args.no_baseline
    if baseline and (missing := bertopic_missing()) is not None:
        print(missing, file=sys.stderr)
        baseline = False
    rows = {}
    baseline_rows = {}
    for stream in streams:
        profile, settings = profiled_settings(stream)
        embedder: Embedder | None = None
        if args.reuse_embeddings:
            cached = CachedVectorsEmbedder(cached_embeddings(stream, settings.model))
            embedder = cached
        row = {"profile": profile.name, **evaluate(settings, stream, embedder=embedder)}
        if args.reuse_embeddings:
            row["embeddings"] = f"bench cache ({cached.misses} texts encoded)"
        rows[stream.parent.name] = row
        print(json.dumps({"stream": stream.parent.name, **row}), flush=True)
        if baseline:
            base = bertopic_row(stream, model=settings.model, seed=args.seed)
            baseline_rows[stream.parent.name] = base
            print(json.dumps({"stream": stream.parent.name, **base}), flush=True)
    result: dict[str, object] = {"bench": "eval_all", "streams": rows}
    if baseline:
        result["bertopic"] = baseline_rows
        result["side_by_side"] = {
            name: {
                **{
                    f"ours_{level}_level": {k: figures.get(k) for k in SIDE_BY_SIDE}
                    for level, figures in rows[name]["levels"].items()
                },
                "bertopic": {k: baseline_rows[name].get(k) for k in SIDE_BY_SIDE},
            }
            for name in rows
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
