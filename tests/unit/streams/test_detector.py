"""Unit tests for streams.detector: the whole pure pipeline on planted streams.

The planted stream has three topics of 40 posts each, every topic with its own vocabulary and
its own 5-hour stretch of the day, plus 60 posts of random words spread over 24 hours. With the
hashed bag-of-words `FakeEmbedder` and the real `HdbscanClusterer`, the detector must find the
topics, keep one id per topic, describe them, let them fade once they stop, and do all of it
identically however the stream is batched.

    hour:      0    2    4    6    8    10   12 ...  24
    flood      [=========)
    vaccine              [=========)
    election                       [=========)
    noise      . .  . . .  .  . . . . . .  . .  ... .
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest

from schemas.events import NarrativeEvent
from streams.attach import AttachConfig
from streams.cluster import Clusterer, HdbscanParams, Labels
from streams.detector import DETECTOR_VERSION, Detector, DetectorParams
from streams.documents import Document
from streams.embed import Embedder
from streams.events import EventConfig, rfc3339
from streams.home import HomeConfig
from streams.incremental import IncrementalParams
from streams.keywords import TOKENS_REVISION
from streams.lexical import LexicalConfig
from streams.lone import LoneConfig
from streams.story import StoryConfig
from streams.time_view import TimeViewConfig
from streams.track import Observation, TrackerConfig, Transition
from streams.window import Admission, WindowConfig

START = datetime(2023, 5, 11, tzinfo=UTC).timestamp()
HOUR = 3600.0
MINUTE = 60.0
PARAMS = DetectorParams(
    window=WindowConfig(length_s=6 * HOUR, slide_s=HOUR, allowed_lateness_s=600.0),
    tracker=TrackerConfig(fade_after_s=3 * HOUR),
)
FLOOD = ["flood", "river", "dam", "levee", "evacuation", "rainfall", "rescue", "sandbags"]
VACCINE = ["vaccine", "microchip", "injection", "syringe", "clinic", "dose", "booster", "pharma"]
ELECTION = ["ballot", "fraud", "voting", "machine", "count", "recount", "precinct", "candidate"]
#: topic → (vocabulary, first hour, last hour)
TOPICS: dict[str, tuple[list[str], float, float]] = {
    "flood": (FLOOD, 0.0, 5.0),
    "vaccine": (VACCINE, 3.0, 8.0),
    "election": (ELECTION, 6.0, 11.0),
}
RANDOM_WORDS = [f"w{i:04d}x" for i in range(3000)]

EmbedderFactory = Callable[[], Embedder]


def planted_stream(seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for topic, (vocabulary, first_hour, last_hour) in TOPICS.items():
        for i in range(40):
            words = [*rng.sample(vocabulary, 5), rng.choice(RANDOM_WORDS)]
            rng.shuffle(words)
            time = START + rng.uniform(first_hour, last_hour) * HOUR
            docs.append(
                Document(f"{topic}-{i:02d}", "post", " ".join(words), time, "twitter", "en")
            )
    for i in range(60):
        time = START + rng.uniform(0.0, 24.0) * HOUR
        text = " ".join(rng.sample(RANDOM_WORDS, 6))
        docs.append(Document(f"noise-{i:02d}", "post", text, time, "twitter", "en"))
    docs.sort(key=lambda d: (d.time, d.doc_id))
    return docs


def topic_of(doc_id: str) -> str:
    return doc_id.split("-")[0]


def replay(
    docs: Sequence[Document], embedder: Embedder, batch: int = 25, params: DetectorParams = PARAMS
) -> list[NarrativeEvent]:
    detector = Detector(params, embedder)
    events: list[NarrativeEvent] = []
    for i in range(0, len(docs), batch):
        detector.ingest(docs[i : i + batch])
        events.extend(detector.advance())
    events.extend(detector.advance(flush=True))
    return events


def last_assignment(events: Sequence[NarrativeEvent]) -> dict[str, str]:
    """The narrative each document was last reported under (the evaluation protocol's rule)."""
    owner: dict[str, str] = {}
    for event in events:
        for doc_id in event.member_ids:
            owner[doc_id] = event.narrative_id
    return owner


@pytest.fixture(scope="module")
def stream() -> list[Document]:
    return planted_stream()


@pytest.fixture(scope="module")
def fake_factory(fake_embedder_factory: EmbedderFactory) -> EmbedderFactory:
    return fake_embedder_factory


@pytest.fixture(scope="module")
def events(stream: list[Document], fake_factory: EmbedderFactory) -> list[NarrativeEvent]:
    return replay(stream, fake_factory())


def majority_ids(stream: Sequence[Document], events: Sequence[NarrativeEvent]) -> dict[str, str]:
    owner = last_assignment(events)
    majority = {}
    for topic in TOPICS:
        counts = Counter(owner.get(d.doc_id) for d in stream if topic_of(d.doc_id) == topic)
        (nid, _), *_ = counts.most_common(1)
        majority[topic] = nid
    return majority


# --- the planted stream ----------------------------------------------------------------------


def test_planted_topics_emerge_as_narratives(events: list[NarrativeEvent]) -> None:
    emerged = {e.narrative_id for e in events if e.type == "emerged"}
    assert len(emerged) >= 3


def test_each_planted_topic_ends_up_mostly_under_one_narrative_of_its_own(
    stream: list[Document], events: list[NarrativeEvent]
) -> None:
    owner = last_assignment(events)
    majority = majority_ids(stream, events)
    for topic, nid in majority.items():
        topic_docs = [d.doc_id for d in stream if topic_of(d.doc_id) == topic]
        share = sum(owner.get(doc_id) == nid for doc_id in topic_docs) / len(topic_docs)
        assert nid is not None and share >= 0.7, (topic, share)
    assert len(set(majority.values())) == 3
    # Random-word posts are the long tail: they mostly stay out of narratives.
    noise_docs = [d.doc_id for d in stream if topic_of(d.doc_id) == "noise"]
    assert sum(doc_id in owner for doc_id in noise_docs) / len(noise_docs) <= 0.2


def test_narrative_keywords_come_from_its_topic_vocabulary(
    stream: list[Document], events: list[NarrativeEvent]
) -> None:
    majority = majority_ids(stream, events)
    for topic, nid in majority.items():
        first = next(e for e in events if e.narrative_id == nid)
        top = {k.term for k in first.keywords[:3]}
        assert top <= set(TOPICS[topic][0]), (topic, top)
        assert first.representatives
        assert all(topic_of(r.doc_id) == topic for r in first.representatives[:3])


def test_versions_count_up_by_one_per_narrative_and_event_ids_are_unique(
    events: list[NarrativeEvent],
) -> None:
    versions: dict[str, list[int]] = defaultdict(list)
    for event in events:
        versions[event.narrative_id].append(event.version)
    for nid, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), nid
    assert len({e.event_id for e in events}) == len(events)


def test_every_narrative_starts_with_emerged_and_ends_faded_or_merged_away(
    events: list[NarrativeEvent],
) -> None:
    # The topics stop by hour 11 and the stream runs to hour 24: nothing may stay alive.
    by_narrative: dict[str, list[NarrativeEvent]] = defaultdict(list)
    for event in events:
        by_narrative[event.narrative_id].append(event)
    merged_away = {p for e in events if e.type == "merged" for p in e.parent_ids}
    for nid, history in by_narrative.items():
        assert history[0].type == "emerged", nid
        assert history[-1].type == "faded" or nid in merged_away, nid
        assert all(e.type != "faded" for e in history[:-1]), nid
        assert all(e.type != "emerged" for e in history[1:]), nid


def test_narrative_that_stops_receiving_documents_fades_after_fade_after(
    stream: list[Document], events: list[NarrativeEvent]
) -> None:
    nid = majority_ids(stream, events)["election"]
    history = [e for e in events if e.narrative_id == nid]
    faded = history[-1]
    assert faded.type == "faded"
    assert faded.size == 0 and faded.member_ids == []
    last_election_doc = max(d.time for d in stream if topic_of(d.doc_id) == "election")
    faded_at = datetime.fromisoformat(faded.window.end).timestamp()
    last_match = datetime.fromisoformat(history[-2].window.end).timestamp()
    assert faded_at >= last_match + PARAMS.tracker.fade_after_s
    assert faded_at > last_election_doc + PARAMS.tracker.fade_after_s


def test_events_are_ordered_by_window_and_carry_the_detector_identity(
    events: list[NarrativeEvent], fake_factory: EmbedderFactory
) -> None:
    ends = [e.window.end for e in events]
    assert ends == sorted(ends)
    model_id = fake_factory().model_id
    for event in events:
        assert event.detector.version == DETECTOR_VERSION
        assert event.detector.model == model_id
        assert event.detector.params_version == PARAMS.version(model_id)


