"""Unit tests for streams.checkpoint: a detector restored from a checkpoint, with its window
re-read from the recorded offsets, continues exactly as if it had never stopped.

    stream (offsets 0..N-1):  |======== before the crash ========|==== after ====|
                                            ^ checkpoint at a slide close
    restored detector:  restore(snapshot) + re-ingest [floor, crash) + process the rest
    uninterrupted:      process everything
    => identical events after the checkpoint, identical narratives at the end
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from test_detector import (
    LUMPED,
    PARAMS,
    QUIET,
    SWING_PARAMS,
    AngleEmbedder,
    EmbedderFactory,
    LumpCluster,
    QuietCluster,
    SwingCluster,
    lump_stream,
    planted_stream,
    swing_stream,
)

from schemas.events import NarrativeEvent
from streams.checkpoint import CheckpointMismatch, restore, snapshot
from streams.cluster import Clusterer
from streams.detector import Detector, DetectorParams
from streams.documents import Document
from streams.embed import Embedder
from streams.incremental import IncrementalClusterer, IncrementalParams
from streams.window import WindowConfig

BATCH = 20


def _run(
    detector: Detector, docs: list[Document], start: int, stop: int
) -> tuple[list[NarrativeEvent], int | None]:
    """Feed docs[start:stop] in batches (offset = index); return events and the index after
    the last batch that closed a slide."""
    events: list[NarrativeEvent] = []
    last_close: int | None = None
    for i in range(start, stop, BATCH):
        chunk = docs[i : min(i + BATCH, stop)]
        closed = detector.window.state.closed_until
        detector.ingest(chunk, ["posts:0"] * len(chunk), list(range(i, i + len(chunk))))
        events.extend(detector.advance())
        if detector.window.state.closed_until != closed:
            last_close = i + len(chunk)
    return events, last_close


#: The incremental regime (streams.incremental) on windows of this small stream: its seeds
#: come from the restored tracker, so a restored detector must cluster exactly alike.
INCREMENTAL = dataclasses.replace(PARAMS, incremental=IncrementalParams(whole_max=0, max_points=24))


@pytest.mark.parametrize("params", [PARAMS, INCREMENTAL], ids=["whole", "incremental"])
def test_restored_detector_continues_like_an_uninterrupted_one(
    fake_embedder_factory: EmbedderFactory,
    params: DetectorParams,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeded_calls: list[int] = []
    original = IncrementalClusterer.fit_predict_seeded

    def spy(self: IncrementalClusterer, vectors: Any, seeds: Any, fresh: Any) -> Any:
        if len(vectors) > self.params.max_points and (seeds >= 0).any():
            seeded_calls.append(len(vectors))
        return original(self, vectors, seeds, fresh)

    monkeypatch.setattr(IncrementalClusterer, "fit_predict_seeded", spy)
    docs = planted_stream()
    reference = Detector(params, fake_embedder_factory())
    all_events, _ = _run(reference, docs, 0, len(docs))
    # The incremental regime is really taken: big windows, narratives carried over as seeds.
    assert (len(seeded_calls) >= 3) == (params is INCREMENTAL)

    crashed = Detector(params, fake_embedder_factory())
    crash_at = 200
    _, checkpoint_at = _run(crashed, docs, 0, crash_at)
    assert checkpoint_at is not None and checkpoint_at < crash_at
    # The checkpoint is taken right after the batch that closed the last slide.
    replica = Detector(params, fake_embedder_factory())
    _run(replica, docs, 0, checkpoint_at)
    data = json.loads(json.dumps(snapshot(replica)))  # it must survive JSON
    events_before = len(_run(Detector(params, fake_embedder_factory()), docs, 0, checkpoint_at)[0])

    restored = Detector(params, fake_embedder_factory())
    floors = restore(restored, data)
    floor = floors["posts:0"]
    assert 0 < floor < checkpoint_at
    # Re-read from the floor: the records before the checkpoint refill the window without
    # closing anything; the ones after it close the slides the crash interrupted.
    resumed, _ = _run(restored, docs, floor, len(docs))
    expected = all_events[events_before:]
    assert [e.model_dump_json() for e in resumed] == [e.model_dump_json() for e in expected]
    assert restored.tracker.narratives.keys() == reference.tracker.narratives.keys()


def test_checkpoint_of_another_configuration_is_refused(
    fake_embedder_factory: EmbedderFactory,
) -> None:
    detector = Detector(PARAMS, fake_embedder_factory())
    _run(detector, planted_stream(), 0, 120)
    data = snapshot(detector)
    other = DetectorParams(window=WindowConfig(length_s=7200.0, slide_s=600.0))
    with pytest.raises(CheckpointMismatch, match="params"):
        restore(Detector(other, fake_embedder_factory()), data)
    with pytest.raises(CheckpointMismatch, match="format"):
        restore(Detector(PARAMS, fake_embedder_factory()), {**data, "format": 99})


def test_snapshot_round_trips_narratives_exactly(fake_embedder_factory: EmbedderFactory) -> None:
    detector = Detector(PARAMS, fake_embedder_factory())
    docs = planted_stream()
    # Stop while the planted topics are alive (they all end by hour 11).
    _run(detector, docs, 0, sum(1 for d in docs if d.time < docs[0].time + 9 * 3600))
    assert detector.tracker.narratives
    copy: Embedder = fake_embedder_factory()
    restored = Detector(PARAMS, copy)
    restore(restored, json.loads(json.dumps(snapshot(detector))))
    for key, original in detector.tracker.narratives.items():
        twin = restored.tracker.narratives[key]
        assert (twin.centroid == original.centroid).all()
        assert twin.members == original.members and twin.version == original.version
        assert twin.reported_keywords == original.reported_keywords
    assert restored.window.state.closed_until == detector.window.state.closed_until
    # The lone-story pass's yardstick is state too: a restored detector must judge alike.
    assert detector.reference_cohesion is not None
    assert restored.reference_cohesion == detector.reference_cohesion
    # So are the documents' home votes: where a document is listed depends on its history.
    assert detector.homes.votes
    assert restored.homes.snapshot() == detector.homes.snapshot()


def test_checkpoint_without_reference_cohesion_restores_none(
    fake_embedder_factory: EmbedderFactory,
) -> None:
    # Checkpoints written before the lone-story pass have no such key: no reference yet.
    detector = Detector(PARAMS, fake_embedder_factory())
    _run(detector, planted_stream(), 0, 120)
    data = snapshot(detector)
    del data["reference_cohesion"]
    restored = Detector(PARAMS, fake_embedder_factory())
    restore(restored, data)
    assert restored.reference_cohesion is None


@pytest.mark.parametrize("keep_homes", [True, False])
def test_home_votes_are_state_a_restart_keeps(keep_homes: bool) -> None:
    # The swing stream (test_detector): "s" spends four slides with A, then two with B, and
    # stays listed under A only if its four A votes survive the restart.
    docs = swing_stream()
    reference = Detector(SWING_PARAMS, AngleEmbedder(), SwingCluster())
    all_events, _ = _run(reference, docs, 0, len(docs))
    crashed = Detector(SWING_PARAMS, AngleEmbedder(), SwingCluster())
    _, checkpoint_at = _run(crashed, docs, 0, 20)
    assert checkpoint_at is not None
    replica_clusterer = SwingCluster()
    replica = Detector(SWING_PARAMS, AngleEmbedder(), replica_clusterer)
    before, _ = _run(replica, docs, 0, checkpoint_at)
    data = json.loads(json.dumps(snapshot(replica)))
    assert data["homes"]["s"]  # "s" has votes at the checkpoint
    if not keep_homes:
        del data["homes"]  # a checkpoint written before homes
    restored_clusterer = SwingCluster()
    restored_clusterer.calls = replica_clusterer.calls  # the schedule goes on where it was
    restored = Detector(SWING_PARAMS, AngleEmbedder(), restored_clusterer)
    floors = restore(restored, data)
    resumed, _ = _run(restored, docs, floors["posts:0"], len(docs))
    same = [e.model_dump_json() for e in resumed] == [
        e.model_dump_json() for e in all_events[len(before) :]
    ]
    assert same == keep_homes


def _restart_mid_lump_stream(
    clusterer: Callable[[int], Clusterer],
    hours: float,
    check: Callable[[Detector, Detector], None],
    edit: Callable[[dict[str, Any]], None] = lambda data: None,
) -> tuple[list[NarrativeEvent], list[NarrativeEvent]]:
    """Replay `lump_stream` once uninterrupted, and once with a checkpoint taken at the first
    batch `hours` into it, `edit`ed, and restored into a fresh detector whose scripted
    clusterer (`clusterer(slides seen)`) goes on where the crashed one was. `check(crashed,
    restored)` runs right after the restore. Returns the events after the restart and the
    uninterrupted run's events from the same point."""
    docs = lump_stream()
    reference = Detector(SWING_PARAMS, AngleEmbedder(), clusterer(0))
    all_events, _ = _run(reference, docs, 0, len(docs))
    all_events += reference.advance(flush=True)
    assert any(e.type == "resumed" for e in all_events)

    crashed = Detector(SWING_PARAMS, AngleEmbedder(), clusterer(0))
    stop = next(i for i, d in enumerate(docs) if d.time >= docs[0].time + hours * 3600)
    before, _ = _run(crashed, docs, 0, stop)
    data = json.loads(json.dumps(snapshot(crashed)))
    edit(data)
    slides = crashed.clusterer.calls  # type: ignore[attr-defined]

    restored = Detector(SWING_PARAMS, AngleEmbedder(), clusterer(slides))
    floors = restore(restored, data)
    check(crashed, restored)
    after, _ = _run(restored, docs, floors["posts:0"], len(docs))
    after += restored.advance(flush=True)
    return after, all_events[len(before) :]


