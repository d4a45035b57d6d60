"""Emerging-narrative alerts: a policy evaluated over each closed slide's events.

An event can raise an alert when its narrative passes every *gate* of the policy:

    size >= min_size, distinct sources >= min_sources, distinct kinds (platforms: posts,
    articles) >= min_kinds, distinct languages >= min_langs   (spread across the ecosystem)

and at least one *trigger* holds (all that hold are listed as reasons, in this order):

    emerged        the narrative has never alerted (it just crossed the gates)
    amplification  amplification.share >= min_amplification_share
    burst          signals.burst_score >= min_burst_score
    velocity       signals.velocity_per_h >= min_velocity_per_h (acceleration of arrivals)

Faded events never alert. **Cool-down, in event time:** a narrative that alerted at slide end T
does not alert again before T + cooldown_s, whatever the reason or its strength (no escalation:
one page per narrative per cool-down is the contract, and a stronger surge is still visible in
the events). After the cool-down a new surge alerts again; a narrative that merely stays large
does not, since `emerged` holds only once. The state — the last alert time per live narrative —
is pruned when a narrative fades or is merged, and is part of the detector checkpoint, so a
restarted worker raises exactly the alerts an uninterrupted one would.

**One emergence per story** (`per_story`, on by default): narratives are tracked finely and
a story often holds several (on the demo stream 138 narrative ids fall into a few dozen
stories). When a narrative's story has alerted within the cool-down, the narrative's own
`emerged` is taken as covered by that alert: it raises nothing then and never raises
`emerged` later; its surges (amplification, burst, velocity) still alert on their own.

Alert ids are a hash of the policy version and the triggering event's id: deterministic, and
distinct between what-if policies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from schemas.alerts import AlertReason, NarrativeAlert, PolicyInfo
from schemas.events import DetectorInfo, NarrativeEvent
from streams.events import rfc3339

REASONS: tuple[AlertReason, ...] = ("emerged", "amplification", "burst", "velocity")


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Gates, triggers and cool-down of emerging-narrative alerts (see the module docstring)."""

    enabled: bool = True
    min_size: int = 20
    min_sources: int = 1
    min_kinds: int = 1
    min_langs: int = 1
    on_emergence: bool = True
    min_burst_score: float = 4.0
    min_velocity_per_h: float = 20.0
    min_amplification_share: float = 0.3
    cooldown_s: float = 6 * 3600.0
    per_story: bool = True

    def version(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True)
        return hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()

    def reasons(self, event: NarrativeEvent, alerted_before: bool) -> list[AlertReason]:
        """The triggers that hold for `event`, or [] when a gate fails or nothing triggers."""
        if not self.enabled or event.type == "faded":
            return []
        counts = event.counts
        if (
            event.size < self.min_size
            or len(counts.by_source) < self.min_sources
            or len(counts.by_kind) < self.min_kinds
            or len(counts.by_lang) < self.min_langs
        ):
            return []
        held: set[AlertReason] = set()
        if self.on_emergence and not alerted_before:
            held.add("emerged")
        amp = event.amplification
        if amp is not None and amp.groups > 0 and amp.share >= self.min_amplification_share:
            held.add("amplification")
        sig = event.signals
        if sig is not None and sig.burst_score >= self.min_burst_score:
            held.add("burst")
        if sig is not None and sig.velocity_per_h >= self.min_velocity_per_h:
            held.add("velocity")
        return [r for r in REASONS if r in held]


def alert_id_for(policy_version: str, event_id: str) -> str:
    raw = f"alert|{policy_version}|{event_id}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class Alerter:
    """Applies an `AlertPolicy` slide by slide and remembers when each narrative alerted."""

    def __init__(self, policy: AlertPolicy) -> None:
        self.policy = policy
        self.info = PolicyInfo(policy_version=policy.version(), cooldown_s=policy.cooldown_s)
        self.last_alert: dict[str, float] = {}  # narrative id -> slide end of its last alert
        self.last_story_alert: dict[str, float] = {}  # story id -> slide end of its last alert
        self.covered: set[str] = set()  # narratives whose emergence a story alert covered
        self.suppressed = 0  # alerts held back by the cool-down (for logs and tests)

    def evaluate(
        self,
        events: Sequence[NarrativeEvent],
        slide_end: float,
        live: Iterable[str],
        detector: DetectorInfo,
    ) -> list[NarrativeAlert]:
        """The alerts the events of the slide ending at `slide_end` raise, in event order."""
        alerts: list[NarrativeAlert] = []
        for event in events:
            if event.suppressed:  # an analyst said it is not a narrative: never page on it
                continue
            nid = event.narrative_id
            last = self.last_alert.get(nid)
            seen = last is not None or nid in self.covered
            reasons = self.policy.reasons(event, alerted_before=seen)
            if not reasons:
                continue
            if last is not None and slide_end - last < self.policy.cooldown_s:
                self.suppressed += 1
                continue
            story = event.story_id or nid
            story_last = self.last_story_alert.get(story)
            if (
                self.policy.per_story
                and reasons == ["emerged"]
                and story_last is not None
                and slide_end - story_last < self.policy.cooldown_s
            ):
                self.covered.add(nid)
                self.suppressed += 1
                continue
            self.last_alert[nid] = slide_end
            self.last_story_alert[story] = slide_end
            alerts.append(self._alert(event, reasons, slide_end, detector))
        keep = set(live)
        self.last_alert = {k: v for k, v in self.last_alert.items() if k in keep}
        self.covered &= keep
        # A story's id lives as long as one of its narratives; its cool-down ends by itself.
        self.last_story_alert = {
            k: v for k, v in self.last_story_alert.items() if slide_end - v < self.policy.cooldown_s
        }
        return alerts

    def _alert(
        self,
        event: NarrativeEvent,
        reasons: list[AlertReason],
        slide_end: float,
        detector: DetectorInfo,
    ) -> NarrativeAlert:
        return NarrativeAlert(
            alert_id=alert_id_for(self.info.policy_version, event.event_id),
            narrative_id=event.narrative_id,
            story_id=event.story_id,
            event_id=event.event_id,
            event_type=event.type,
            event_version=event.version,
            raised_at=rfc3339(slide_end),
            window=event.window,
            reasons=reasons,
            size=event.size,
            counts=event.counts,
            keywords=[k.term for k in event.keywords[:5]],
            signals=event.signals,
            amplification=event.amplification,
            first_document=event.first_document,
            policy=self.info,
            detector=detector,
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "last_alert": dict(sorted(self.last_alert.items())),
            "last_story_alert": dict(sorted(self.last_story_alert.items())),
            "covered": sorted(self.covered),
        }

    def restore(self, data: Mapping[str, Any] | None) -> None:
        data = data or {}
        self.last_alert = {str(k): float(v) for k, v in data.get("last_alert", {}).items()}
        self.last_story_alert = {
            str(k): float(v) for k, v in data.get("last_story_alert", {}).items()
        }
        self.covered = {str(k) for k in data.get("covered", [])}