def test_two_independent_replays_give_byte_identical_events(
    stream: list[Document], events: list[NarrativeEvent], fake_factory: EmbedderFactory
) -> None:
    again = replay(planted_stream(), fake_factory())
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in events]


@pytest.mark.parametrize("batch", [1, 7, 1000])
def test_batching_does_not_change_the_events(
    batch: int,
    stream: list[Document],
    events: list[NarrativeEvent],
    fake_factory: EmbedderFactory,
) -> None:
    rebatched = replay(stream, fake_factory(), batch=batch)
    assert [e.model_dump_json() for e in rebatched] == [e.model_dump_json() for e in events]


# --- materiality -----------------------------------------------------------------------------


def _quiet_stream(seed: int = 3) -> list[Document]:
    """Two 30-post bursts in the first half hour, 10 more flood posts at 03:10, and one
    random-word post at :45 every hour to move the watermark.

        hour:   0    1    2    3    4    5    6    7    8    9   ...  13
        flood   ###            ##
        vote    ###
        tick      .    .    .    .    .    .    .    .    .    .  ...   .
    """
    rng = random.Random(seed)
    flood, vote = FLOOD, ELECTION
    docs = [
        Document(f"flood-{i:02d}", "post", " ".join(rng.sample(flood, 5)), START + i * MINUTE)
        for i in range(30)
    ]
    docs += [
        Document(f"vote-{i:02d}", "post", " ".join(rng.sample(vote, 5)), START + i * MINUTE + 30)
        for i in range(30)
    ]
    docs += [
        Document(
            f"flood-late-{i:02d}",
            "post",
            " ".join(rng.sample(flood, 5)),
            START + 3 * HOUR + (10 + i) * MINUTE,
        )
        for i in range(10)
    ]
    docs += [
        Document(
            f"tick-{h:02d}",
            "post",
            " ".join(rng.sample(RANDOM_WORDS, 6)),
            START + h * HOUR + 45 * MINUTE,
        )
        for h in range(14)
    ]
    docs.sort(key=lambda d: (d.time, d.doc_id))
    return docs


