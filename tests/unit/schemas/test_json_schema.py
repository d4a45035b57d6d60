"""The JSON Schema files are the contract other languages validate against: keep them honest.

- sync: every committed file under schemas/json/ is exactly what `schemas.export.render` makes
  from the pydantic models today (after a model change, run `python -m schemas.export`);
- each file is a valid Draft 2020-12 schema;
- what the detector really emits validates against narrative-event.schema.json, and what the
  decoder accepts from the shared evaluation streams validates against post.schema.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from schemas.codec import DecodeError, dead_letter, decode_record
from schemas.export import MODELS, path_for, render
from schemas.records import Post
from streams.detector import Detector, DetectorParams
from streams.documents import Document, from_record
from streams.embed import Embedder
from streams.track import TrackerConfig
from streams.window import WindowConfig

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHARED_STREAMS = ["mide22-en", "crisislex-t26"]
NAMES = sorted(MODELS)


def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path_for(name).read_text(encoding="utf-8"))
    return schema


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        load_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_every_model_has_a_committed_schema_file_and_no_file_is_orphaned() -> None:
    committed = {p.name for p in path_for(NAMES[0]).parent.glob("*.schema.json")}
    assert committed == {path_for(name).name for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_committed_schema_is_in_sync_with_the_models(name: str) -> None:
    committed = path_for(name).read_text(encoding="utf-8")
    assert committed == render(name), (
        f"{path_for(name)} is stale: run `python -m schemas.export` and commit the result"
    )


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"urn:narrative-detector:schema:{name}:v{schema['x-version'][0]}"


# --- what the code produces validates against what the files promise -------------------------

HOUR = 3600.0
START = datetime(2023, 5, 11, tzinfo=UTC).timestamp()


def _detector_events(embedder: Embedder) -> list[dict[str, Any]]:
    """A short run with two topics, one of which stops early, so several event types appear."""
    topics = {
        "flood": ["flood", "river", "dam", "levee", "evacuation", "rainfall"],
        "vote": ["ballot", "fraud", "voting", "machine", "recount", "precinct"],
    }
    docs = []
    for t, (topic, words) in enumerate(topics.items()):
        for i in range(30):
            text = " ".join(words[(i + k) % len(words)] for k in range(4)) + f" tag{i}"
            time = START + t * 2 * HOUR + i * 120.0
            docs.append(Document(f"{topic}-{i:02d}", "post", text, time, "twitter", "en"))
    for h in range(16):
        docs.append(Document(f"tick-{h:02d}", "post", f"unrelated chatter {h}", START + h * HOUR))
    docs.sort(key=lambda d: (d.time, d.doc_id))
    params = DetectorParams(
        window=WindowConfig(length_s=4 * HOUR, slide_s=HOUR, allowed_lateness_s=0.0),
        tracker=TrackerConfig(fade_after_s=2 * HOUR),
    )
    detector = Detector(params, embedder)
    events = []
    for i in range(0, len(docs), 10):
        detector.ingest(docs[i : i + 10])
        events.extend(detector.advance())
    events.extend(detector.advance(flush=True))
    return [json.loads(e.model_dump_json()) for e in events]


@pytest.fixture(scope="module")
def detector_events(fake_embedder_factory: Callable[[], Embedder]) -> list[dict[str, Any]]:
    return _detector_events(fake_embedder_factory())


def test_events_from_a_detector_run_validate_against_the_event_schema(
    detector_events: list[dict[str, Any]],
) -> None:
    assert {"emerged", "faded"} <= {e["type"] for e in detector_events}
    check = validator("narrative-event")
    for event in detector_events:
        check.validate(event)


def test_event_schema_rejects_what_the_model_rejects(
    detector_events: list[dict[str, Any]],
) -> None:
    check = validator("narrative-event")
    event = detector_events[0]
    assert check.is_valid(event)
    for broken in (
        {**event, "type": "exploded"},
        {**event, "version": 0},
        {**event, "unexpected": 1},
        {k: v for k, v in event.items() if k != "narrative_id"},
    ):
        assert not check.is_valid(broken)


def test_dead_letters_validate_against_the_dead_letter_schema() -> None:
    check = validator("dead-letter")
    for raw in (b"\xff", b"[]", b'{"id": "a", "kind": "video"}', b"x" * 10_000):
        with pytest.raises(DecodeError) as info:
            decode_record(raw, "post")
        check.validate(json.loads(dead_letter(raw, info.value, topic="posts").model_dump_json()))


@pytest.mark.parametrize("stream", SHARED_STREAMS)
def test_a_line_of_each_shared_stream_decodes_as_a_post(stream: str) -> None:
    path = SHARED / "data" / stream / "stream.jsonl"
    if not path.is_file():
        pytest.skip(f"shared evaluation stream {path} is not present on this machine")
    with path.open("rb") as lines:
        raw = lines.readline().rstrip(b"\n")
    record = decode_record(raw, "post")
    assert isinstance(record, Post)
    assert record.id == json.loads(raw)["id"]
    # Extra fields (labels, provenance) are ignored, and what the producer sent is valid
    # against the schema producers in other languages validate with.
    validator("post").validate(json.loads(raw))
    assert from_record(record).text
