"""`narratives eval`: replay a labeled stream and score it by the shared protocol.

Reads only `id`, `kind`, `text`, `published_at`, `source`, `lang` into the detector (the
pipeline's decoder ignores the rest); the answer key (`label`, `scored`) is read separately
here, after the replay, for scoring.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.replay import assignment_label, replay_file
from agents.settings import Settings
from streams.embed import Embedder
from streams.scoring import Detection, GoldDoc, score

#: The two levels a replay can report (issue item 5): fine narratives and their stories.
LEVELS = ("narrative", "story")
#: The figures that depend on the level; detection delay does not (it reads events' members).
LEVEL_FIGURES = (
    "b3_precision",
    "b3_recall",
    "b3_f1",
    "ami",
    "ari",
    "noise_recall",
    "noise_in_narratives",
    "ids_per_gold",
    "major_ids_per_gold",
    "foreign_ids_per_gold",
    "id_handovers",
    "assigned_docs",
)


def assignments_by_level(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Each document's last reported id at both levels, from events in publication order.

    The same rule as the replay's assignments file (members and attached documents, the
    latest event wins, `assignment_label`), so the configured level here equals the file and
    one replay scores both levels: claim-level gold is read against narratives, event-level
    gold (a crisis) against stories.
    """
    by_level: dict[str, dict[str, str]] = {level: {} for level in LEVELS}
    for event in events:
        members = (*event.get("member_ids", ()), *event.get("attached_ids", ()))
        for level, assigned in by_level.items():
            label = assignment_label(event["narrative_id"], event.get("story_id"), level)
            for member in members:
                assigned[member] = label
    return by_level


def _read_events(path: Path, detections: Mapping[str, list[Detection]]) -> Iterator[dict[str, Any]]:
    """Events one at a time (a dense stream's events file holds every member list), noting
    each event with members in `detections[level]` on the way, under the id it reports them
    at that level, so one pass serves both uses."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event["member_ids"]:
                end = datetime.fromisoformat(event["window"]["end"].replace("Z", "+00:00"))
                time, members = end.timestamp(), tuple(event["member_ids"])
                for level, found in detections.items():
                    label = assignment_label(event["narrative_id"], event.get("story_id"), level)
                    found.append(Detection(time, members, label))
            yield event


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
    detections: dict[str, list[Detection]] = {level: [] for level in LEVELS}
    by_level = assignments_by_level(_read_events(events_path, detections))
    gold = load_gold(input_path)
    scores = score(gold, assignments, detections[settings.assignment_level])
    levels = {}
    for level, by_doc in by_level.items():
        figures = score(gold, by_doc, detections[level]).to_dict()
        levels[level] = {name: figures[name] for name in LEVEL_FIGURES}
    return {
        "stream": str(input_path),
        **scores.to_dict(),
        "assignment_level": settings.assignment_level,
        "levels": levels,
        "events": summary.events,
        "narratives": summary.narratives,
        "documents": summary.documents,
        "seconds": round(elapsed, 1),
        "docs_per_s": round(summary.documents / elapsed, 1) if elapsed else None,
        "window_length_s": settings.window_length_s,
        "window_slide_s": settings.window_slide_s,
        "output_dir": str(work),
    }
