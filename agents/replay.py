"""Offline replay: a JSONL stream through the same pipeline as the live worker, with no Kafka.

Analysts use it to re-run history deterministically (same file, same settings → byte-identical
events) and to score the detector on labeled streams. Besides the events it writes one
assignment per input document: the narrative the document was last reported in, or null.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agents.pipeline import Pipeline, RawRecord
from agents.settings import Settings
from schemas.alerts import NarrativeAlert
from schemas.events import NarrativeEvent
from streams.embed import Embedder


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    records: int
    documents: int
    dead_letters: int
    events: int
    narratives: int
    assigned: int
    alerts: int = 0


def assignment_label(narrative_id: str, story_id: str | None, level: str) -> str:
    """The id a document is reported under at `level`: its story (falling back to the
    narrative when ungrouped) or its narrative. One rule for the assignments file and for
    `narratives eval`'s scoring of both levels, so the two never disagree."""
    return (story_id or narrative_id) if level == "story" else narrative_id


def _batches(lines: IO[str], size: int, topic: str) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        batch.append(RawRecord(value=line.rstrip("\n"), topic=topic, offset=number))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _doc_id(raw: str) -> str | None:
    try:
        value = json.loads(raw).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def replay_file(
    settings: Settings,
    input_path: Path,
    events_path: Path,
    assignments_path: Path | None = None,
    dead_letters_path: Path | None = None,
    *,
    embedder: Embedder | None = None,
    alerts_path: Path | None = None,
    commands_path: Path | None = None,
    audit_path: Path | None = None,
) -> ReplaySummary:
    """Replay `input_path` and write events (and assignments, dead letters, alerts) as JSONL.

    `commands_path` is a JSONL file of curation commands applied in their slides (as the
    commands topic would be), and `audit_path` receives their audit records.
    """
    pipeline = Pipeline(settings, embedder)
    if commands_path is not None:
        with commands_path.open(encoding="utf-8") as lines:
            refused = pipeline.submit_commands(
                [
                    RawRecord(value=line.rstrip("\n"), topic="commands", offset=number)
                    for number, line in enumerate(lines)
                    if line.strip()
                ]
            )
        if refused:
            raise ValueError(
                f"{commands_path}: {len(refused)} invalid commands, first at line "
                f"{(refused[0].offset or 0) + 1}: {refused[0].error}"
            )
    audit_out = audit_path.open("w", encoding="utf-8") if audit_path else None
    order: list[str] = []
    assigned: dict[str, str] = {}
    records = documents = dead = events = 0
    narratives: set[str] = set()

    def take(batch_events: list[NarrativeEvent], out: IO[str]) -> None:
        nonlocal events
        for event in batch_events:
            out.write(event.model_dump_json() + "\n")
            narratives.add(event.narrative_id)
            # Assignments name the story (falling back to the narrative when ungrouped) or the
            # narrative, per NARRATIVES_ASSIGNMENT_LEVEL.
            label = assignment_label(event.narrative_id, event.story_id, settings.assignment_level)
            # Attached documents (noise inside the narrative's extent) are reported on it too.
            for member in (*event.member_ids, *event.attached_ids):
                assigned[member] = label
        events += len(batch_events)

    dl_out = dead_letters_path.open("w", encoding="utf-8") if dead_letters_path else None
    alerts_out = alerts_path.open("w", encoding="utf-8") if alerts_path else None
    alerts = 0

    def take_alerts(batch_alerts: list[NarrativeAlert]) -> None:
        nonlocal alerts
        alerts += len(batch_alerts)
        if alerts_out is not None:
            for alert in batch_alerts:
                alerts_out.write(alert.model_dump_json() + "\n")

    try:
        with (
            input_path.open(encoding="utf-8", errors="surrogateescape") as lines,
            events_path.open("w", encoding="utf-8") as out,
        ):
            for batch in _batches(lines, settings.batch_size, settings.posts_topic):
                records += len(batch)
                for record in batch:
                    doc_id = _doc_id(str(record.value))
                    if doc_id is not None:
                        order.append(doc_id)
                result = pipeline.process(batch)
                documents += result.documents
                dead += len(result.dead_letters)
                if dl_out is not None:
                    for letter in result.dead_letters:
                        dl_out.write(letter.model_dump_json() + "\n")
                take(result.events, out)
                take_alerts(result.alerts)
                if audit_out is not None:
                    audit_out.writelines(r.model_dump_json() + "\n" for r in result.audit)
            take(pipeline.advance(flush=True), out)
            take_alerts(pipeline.drain_alerts())
            if audit_out is not None:
                audit_out.writelines(r.model_dump_json() + "\n" for r in pipeline.drain_audit())
    finally:
        if audit_out is not None:
            audit_out.close()
        if dl_out is not None:
            dl_out.close()
        if alerts_out is not None:
            alerts_out.close()
    if assignments_path is not None:
        with assignments_path.open("w", encoding="utf-8") as out:
            seen: set[str] = set()
            for doc_id in order:
                if doc_id in seen:
                    continue
                seen.add(doc_id)
                out.write(
                    json.dumps({"doc_id": doc_id, "narrative_id": assigned.get(doc_id)}) + "\n"
                )
    return ReplaySummary(
        records=records,
        documents=documents,
        dead_letters=dead,
        events=events,
        narratives=len(narratives),
        assigned=sum(1 for d in set(order) if d in assigned),
        alerts=alerts,
    )