def test_updated_is_emitted_only_on_material_change(
    fake_factory: EmbedderFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = DetectorParams(
        window=WindowConfig(length_s=6 * HOUR, slide_s=HOUR, allowed_lateness_s=0.0),
        tracker=TrackerConfig(fade_after_s=3 * HOUR),
    )
    detector = Detector(params, fake_factory())
    matched_at: dict[str, list[float]] = defaultdict(list)
    step = detector.tracker.step

    def recording_step(
        slide_end: float, observations: Sequence[Observation], window_ids: frozenset[str]
    ) -> list[Transition]:
        transitions = step(slide_end, observations, window_ids)
        for t in transitions:
            if t.kind == "continued":
                matched_at[t.narrative.narrative_id].append(slide_end)
        return transitions

    monkeypatch.setattr(detector.tracker, "step", recording_step)
    events: list[NarrativeEvent] = []
    for doc in _quiet_stream():
        detector.ingest([doc])
        events.extend(detector.advance())
    events.extend(detector.advance(flush=True))

    owner = last_assignment(events)
    flood_id, vote_id = owner["flood-00"], owner["vote-00"]
    assert flood_id != vote_id

    def history(nid: str) -> list[tuple[str, float]]:
        return [
            (e.type, (datetime.fromisoformat(e.window.end).timestamp() - START) / HOUR)
            for e in events
            if e.narrative_id == nid
        ]

    # Flood: born at 01:00, updated once when ten posts join (slide 04:00), faded at 09:00.
    assert history(flood_id) == [("emerged", 1), ("updated", 4), ("faded", 9)]
    update = next(e for e in events if e.narrative_id == flood_id and e.type == "updated")
    assert update.new_members >= 10
    # Vote: nothing new after birth, so nothing between emerged and faded ...
    assert history(vote_id) == [("emerged", 1), ("faded", 9)]
    # ... although the tracker matched it (without news) in every slide that held it.
    assert [(t - START) / HOUR for t in matched_at[vote_id]] == [2, 3, 4, 5, 6]
    assert [(t - START) / HOUR for t in matched_at[flood_id]] == [2, 3, 4, 5, 6]


# --- ingest ----------------------------------------------------------------------------------


class CountingEmbedder:
    """Records every text the detector sends to the encoder."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def test_ingest_reports_admissions_in_input_order_and_embeds_only_fresh_documents(
    fake_factory: EmbedderFactory,
) -> None:
    embedder = CountingEmbedder(fake_factory())
    detector = Detector(PARAMS, embedder)
    first = detector.ingest(
        [
            Document("a", "post", "alpha words", START + 10 * MINUTE),
            Document("b", "post", "bravo words", START + 20 * MINUTE),
            Document("a", "post", "alpha again", START + 10 * MINUTE),  # same batch
        ]
    )
    assert [(d.doc_id, a) for d, a in first.admissions] == [
        ("a", Admission.ADDED),
        ("b", Admission.ADDED),
        ("a", Admission.DUPLICATE),
    ]
    assert embedder.texts == ["alpha words", "bravo words"]
    # Move the watermark to 09:00: slides up to 09:00 close, the open window starts at 04:00.
    detector.ingest([Document("c", "post", "charlie", START + 9 * HOUR + 10 * MINUTE)])
    detector.advance()
    second = detector.ingest(
        [
            Document("b", "post", "bravo words", START + 20 * MINUTE),
            Document("old", "post", "too old", START + 3 * HOUR),
            Document("late", "post", "late but in", START + 5 * HOUR),
            Document("new", "post", "on time", START + 9 * HOUR + 30 * MINUTE),
        ]
    )
    assert [a for _, a in second.admissions] == [
        Admission.TOO_LATE,  # b was evicted with its window: a redelivery now is too late
        Admission.TOO_LATE,
        Admission.LATE,
        Admission.ADDED,
    ]
    assert second.count(Admission.TOO_LATE) == 2
    assert second.count(Admission.DUPLICATE) == 0
    assert embedder.texts[3:] == ["late but in", "on time"]


# --- plumbing with a stand-in clusterer -------------------------------------------------------


class EverythingOneCluster:
    """Puts every row in cluster 0: isolates the detector's plumbing from HDBSCAN."""

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        return np.zeros(len(vectors), dtype=np.int64)


class NothingClusters:
    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        return np.full(len(vectors), -1, dtype=np.int64)


def test_one_cluster_slide_gives_one_emerged_event_with_all_members_in_order(
    fake_factory: EmbedderFactory,
) -> None:
    detector = Detector(PARAMS, fake_factory(), EverythingOneCluster())
    docs = [
        Document("b", "post", "flood river dam", START + 30 * MINUTE, "twitter", "en"),
        Document("a", "post", "flood river levee", START + 30 * MINUTE, "bbc", "tr"),
        Document("c", "article", "flood dam levee", START + 10 * MINUTE, None, "en"),
    ]
    detector.ingest(docs)
    (event,) = detector.advance(flush=True)
    assert event.type == "emerged" and event.version == 1
    assert event.member_ids == ["c", "a", "b"]
    assert event.first_doc_id == "c"
    assert event.window.start == "2023-05-10T19:00:00.000Z"
    assert event.window.end == "2023-05-11T01:00:00.000Z"
    assert event.counts.by_kind == {"post": 2, "article": 1}
    assert event.counts.by_source == {"bbc": 1, "twitter": 1, "unknown": 1}
    assert event.counts.by_lang == {"en": 2, "tr": 1}
    assert detector.last_slide is not None
    assert (detector.last_slide.documents, detector.last_slide.clusters) == (3, 1)
    assert detector.last_slide.noise == 0


def test_all_noise_slides_give_no_events(fake_factory: EmbedderFactory) -> None:
    detector = Detector(PARAMS, fake_factory(), NothingClusters())
    detector.ingest([Document(f"d{i}", "post", f"text {i}", START + i * HOUR) for i in range(8)])
    assert detector.advance(flush=True) == []
    assert detector.last_slide is not None
    assert detector.last_slide.clusters == 0 and detector.last_slide.noise > 0


def test_advance_on_an_empty_detector_returns_nothing(fake_factory: EmbedderFactory) -> None:
    detector = Detector(PARAMS, fake_factory())
    assert detector.advance() == [] and detector.advance(flush=True) == []
    assert detector.ingest([]).admissions == ()


def test_params_version_is_a_hash_of_every_knob_and_the_model() -> None:
    base = DetectorParams().version("model-a")
    assert base == DetectorParams().version("model-a")
    assert len(base) == 12
    assert DetectorParams().version("model-b") != base
    assert DetectorParams(window=WindowConfig(slide_s=1800.0)).version("model-a") != base
    assert DetectorParams(tracker=TrackerConfig(fade_after_s=1.0)).version("model-a") != base


def test_params_version_changes_with_the_tokenizer_revision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tokens decide keywords, stories and attachment by words: a release that tokenizes
    differently behaves differently, so its events must not share ids with the one before."""
    import streams.detector as detector_module

    base = DetectorParams().version("model-a")
    monkeypatch.setattr(detector_module, "TOKENS_REVISION", TOKENS_REVISION + 1)
    assert DetectorParams().version("model-a") != base


def version_without(params: DetectorParams, *left_out: str) -> str:
    """The version `params` would have with the lexical and time views and the `left_out`
    fields ("tracker.keep_apart") missing from the hash: the version of a release before
    those fields existed, for the tests that a switch turned off restores it."""
    fields = dataclasses.asdict(params)
    for path in ("lexical", "time_view", *left_out):
        *parents, key = path.split(".")
        holder = fields
        for parent in parents:
            holder = holder[parent]
        del holder[key]
    blob = json.dumps(
        {"params": fields, "model": "model-a", "tokens": TOKENS_REVISION}, sort_keys=True
    )
    return hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()


def test_an_optional_stage_that_is_off_leaves_params_version_as_it_was() -> None:
    """Deployments that never turn the lexical or the time view on keep their version (and so
    their checkpoints and narrative ids) across the releases that added them."""
    base = DetectorParams().version("model-a")
    assert base == version_without(DetectorParams())
    assert DetectorParams().tracker.anchor_by_members  # on by default, so in the hash
    assert DetectorParams().tracker.keep_apart_by_words  # likewise
    off_other_dim = DetectorParams(lexical=LexicalConfig(weight=0.0, dim=7))
    assert off_other_dim.version("model-a") == base
    on = DetectorParams(lexical=LexicalConfig(weight=0.3))
    assert on.version("model-a") != base
    assert on.version("model-a") != DetectorParams(lexical=LexicalConfig(weight=0.5)).version(
        "model-a"
    )
    timed = DetectorParams(time_view=TimeViewConfig(0.2)).version("model-a")
    assert timed not in {base, on.version("model-a")}
    assert timed != DetectorParams(time_view=TimeViewConfig(0.3)).version("model-a")


@pytest.mark.parametrize("switch", ["resume_absorbed", "anchor_by_members"])
def test_an_id_switch_off_gives_the_version_of_the_release_before_it(switch: str) -> None:
    """Resumption and the anchor each change which ids narratives carry, so each has its own
    version; turned off, the detector behaves as the release before it and has the version
    it had without the switch, so an operator can upgrade without the workers' checkpoints
    being refused (unless the tokenizer's revision changed in between)."""
    off = DetectorParams(tracker=TrackerConfig(**{switch: False}))
    assert off.version("model-a") == version_without(off, f"tracker.{switch}")
    assert DetectorParams().version("model-a") != off.version("model-a")


def test_whole_word_story_profiles_give_the_version_of_the_release_before_stems() -> None:
    """Story profiles of whole words (`term_prefix` 0) are the behaviour before word stems:
    that setting has the version the release before had, so a deployment can keep its
    narratives' stories and checkpoints across the upgrade; stems of any length are other
    behaviour, with their own version."""
    whole = DetectorParams(
        story=StoryConfig(term_prefix=0),
        tracker=TrackerConfig(resume_faded=False, keep_apart=False),
    )
    assert whole.version("model-a") == version_without(
        whole,
        "tracker.keep_apart",
        "tracker.keep_apart_by_words",
        "tracker.keep_apart_shared_words",
        "tracker.resume_faded",
        "story.term_prefix",
    )
    versions = {
        DetectorParams(story=StoryConfig(term_prefix=n)).version("model-a") for n in (0, 4, 5)
    }
    assert len(versions) == 3


def test_final_fades_give_the_version_of_the_release_before_faded_resumption() -> None:
    """`resume_faded` off is the behaviour of the release before it (word stems, every fade
    final): it has that release's version, so its checkpoints still restore."""
    final = DetectorParams(tracker=TrackerConfig(resume_faded=False, keep_apart=False))
    assert final.version("model-a") == version_without(
        final,
        "tracker.keep_apart",
        "tracker.keep_apart_by_words",
        "tracker.keep_apart_shared_words",
        "tracker.resume_faded",
    )
    assert final.version("model-a") != DetectorParams().version("model-a")


def test_clusters_never_cut_give_the_version_of_the_release_before_keeping_apart() -> None:
    """`keep_apart` off is the behaviour of the release before it was on by default (every
    slide's clusters as HDBSCAN found them), and keeping apart by centroids alone is that
    release's `keep_apart` setting; one shared keyword enough to keep a lump whole is the
    rule of the release after it. Each has its release's version, so checkpoints written
    under any of them still restore. Two shared keywords (the default) have a version of
    their own."""
    never = DetectorParams(tracker=TrackerConfig(keep_apart=False))
    assert never.version("model-a") == version_without(
        never,
        "tracker.keep_apart",
        "tracker.keep_apart_by_words",
        "tracker.keep_apart_shared_words",
    )
    by_meaning = DetectorParams(tracker=TrackerConfig(keep_apart_by_words=False))
    assert by_meaning.version("model-a") == version_without(
        by_meaning, "tracker.keep_apart_by_words", "tracker.keep_apart_shared_words"
    )
    any_word = DetectorParams(tracker=TrackerConfig(keep_apart_shared_words=1))
    assert any_word.version("model-a") == version_without(
        any_word, "tracker.keep_apart_shared_words"
    )
    assert DetectorParams().tracker.keep_apart_shared_words == 2
    versions = {p.version("model-a") for p in (never, by_meaning, any_word, DetectorParams())}
    assert len(versions) == 4
    # Words are moot while nothing is cut, and their count while words are not asked.
    moot = DetectorParams(
        tracker=TrackerConfig(
            keep_apart=False, keep_apart_by_words=False, keep_apart_shared_words=3
        )
    )
    assert moot.version("model-a") == never.version("model-a")
    uncounted = DetectorParams(
        tracker=TrackerConfig(keep_apart_by_words=False, keep_apart_shared_words=3)
    )
    assert uncounted.version("model-a") == by_meaning.version("model-a")


def test_every_event_names_a_story_and_a_narrative_keeps_its_story_until_regrouped(
    events: list[NarrativeEvent],
) -> None:
    assert all(e.story_id for e in events)
    last: dict[str, str | None] = {}
    for e in events:
        if e.narrative_id in last and e.type != "faded" and e.story_id != last[e.narrative_id]:
            # A regrouped narrative reports its new story at once (a material change).
            assert e.type in {"updated", "merged", "split"}
        last[e.narrative_id] = e.story_id


@pytest.mark.parametrize("time_weight", [0.0, 0.2])
def test_incremental_regime_finds_the_planted_topics_and_counts_its_slides(
    stream: list[Document], fake_factory: EmbedderFactory, time_weight: float
) -> None:
    """Forced into the incremental regime (windows above 60 documents, local runs of at most
    60 points: six times the minimum cluster size, as 4,000 is 400 times it in production),
    the planted topics still come out mostly under one narrative each, and the detector
    counts the slides it ran that way. With the time view on, the regime leaves it out: when
    it did not, a topic's continuing posts sat at its cluster's newest edge in time and half
    of one topic (20 of 40 posts) was turned away."""
    params = dataclasses.replace(
        PARAMS,
        incremental=IncrementalParams(whole_max=0, max_points=60),
        time_view=TimeViewConfig(time_weight),
    )
    detector = Detector(params, fake_factory())
    events: list[NarrativeEvent] = []
    sizes: list[int] = []
    for i in range(0, len(stream), 25):
        detector.ingest(stream[i : i + 25])
        for slide in detector.window.due():
            sizes.append(len(slide.entries))
            events.extend(detector._close(slide))
    assert detector.incremental_slides == sum(1 for n in sizes if n > 60) >= 3
    owner = last_assignment(events)
    for topic in TOPICS:
        members = [d.doc_id for d in stream if topic_of(d.doc_id) == topic]
        counts = Counter(owner.get(doc_id) for doc_id in members)
        (nid, count), *_ = counts.most_common(1)
        assert nid is not None and count >= 0.6 * len(members), (topic, counts)
    whole = Detector(PARAMS, fake_factory())
    for i in range(0, len(stream), 25):
        whole.ingest(stream[i : i + 25])
        whole.advance()
    assert whole.incremental_slides == 0


APPEALS = ["donate", "blankets", "shelter", "volunteers", "food", "drive", "funds", "appeal"]
QUAKE = ["quake", "tremor", "magnitude", "epicentre", "aftershock", "felt", "seismic", "shaking"]


class RewritingEmbedder:
    """Embeds each text after a word-by-word rewrite: what the model is made blind to reaches
    only the words (and so only the word-based stages)."""

    def __init__(self, inner: Embedder, tag: str, rewrite: Callable[[str], str | None]) -> None:
        self.inner, self.tag, self.rewrite = inner, tag, rewrite

    @property
    def model_id(self) -> str:
        return f"{self.tag}:{self.inner.model_id}"

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rewritten = [(self.rewrite(w) for w in t.split()) for t in texts]
        return self.inner.embed([" ".join(w for w in words if w) for words in rewritten])


def name_blind_embedder(inner: Embedder, names: frozenset[str]) -> RewritingEmbedder:
    """Embeds a text without its place names: the story's shared names reach only the words."""
    return RewritingEmbedder(inner, "name-blind", lambda w: None if w.lstrip("#") in names else w)


def _stories_by_claim(
    embedder: Embedder, claims: dict[str, tuple[list[str], list[str]]], story: StoryConfig
) -> dict[str, set[str]]:
    """Replay 30 posts per claim (5 words of its vocabulary, its names, one random word) over
    4 hours, and return the story ids each claim's posts were last reported under."""
    rng = random.Random(3)
    docs = []
    for claim, (vocabulary, names) in claims.items():
        for i in range(30):
            words = [*rng.sample(vocabulary, 5), *names, rng.choice(RANDOM_WORDS)]
            rng.shuffle(words)
            time = START + rng.uniform(0.0, 4.0) * HOUR
            docs.append(
                Document(f"{claim}-{i:02d}", "post", " ".join(words), time, "twitter", "en")
            )
    docs.sort(key=lambda d: (d.time, d.doc_id))
    events = replay(docs, embedder, params=dataclasses.replace(PARAMS, story=story))
    owner = {d: e.story_id for e in events for d in e.member_ids if e.type != "faded"}
    found: dict[str, set[str]] = defaultdict(set)
    for doc_id, story_id in owner.items():
        found[topic_of(doc_id)].add(str(story_id))
    return found


@pytest.mark.parametrize("term_prefix", [0, StoryConfig().term_prefix])
def test_stories_group_narratives_by_the_names_they_share(
    fake_factory: EmbedderFactory, term_prefix: int
) -> None:
    """Two claims about one flood (its reports, its donation appeals: disjoint vocabularies)
    name the same town and hashtag; a third claim names another town. The embedder is blind to
    the names, so only the narratives' words can tell which claims share a story: with the
    keyword signal the flood's two narratives share one and the other town keeps its own; with
    centroids alone (keyword_weight 0) every narrative is its own story. The same with whole
    words and with the default word stems."""
    claims = {
        "reports": (FLOOD, ["oakvale", "#valestrong"]),
        "appeals": (APPEALS, ["oakvale", "#valestrong"]),
        "other": (QUAKE, ["hillcrest", "#creststrong"]),
    }
    names = frozenset({"oakvale", "valestrong", "hillcrest", "creststrong"})

    def stories(keyword_weight: float) -> dict[str, set[str]]:
        # The names are 2 of each narrative's 10 common words, so word profiles of the same
        # town's narratives are about 0.2 cosine-similar: the cut sits below that.
        story = StoryConfig(
            min_similarity=0.08, keyword_weight=keyword_weight, term_prefix=term_prefix
        )
        return _stories_by_claim(name_blind_embedder(fake_factory(), names), claims, story)

    blended = stories(0.5)
    assert len(blended["reports"]) == len(blended["appeals"]) == len(blended["other"]) == 1
    assert blended["reports"] == blended["appeals"] != blended["other"]
    centroids_only = stories(0.0)
    assert all(len(ids) == 1 for ids in centroids_only.values())
    assert len(set().union(*centroids_only.values())) == 3


def test_word_stems_join_a_story_told_in_two_spellings_of_its_names(
    fake_factory: EmbedderFactory,
) -> None:
    """The flood's reports name the town without its accent ("megantic", as English posts
    write it), its appeals with it ("mégantic"). Whole words share no name, so the two
    narratives are two stories; the default story profiles count words by their
    accent-folded stems (`NARRATIVES_STORY_TERM_PREFIX`), and the names agree again."""
    claims = {
        "reports": (FLOOD, ["megantic", "#lacmegantic"]),
        "appeals": (APPEALS, ["mégantic", "#lacmégantic"]),
        "other": (QUAKE, ["hillcrest", "#creststrong"]),
    }
    names = frozenset({"megantic", "lacmegantic", "mégantic", "lacmégantic"})
    names |= {"hillcrest", "creststrong"}

    def stories(term_prefix: int) -> dict[str, set[str]]:
        story = StoryConfig(min_similarity=0.08, term_prefix=term_prefix)
        return _stories_by_claim(name_blind_embedder(fake_factory(), names), claims, story)

    assert StoryConfig().term_prefix > 0
    stemmed = stories(StoryConfig().term_prefix)
    assert all(len(ids) == 1 for ids in stemmed.values())
    assert stemmed["reports"] == stemmed["appeals"] != stemmed["other"]
    whole = stories(0)
    assert all(len(ids) == 1 for ids in whole.values())
    assert len(set().union(*whole.values())) == 3


def test_a_story_of_one_kind_that_starts_in_anothers_tail_keeps_its_own_story(
    fake_factory: EmbedderFactory,
) -> None:
    """Two floods in two towns, told in the same words, the second starting an hour after the
    first ends: both are in the 6-hour window together, close in meaning and in keywords. On
    meaning and words alone the second joins the first one's story and takes its id (the chain
    that ran one story id through four floods on crisislex-t26); their activity never overlaps,
    so with the time signal (the default weight) each flood keeps its own story."""
    rng = random.Random(5)
    docs = []
    for flood, town, first_hour in (("first", "riverton", 0.0), ("second", "hillcrest", 3.0)):
        # Three of four words of its own town in every post: enough for the clusterer to keep
        # the floods apart whatever the draw (12 of 12 seeds), while five shared flood words
        # keep them within the story cut of each other.
        local = [town, f"#{town}flood", f"{town}bridge", f"{town}mayor"]
        for i in range(40):
            words = [*rng.sample(FLOOD, 5), *rng.sample(local, 3), rng.choice(RANDOM_WORDS)]
            rng.shuffle(words)
            time = START + (first_hour + rng.uniform(0.0, 2.0)) * HOUR
            docs.append(Document(f"{flood}-{i:02d}", "post", " ".join(words), time))
    docs.sort(key=lambda d: (d.time, d.doc_id))

    def owners(time_weight: float) -> dict[str, set[tuple[str, str]]]:
        story = StoryConfig(min_similarity=0.4, time_weight=time_weight)
        events = replay(docs, fake_factory(), params=dataclasses.replace(PARAMS, story=story))
        owner = {
            d: (e.narrative_id, str(e.story_id))
            for e in events
            for d in e.member_ids
            if e.type != "faded"
        }
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for doc_id, ids in owner.items():
            found[topic_of(doc_id)].add(ids)
        return found

    assert StoryConfig().time_weight == 0.5
    (first_nar, first_story), (second_nar, second_story) = (
        *owners(0.0)["first"],
        *owners(0.0)["second"],
    )
    assert first_nar != second_nar  # two narratives either way: the clusterer keeps them apart
    assert second_story == first_story  # without time: the second flood is in the first's story
    timed = owners(0.5)
    assert timed["first"] == {(first_nar, first_nar)}
    assert timed["second"] == {(second_nar, second_nar)}


# --- attached documents (streams.attach) --------------------------------------------------------


class AngleEmbedder:
    """Embeds "DEG LIFT" as the unit vector at DEG degrees in the x-y plane, LIFT towards z."""

    model_id = "angle"
    dimension = 3

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = []
        for text in texts:
            deg, lift = (math.radians(float(x)) for x in text.split()[:2])  # words follow
            rows.append([math.cos(deg) * math.cos(lift), math.sin(deg) * math.cos(lift), 0.0])
            rows[-1][2] = math.sin(lift)
        return np.array(rows, dtype=np.float32)


class FlatRowsCluster:
    """Clusters the rows lying in the x-y plane by angle (0 or 90 deg); any lifted row is noise,
    as HDBSCAN leaves a post whose neighbourhood is too sparse, however near the centre."""

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        flat = np.abs(vectors[:, 2]) < 1e-6
        return np.where(flat, (vectors[:, 1] > vectors[:, 0]).astype(np.int64), -1)


def test_attachment_reports_noise_inside_a_narrative_beside_its_members(
    fake_factory: EmbedderFactory,
) -> None:
    core_a = [(f"a{i}", f"{d} 0 glasgow crash") for i, d in enumerate((-12, -6, 0, 6, 12))]
    core_b = [(f"b{i}", f"{d} 0 alberta flood") for i, d in enumerate((80, 85, 90, 95, 100))]
    # Inside the cores' extents, but lifted; each names its narrative.
    near = [("near-a", "5 3 glasgow"), ("near-b", "92 4 flood waters")]
    far = [("far", "45 3 glasgow"), ("off", "-60 5 crash")]  # between the two, and off to the side
    docs = [
        Document(doc_id, "post", text, START + i * MINUTE)
        for i, (doc_id, text) in enumerate([*core_a, *core_b, *near, *far])
    ]
    runs = {}
    for enabled in (True, False):
        params = dataclasses.replace(PARAMS, attach=AttachConfig(enabled=enabled))
        detector = Detector(params, AngleEmbedder(), FlatRowsCluster())
        detector.ingest(docs)
        runs[enabled] = detector.advance(flush=True)
    emerged = {e.first_doc_id: e for e in runs[True] if e.type == "emerged"}
    assert emerged["a0"].member_ids == [d for d, _ in core_a]
    assert emerged["a0"].attached_ids == ["near-a"] and emerged["a0"].attached_size == 1
    assert emerged["b0"].attached_ids == ["near-b"]

    # Attachment is reported, never fed back: the same events but for the attached fields (and
    # the parameter hash, which names the setting, in event ids).
    def same(e: NarrativeEvent) -> dict[str, object]:
        return e.model_dump(exclude={"attached_ids", "attached_size", "event_id", "detector"})

    assert [same(e) for e in runs[True]] == [same(e) for e in runs[False]]
    assert runs[True][0].detector.params_version != runs[False][0].detector.params_version
    assert all(e.attached_ids == [] for e in runs[False])


def _attached_to_a_and_b(
    docs: Sequence[Document], attach: AttachConfig
) -> tuple[list[str], list[str]]:
    """The attached ids on the `emerged` events of narratives A (first post a0) and B (b0),
    replaying `docs` with angle vectors and the flat-rows clusterer under `attach`."""
    params = dataclasses.replace(PARAMS, attach=attach)
    detector = Detector(params, AngleEmbedder(), FlatRowsCluster())
    detector.ingest(docs)
    emerged = {e.first_doc_id: e for e in detector.advance(flush=True) if e.type == "emerged"}
    return emerged["a0"].attached_ids, emerged["b0"].attached_ids


def test_a_post_inside_an_extent_joins_only_when_it_uses_a_word_of_the_narrative() -> None:
    # Three lifted posts inside A's extent: one names A ("clutha"), one says nothing of its own
    # ("good", a word no narrative has), one names B. Meaning alone would attach all three to
    # A; with one word asked (the default) only the first joins. The one naming B is not given
    # to B either: it lies outside B's extent, and one word is not enough for the word rule.
    core_a = [(f"a{i}", f"{d} 0 clutha glasgow crash") for i, d in enumerate((-12, -6, 0, 6, 12))]
    core_b = [(f"b{i}", f"{d} 0 alberta flood calgary") for i, d in enumerate((80, 85, 90, 95))]
    lifted = [("names-a", "4 3 clutha pub"), ("silent", "-4 3 good"), ("names-b", "2 3 calgary")]
    docs = [
        Document(doc_id, "post", text, START + i * MINUTE)
        for i, (doc_id, text) in enumerate([*core_a, *core_b, *lifted])
    ]
    attached = {t: _attached_to_a_and_b(docs, AttachConfig(extent_terms=t)) for t in (1, 0)}
    assert attached[1] == (["names-a"], [])
    assert attached[0] == (["names-a", "silent", "names-b"], [])
    assert AttachConfig().extent_terms == 1


def test_a_narrative_growing_only_by_attached_posts_lists_them_on_an_updated_event() -> None:
    # A core of five posts, then a tail of posts that each lie inside its extent but never in
    # its dense core (lifted): the tail only ever comes as attached documents, as a claim's
    # slow tail does once its burst is over.
    core = [(f"a{i}", f"{d} 0 flood", 0) for i, d in enumerate((-12, -6, 0, 6, 12))]
    tail = [(f"t{i}", f"{d} 3 flood", 2) for i, d in enumerate((-9, -3, 2, 5, 9, 4))]
    docs = [
        Document(doc_id, "post", text, START + hours * HOUR + i * MINUTE)
        for i, (doc_id, text, hours) in enumerate([*core, *tail])
    ]

    def run(counts_attached: bool) -> list[NarrativeEvent]:
        # Growth alone decides here: no last word at the end of the replay.
        events = EventConfig(update_counts_attached=counts_attached, list_held_at_end=False)
        detector = Detector(
            dataclasses.replace(PARAMS, events=events), AngleEmbedder(), FlatRowsCluster()
        )
        detector.ingest(docs)
        return detector.advance(flush=True)

    tail_ids = {d for d, _, _ in tail}
    on, off = run(True), run(False)
    # The members never change, so only the tail can make the news.
    updated = [e for e in on if e.type == "updated"]
    assert len(updated) == 1 and set(updated[0].attached_ids) == tail_ids
    assert updated[0].member_ids == [d for d, _, _ in core] and updated[0].new_members == 0
    # Counted as members only, the tail is held and never listed: no event names its posts.
    assert [e.type for e in off] == ["emerged"]
    assert not tail_ids & {d for e in off for d in (*e.member_ids, *e.attached_ids)}


def test_the_last_slide_of_a_flushed_replay_lists_what_no_event_listed() -> None:
    # Two cores of five posts; two hours later three posts inside A's extent but outside its
    # dense core (attached), fewer than the five new documents growth asks for. B gets
    # nothing new. The last word of the replay lists A's three posts; B has nothing to add.
    core_a = [(f"a{i}", f"{d} 0 flood", 0) for i, d in enumerate((-12, -6, 0, 6, 12))]
    core_b = [(f"b{i}", f"{d} 0 fire", 0) for i, d in enumerate((80, 85, 90, 95, 100))]
    tail = [(f"t{i}", f"{d} 3 flood", 2) for i, d in enumerate((-3, 2, 5))]
    docs = [
        Document(doc_id, "post", text, START + hours * HOUR + i * MINUTE)
        for i, (doc_id, text, hours) in enumerate([*core_a, *core_b, *tail])
    ]
    tail_ids = {d for d, _, _ in tail}

    def run(list_held: bool, flush: bool) -> list[NarrativeEvent]:
        params = dataclasses.replace(PARAMS, events=EventConfig(list_held_at_end=list_held))
        detector = Detector(params, AngleEmbedder(), FlatRowsCluster())
        detector.ingest(docs)
        events = detector.advance(flush=flush)
        if not flush:  # live: a later document moves the watermark past the tail's slide
            detector.ingest([Document("late", "post", "45 60", START + 5 * HOUR)])
            events += detector.advance()
        return events

    on = run(True, flush=True)
    updated = [e for e in on if e.type == "updated"]
    assert len(updated) == 1 and updated[0].first_doc_id == "a0"
    assert set(updated[0].attached_ids) == tail_ids and updated[0].new_members == 0
    # It is the replay's last slide, and B, with nothing unlisted, gets no event there.
    assert updated[0].window.end == max(e.window.end for e in on)
    # Off, or live (no flush), the growth bar alone decides: the three posts are in no event.
    for events in (run(False, flush=True), run(True, flush=False)):
        assert [e.type for e in events if e.type != "faded"] == ["emerged", "emerged"]
        assert not tail_ids & {d for e in events for d in (*e.member_ids, *e.attached_ids)}


def test_a_post_outside_every_extent_joins_the_narrative_its_words_and_meaning_name() -> None:
    # Two cores with their own words; three lifted posts far outside both extents. "clutha
    # glasgow" names A and lies nearest A: attached by words. One word ("glasgow") is not
    # enough; A's words on a post nearest B are not either. With the word rule off, none is.
    core_a = [(f"a{i}", f"{d} 0 glasgow helicopter crash clutha") for i, d in enumerate((-6, 0, 6))]
    core_b = [(f"b{i}", f"{d} 0 alberta flood calgary water") for i, d in enumerate((84, 90, 96))]
    lifted = [
        ("named", "30 50 donate online clutha glasgow"),
        ("one-word", "20 50 thoughts with glasgow"),
        ("disagree", "70 50 clutha glasgow"),
    ]
    docs = [
        Document(doc_id, "post", text, START + i * MINUTE)
        for i, (doc_id, text) in enumerate([*core_a, *core_b, *lifted])
    ]
    attached = {t: _attached_to_a_and_b(docs, AttachConfig(keyword_terms=t)) for t in (2, 0)}
    assert attached[2] == (["named"], [])
    assert attached[0] == ([], [])


def _angle_docs(prefix: str, texts: Sequence[str], at: float) -> list[Document]:
    return [Document(f"{prefix}{i:02d}", "post", t, at + i * MINUTE) for i, t in enumerate(texts)]


def test_a_window_holding_one_story_reports_it_at_the_streams_own_scale() -> None:
    # Hour 0: two arcs of 12 posts (1 degree apart) that HDBSCAN finds; they set the stream's
    # reference cohesion (nine in ten members within about 5 degrees of the centre). Hour 10,
    # alone in the window: one story of 12 posts within 2.2 degrees plus 3 scattered posts.
    # HDBSCAN alone reports nothing there
    # (too few rows to split into two groups of 10); the lone-story pass reports the story.
    first = _angle_docs("a", [f"{d} 0" for d in range(12)], START) + _angle_docs(
        "b", [f"{90 + d} 0" for d in range(12)], START + 30 * MINUTE
    )
    story = _angle_docs("s", [f"{200 + 0.2 * i:.1f} 0" for i in range(12)], START + 10 * HOUR)
    chatter = _angle_docs("c", ["20 40", "300 -40", "150 60"], START + 10 * HOUR + 30 * MINUTE)
    story_ids = [d.doc_id for d in story]

    def run(lone: bool, docs: list[Document]) -> tuple[Detector, list[NarrativeEvent]]:
        params = dataclasses.replace(PARAMS, lone=LoneConfig(enabled=lone))
        detector = Detector(params, AngleEmbedder())
        detector.ingest(docs)
        return detector, detector.advance(flush=True)

    detector, events = run(True, [*first, *story, *chatter])
    emerged = [e for e in events if e.type == "emerged"]
    assert [sorted(e.member_ids) for e in emerged][:2] == [
        [d.doc_id for d in first[:12]],
        [d.doc_id for d in first[12:]],
    ]
    lone = [e for e in emerged if e.first_doc_id == "s00"]
    assert len(lone) == 1 and sorted(lone[0].member_ids) == story_ids
    assert detector.lone_slides >= 1

    # Off, or with no narrative seen yet to give the scale: the story goes unreported.
    _, events_off = run(False, [*first, *story, *chatter])
    assert not any(set(e.member_ids) & set(story_ids) for e in events_off)
    fresh, events_fresh = run(True, [*story, *chatter])
    assert events_fresh == [] and fresh.reference_cohesion is None


class RowEmbedder:
    """Embeds "row N" as row N of a fixed matrix (any dimension)."""

    model_id = "rows"

    def __init__(self, matrix: npt.NDArray[np.float32]) -> None:
        self.matrix = matrix
        self.dimension = matrix.shape[1]

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.matrix[[int(text.split()[1]) for text in texts]]


def test_a_stream_that_opens_with_one_story_reports_it_before_any_second_one() -> None:
    """The first hours hold one claim (20 posts, pairwise cosine about 0.5 in 384 dimensions,
    as a sentence encoder's) among 30 unrelated posts. HDBSCAN reports nothing (it never
    selects a window's only group), and there is no narrative yet to give the lone-story pass
    its scale; the cold start finds the claim, only its posts. Off, nothing is reported, as
    before the twenty-sixth session, and the version is that release's."""
    rng = np.random.default_rng(11)
    centre = rng.normal(size=384)
    told = centre / np.linalg.norm(centre) + rng.normal(size=(20, 384)) / 384**0.5
    rows = np.vstack([told, rng.normal(size=(30, 384))])
    matrix = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    order = random.Random(3).sample(range(50), 50)  # the claim's posts among the others
    docs = [
        Document(f"d{k:02d}", "post", f"row {k}", START + i * 2 * MINUTE)
        for i, k in enumerate(order)
    ]
    claim = {f"d{k:02d}" for k in range(20)}

    def run(cold_start: bool) -> tuple[Detector, list[NarrativeEvent]]:
        params = dataclasses.replace(PARAMS, lone=LoneConfig(cold_start=cold_start))
        detector = Detector(params, RowEmbedder(matrix))
        detector.ingest(docs)
        return detector, detector.advance(flush=True)

    detector, events = run(True)
    emerged = [e for e in events if e.type == "emerged"]
    assert len(emerged) == 1
    assert len(emerged[0].member_ids) >= 10 and set(emerged[0].member_ids) <= claim
    assert detector.lone_slides >= 1 and detector.reference_cohesion is None

    off, events_off = run(False)
    assert events_off == [] and off.lone_slides == 0
    params_off = DetectorParams(lone=LoneConfig(cold_start=False))
    assert params_off.version("model-a") == version_without(params_off, "lone.cold_start")
    assert params_off.version("model-a") != DetectorParams().version("model-a")


def test_no_last_word_gives_the_version_of_the_release_before_it() -> None:
    params_off = DetectorParams(events=EventConfig(list_held_at_end=False))
    assert params_off.version("model-a") == version_without(params_off, "events.list_held_at_end")
    assert params_off.version("model-a") != DetectorParams().version("model-a")


def test_counting_every_copy_gives_the_version_of_the_release_before_the_cap() -> None:
    params_off = DetectorParams(hdbscan=HdbscanParams(cap_copies=False))
    assert params_off.version("model-a") == version_without(params_off, "hdbscan.cap_copies")
    assert params_off.version("model-a") != DetectorParams().version("model-a")


def test_attaching_by_meaning_alone_gives_the_version_of_the_release_before_it() -> None:
    params_off = DetectorParams(attach=AttachConfig(extent_terms=0))
    assert params_off.version("model-a") == version_without(params_off, "attach.extent_terms")
    assert params_off.version("model-a") != DetectorParams().version("model-a")


def test_members_only_growth_gives_the_version_of_the_release_before_counting_attached() -> None:
    params_off = DetectorParams(events=EventConfig(update_counts_attached=False))
    assert params_off.version("model-a") == version_without(
        params_off, "events.update_counts_attached"
    )
    assert params_off.version("model-a") != DetectorParams().version("model-a")


class SwingCluster:
    """Rows below 45 deg are cluster 0, above it cluster 1, except the two swing documents at
    20 and 25 deg: call k (one call per slide) puts each where its schedule says."""

    def __init__(self) -> None:
        self.calls = 0

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        deg = np.degrees(np.arctan2(vectors[:, 1], vectors[:, 0]))
        labels = (deg > 45).astype(np.int64)
        k = self.calls
        self.calls += 1
        labels[np.abs(deg - 20) < 1] = 0 if k < 4 else 1  # "s": 4 slides in A, then 2 in B
        labels[np.abs(deg - 25) < 1] = 0 if k < 2 else 1  # "t": 2 slides in A, then 4 in B
        return labels


#: Every slide's growth makes an `updated` event, so each slide's listing is visible.
SWING_PARAMS = dataclasses.replace(
    PARAMS, events=EventConfig(update_min_new=1, update_min_growth=0.0)
)


def swing_stream() -> list[Document]:
    """A and B posts every 30 minutes for 12 hours, and the swing posts at 00:15."""
    docs = [
        Document(f"{name}{i:02d}", "post", f"{deg + (i % 3) - 1} 0", START + i * 30 * MINUTE)
        for i in range(24)
        for name, deg in (("a", 0), ("b", 90))
    ]
    docs += [
        Document("s", "post", "20 0", START + 15 * MINUTE),
        Document("t", "post", "25 0", START + 15 * MINUTE),
    ]
    return sorted(docs, key=lambda d: (d.time, d.doc_id))


def test_a_document_is_listed_where_it_spent_most_slides_not_where_the_last_one_put_it() -> None:
    # A (0 deg) and B (90 deg) get a post every 30 minutes for 12 hours; the swing posts "s"
    # and "t" arrive at 00:15 and stay in the 6-hour window for 6 slides. The last two slides
    # that see "s" group it with B after four with A: it stays listed under A. "t" spends four
    # slides with B: it moves there when B's slides equal A's (on the tie, the latest holder).
    docs = swing_stream()
    runs = {}
    for at_home in (True, False):
        params = dataclasses.replace(SWING_PARAMS, home=HomeConfig(at_home))
        detector = Detector(params, AngleEmbedder(), SwingCluster())
        detector.ingest(docs)
        runs[at_home] = detector.advance(flush=True)
    a_id, b_id = (
        next(e.narrative_id for e in runs[True] if e.first_doc_id == first)
        for first in ("a00", "b00")
    )
    assert last_assignment(runs[True])["s"] == a_id
    assert last_assignment(runs[True])["t"] == b_id
    assert last_assignment(runs[False])["s"] == b_id  # each slide's grouping: the last one wins

    # B's third slide (02:00-03:00) holds "t" in its cluster, but "t" has spent two slides with
    # A and one with B: B counts it in size and elsewhere_size and does not list it.
    b_third = [e for e in runs[True] if e.narrative_id == b_id][2]
    assert b_third.window.end == "2023-05-11T03:00:00.000Z"
    assert "t" not in b_third.member_ids and b_third.elsewhere_size == 1
    assert b_third.size == len(b_third.member_ids) + 1
    assert all(e.elsewhere_size == 0 for e in runs[False])

    # Homes decide only where a document is listed: the narratives, their ids, sizes and
    # descriptions are the same either way (here every slide's growth makes an event).
    def shape(e: NarrativeEvent) -> tuple[object, ...]:
        return (e.narrative_id, e.type, e.window.end, e.size, e.keywords, e.counts, e.signals)

    assert [shape(e) for e in runs[True]] == [shape(e) for e in runs[False]]


def test_slide_stats_count_the_documents_grouped_away_from_home() -> None:
    # The swing stream slide by slide: "t" is away in the third slide (two A slides, one B),
    # home again in B from the fourth (tie, latest); "s" is away in the fifth and sixth.
    docs = swing_stream()
    detector = Detector(SWING_PARAMS, AngleEmbedder(), SwingCluster())
    away: dict[str, int] = {}
    for doc in docs:
        detector.ingest([doc])
        for _ in detector.advance():
            pass
        if detector.last_slide is not None:
            away[rfc3339(detector.last_slide.end)[11:16]] = detector.last_slide.away
    assert [away[f"{h:02d}:00"] for h in range(1, 9)] == [0, 0, 1, 0, 1, 1, 0, 0]


class SplitCluster:
    """Rows below 45 deg are one cluster for the first two calls; from the third, the rows
    between 8 and 20 deg are a cluster of their own (a split)."""

    def __init__(self) -> None:
        self.calls = 0

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        deg = np.degrees(np.arctan2(vectors[:, 1], vectors[:, 0]))
        labels = np.where(deg > 45, 1, 0).astype(np.int64)
        if self.calls >= 2:
            labels[(deg > 8) & (deg < 20)] = 2
        self.calls += 1
        return labels


def test_a_split_child_lists_the_documents_it_was_born_of_once_it_has_held_them_longer() -> None:
    # A's posts at 0 and 12 deg, B's at 90 deg, every 30 minutes; from the third slide the
    # 12-degree posts form their own cluster, which the tracker reports as a split child of A.
    # The tracker's split moves no votes: the child counts the 12-degree posts A held for two
    # slides in size and elsewhere_size and lists only the new ones, then lists each older one
    # once it has held it as long as A did.
    docs = [
        Document(f"{name}{i:02d}", "post", f"{deg} 0", START + i * 30 * MINUTE)
        for i in range(16)
        for name, deg in (("a", 0), ("a-", 1), ("c", 12), ("b", 90))
    ]
    detector = Detector(SWING_PARAMS, AngleEmbedder(), SplitCluster())
    detector.ingest(sorted(docs, key=lambda d: (d.time, d.doc_id)))
    events = detector.advance(flush=True)
    (child,) = [e for e in events if e.type == "emerged" and e.parent_ids]
    parent = next(e for e in events if e.type == "split")
    assert parent.child_ids == [child.narrative_id] and child.window.end == parent.window.end
    # Slide 3 (02:00-03:00) holds c00..c05. A held c00 and c01 for two slides: listed there
    # still. A held c02 and c03 for one slide, as long as the child now: listed on the child
    # (the latest holder on a tie), with c04 and c05, which arrived in this slide.
    assert child.size == 6 and child.member_ids == ["c02", "c03", "c04", "c05"]
    assert child.elsewhere_size == 2
    assert not [m for m in parent.member_ids if m.startswith("c")]
    # One slide later the child has held c00 and c01 as long as A did: listed on the child.
    later = [e for e in events if e.narrative_id == child.narrative_id][1]
    assert later.window.end == "2023-05-11T04:00:00.000Z"
    assert {"c00", "c01"} <= set(later.member_ids) and later.elsewhere_size == 0


def debate_embedder(inner: Embedder) -> RewritingEmbedder:
    """Embeds the vaccine and election posts as one meaning: two claims of one debate that
    the model cannot tell apart, as a sentence model often cannot; only the words can."""
    blind = frozenset(VACCINE) | frozenset(ELECTION)
    return RewritingEmbedder(inner, "debate", lambda w: "claim" if w in blind else w)


def test_the_lexical_view_keeps_apart_two_claims_that_meaning_alone_lumps(
    stream: list[Document], fake_factory: EmbedderFactory
) -> None:
    """With `lexical.weight` 0 the clusterer sees meaning only and the vaccine and election
    posts end under one narrative; with words in the distance each has its own, and a second
    replay gives the same events."""

    def owners(weight: float) -> tuple[dict[str, str], list[NarrativeEvent]]:
        params = dataclasses.replace(PARAMS, lexical=LexicalConfig(weight=weight, dim=16))
        events = replay(stream, debate_embedder(fake_factory()), params=params)
        return majority_ids(stream, events), events

    blind, _ = owners(0.0)
    assert blind["vaccine"] == blind["election"]
    seeing, events = owners(0.5)
    assert len(set(seeing.values())) == 3
    owner = last_assignment(events)
    for topic, nid in seeing.items():
        posts = [d.doc_id for d in stream if topic_of(d.doc_id) == topic]
        share = sum(owner.get(doc_id) == nid for doc_id in posts) / len(posts)
        assert share >= 0.7, (topic, share)
    again = owners(0.5)[1]
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in events]


def test_the_time_view_keeps_apart_two_bursts_that_meaning_alone_lumps() -> None:
    """Two bursts of posts with one meaning, six hours apart in a 12-hour window (two floods
    of one season). With meaning alone the real HDBSCAN sees one dense group and cuts it
    anywhere, so each narrative holds posts of both bursts; with time in the distance each
    burst is one narrative of its own, whole, and a second replay gives the same events."""
    params = dataclasses.replace(
        PARAMS, window=WindowConfig(length_s=12 * HOUR, slide_s=HOUR, allowed_lateness_s=600.0)
    )
    docs = sorted(
        (
            Document(
                f"{name}{i:02d}", "post", f"{10 + (i % 5) * 0.5} 0", START + offset + i * 3 * MINUTE
            )
            for name, offset in (("a", 0.0), ("b", 6 * HOUR))
            for i in range(20)
        ),
        key=lambda d: (d.time, d.doc_id),
    )

    def bursts(weight: float) -> tuple[dict[str, str], list[NarrativeEvent]]:
        """Each narrative's bursts ("a", "b" or "ab"), from its events' listed members."""
        view = TimeViewConfig(weight)
        events = replay(docs, AngleEmbedder(), params=dataclasses.replace(params, time_view=view))
        held: dict[str, set[str]] = defaultdict(set)
        for event in events:
            held[event.narrative_id] |= {doc_id[0] for doc_id in event.member_ids}
        return {nid: "".join(sorted(b)) for nid, b in held.items()}, events

    blind, _ = bursts(0.0)
    assert blind and all(b == "ab" for b in blind.values())
    seeing, events = bursts(0.3)
    assert sorted(seeing.values()) == ["a", "b"]
    assert set(last_assignment(events)) == {d.doc_id for d in docs}
    again = bursts(0.3)[1]
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in events]


