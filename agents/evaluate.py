"""`narratives eval`: replay a labeled stream and score it by the shared protocol.

Reads only `id`, `kind`, `text`, `published_at`, `source`, `lang` into the detector (the
pipeline's decoder ignores the rest); the answer key (`label`, `scored`) is read separately
here, after the replay, for scoring.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.replay import replay_file
from agents.settings import Settings
from streams.embed import Embedder
from streams.scoring import Detection, GoldDoc, score


def load_gold(path: Path) -> list[GoldDoc]:
    gold: list[GoldDoc] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            stamp = datetime.fromisoformat(record["published_at"].replace("Z", "+00:00"))
            gold.append(
                GoldDoc(
                    doc_id=record["id"],
                    label=record.get("label"),
                    scored=record.get("scored", True) is not False,
                    time=stamp.timestamp(),
                )
            )
    return gold


def evaluate(
    settings: Settings,
    input_path: Path,
    *,
    embedder: Embedder | None = None,
    keep_dir: Path | None = None,
) -> dict[str, Any]:
    """Replay `input_path` and return the protocol's metrics plus throughput, as a dict."""
    work = keep_dir or Path(tempfile.mkdtemp(prefix="narratives-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    events_path, assignments_path = work / "events.jsonl", work / "assignments.jsonl"
    started = time.perf_counter()
    summary = replay_file(settings, input_path, events_path, assignments_path, embedder=embedder)
    elapsed = time.perf_counter() - started
    assignments: dict[str, str | None] = {}
    with assignments_path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            assignments[row["doc_id"]] = row["narrative_id"]
    detections: list[Detection] = []
    with events_path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event["member_ids"]:
                end = datetime.fromisoformat(event["window"]["end"].replace("Z", "+00:00"))
                detections.append(Detection(end.timestamp(), tuple(event["member_ids"])))
    scores = score(load_gold(input_path), assignments, detections)
    return {
        "stream": str(input_path),
        **scores.to_dict(),
        "events": summary.events,
        "narratives": summary.narratives,
        "documents": summary.documents,
        "seconds": round(elapsed, 1),
        "docs_per_s": round(summary.documents / elapsed, 1) if elapsed else None,
        "window_length_s": settings.window_length_s,
        "window_slide_s": settings.window_slide_s,
        "output_dir": str(work),
    }