def test_a_narrative_merged_away_before_a_restart_can_still_resume_after_it() -> None:
    # Checkpoint right after the slide that lumped B into A: B is not live, but the tracker
    # remembers it. A restored detector must resume B under its id exactly as an
    # uninterrupted one does (the scripted clusterer is told how many slides it has seen).
    def check(crashed: Detector, restored: Detector) -> None:
        assert crashed.tracker.absorbed, "the checkpoint must be taken while B is absorbed"
        assert restored.tracker.absorbed.keys() == crashed.tracker.absorbed.keys()
        for key, original in crashed.tracker.absorbed.items():
            twin = restored.tracker.absorbed[key]
            assert twin.absorbed_into == original.absorbed_into is not None
            assert twin.members == original.members and twin.version == original.version

    after, expected = _restart_mid_lump_stream(
        lambda start: LumpCluster(LUMPED, start=start), 6.5, check
    )
    assert [e.model_dump_json() for e in after] == [e.model_dump_json() for e in expected]


@pytest.mark.parametrize("keep_faded", [True, False])
def test_a_narrative_that_faded_before_a_restart_can_still_resume_after_it(
    keep_faded: bool,
) -> None:
    # Checkpoint after the slide in which B faded, before its posts gather again: a restored
    # detector resumes B under its id exactly as an uninterrupted one does. A checkpoint
    # written before faded narratives were kept ("faded" missing) forgets B, and B's posts
    # come back under a new id.
    def edit(data: dict[str, Any]) -> None:
        if not keep_faded:
            del data["faded"]

    def check(crashed: Detector, restored: Detector) -> None:
        assert crashed.tracker.faded, "the checkpoint must be taken while B is faded"
        assert (restored.tracker.faded.keys() == crashed.tracker.faded.keys()) == keep_faded

    after, expected = _restart_mid_lump_stream(
        lambda start: QuietCluster(QUIET, start=start), 7.5, check, edit
    )
    same = [e.model_dump_json() for e in after] == [e.model_dump_json() for e in expected]
    assert same == keep_faded
    assert any(e.type == "resumed" for e in after) == keep_faded


@pytest.mark.parametrize("keep_keywords", [True, False])
def test_keeping_apart_after_a_restart_reads_the_published_keywords_from_the_checkpoint(
    keep_keywords: bool,
) -> None:
    # Checkpoint just before the slide that lumps A and B: they share the town's and the
    # flood's names among their published keywords, so keep-apart leaves the lump whole and
    # B is merged, then resumes. The restored detector decides the same from the keywords in
    # the checkpoint; without them it would see two narratives that share no word and cut
    # the lump instead.
    def edit(data: dict[str, Any]) -> None:
        if not keep_keywords:
            for item in data["narratives"]:
                item["reported_keywords"] = []

    def check(crashed: Detector, restored: Detector) -> None:
        assert not crashed.tracker.absorbed, "the checkpoint must precede the lumping slide"
        for known in crashed.tracker.narratives.values():
            assert {"lismore", "flood"} <= set(known.reported_keywords)

    after, expected = _restart_mid_lump_stream(
        lambda start: LumpCluster(LUMPED, start=start), 5.5, check, edit
    )
    same = [e.model_dump_json() for e in after] == [e.model_dump_json() for e in expected]
    assert same == keep_keywords
    assert any(e.type == "merged" for e in after) == keep_keywords
