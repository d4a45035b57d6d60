"""`narratives_slide_documents`: the latest slide's documents split by what clustering made of
them, summed over a worker's scopes (agents.pipeline.set_slide_gauges)."""

from __future__ import annotations

from agents.metrics import REGISTRY
from agents.pipeline import set_slide_gauges
from streams.detector import SlideStats


def _value(state: str) -> float | None:
    return REGISTRY.get_sample_value("narratives_slide_documents", {"state": state})


def test_members_attached_and_noise_add_up_to_the_windows_of_all_scopes() -> None:
    # Scope 0: 100 documents, 30 left as noise by clustering, 12 of them attached.
    # Scope 1: 10 documents, all noise, none attached.
    set_slide_gauges(
        [
            SlideStats(end=0.0, documents=100, clusters=3, noise=30, attached=12, away=4),
            SlideStats(end=0.0, documents=10, clusters=0, noise=10, attached=0, away=0),
        ]
    )
    assert (_value("member"), _value("attached"), _value("noise")) == (70.0, 12.0, 28.0)
    assert sum(v or 0.0 for v in map(_value, ("member", "attached", "noise"))) == 110.0
    # 4 of scope 0's grouped documents were grouped away from their home narrative.
    assert REGISTRY.get_sample_value("narratives_slide_documents_away") == 4.0
