"""Contracts evolve only as docs/schema-evolution.md allows, checked against released versions.

`compat/NAME-MAJOR.MINOR.schema.json` are frozen copies of released contract versions (1.0 of
the narrative event is the file as it was before 1.1). For each of them:

- the checker (`schemas.compat`) finds no breaking change from it to the current file, and a
  released version's file never changes without a version bump;
- samples of today's records, read the way an old consumer reads ("ignore unknown fields":
  drop what its schema does not declare), are valid records of the old version;
- records of the old version are valid under today's schema and today's pydantic models,
  so new consumers read old records (the topic's history, a replay, a lagging producer).

The checker itself is tested on hand-made breaking and non-breaking changes, so a test that
passes is a test that could have failed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from schemas.alerts import NarrativeAlert
from schemas.codec import DecodeError, dead_letter, decode_record
from schemas.compat import (
    breaking_changes,
    evolution_problems,
    iter_frozen,
    project,
    version_of,
)
from schemas.events import NarrativeEvent
from schemas.export import MODELS, path_for

FROZEN_DIR = Path(__file__).resolve().parent / "compat"
FROZEN = list(iter_frozen(FROZEN_DIR))
Schema = dict[str, Any]


def load(path: Path) -> Schema:
    schema: Schema = json.loads(path.read_text(encoding="utf-8"))
    return schema


def current(name: str) -> Schema:
    return load(path_for(name))


def frozen_id(item: tuple[str, str, Path]) -> str:
    return f"{item[0]}-{item[1]}"


def check(schema: Schema) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


# --- the released versions ---------------------------------------------------------------------


def test_released_versions_are_frozen_for_every_public_contract() -> None:
    names = {name for name, _, _ in FROZEN}
    assert {"narrative-event", "dead-letter", "article", "post"} <= names
    assert ("narrative-event", "1.0") in {(name, version) for name, version, _ in FROZEN}


@pytest.mark.parametrize("item", FROZEN, ids=frozen_id)
def test_frozen_file_is_named_by_its_version_and_its_contract_still_exists(
    item: tuple[str, str, Path],
) -> None:
    name, version, path = item
    schema = load(path)
    assert schema["x-version"] == version
    jsonschema.Draft202012Validator.check_schema(schema)
    assert name in MODELS, (
        f"contract {name!r} was released ({path.name}) but is no longer exported: removing a "
        "contract needs a new major version and a deprecation period (docs/schema-evolution.md)"
    )


@pytest.mark.parametrize("item", FROZEN, ids=frozen_id)
def test_current_contract_is_a_compatible_successor_of_each_released_version(
    item: tuple[str, str, Path],
) -> None:
    name, _, path = item
    problems = evolution_problems(load(path), current(name))
    assert not problems, "\n".join(
        [f"schemas/json/{name}.schema.json breaks {path.name}:", *problems]
    )


# --- samples, read both ways -----------------------------------------------------------------


def _event(**changes: Any) -> dict[str, Any]:
    """A narrative event built by today's model from the fields every version has."""
    base: dict[str, Any] = {
        "event_id": "evt-1",
        "type": "emerged",
        "narrative_id": "nar-1",
        "version": 1,
        "window": {"start": "2023-05-07T06:00:00Z", "end": "2023-05-08T06:00:00Z"},
        "size": 12,
        "counts": {"by_kind": {"post": 12}, "by_source": {"x": 12}, "by_lang": {"en": 12}},
        "keywords": [{"term": "deepfake", "score": 0.4}],
        "representatives": [
            {
                "doc_id": "d1",
                "text": "the tapes are fabricated",
                "kind": "post",
                "source": "x",
                "lang": "en",
                "published_at": "2023-05-08T05:00:00Z",
                "similarity": 0.93,
            }
        ],
        "member_ids": [f"d{i}" for i in range(1, 13)],
        "new_members": 12,
        "first_seen": "2023-05-08T01:00:00Z",
        "last_seen": "2023-05-08T05:00:00Z",
        "first_doc_id": "d1",
        "detector": {"version": "0.1.0", "model": "all-MiniLM-L6-v2", "params_version": "p1"},
        **changes,
    }
    dumped: dict[str, Any] = json.loads(NarrativeEvent.model_validate(base).model_dump_json())
    return dumped


