"""`narratives produce` on the real broker: records reach the topic of their kind, in file order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka_support import read_topic

from agents.sample_stream import generate_sample
from agents.settings import Settings
from agents.topics import ensure_topics

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("flags", [[], ["--ordered"]])
def test_produce_sends_each_record_to_its_kind_topic_in_file_order(
    tmp_path: Path,
    unique_topics: dict[str, str],
    settings_from: Callable[[dict[str, str]], Settings],
    flags: list[str],
) -> None:
    settings = settings_from(unique_topics)
    ensure_topics(settings)
    sample = generate_sample(120, hours=2.0)
    source = tmp_path / "sample.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    result = subprocess.run(
        [sys.executable, "-m", "agents.cli", "produce", str(source), *flags],
        env={**os.environ, **unique_topics},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["produced"] == len(sample)
    for kind, topic in (("article", settings.articles_topic), ("post", settings.posts_topic)):
        expected = [r["id"] for r in sample if r["kind"] == kind]
        assert expected, kind
        values = read_topic(topic, settings.broker, timeout_s=120, settle_s=3)
        assert [json.loads(v)["id"] for v in values] == expected
