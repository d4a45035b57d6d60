"""`narratives replay` and `narratives demo` as a newcomer runs them: real model, real files.

Replay needs no broker; the demo starts its own (the real one, on a free port).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.sample_stream import generate_sample

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
WINDOW = ["--window-length", "10800", "--slide", "1800"]


def _narratives(
    *args: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; `env` adds to (never replaces) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _replay(tmp: Path, source: Path, name: str, extra: list[str]) -> tuple[bytes, bytes, dict]:
    events, assignments = tmp / f"{name}.events.jsonl", tmp / f"{name}.assign.jsonl"
    result = _narratives(
        "replay",
        "--input",
        str(source),
        "--events",
        str(events),
        "--assignments",
        str(assignments),
        *extra,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return events.read_bytes(), assignments.read_bytes(), summary


def test_replay_is_deterministic_and_assigns_every_document(tmp_path: Path) -> None:
    sample = generate_sample(500, hours=12.0)
    source = tmp_path / "sample.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))

    events_a, assign_a, summary = _replay(tmp_path, source, "a", WINDOW)
    events_b, assign_b, _ = _replay(tmp_path, source, "b", WINDOW)
    assert events_a == events_b and assign_a == assign_b
    assert summary["events"] > 0 and summary["narratives"] >= 3

    rows = [json.loads(line) for line in assign_a.decode().splitlines()]
    assert [r["doc_id"] for r in rows] == [r["id"] for r in sample]
    assigned = {r["doc_id"]: r["narrative_id"] for r in rows}
    # Documents of one planted narrative mostly share one narrative id, and noise mostly none.
    labels = {r["id"]: r["label"] for r in sample}
    planted = [d for d in assigned if labels[d]]
    noise = [d for d in assigned if not labels[d]]
    assert sum(assigned[d] is not None for d in planted) > 0.5 * len(planted)
    assert sum(assigned[d] is None for d in noise) > 0.5 * len(noise)
    parsed = [json.loads(line) for line in events_a.decode().splitlines()]
    # Assignments are at the story level: a story id is its founder's narrative id, or one
    # derived from it ("nar-…~3") for a group that left the story of its oldest narrative; both
    # are carried in the events.
    reported = {e["narrative_id"] for e in parsed} | {e["story_id"] for e in parsed}
    assert {v for v in assigned.values() if v} <= reported
    # Attached documents (noise inside a narrative's extent) are reported, and assigned.
    attached = {d for e in parsed for d in e["attached_ids"]}
    members = {d for e in parsed for d in e["member_ids"]}
    assert attached - members, "some documents are only ever attached"
    assert all(assigned[d] is not None for d in attached)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside this checkout")
def test_replay_accepts_the_shared_stream_format(tmp_path: Path) -> None:
    head = tmp_path / "mide-head.jsonl"
    with (SHARED / "mide22-en" / "stream.jsonl").open(encoding="utf-8") as lines:
        head.write_text("".join(line for _, line in zip(range(1200), lines, strict=False)))
    window = ["--window-length", "604800", "--slide", "86400"]
    events_a, assign_a, summary = _replay(tmp_path, head, "a", window)
    events_b, assign_b, _ = _replay(tmp_path, head, "b", window)
    assert events_a == events_b and assign_a == assign_b
    assert summary["records"] == 1200 and summary["events"] > 0
    assert len(assign_a.decode().splitlines()) == 1200


def test_demo_shows_narratives_appearing() -> None:
    result = _narratives("demo", "--docs", "600", "--rate", "600", timeout=900)
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    assert "emerged" in result.stdout
    assert "narratives:" in result.stdout.splitlines()[-1]


def test_eval_scores_both_levels_from_one_replay(tmp_path: Path) -> None:
    """One `narratives eval` gives the figures of both levels, and each level's figures are
    those a replay configured for that level reports (what analysts did with two runs)."""
    sample = generate_sample(500, hours=12.0)
    source = tmp_path / "sample.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    runs = {}
    for level in ("story", "narrative"):
        result = _narratives(
            "eval",
            "--input",
            str(source),
            *WINDOW,
            "--out",
            str(tmp_path / level),
            env={"NARRATIVES_ASSIGNMENT_LEVEL": level},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        runs[level] = json.loads(result.stdout.strip().splitlines()[-1])
    assert runs["story"]["levels"] == runs["narrative"]["levels"]
    for level, run in runs.items():
        assert run["assignment_level"] == level
        assert {k: run[k] for k in run["levels"][level]} == run["levels"][level]
    narrative, story = runs["story"]["levels"]["narrative"], runs["story"]["levels"]["story"]
    assert narrative["b3_f1"] > 0.3 and story["b3_f1"] > 0.3
    # The planted sample has stories of several narratives, so the two levels differ.
    assert narrative != story


def test_eval_sizes_a_slow_streams_window_by_its_pace(tmp_path: Path) -> None:
    """Without --window-length/--slide, `eval` picks the window from the stream's density:
    four posts a day get a 25-day window (ten minimum clusters' worth at that pace), and a
    larger NARRATIVES_MIN_CLUSTER_SIZE asks for a longer one."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2022, 1, 1, tzinfo=UTC)
    sample = generate_sample(240, hours=12.0)
    for i, record in enumerate(sample):  # the same posts, four a day for sixty days
        record["published_at"] = (start + timedelta(hours=6 * i)).isoformat().replace("+00:00", "Z")
    source = tmp_path / "slow.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
    windows = {}
    for size in ("10", "20"):
        result = _narratives(
            "eval", "--input", str(source), env={"NARRATIVES_MIN_CLUSTER_SIZE": size}
        )
        assert result.returncode == 0, result.stderr[-3000:]
        row = json.loads(result.stdout.strip().splitlines()[-1])
        windows[size] = (row["window_length_s"], row["window_slide_s"])
    day = 86_400.0
    assert windows == {"10": (25 * day, day), "20": (50 * day, day)}
