"""Unit tests for streams.alerts: the policy's gates and triggers, the event-time cool-down,
deterministic ids, and alert state surviving a checkpoint.

The constructed surge stream (FakeEmbedder, real HDBSCAN) has two narratives posting a few
times an hour for 30 hours, each surging at hours 8 and 22 (40 posts in 30 minutes); the
cool-down is 6 hours:

    hour:     0 ....... 8 ......... 14 ....... 22 ....... 30
    storm     ~~~~~~~~~~^~~~~~~~~~~~~~~~~~~~~~~~^~~~~~~~~~~~~
    strike    ~~~~~~~~~~^~~~~~~~~~~~~~~~~~~~~~~~^~~~~~~~~~~~~
              one alert per narrative per surge; none in between
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from schemas.alerts import NarrativeAlert
from schemas.events import (
    Amplification,
    Counts,
    DetectorInfo,
    EventType,
    NarrativeEvent,
    Signals,
    Window,
)
from streams.alerts import Alerter, AlertPolicy, alert_id_for
from streams.checkpoint import restore, snapshot
from streams.detector import Detector, DetectorParams
from streams.documents import Document
from streams.embed import Embedder
from streams.events import rfc3339
from streams.track import TrackerConfig
from streams.window import WindowConfig

HOUR = 3600.0
T0 = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
INFO = DetectorInfo(version="0", model="fake", params_version="p1")


def _event(
    nid: str,
    end: float,
    *,
    size: int = 50,
    burst: float = 0.0,
    velocity: float = 0.0,
    share: float = 0.0,
    kind: EventType = "updated",
    sources: int = 1,
    version: int = 1,
) -> NarrativeEvent:
    return NarrativeEvent(
        event_id=f"{nid}-{version}",
        type=kind,
        narrative_id=nid,
        version=version,
        window=Window(start=rfc3339(end - 6 * HOUR), end=rfc3339(end)),
        size=size,
        counts=Counts(
            by_kind={"post": size},
            by_source={f"s{i}": 1 for i in range(sources)},
            by_lang={"en": size},
        ),
        keywords=[],
        representatives=[],
        member_ids=[],
        new_members=0,
        first_seen=rfc3339(end - HOUR),
        last_seen=rfc3339(end),
        first_doc_id="d0",
        detector=INFO,
        signals=Signals(
            arrivals=0,
            growth_rate_per_h=0.0,
            baseline_per_slide=0.0,
            burst_score=burst,
            velocity_per_h=velocity,
        ),
        amplification=Amplification(
            share=share,
            groups=1 if share else 0,
            members=0,
            authors=0,
            largest_group=0,
            peak_rate_per_min=0.0,
        ),
    )


def test_gates_must_all_hold() -> None:
    policy = AlertPolicy(min_size=20, min_sources=2)
    assert policy.reasons(_event("a", T0, size=19, sources=3), alerted_before=False) == []
    assert policy.reasons(_event("a", T0, size=30, sources=1), alerted_before=False) == []
    assert policy.reasons(_event("a", T0, size=30, sources=2), alerted_before=False) == ["emerged"]
    assert policy.reasons(_event("a", T0, kind="faded", burst=99), alerted_before=False) == []
    assert AlertPolicy(enabled=False).reasons(_event("a", T0), alerted_before=False) == []


def test_reasons_are_listed_in_fixed_order() -> None:
    event = _event("a", T0, burst=9.0, velocity=50.0, share=0.6)
    assert AlertPolicy().reasons(event, alerted_before=False) == [
        "emerged",
        "amplification",
        "burst",
        "velocity",
    ]
    assert AlertPolicy().reasons(event, alerted_before=True) == [
        "amplification",
        "burst",
        "velocity",
    ]
    quiet = _event("a", T0, burst=1.0, velocity=2.0, share=0.1)
    assert AlertPolicy().reasons(quiet, alerted_before=True) == []


def test_cooldown_in_event_time_one_alert_per_narrative() -> None:
    alerter = Alerter(AlertPolicy(cooldown_s=6 * HOUR))
    raised: list[NarrativeAlert] = []
    for hour in range(20):
        end = T0 + hour * HOUR
        # Narrative a surges at every slide; b only at hours 0 and 12.
        events = [
            _event("a", end, burst=10.0, version=hour + 1),
            _event("b", end, burst=10.0 if hour in (0, 12) else 0.0, version=hour + 1),
        ]
        raised += alerter.evaluate(events, end, {"a", "b"}, INFO)
    by_nid = [(a.narrative_id, a.raised_at, a.reasons) for a in raised]
    assert by_nid == [
        ("a", rfc3339(T0), ["emerged", "burst"]),
        ("b", rfc3339(T0), ["emerged", "burst"]),
        ("a", rfc3339(T0 + 6 * HOUR), ["burst"]),
        ("a", rfc3339(T0 + 12 * HOUR), ["burst"]),
        ("b", rfc3339(T0 + 12 * HOUR), ["burst"]),
        ("a", rfc3339(T0 + 18 * HOUR), ["burst"]),
    ]
    assert alerter.suppressed == 5 * 3 + 1


def test_a_narrative_an_analyst_suppressed_never_alerts() -> None:
    alerter = Alerter(AlertPolicy())
    loud = _event("a", T0, burst=50.0, velocity=500.0, share=0.9, kind="emerged")
    assert alerter.evaluate([loud.model_copy(update={"suppressed": True})], T0, {"a"}, INFO) == []
    assert [a.narrative_id for a in alerter.evaluate([loud], T0, {"a"}, INFO)] == ["a"]


def test_one_emergence_alert_per_story_surges_still_alert() -> None:
    alerter = Alerter(AlertPolicy(cooldown_s=6 * HOUR))

    def in_story(nid: str, end: float, **kw: Any) -> NarrativeEvent:
        return _event(nid, end, **kw).model_copy(update={"story_id": "story-1"})

    first = alerter.evaluate([in_story("a", T0)], T0, {"a"}, INFO)
    assert [x.narrative_id for x in first] == ["a"]
    # b joins the story an hour later: its emergence is covered by a's alert ...
    assert alerter.evaluate([in_story("b", T0 + HOUR)], T0 + HOUR, {"a", "b"}, INFO) == []
    # ... for good: it never alerts "emerged" later, but a surge of its own does alert.
    later = T0 + 8 * HOUR
    assert alerter.evaluate([in_story("b", later)], later, {"a", "b"}, INFO) == []
    surge = alerter.evaluate([in_story("b", later + HOUR, burst=9.0)], later + HOUR, {"b"}, INFO)
    assert [x.reasons for x in surge] == [["burst"]]
    # Off: every narrative alerts when it emerges.
    plain = Alerter(AlertPolicy(per_story=False))
    plain.evaluate([in_story("a", T0)], T0, {"a"}, INFO)
    assert len(plain.evaluate([in_story("b", T0 + HOUR)], T0 + HOUR, {"a", "b"}, INFO)) == 1


def test_alerter_state_round_trips() -> None:
    alerter = Alerter(AlertPolicy())
    event = _event("a", T0).model_copy(update={"story_id": "s"})
    alerter.evaluate([event], T0, {"a", "b"}, INFO)
    alerter.evaluate([_event("b", T0).model_copy(update={"story_id": "s"})], T0, {"a", "b"}, INFO)
    copy = Alerter(AlertPolicy())
    copy.restore(json.loads(json.dumps(alerter.snapshot())))
    assert (copy.last_alert, copy.last_story_alert, copy.covered) == (
        {"a": T0},
        {"s": T0},
        {"b"},
    )


def test_state_is_pruned_when_a_narrative_is_gone() -> None:
    alerter = Alerter(AlertPolicy())
    alerter.evaluate([_event("a", T0)], T0, {"a"}, INFO)
    assert set(alerter.last_alert) == {"a"}
    alerter.evaluate([], T0 + HOUR, set(), INFO)
    assert alerter.last_alert == {}


def test_alert_ids_are_deterministic_and_differ_between_policies() -> None:
    event = _event("a", T0)
    one = Alerter(AlertPolicy()).evaluate([event], T0, {"a"}, INFO)
    two = Alerter(AlertPolicy()).evaluate([event], T0, {"a"}, INFO)
    other = Alerter(AlertPolicy(min_size=5)).evaluate([event], T0, {"a"}, INFO)
    assert one == two
    assert one[0].alert_id == alert_id_for(AlertPolicy().version(), event.event_id)
    assert other[0].alert_id != one[0].alert_id
    alert = one[0]
    assert alert.event_id == event.event_id and alert.signals == event.signals
    assert NarrativeAlert.model_validate_json(alert.model_dump_json()) == alert


# -- the whole detector on a constructed surge stream ------------------------------------------

STORM = ["storm", "hurricane", "wind", "coast", "landfall", "surge", "warning", "shelter"]
STRIKE = ["strike", "union", "workers", "wages", "picket", "factory", "walkout", "pay"]
NOISE = [f"n{i:04d}x" for i in range(3000)]
SURGES = (8.0, 22.0)
PARAMS = DetectorParams(
    window=WindowConfig(length_s=6 * HOUR, slide_s=HOUR, allowed_lateness_s=0.0),
    tracker=TrackerConfig(fade_after_s=3 * HOUR),
)


def surge_stream(seed: int = 11) -> list[Document]:
    rng = random.Random(seed)
    docs: list[Document] = []
    for name, vocabulary in (("storm", STORM), ("strike", STRIKE)):
        times = [rng.uniform(0, 30) for _ in range(90)]  # 3 an hour: the baseline
        for surge in SURGES:
            times += [surge + rng.uniform(0, 0.5) for _ in range(40)]
        for i, hours in enumerate(times):
            text = " ".join([*rng.sample(vocabulary, 5), rng.choice(NOISE)])
            when = T0 + hours * HOUR
            docs.append(Document(f"{name}-{i:03d}", "post", text, when, "x", "en", f"u{i}"))
    for i in range(80):
        text = " ".join(rng.sample(NOISE, 6))
        docs.append(Document(f"noise-{i:03d}", "post", text, T0 + rng.uniform(0, 30) * HOUR))
    return sorted(docs, key=lambda d: (d.time, d.doc_id))


SURGE_POLICY = AlertPolicy(
    min_size=10, on_emergence=False, min_burst_score=5.0, min_velocity_per_h=1e9
)


def _run(
    detector: Detector, docs: list[Document], start: int = 0, stop: int | None = None
) -> tuple[list[NarrativeAlert], int | None]:
    """Feed docs[start:stop] in batches of 20; return the alerts and the index after the last
    batch that closed a slide (where a checkpoint would be written)."""
    stop = len(docs) if stop is None else stop
    alerts: list[NarrativeAlert] = []
    last_close = None
    for i in range(start, stop, 20):
        chunk = docs[i : min(i + 20, stop)]
        closed = detector.window.state.closed_until
        detector.ingest(chunk, ["posts:0"] * len(chunk), list(range(i, i + len(chunk))))
        detector.advance()
        alerts += detector.drain_alerts()
        if detector.window.state.closed_until != closed:
            last_close = i + len(chunk)
    return alerts, last_close


def _topic(alert: NarrativeAlert) -> str:
    first = alert.first_document
    assert first is not None
    return first.doc_id.split("-")[0]


def test_each_surge_raises_exactly_one_alert_per_narrative(fake_embedder: Embedder) -> None:
    detector = Detector(PARAMS, fake_embedder, alert_policy=SURGE_POLICY)
    alerts, _ = _run(detector, surge_stream())
    seen = sorted((_topic(a), a.raised_at) for a in alerts)
    hours = {a.raised_at for a in alerts}
    assert [t for t, _ in seen] == ["storm", "storm", "strike", "strike"], seen
    # Each alert is raised at the slide that closes over its surge (hour 9 or hour 23).
    assert hours == {rfc3339(T0 + 9 * HOUR), rfc3339(T0 + 23 * HOUR)}
    for alert in alerts:
        assert alert.reasons[0] == "burst"
        assert alert.signals is not None and alert.signals.burst_score >= 5.0


def test_emergence_then_cooldown_holds_back_an_early_surge(fake_embedder: Embedder) -> None:
    policy = AlertPolicy(min_size=10, min_burst_score=5.0, cooldown_s=12 * HOUR)
    detector = Detector(PARAMS, fake_embedder, alert_policy=policy)
    alerts, _ = _run(detector, surge_stream())
    per_topic: dict[str, list[NarrativeAlert]] = {}
    for alert in alerts:
        per_topic.setdefault(_topic(alert), []).append(alert)
    assert sorted(per_topic) == ["storm", "strike"]
    for topic in ("storm", "strike"):
        first, *rest = per_topic[topic]
        assert first.reasons[0] == "emerged"
        # The first surge (hour 9) falls inside the 12 h cool-down of the emergence alert;
        # the second (hour 23) does not.
        assert [a.raised_at for a in rest] == [rfc3339(T0 + 23 * HOUR)]
    assert detector.alerter.suppressed >= 2


def test_restored_detector_raises_the_same_alerts(fake_embedder_factory: type) -> None:
    docs = surge_stream()
    reference, _ = _run(Detector(PARAMS, fake_embedder_factory(), alert_policy=SURGE_POLICY), docs)

    crashed = Detector(PARAMS, fake_embedder_factory(), alert_policy=SURGE_POLICY)
    crash_at = next(i for i, d in enumerate(docs) if d.time > T0 + 15 * HOUR)
    before, checkpoint_at = _run(crashed, docs, 0, crash_at)
    assert checkpoint_at is not None and before  # the first surge's alerts came before
    replica = Detector(PARAMS, fake_embedder_factory(), alert_policy=SURGE_POLICY)
    replica_alerts, _ = _run(replica, docs, 0, checkpoint_at)
    data = json.loads(json.dumps(snapshot(replica)))
    assert data["alerts"]["last_alert"] and data["first_documents"]

    restored = Detector(PARAMS, fake_embedder_factory(), alert_policy=SURGE_POLICY)
    floors = restore(restored, data)
    assert restored.alerter.last_alert == replica.alerter.last_alert
    assert restored.first_docs.by_narrative == replica.first_docs.by_narrative
    resumed, _ = _run(restored, docs, floors["posts:0"], len(docs))
    assert replica_alerts + resumed == reference
