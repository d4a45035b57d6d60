"""Unit tests for streams.story: grouping live narratives into stories with stable ids.

Narratives are built by hand with unit centroids in an 8-d space, so the cosine similarities
the grouping sees are exactly the ones each test states.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pytest

from streams.story import (
    StoryConfig,
    activity_similarity,
    assign_stories,
    group_narratives,
    keyword_similarity,
)
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


# -- the keyword signal -----------------------------------------------------------------------
# Three narratives of ten documents: two about one flood in Alberta (its reports and its
# donation appeals), one about a flood in Manila. Term counts are documents using the term.
ALBERTA_REPORTS = {"alberta": 9, "flood": 5}
ALBERTA_DONATIONS = {"alberta": 9, "donate": 8}
MANILA_REPORTS = {"manila": 9, "flood": 5}
PROFILES = [ALBERTA_REPORTS, ALBERTA_DONATIONS, MANILA_REPORTS]
SIZES = [10, 10, 10]


def test_keyword_similarity_is_class_tfidf_cosine() -> None:
    sims = keyword_similarity(PROFILES, SIZES)
    # By hand: idf(t) = log(1 + 3 / k_t); "alberta" and "flood" are in 2 profiles, the rest in 1.
    shared, own = math.log(1 + 3 / 2), math.log(1 + 3 / 1)
    reports = np.array([0.9 * shared, 0.5 * shared])  # (alberta, flood)
    donations = np.array([0.9 * shared, 0.8 * own])  # (alberta, donate)
    expected = reports[0] * donations[0] / (np.linalg.norm(reports) * np.linalg.norm(donations))
    assert sims[0, 1] == pytest.approx(expected, abs=1e-9)
    assert sims[0, 1] > sims[0, 2] > 0.0  # a shared place beats a shared generic word
    assert sims[1, 2] == 0.0  # nothing in common
    assert np.allclose(sims, sims.T) and np.allclose(np.diag(sims), 1.0)


def test_terms_of_a_single_document_do_not_tie_narratives() -> None:
    sims = keyword_similarity([{"rare": 1, "a": 5}, {"rare": 1, "b": 5}], [10, 10])
    assert sims[0, 1] == 0.0
    sims = keyword_similarity([{"rare": 1, "a": 5}, {"rare": 1, "b": 5}], [10, 10], 1)
    assert sims[0, 1] > 0.0


def test_keywords_regroup_narratives_that_centroids_alone_group_wrongly() -> None:
    # Centroids: the Alberta reports are closer to the Manila reports (cos 0.6, both "flood
    # reports") than to the Alberta donations (cos 0.45); the donations and Manila: cos 0.27.
    reports = nar("reports", unit(1.0, 0.0, 0.0), 0.0)
    donations = nar("donations", unit(0.45, math.sqrt(1 - 0.45**2), 0.0), 1.0)
    manila = nar("manila", unit(0.6, 0.0, 0.8), 2.0)
    narratives = [reports, donations, manila]
    centroids_only = group_narratives(
        narratives, StoryConfig(min_similarity=0.45, keyword_weight=0.0), PROFILES, SIZES
    )
    assert centroids_only == [[0, 2], [1]]
    blended = group_narratives(
        narratives, StoryConfig(min_similarity=0.45, keyword_weight=0.5), PROFILES, SIZES
    )
    assert blended == [[0, 1], [2]]
    stories = assign_stories(
        narratives, StoryConfig(min_similarity=0.45, keyword_weight=0.5), PROFILES, SIZES
    )
    assert stories == {"reports": "reports", "donations": "reports", "manila": "manila"}


def test_profiles_must_match_the_narratives() -> None:
    a, b = nar("a", unit(1), 0.0), nar("b", unit(1, 1), 1.0)
    with pytest.raises(ValueError, match="one keyword profile and size per narrative"):
        group_narratives([a, b], StoryConfig(), [{"x": 2}], [3])


def test_activity_similarity_is_the_cosine_of_documents_per_slide() -> None:
    sims = activity_similarity([[0, 0, 1], [1, 1, 0], [3, 4], []])
    # By hand: counts per slide (2, 1, 0, 0) and (1, 2, 0, 0): cosine 4 / 5.
    assert sims[0, 1] == pytest.approx(0.8, abs=1e-12)
    assert sims[0, 2] == 0.0 and sims[1, 2] == 0.0  # never active in the same slide
    assert sims[3, 0] == 0.0 and sims[3, 3] == 1.0  # no document in the window: like none
    assert np.allclose(sims, sims.T)
    # Proportions, not volumes: a narrative ten times bigger with the same rhythm is alike.
    assert activity_similarity([[0, 1], [0] * 10 + [1] * 10])[0, 1] == pytest.approx(1.0)


def test_activity_bins_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="activity bins must be >= 0"):
        activity_similarity([[0], [-1]])


def test_time_damps_the_similarity_of_narratives_never_active_together() -> None:
    # Centroid cosine 0.6 for both pairs; "tail" and "onset" were never active in one slide,
    # "reports" and "appeals" were, in the same proportions.
    a, b = nar("tail", unit(1.0, 0.0), 0.0), nar("onset", unit(0.6, 0.8), 1.0)
    apart, together = [[5, 5, 4], [1, 0, 0]], [[2, 1, 0], [2, 1, 0]]
    config = StoryConfig(min_similarity=0.45, keyword_weight=0.0, time_weight=0.5)
    assert group_narratives([a, b], config, activity=apart) == [[0], [1]]  # 0.6 x 0.5 = 0.3
    assert group_narratives([a, b], config, activity=together) == [[0, 1]]  # 0.6 x 1
    # Time off, or no activity given: meaning alone decides.
    off = dataclasses.replace(config, time_weight=0.0)
    assert group_narratives([a, b], off, activity=apart) == [[0, 1]]
    assert group_narratives([a, b], config) == [[0, 1]]
    with pytest.raises(ValueError, match="one activity profile per narrative"):
        group_narratives([a, b], config, activity=[[0]])


def test_narratives_that_shared_a_story_stay_in_it_down_to_the_stay_ratio() -> None:
    # Centroid cosine 0.4 against a cut of 0.5: too far to join, near enough to stay together
    # when they shared a story last slide (stay ratio 0.6: they leave below 0.3).
    config = StoryConfig(min_similarity=0.5, keyword_weight=0.0, time_weight=0.0, stay_ratio=0.6)
    a, b = nar("a", unit(1.0, 0.0), 0.0), nar("b", unit(0.4, math.sqrt(1 - 0.4**2)), 1.0)
    assert group_narratives([a, b], config) == [[0], [1]]  # strangers: 0.4 < 0.5
    a.story_id = b.story_id = "a"
    assert group_narratives([a, b], config) == [[0, 1]]  # together last slide: 0.4 >= 0.3
    assert assign_stories([a, b], config) == {"a": "a", "b": "a"}
    no_memory = dataclasses.replace(config, stay_ratio=1.0)
    assert group_narratives([a, b], no_memory) == [[0], [1]]
    # Below the stay threshold they part even so: cosine 0.25 < 0.3.
    c = nar("c", unit(0.25, math.sqrt(1 - 0.25**2)), 1.0)
    c.story_id = "a"
    assert group_narratives([a, c], config) == [[0], [1]]
    # Another story's narrative gets no such benefit.
    b.story_id = "other"
    assert group_narratives([a, b], config) == [[0], [1]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stay_ratio": 0.0},
        {"stay_ratio": 1.5},
        {"time_weight": 1.5},
        {"time_weight": -0.1},
        {"min_similarity": 0.0},
        {"keyword_weight": 1.5},
        {"keyword_weight": -0.1},
        {"min_term_docs": 0},
        {"term_prefix": -1},
    ],
)
def test_story_config_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="story"):
        StoryConfig(**kwargs)  # type: ignore[arg-type]
