"""Replay every labeled stream in ../shared/data through the detector and print its scores.

Usage: python bench/eval_all.py [--data ../shared/data] [--only NAME]

One JSON line per stream (the metrics of the protocol in ../shared/data/README.md, plus
docs/s), then a final JSON line with every stream's row, so runs can be compared side by side.
Window length and slide follow `streams.profile.choose_profile` (the stream's density); the
other settings come from NARRATIVES_* like everywhere else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from agents.evaluate import evaluate, load_gold
from agents.settings import Settings
from streams.profile import choose_profile

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="evaluate only this stream (folder name)")
    args = parser.parse_args(argv)
    streams = sorted(
        p for p in args.data.glob("*/stream.jsonl") if not args.only or p.parent.name == args.only
    )
    if not streams:
        print(f"no */stream.jsonl under {args.data}", file=sys.stderr)
        return 1
    rows = {}
    for stream in streams:
        profile = choose_profile(g.time for g in load_gold(stream))
        settings = Settings(window_length_s=profile.length_s, window_slide_s=profile.slide_s)
        row = {"profile": profile.name, **evaluate(settings, stream)}
        rows[stream.parent.name] = row
        print(json.dumps({"stream": stream.parent.name, **row}), flush=True)
    print(json.dumps({"bench": "eval_all", "streams": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
