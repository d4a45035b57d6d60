"""Recovery with committed offsets but no checkpoint (real broker, real model): the window is
rebuilt from the records of the last window length before the committed offsets, instead of
starting empty — what a worker taking over a partition needs when its previous owner had
read records but never closed a slide."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from agents.pipeline import Pipeline, source_key
from agents.produce import produce_file
from agents.recovery import CheckpointStore, recover
from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

pytestmark = pytest.mark.integration


def test_window_is_rebuilt_from_committed_offsets_when_no_checkpoint_exists(
    tmp_path: Path,
    unique_topics: dict[str, str],
    settings_from: Callable[[dict[str, str]], Settings],
) -> None:
    settings = settings_from({**unique_topics, "NARRATIVES_WINDOW_LENGTH_S": "10800"})
    ensure_topics(settings)
    sample = generate_sample(60, hours=1.0)
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    assert produce_file(settings, path) == len(sample)
    topics = (settings.articles_topic, settings.posts_topic)
    sources = [source_key(t, 0) for t in topics]
    store = CheckpointStore(settings)
    assert store.load() is None

    # Nothing committed yet: nothing to rebuild.
    empty = Pipeline(settings)
    nothing = recover(settings, empty, store, None, sources)
    assert (nothing.restored, nothing.records, len(empty.detector.window)) == (False, 0, 0)

    # A previous owner read everything and committed, but never wrote a checkpoint.
    owner = KafkaConsumer(
        bootstrap_servers=settings.broker, group_id=settings.app_id, enable_auto_commit=False
    )
    partitions = [TopicPartition(t, 0) for t in topics]
    ends = owner.end_offsets(partitions)
    owner.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in partitions})
    owner.close()

    pipeline = Pipeline(settings, empty.detector.embedder)
    rebuilt = recover(settings, pipeline, store, None, sources)
    assert rebuilt.restored is False and "rebuilt" in rebuilt.reason
    assert rebuilt.records == len(sample)
    assert len(pipeline.detector.window) == len(sample)
    assert rebuilt.positions == {source_key(tp.topic, 0): ends[tp] for tp in partitions}
