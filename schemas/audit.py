"""The audit log of curation: one record per command the detector took, on `narratives.audit`.

Answers who did what, when, why, and what it caused: the command itself (author, reason,
issued_at), the outcome (`applied`, `no_op` when it changed nothing, `rejected` with the
reason, `duplicate` for a command id seen before), the slide it took effect in (event time,
so a replay writes the same record) and the ids of the events it caused.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.commands import CurationCommand
from schemas.events import DetectorInfo

AUDIT_SCHEMA_VERSION = "1.0"

AuditStatus = Literal["applied", "no_op", "rejected", "duplicate"]


class AuditRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: str = Field(default=AUDIT_SCHEMA_VERSION)
    command: CurationCommand
    status: AuditStatus
    detail: str = Field(description="What happened, or why the command was refused.")
    applied_at: str = Field(description="End of the slide it took effect in, RFC 3339 UTC.")
    late: bool = Field(
        default=False,
        description="True when it arrived after the slide its issued_at falls in had closed.",
    )
    narrative_ids: list[str] = Field(
        default_factory=list, description="Narratives the command changed (after resolution)."
    )
    event_ids: list[str] = Field(default_factory=list, description="Events it caused.")
    detector: DetectorInfo
