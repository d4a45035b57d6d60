"""bench/variants.py's stream builders: the reshaped streams keep every post and label and
change only the property each variant names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # variants imports its sibling helpers on demand
    spec = importlib.util.spec_from_file_location("bench_variants", BENCH / "variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


V = _load()
HOUR = 3600.0


def crisis_posts(
    crisis: str, start: float, original_start: float, offsets_h: list[float]
) -> list[dict[str, object]]:
    """Posts of one crisis as the shared crisislex stream lays them out: the original timing
    divided by 24 from the crisis's start in the stream."""
    return [
        {
            "id": f"{crisis}-{i}",
            "text": f"post {i} of {crisis}",
            "label": crisis if i % 3 else None,  # off-topic posts have no label
            "published_at": V.rfc3339(start + offset * HOUR / 24),
            "event_time_original": V.rfc3339(original_start + offset * HOUR),
        }
        for i, offset in enumerate(offsets_h)
    ]


T0 = 1_682_899_200.0  # 2023-05-01T00:00Z
A = crisis_posts("flood", T0, 1_340_000_000.0, [0, 24, 48, 96])
B = crisis_posts("quake", T0 + 4 * HOUR, 1_380_000_000.0, [0, 12, 240])
STREAM = sorted(A + B, key=lambda r: V.stamp(r["published_at"]))


def test_crises_are_recovered_from_the_provenance_timestamps_off_topic_posts_included() -> None:
    groups = V.crisis_groups(STREAM)
    assert [sorted(r["id"] for r in g) for g in groups] == [
        sorted(r["id"] for r in A),
        sorted(r["id"] for r in B),
    ]


def test_relaid_crises_start_gap_apart_and_keep_their_own_timing() -> None:
    out = V.relay_crises(V.crisis_groups(STREAM), T0, 8 * HOUR, 12.0)
    times = {r["id"]: V.stamp(r["published_at"]) for r in out}
    assert times["flood-0"] == pytest.approx(T0)
    assert times["flood-3"] == pytest.approx(T0 + 96 * HOUR / 12)
    assert times["quake-0"] == pytest.approx(T0 + 8 * HOUR)
    assert times["quake-2"] == pytest.approx(T0 + 8 * HOUR + 240 * HOUR / 12)
    assert [V.stamp(r["published_at"]) for r in out] == sorted(times.values())
    assert {r["id"]: r["label"] for r in out} == {r["id"]: r["label"] for r in STREAM}


def test_every_other_crisis_keeps_the_second_one_whole() -> None:
    build = V._crisislex(4.0, 24.0, keep=lambda k: k % 2 == 1)
    out = build(STREAM)
    assert sorted(r["id"] for r in out) == sorted(r["id"] for r in B)
    assert V.stamp(out[0]["published_at"]) == pytest.approx(T0)


def test_scale_time_divides_every_gap() -> None:
    records = [
        {"id": "a", "published_at": V.rfc3339(T0)},
        {"id": "b", "published_at": V.rfc3339(T0 + 8 * HOUR)},
        {"id": "c", "published_at": V.rfc3339(T0 + 40 * HOUR)},
    ]
    out = V.scale_time(records, 4.0)
    assert [V.stamp(r["published_at"]) - T0 for r in out] == pytest.approx([0, 2 * HOUR, 10 * HOUR])


def test_every_other_label_keeps_half_the_claims_and_all_unlabelled_posts() -> None:
    records = [
        {"id": str(i), "label": label, "published_at": V.rfc3339(T0 + i * HOUR)}
        for i, label in enumerate(["c1", None, "c2", "c3", "c1", None, "c4", "c2"])
    ]
    out = V.every_other_label(records)
    # Claims by first post: c1, c2, c3, c4; the second and fourth are kept.
    assert [r["id"] for r in out] == ["1", "2", "5", "6", "7"]


def test_every_variant_has_a_shared_source_and_a_unique_name() -> None:
    names = [v.name for v in V.VARIANTS]
    assert len(names) == len(set(names))
    assert {v.source for v in V.VARIANTS} == {"crisislex-t26", "mide22-en"}
    assert all(v.name.startswith(v.source + "/") for v in V.VARIANTS)
