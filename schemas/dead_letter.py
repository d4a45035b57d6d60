"""Dead-letter contract: what `narratives.dlq` carries for every record the detector refused.

A dead letter keeps the raw record (truncated, never parsed further) and a machine-readable
`reason` so an operator can count, filter and re-drive refused input without reading logs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DLQ_SCHEMA_VERSION = "1.0"

Reason = Literal[
    "invalid_utf8",
    "not_json",
    "not_an_object",
    "too_large",
    "missing_field",
    "wrong_type",
    "invalid_value",
    "empty_text",
    "unsupported_schema_version",
    "bad_timestamp",
    "too_late",
    "internal_error",
]

REASONS: tuple[Reason, ...] = Reason.__args__  # type: ignore[attr-defined]


class DeadLetter(BaseModel):
    """One refused input record and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: str = DLQ_SCHEMA_VERSION
    reason: Reason = Field(description="Machine-readable refusal reason (bounded set).")
    error: str = Field(description="Human-readable explanation naming the field and the fix.")
    topic: str = Field(description="Topic the record was read from.")
    partition: int | None = None
    offset: int | None = None
    doc_id: str | None = Field(default=None, description="The record's id, when it could be read.")
    raw: str = Field(description="The raw record, decoded leniently and truncated to 4 KiB.")
    raw_bytes: int = Field(ge=0, description="Size of the raw record in bytes.")