class LumpCluster:
    """Rows below 45 deg are cluster 0, above it cluster 1, except in the slides whose call
    index (one call per slide, counted from `start`) is in `lumped`: one cluster of all rows,
    as HDBSCAN's excess of mass sometimes selects two stories' common parent."""

    def __init__(self, lumped: frozenset[int], start: int = 0) -> None:
        self.lumped, self.calls = lumped, start

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        k, self.calls = self.calls, self.calls + 1
        if k in self.lumped:
            return np.zeros(len(vectors), dtype=np.int64)
        deg = np.degrees(np.arctan2(vectors[:, 1], vectors[:, 0]))
        return (deg > 45).astype(np.int64)


#: The slide ending 06:00 (the sixth) lumps A and B: B has 12 posts then, enough to merge.
LUMPED = frozenset({5})

#: What A and B of the lump stream both name: the town and the flood, a story's name (two
#: words, enough for keep-apart to leave their lump whole).
STORY_NAME = "lismore flood"


def lump_stream(shared: str = STORY_NAME) -> list[Document]:
    """A (0 deg) posts every 20 minutes and B (90 deg) every 30, for 10 hours: two sides of
    one flood, A's casualty reports and B's appeals, both naming the town and the flood
    (`shared`)."""
    docs = [
        Document(
            f"a{i:02d}", "post", f"{(i % 3) - 1} 0 casualties {shared}", START + i * 20 * MINUTE
        )
        for i in range(30)
    ]
    docs += [
        Document(f"b{i:02d}", "post", f"{89 + (i % 3)} 0 appeal {shared}", START + i * 30 * MINUTE)
        for i in range(20)
    ]
    return sorted(docs, key=lambda d: (d.time, d.doc_id))