def _dead_letters() -> list[dict[str, Any]]:
    letters = []
    for raw in (b"\xff", b"[]", b'{"id": "a", "kind": "video"}', b"x" * 10_000):
        with pytest.raises(DecodeError) as info:
            decode_record(raw, "post")
        letters.append(json.loads(dead_letter(raw, info.value, topic="posts").model_dump_json()))
    return letters


def _alerts() -> list[dict[str, Any]]:
    event = _event()
    base = {
        "alert_id": "alr-1",
        "narrative_id": event["narrative_id"],
        "event_id": event["event_id"],
        "event_type": "emerged",
        "event_version": 1,
        "raised_at": event["window"]["end"],
        "window": event["window"],
        "reasons": ["emerged"],
        "size": event["size"],
        "counts": event["counts"],
        "keywords": ["deepfake"],
        "policy": {"policy_version": "pol1", "cooldown_s": 21600.0},
        "detector": event["detector"],
    }
    burst = {**base, "event_type": "updated", "event_version": 2, "reasons": ["burst"]}
    return [json.loads(NarrativeAlert.model_validate(a).model_dump_json()) for a in (base, burst)]


SAMPLES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "narrative-event": lambda: [
        _event(),
        _event(type="updated", version=2, story_id="nar-0", new_members=3),
        _event(type="updated", version=3, attached_size=2, attached_ids=["d20", "d21"]),
        _event(type="merged", version=4, parent_ids=["nar-2"], members_truncated=True),
        _event(type="split", version=5, child_ids=["nar-3"]),
        _event(type="faded", version=6, new_members=0),
    ],
    "dead-letter": _dead_letters,
    "narrative-alert": _alerts,
    "article": lambda: [
        {"id": "a1", "published_at": "2023-05-08T05:00:00+03:00", "title": "T", "body": "B"},
        {
            "schema_version": "1.0",
            "id": "a2",
            "kind": "article",
            "published_at": "2023-05-08T05:00:00Z",
            "text": "Full text",
            "source": "example news",
            "url": "https://news.example/a2",
            "author": "someone",
            "lang": "tr",
        },
    ],
    "post": lambda: [
        {"id": "p1", "published_at": "2023-05-08T05:00:00Z", "text": "a post"},
        {"id": "p2", "published_at": "2023-05-08T05:00:00Z", "text": "x", "label": "kept"},
    ],
}
SAME_MAJOR = [
    item
    for item in FROZEN
    if item[0] in SAMPLES and version_of(current(item[0]))[0] == int(item[1].split(".")[0])
]


def test_every_released_contract_has_samples() -> None:
    assert {name for name, _, _ in FROZEN} <= set(SAMPLES)


@pytest.mark.parametrize("item", SAME_MAJOR, ids=frozen_id)
def test_old_consumers_read_todays_records(item: tuple[str, str, Path]) -> None:
    """A consumer of the old version that ignores unknown fields gets a valid old record."""
    name, _, path = item
    old = load(path)
    for record in SAMPLES[name]():
        check(current(name)).validate(record)  # the sample is a real record of today
        check(old).validate(project(record, old))


@pytest.mark.parametrize("item", SAME_MAJOR, ids=frozen_id)
def test_new_consumers_read_records_of_the_old_version(item: tuple[str, str, Path]) -> None:
    """An old record (today's, reduced to the old fields, old version) is valid today."""
    name, version, path = item
    old = load(path)
    model = MODELS[name][0]
    for record in SAMPLES[name]():
        old_record = project(record, old)
        if "schema_version" in old_record or "schema_version" in old.get("required", []):
            old_record["schema_version"] = version
        check(old).validate(old_record)
        check(current(name)).validate(old_record)
        model.model_validate(old_record)


