"""Generate the JSON Schema files in `schemas/json/` from the pydantic models.

Run `python -m schemas.export` after changing a model; `tests/unit/schemas/test_json_schema.py`
fails when the committed files and the models disagree. It also regenerates
`schemas/asyncapi.yaml` (see `schemas/asyncapi.py`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from schemas.alerts import ALERT_SCHEMA_VERSION, NarrativeAlert
from schemas.audit import AUDIT_SCHEMA_VERSION, AuditRecord
from schemas.commands import COMMAND_SCHEMA_VERSION, COMMANDS
from schemas.dead_letter import DLQ_SCHEMA_VERSION, DeadLetter
from schemas.events import EVENT_SCHEMA_VERSION, NarrativeEvent
from schemas.records import INPUT_SCHEMA_VERSION, Article, Post

JSON_DIR = Path(__file__).resolve().parent / "json"

MODELS: dict[str, tuple[type[BaseModel] | TypeAdapter[Any], str]] = {
    "article": (Article, INPUT_SCHEMA_VERSION),
    "post": (Post, INPUT_SCHEMA_VERSION),
    "narrative-event": (NarrativeEvent, EVENT_SCHEMA_VERSION),
    "dead-letter": (DeadLetter, DLQ_SCHEMA_VERSION),
    "narrative-alert": (NarrativeAlert, ALERT_SCHEMA_VERSION),
    "curation-command": (COMMANDS, COMMAND_SCHEMA_VERSION),
    "audit-record": (AuditRecord, AUDIT_SCHEMA_VERSION),
}


def schema_for(name: str) -> dict[str, Any]:
    """The JSON Schema document for one contract, with a stable `$id` carrying its version."""
    model, version = MODELS[name]
    schema = (
        model.json_schema(mode="validation")
        if isinstance(model, TypeAdapter)
        else model.model_json_schema(mode="validation")
    )
    major = version.split(".")[0]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:narrative-detector:schema:{name}:v{major}",
        "x-version": version,
        **schema,
    }


def render(name: str) -> str:
    return json.dumps(schema_for(name), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def path_for(name: str) -> Path:
    return JSON_DIR / f"{name}.schema.json"


def main() -> int:
    JSON_DIR.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        path_for(name).write_text(render(name), encoding="utf-8")
        print(path_for(name))
    # The AsyncAPI document names every contract's file: regenerate it with them.
    from schemas import asyncapi

    return asyncapi.main()


if __name__ == "__main__":
    sys.exit(main())