def scripted_replay(
    clusterer: Clusterer, params: DetectorParams, shared: str = STORY_NAME
) -> list[NarrativeEvent]:
    """`lump_stream` replayed whole through a scripted clusterer."""
    detector = Detector(params, AngleEmbedder(), clusterer)
    detector.ingest(lump_stream(shared))
    return detector.advance(flush=True)


def lump_replay(
    params: DetectorParams = SWING_PARAMS, shared: str = STORY_NAME
) -> list[NarrativeEvent]:
    """The lumping slide is left whole by keep-apart: A and B share the story's name."""
    return scripted_replay(LumpCluster(LUMPED), params, shared)


def test_a_narrative_a_lumping_slide_merged_away_resumes_under_its_id() -> None:
    # One slide lumps B into A (A has more posts, so its centroid is nearer and A survives).
    # The next slide separates them: B's posts are a cluster of their own again, and B takes
    # back its id, its version counting on, instead of a new id for the rest of its life.
    events = lump_replay()
    by_first = {e.first_doc_id: e.narrative_id for e in events if e.type == "emerged"}
    a_id, b_id = by_first["a00"], by_first["b00"]
    assert {e.narrative_id for e in events} == {a_id, b_id}
    merged = [e for e in events if e.type == "merged"]
    assert [(e.narrative_id, e.parent_ids, e.window.end) for e in merged] == [
        (a_id, [b_id], "2023-05-11T06:00:00.000Z")
    ]
    b_events = [e for e in events if e.narrative_id == b_id]
    resumed = [e for e in b_events if e.type == "resumed"]
    assert [(e.window.end, e.parent_ids) for e in resumed] == [("2023-05-11T07:00:00.000Z", [a_id])]
    assert [e.version for e in b_events] == list(range(1, len(b_events) + 1))
    (split,) = [e for e in events if e.type == "split"]
    assert (split.narrative_id, split.child_ids) == (a_id, [b_id])
    # After resuming, B lists its own posts again, and every one of them ends up under B.
    owner = last_assignment(events)
    assert all(owner[f"b{i:02d}"] == b_id for i in range(20) if f"b{i:02d}" in owner)
    assert sum(1 for d in owner if d.startswith("b")) == 20
    assert lump_replay() == events  # deterministic


