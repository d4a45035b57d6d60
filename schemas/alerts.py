"""Alert contract: `NarrativeAlert`, published to `narratives.alerts` keyed by narrative id.

An alert says "look at this narrative now": it emerged past the alert policy's thresholds, or
surged (burst, velocity, coordinated amplification). It points at the `NarrativeEvent` that
triggered it (`event_id`) and carries a snapshot of that event's signals, so an on-call analyst
can triage without joining topics. Like events, alerts are pure functions of the input: the
same stream and policy give the same alerts with the same `alert_id`s, live or replayed, and a
restarted worker re-publishes an interrupted slide's alerts with their original ids.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import (
    Amplification,
    Counts,
    DetectorInfo,
    EventType,
    FirstDocument,
    Signals,
    Window,
)

#: Semantic version of the alert contract. Minor versions only add optional fields and enum
#: values (1.1: `event_type` may be `resumed`, with the event contract 1.4).
ALERT_SCHEMA_VERSION = "1.1"

#: Why an alert was raised; a bounded set (it is also the metric label).
AlertReason = Literal["emerged", "amplification", "burst", "velocity"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PolicyInfo(_Frozen):
    """Which alert policy raised the alert: its hash and the cool-down it applies."""

    policy_version: str = Field(description="Hash of the alert policy's thresholds.")
    cooldown_s: float = Field(ge=0, description="No second alert per narrative within this.")


class NarrativeAlert(_Frozen):
    """One alert on one narrative, raised by one narrative event."""

    schema_version: str = Field(default=ALERT_SCHEMA_VERSION, description="Alert contract version.")
    alert_id: str = Field(description="Deterministic id: a hash of the policy and the event id.")
    narrative_id: str
    story_id: str | None = None
    event_id: str = Field(description="The narrative event that triggered the alert.")
    event_type: EventType
    event_version: int = Field(ge=1)
    raised_at: str = Field(description="Event time of the alert: the slide end, RFC 3339 UTC.")
    window: Window
    reasons: list[AlertReason] = Field(
        min_length=1,
        description="Every trigger that held, in the fixed order emerged, amplification, burst, "
        "velocity; the first is the primary reason.",
    )
    size: int = Field(ge=0)
    counts: Counts
    keywords: list[str] = Field(description="The narrative's top terms.")
    signals: Signals | None = None
    amplification: Amplification | None = None
    first_document: FirstDocument | None = None
    policy: PolicyInfo
    detector: DetectorInfo
