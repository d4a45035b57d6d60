"""Unit tests for streams.signals: growth rate, burst score, velocity and first documents.

The formulas are in the module docstring; these tests pin them on hand-made arrival times and
check, on a whole detector run, that a narrative's first document outlives the window.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from streams.detector import Detector, DetectorParams
from streams.documents import Document
from streams.embed import Embedder
from streams.signals import FirstDocuments, compute_signals
from streams.track import TrackerConfig
from streams.window import WindowConfig

HOUR = 3600.0
END = datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp()
WINDOW = WindowConfig(length_s=6 * HOUR, slide_s=HOUR, allowed_lateness_s=0.0)


def _times(per_bin: list[int]) -> list[float]:
    """Arrival times with per_bin[k] documents in bin k (0 = the latest slide interval)."""
    return [END - (k + 0.5) * HOUR for k, n in enumerate(per_bin) for _ in range(n)]


def test_a_surge_against_a_steady_baseline_scores_high() -> None:
    signals = compute_signals(_times([12, 2, 2, 2, 2, 2]), END, WINDOW)
    assert signals.arrivals == 12
    assert signals.growth_rate_per_h == 12.0
    assert signals.baseline_per_slide == 2.0
    # Variance 0 is below the Poisson floor (the mean, 2): (12 - 2) / sqrt(2 + 1).
    assert signals.burst_score == pytest.approx(10 / math.sqrt(3), abs=1e-4)
    assert signals.velocity_per_h == 10.0  # 12 an hour now, 2 an hour one slide ago


def test_steady_narrative_is_not_a_burst_nor_accelerating() -> None:
    signals = compute_signals(_times([3, 3, 3, 3, 3, 3]), END, WINDOW)
    assert signals.burst_score == 0.0
    assert signals.velocity_per_h == 0.0


def test_slowing_down_has_negative_velocity() -> None:
    signals = compute_signals(_times([1, 9, 2, 2, 2, 2]), END, WINDOW)
    assert signals.velocity_per_h == -8.0
    assert signals.burst_score < 0


def test_over_dispersed_history_needs_a_bigger_jump() -> None:
    calm = compute_signals(_times([10, 2, 2, 2, 2, 2]), END, WINDOW)
    bursty = compute_signals(_times([10, 0, 10, 0, 0, 0]), END, WINDOW)
    assert calm.burst_score > bursty.burst_score


def test_new_narrative_scores_its_arrivals() -> None:
    signals = compute_signals(_times([30]), END, WINDOW)
    assert signals.baseline_per_slide == 0.0
    assert signals.burst_score == 30.0
    assert signals.velocity_per_h == signals.growth_rate_per_h == 30.0


def test_a_re_cut_that_adds_old_members_is_not_acceleration() -> None:
    # HDBSCAN re-cut the window: 40 old documents joined, nothing new was published.
    before = compute_signals(_times([3, 3, 3, 3, 3, 3]), END, WINDOW)
    after = compute_signals(_times([3, 3, 13, 13, 13, 13]), END, WINDOW)
    assert after.velocity_per_h == before.velocity_per_h == 0.0
    assert after.burst_score < before.burst_score


def test_half_hour_slides_report_per_hour() -> None:
    half = WindowConfig(length_s=2 * HOUR, slide_s=HOUR / 2, allowed_lateness_s=0.0)
    times = [END - 60.0 * (i + 1) for i in range(5)]  # 5 in the last half hour
    assert compute_signals(times, END, half).growth_rate_per_h == 10.0


def test_first_documents_restore_what_they_snapshot() -> None:
    docs = FirstDocuments()
    docs.restore({"nar-1": {"doc_id": "d1", "text": "t", "kind": "post", "time": END}})
    copy = FirstDocuments()
    copy.restore(docs.snapshot())
    first = copy.get("nar-1")
    assert first is not None and first.doc_id == "d1"
    assert first.published_at == "2024-03-01T12:00:00.000Z"
    copy.prune(["nar-2"])
    assert copy.get("nar-1") is None


WORDS = ["pipeline", "leak", "river", "toxic", "spill", "company", "cover", "fish"]
OTHER = ["stadium", "derby", "referee", "penalty", "goal", "fans", "league", "coach"]
NOISE = [f"z{i:04d}q" for i in range(2000)]


def _long_lived_stream() -> list[Document]:
    """Two narratives posting steadily for 14 hours (longer than the 6 h window), plus noise
    (HDBSCAN never reports a lone cluster, hence the second one)."""
    rng = random.Random(3)
    start = END - 14 * HOUR
    docs = [
        Document(
            f"{name}-{i:03d}",
            "post",
            " ".join([*rng.sample(vocabulary, 5), rng.choice(NOISE)]),
            start + i * 14 * HOUR / 140 + offset,
            "twitter",
            "en",
            f"user{i}",
        )
        for name, vocabulary, offset in (("spill", WORDS, 0.0), ("derby", OTHER, 100.0))
        for i in range(140)
    ]
    docs += [
        Document(f"noise-{i:03d}", "post", " ".join(rng.sample(NOISE, 6)), start + i * 500.0)
        for i in range(100)
    ]
    return sorted(docs, key=lambda d: (d.time, d.doc_id))


def test_every_event_carries_signals_and_the_first_document_outlives_the_window(
    fake_embedder: Embedder,
) -> None:
    params = DetectorParams(window=WINDOW, tracker=TrackerConfig(fade_after_s=3 * HOUR))
    detector = Detector(params, fake_embedder)
    events = []
    docs = _long_lived_stream()
    for i in range(0, len(docs), 20):
        detector.ingest(docs[i : i + 20])
        events.extend(detector.advance())
    events.extend(detector.advance(flush=True))
    spill = [e for e in events if e.first_doc_id.startswith("spill")]
    assert spill
    for event in spill:
        assert event.first_document is not None
        assert event.first_document.doc_id == event.first_doc_id
        assert event.first_document.published_at == event.first_seen
        assert event.first_document.author is not None
        if event.type != "faded":
            assert event.signals is not None and event.amplification is not None
            assert event.signals.growth_rate_per_h >= 0
            assert event.amplification.share == 0.0  # organic, diverse posts
    late = [e for e in spill if e.first_doc_id not in e.member_ids and e.type != "faded"]
    assert late, "the first document never left the window"
    assert late[-1].first_document is not None and late[-1].first_document.text