def test_with_resumption_off_the_separated_narrative_gets_a_new_id() -> None:
    params = dataclasses.replace(
        SWING_PARAMS, tracker=dataclasses.replace(SWING_PARAMS.tracker, resume_absorbed=False)
    )
    events = lump_replay(params)
    assert not any(e.type == "resumed" for e in events)
    emerged = [e for e in events if e.type == "emerged"]
    assert len(emerged) == 3 and emerged[2].parent_ids == [emerged[0].narrative_id]
    assert emerged[2].window.end == "2023-05-11T07:00:00.000Z"


class QuietCluster:
    """Rows below 45 deg are cluster 0, above it cluster 1, except in the slides whose call
    index is in `quiet`: there the rows above 45 deg are noise, as when a claim's posts thin
    out below the density HDBSCAN needs for a few slides and then pick up again."""

    def __init__(self, quiet: frozenset[int], start: int = 0) -> None:
        self.quiet, self.calls = quiet, start

    def fit_predict(self, vectors: npt.NDArray[np.float32]) -> Labels:
        k, self.calls = self.calls, self.calls + 1
        above = np.degrees(np.arctan2(vectors[:, 1], vectors[:, 0])) > 45
        return np.where(above, -1 if k in self.quiet else 1, 0).astype(np.int64)