def test_a_new_event_type_is_the_one_thing_old_consumers_must_skip() -> None:
    """1.4's `resumed` events are valid today; under every older minor the type is the only
    thing wrong with them (consumer rule 3: skip the type, count the version), and the rest of
    the record reads as before."""
    resumed = _event(type="resumed", version=7, parent_ids=["nar-0"])
    check(current("narrative-event")).validate(resumed)
    NarrativeEvent.model_validate(resumed)
    events = [item for item in SAME_MAJOR if item[0] == "narrative-event"]
    older = [item for item in events if version_of(load(item[2])) < (1, 4)]
    assert {version for _, version, _ in older} >= {"1.0", "1.3"}
    for _, _, path in older:
        old = load(path)
        errors = list(check(old).iter_errors(project(resumed, old)))
        assert [list(e.absolute_path) for e in errors] == [["type"]], path.name
        check(old).validate(project({**resumed, "type": "updated"}, old))
    # From 1.4 on the type is known: 1.5 widens when it may come (after a `faded` event too),
    # not what the record holds.
    newer = [path for _, _, path in events if version_of(load(path)) >= (1, 4)]
    assert newer, "1.4 is frozen"
    for path in newer:
        check(load(path)).validate(project(resumed, load(path)))


def test_a_resumed_event_after_a_faded_one_reads_alike_under_1_4() -> None:
    """1.5 lets `resumed` follow `faded`: the records are the ones 1.4 already described, and
    only the frozen 1.4 file's text of the `faded` type said that nothing follows."""
    frozen = load(FROZEN_DIR / "narrative-event-1.4.schema.json")
    now = current("narrative-event")
    assert breaking_changes(frozen, now) == []
    faded = _event(type="faded", version=6, new_members=0)
    back = _event(type="resumed", version=7)
    for record in (faded, back):
        check(frozen).validate(project(record, frozen))
        check(now).validate(record)
    said = now["properties"]["type"]["description"]
    assert "since 1.5 a resumed event may follow" in said
    assert "no events follow" in frozen["properties"]["type"]["description"]


# --- the checker catches what it must ---------------------------------------------------------

EVENT_1_0 = FROZEN_DIR / "narrative-event-1.0.schema.json"


def _mutated(change: Callable[[Schema], None], version: str = "1.1") -> Schema:
    schema = copy.deepcopy(load(EVENT_1_0))
    change(schema)
    schema["x-version"] = version
    return schema


