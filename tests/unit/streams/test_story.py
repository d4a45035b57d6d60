"""Unit tests for streams.story: grouping live narratives into stories with stable ids.

Narratives are built by hand with unit centroids in an 8-d space, so the cosine similarities
the grouping sees are exactly the ones each test states.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from streams.story import StoryConfig, assign_stories, group_narratives
from streams.track import Narrative

CONFIG = StoryConfig(min_similarity=0.5)


def unit(*weights: float) -> npt.NDArray[np.float32]:
    v = np.zeros(8, dtype=np.float64)
    v[: len(weights)] = weights
    return (v / np.linalg.norm(v)).astype(np.float32)


def nar(name: str, centroid: npt.NDArray[np.float32], born: float) -> Narrative:
    return Narrative(
        narrative_id=name,
        centroid=centroid,
        members=frozenset({f"{name}-doc"}),
        first_seen=born,
        first_doc_id=f"{name}-doc",
        last_seen=born,
        last_matched_end=born,
    )


def test_close_narratives_share_a_story_named_after_the_oldest() -> None:
    a = nar("a", unit(1, 0.3), born=2.0)
    b = nar("b", unit(1, -0.3), born=1.0)
    c = nar("c", unit(0, 0, 1), born=0.0)
    stories = assign_stories([a, b, c], CONFIG)
    assert stories == {"a": "b", "b": "b", "c": "c"}
    assert (a.story_id, b.story_id, c.story_id) == ("b", "b", "c")


def test_a_singleton_story_is_named_after_its_narrative() -> None:
    only = nar("only", unit(1), born=0.0)
    assert assign_stories([only], CONFIG) == {"only": "only"}


def test_threshold_one_keeps_every_narrative_its_own_story() -> None:
    a, b = nar("a", unit(1), 0.0), nar("b", unit(1), 1.0)
    assert assign_stories([a, b], StoryConfig(min_similarity=1.0)) == {"a": "a", "b": "b"}


def test_average_linkage_does_not_chain_loosely_related_narratives() -> None:
    # a~b and b~c are close (cos 0.71), a~c are orthogonal: the average of b's link to {a, c}
    # would be too weak after a and b join, so c stays apart.
    a, b, c = nar("a", unit(1), 0.0), nar("b", unit(1, 1), 1.0), nar("c", unit(0, 1), 2.0)
    groups = group_narratives([a, b, c], StoryConfig(min_similarity=0.6))
    assert sorted(len(g) for g in groups) == [1, 2]


def test_story_id_survives_the_loss_of_its_oldest_narrative_and_new_members() -> None:
    a, b = nar("a", unit(1, 0.2), 0.0), nar("b", unit(1, -0.2), 1.0)
    assign_stories([a, b], CONFIG)
    assert b.story_id == "a"
    # "a" faded; a newcomer close to "b" joins the story, which keeps its id.
    c = nar("c", unit(1), 2.0)
    assert assign_stories([b, c], CONFIG) == {"b": "a", "c": "a"}


def test_a_split_story_keeps_its_id_on_the_larger_part_and_names_the_other_afresh() -> None:
    a, b, c = nar("a", unit(1), 0.0), nar("b", unit(1), 1.0), nar("c", unit(1), 2.0)
    assign_stories([a, b, c], CONFIG)
    assert {n.story_id for n in (a, b, c)} == {"a"}
    # "a" drifts away alone; "b" and "c" hold the majority of the old id.
    a.centroid = unit(0, 0, 1)
    stories = assign_stories([a, b, c], CONFIG)
    assert stories["b"] == stories["c"] == "a"
    assert stories["a"] != "a"


def test_same_narratives_give_the_same_stories() -> None:
    def build() -> list[Narrative]:
        return [nar(f"n{i}", unit(1, i % 3, (i * 7) % 5), float(i)) for i in range(12)]

    assert assign_stories(build(), CONFIG) == assign_stories(build(), CONFIG)