#: The slides ending 05:00, 06:00 and 07:00 see B's posts as noise: B, last matched at
#: 04:00, fades at 07:00 (3 h), and its posts gather again at 08:00.
QUIET = frozenset({4, 5, 6})


def quiet_replay(params: DetectorParams = SWING_PARAMS) -> list[NarrativeEvent]:
    return scripted_replay(QuietCluster(QUIET), params)


def test_a_faded_narrative_whose_posts_gather_again_resumes_under_its_id() -> None:
    # B's posts are noise for three slides, long enough to fade; at 08:00 they are a cluster
    # again, holding B's posts of 02:00-04:00 that are still in the window. B comes back
    # under its id, its version counting on from its `faded` event: a claim that resurfaced.
    events = quiet_replay()
    by_first = {e.first_doc_id: e.narrative_id for e in events if e.type == "emerged"}
    assert sorted(by_first) == ["a00", "b00"]
    b_id = by_first["b00"]
    b_events = [e for e in events if e.narrative_id == b_id]
    lifecycle = [(e.type, e.window.end[11:16]) for e in b_events if e.type != "updated"]
    assert lifecycle == [("emerged", "01:00"), ("faded", "07:00"), ("resumed", "08:00")]
    assert [e.version for e in b_events] == list(range(1, len(b_events) + 1))
    (resumed,) = [e for e in b_events if e.type == "resumed"]
    assert resumed.parent_ids == [] and resumed.first_doc_id == "b00"
    assert {"b04", "b15"} <= set(resumed.member_ids)
    assert quiet_replay() == events  # deterministic