def _add_optional_field(s: Schema) -> None:
    s["properties"]["label"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def _grow_enum(s: Schema) -> None:
    s["properties"]["type"]["enum"].append("revived")


def _reword(s: Schema) -> None:
    s["properties"]["size"]["description"] = "Documents in the narrative, this window."
    s["$defs"]["Window"]["title"] = "Event-time window"


def _open_to_unknown_fields(s: Schema) -> None:
    del s["additionalProperties"]


def _bump_schema_version_default(s: Schema) -> None:
    s["properties"]["schema_version"]["default"] = "1.1"


COMPATIBLE = [
    _add_optional_field,
    _grow_enum,
    _reword,
    _open_to_unknown_fields,
    _bump_schema_version_default,
]


@pytest.mark.parametrize("change", COMPATIBLE, ids=lambda f: f.__name__.strip("_"))
def test_checker_accepts_what_a_minor_version_may_do(change: Callable[[Schema], None]) -> None:
    assert evolution_problems(load(EVENT_1_0), _mutated(change)) == []


def _remove_field(s: Schema) -> None:
    del s["properties"]["story_id"]


def _rename_field(s: Schema) -> None:
    s["properties"]["narrative"] = s["properties"].pop("narrative_id")
    s["required"] = [("narrative" if r == "narrative_id" else r) for r in s["required"]]


def _new_required_field(s: Schema) -> None:
    s["properties"]["score"] = {"type": "number"}
    s["required"].append("score")


def _required_becomes_optional(s: Schema) -> None:
    s["required"].remove("first_doc_id")


def _optional_becomes_required(s: Schema) -> None:
    s["required"].append("story_id")


def _change_type(s: Schema) -> None:
    s["properties"]["size"]["type"] = "number"


def _nested_change_type(s: Schema) -> None:  # inside a $defs model reached by $ref
    s["$defs"]["Keyword"]["properties"]["score"]["type"] = "string"


def _make_nullable(s: Schema) -> None:
    s["properties"]["event_id"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}


def _shrink_enum(s: Schema) -> None:
    s["properties"]["type"]["enum"].remove("split")


def _tighten_bound(s: Schema) -> None:
    s["properties"]["version"]["maximum"] = 1000


def _add_pattern(s: Schema) -> None:
    s["properties"]["narrative_id"]["pattern"] = "^nar-[0-9a-f]{16}$"


def _close_nested_map(s: Schema) -> None:
    s["$defs"]["Counts"]["properties"]["by_kind"]["additionalProperties"] = {"type": "number"}


def _change_default(s: Schema) -> None:
    s["properties"]["members_truncated"]["default"] = True


def _change_item_type(s: Schema) -> None:
    s["properties"]["member_ids"]["items"] = {"type": "integer"}


BREAKING = {
    _remove_field: "/story_id: field removed",
    _rename_field: "/narrative_id: field removed",
    _new_required_field: "/score: newly required",
    _required_becomes_optional: "/first_doc_id: no longer required",
    _optional_becomes_required: "/story_id: newly required",
    _change_type: "/size: type changed from integer to number",
    _nested_change_type: "/keywords/[]/score: type changed",
    _make_nullable: "/event_id: type changed",
    _shrink_enum: "/type: enum values removed: ['split']",
    _tighten_bound: "/version: maximum changed",
    _add_pattern: "/narrative_id: pattern changed",
    _close_nested_map: "/counts/by_kind/*: type changed",
    _change_default: "/members_truncated: default changed",
    _change_item_type: "/member_ids/[]: type changed",
}


@pytest.mark.parametrize("change", list(BREAKING), ids=lambda f: f.__name__.strip("_"))
def test_checker_refuses_breaking_changes(change: Callable[[Schema], None]) -> None:
    problems = evolution_problems(load(EVENT_1_0), _mutated(change))
    assert any(p.startswith(BREAKING[change]) for p in problems), problems


def test_closing_an_open_object_is_breaking() -> None:
    old = {"x-version": "1.0", "type": "object", "properties": {"a": {"type": "string"}}}
    new = {**old, "x-version": "1.1", "additionalProperties": False}
    assert breaking_changes(old, new) == ["/: closed to unknown fields"]


def test_a_released_version_may_not_change_even_compatibly() -> None:
    problems = evolution_problems(load(EVENT_1_0), _mutated(_add_optional_field, "1.0"))
    assert problems and "released version 1.0 changed" in problems[0]
    assert evolution_problems(load(EVENT_1_0), _mutated(_reword, "1.0")) == []


def test_a_major_version_may_break_and_versions_never_go_back() -> None:
    assert evolution_problems(load(EVENT_1_0), _mutated(_remove_field, "2.0")) == []
    assert evolution_problems(_mutated(_reword, "1.1"), load(EVENT_1_0)) == [
        "version went back from 1.1 to 1.0"
    ]


def test_old_consumers_reading_new_events_must_ignore_unknown_fields() -> None:
    """Why the policy says so: the released schemas are closed, so a consumer that validates
    a newer event against them unchanged refuses it, while the projection is accepted."""
    old = load(EVENT_1_0)
    newer = {**_event(), "a_field_from_the_future": {"x": 1}}
    assert not check(old).is_valid(newer)
    check(old).validate(project(newer, old))


def _tagged(**branches: dict[str, Any]) -> Schema:
    """A pydantic-style tagged union (like the curation commands) of the given branches."""
    defs = {
        tag.title(): {
            "type": "object",
            "properties": {"type": {"const": tag, "type": "string"}, **fields},
            "required": ["type", *fields],
        }
        for tag, fields in branches.items()
    }
    return {
        "x-version": "1.0",
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in defs],
        "discriminator": {
            "propertyName": "type",
            "mapping": {tag: f"#/$defs/{tag.title()}" for tag in branches},
        },
        "$defs": defs,
    }


def test_tagged_unions_may_gain_kinds_but_not_lose_or_change_them() -> None:
    old = _tagged(pin={"narrative_id": {"type": "string"}})
    grown = {**_tagged(pin={"narrative_id": {"type": "string"}}, mute={}), "x-version": "1.1"}
    assert evolution_problems(old, grown) == []
    shrunk = {**_tagged(mute={}), "x-version": "1.1"}
    assert evolution_problems(old, shrunk) == ["/oneOf[pin]: tagged branch removed"]
    changed = {**_tagged(pin={"narrative_id": {"type": "integer"}}), "x-version": "1.1"}
    assert evolution_problems(old, changed) == [
        "/oneOf[pin]/narrative_id: type changed from string to integer"
    ]
    record = {"type": "pin", "narrative_id": "nar-1", "added_later": True}
    assert project(record, old) == record  # open objects keep what they do not declare