def test_with_faded_resumption_off_a_resurfacing_narrative_gets_a_new_id() -> None:
    params = dataclasses.replace(
        SWING_PARAMS, tracker=dataclasses.replace(SWING_PARAMS.tracker, resume_faded=False)
    )
    events = quiet_replay(params)
    assert not any(e.type == "resumed" for e in events)
    emerged = [(e.first_doc_id, e.window.end[11:16]) for e in events if e.type == "emerged"]
    assert emerged == [("a00", "01:00"), ("b00", "01:00"), ("b04", "08:00")]
    assert params.version("angle") != SWING_PARAMS.version("angle")


def test_keeping_apart_stops_the_lumping_slide_from_merging_two_distinct_narratives() -> None:
    # The lump stream where A and B share no word (two claims, not two sides of one flood):
    # the slide that puts them in one cluster has both established (18 and 12 documents),
    # their centroids 90 degrees apart and their keywords disjoint, so the cluster is cut
    # between them: no merge, nothing to resume, one id each throughout.
    events = lump_replay(shared="")
    assert {e.type for e in events} <= {"emerged", "updated", "faded"}
    assert sorted(e.first_doc_id for e in events if e.type == "emerged") == ["a00", "b00"]
    lumped_slide = [e for e in events if e.window.end == "2023-05-11T06:00:00.000Z"]
    assert {e.first_doc_id: e.size for e in lumped_slide} == {"a00": 18, "b00": 12}
    assert lump_replay(shared="") == events
    # Sharing the town's and the flood's names, they are left in one cluster and merge (the
    # tests above). Sharing one word only, they are cut as two claims of one debate would be,
    # unless one shared keyword is enough (the twenty-fourth session's rule). By centroids
    # alone they are cut all the same, and never cutting, they merge again.
    assert any(e.type == "merged" for e in lump_replay())

    def shape(replay: list[NarrativeEvent]) -> list[tuple[str, str, int, str]]:
        return [(e.type, e.first_doc_id, e.size, e.window.end) for e in replay]

    assert shape(lump_replay(shared="lismore")) == shape(events)
    any_word = dataclasses.replace(
        SWING_PARAMS,
        tracker=dataclasses.replace(SWING_PARAMS.tracker, keep_apart_shared_words=1),
    )
    assert any(e.type == "merged" for e in lump_replay(any_word, shared="lismore"))
    assert not any(e.type == "merged" for e in lump_replay(any_word, shared=""))
    by_meaning = dataclasses.replace(
        SWING_PARAMS,
        tracker=dataclasses.replace(SWING_PARAMS.tracker, keep_apart_by_words=False),
    )
    assert not any(e.type == "merged" for e in lump_replay(by_meaning))
    never = dataclasses.replace(
        SWING_PARAMS, tracker=dataclasses.replace(SWING_PARAMS.tracker, keep_apart=False)
    )
    assert any(e.type == "merged" for e in lump_replay(never, shared=""))
    versions = {p.version("angle") for p in (SWING_PARAMS, by_meaning, never, any_word)}
    assert len(versions) == 4
