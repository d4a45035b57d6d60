"""Unit tests for streams.attach: noise documents inside a narrative's extent.

Rows are unit vectors in a 3-d space built from angles, so every cosine a test relies on is
the cosine of a stated angle.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from streams.attach import (
    AttachConfig,
    attach_by_keywords,
    attach_noise,
    keep_naming,
    radius_of,
)


def at(degrees: float, lift: float = 0.0) -> npt.NDArray[np.float32]:
    """Unit vector at `degrees` in the x-y plane, tilted towards z by `lift` degrees."""
    a, b = math.radians(degrees), math.radians(lift)
    return np.array(
        [math.cos(a) * math.cos(b), math.sin(a) * math.cos(b), math.sin(b)], dtype=np.float32
    )


def centroid(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    c = rows.mean(axis=0)
    return (c / np.linalg.norm(c)).astype(np.float32)


# Cluster A: members at -10, 0, +10 degrees (centroid at 0; least similar member cos 10 deg).
# Cluster B: members at 90 +- 20 degrees (centroid at 90; least similar member cos 20 deg).
A_ROWS = [at(-10), at(0), at(10)]
B_ROWS = [at(70), at(90), at(110)]


def layout(*noise: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], list[list[int]]]:
    matrix = np.stack([*A_ROWS, *B_ROWS, *noise])
    return matrix, [[0, 1, 2], [3, 4, 5]]


def run(
    matrix: npt.NDArray[np.float32], clusters: list[list[int]], config: AttachConfig
) -> list[list[int]]:
    centroids = np.stack([centroid(matrix[rows]) for rows in clusters])
    noise = [r for r in range(len(matrix)) if all(r not in rows for rows in clusters)]
    return attach_noise(matrix, clusters, centroids, noise, config)


def test_a_noise_row_inside_the_extent_of_the_members_is_attached() -> None:
    # 8 deg from A (inside its 10 deg extent), 15 deg from B (inside its 20 deg extent),
    # and one at 30 deg: outside A's extent and 60 deg from B.
    matrix, clusters = layout(at(8), at(105), at(30))
    assert run(matrix, clusters, AttachConfig()) == [[6], [7]]


def test_the_radius_is_each_narratives_own() -> None:
    # 15 deg off both centroids' planes: outside tight A (10 deg), inside loose B (20 deg).
    matrix, clusters = layout(at(-15), at(75))
    assert run(matrix, clusters, AttachConfig()) == [[], [7]]


def test_a_row_goes_only_to_its_nearest_narrative() -> None:
    # Both extents are 45-50 deg wide; a row at 40 deg is inside both, 40 deg from A and
    # 50 deg from B: it is attached to A alone.
    matrix = np.stack([at(-45), at(0), at(45), at(40), at(90), at(140), at(40, lift=1)])
    clusters = [[0, 1, 2], [3, 4, 5]]
    assert run(matrix, clusters, AttachConfig()) == [[6], []]


def test_a_stray_member_does_not_open_the_radius_to_anything() -> None:
    # A: eight members within 10 deg and one stray at 70 deg that clustering swept in. Its least
    # similar member is the stray, but Tukey's far-out fence (Q1 - 3 IQR) keeps the radius near
    # the core: a noise row at 40 deg is not attached; one at 9 deg is.
    core = [at(d) for d in (-10, -6, -3, -1, 1, 3, 6, 10)]
    matrix = np.stack([*core, at(70), at(40, lift=1), at(9, lift=1)])
    clusters = [list(range(9))]
    c = centroid(matrix[clusters[0]])
    assert attach_noise(matrix, clusters, c[None, :], [9, 10], AttachConfig()) == [[10]]
    # With no fence (an infinitely wide one) the stray's 70 deg sets the radius.
    wide = AttachConfig(fence=1e9)
    assert attach_noise(matrix, clusters, c[None, :], [9, 10], wide) == [[9, 10]]


def test_the_radius_is_the_least_member_unless_that_member_is_far_out() -> None:
    sims = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    assert radius_of(sims, 3.0) == pytest.approx(0.5)  # Q1 0.6 - 3 x 0.2 = 0.0 < 0.5
    assert radius_of(sims, 0.0) == pytest.approx(0.6)  # fence 0: the lower quartile
    stray = np.array([0.9, 0.89, 0.88, 0.87, 0.86, 0.1])
    q1, q3 = np.quantile(stray, [0.25, 0.75])
    assert radius_of(stray, 3.0) == pytest.approx(q1 - 3 * (q3 - q1))
    assert radius_of(stray, 3.0) > 0.75


def test_disabled_attaches_nothing_and_no_clusters_is_no_work() -> None:
    matrix, clusters = layout(at(1), at(91))
    assert run(matrix, clusters, AttachConfig(enabled=False)) == [[], []]
    assert attach_noise(matrix, [], np.zeros((0, 3), np.float32), [6, 7], AttachConfig()) == []


def test_an_exact_tie_goes_to_the_first_cluster() -> None:
    # Centroids on the x and y axes, members 60 deg off each; the noise row is on the diagonal,
    # exactly as close to both (same float32 value), and inside both extents.
    h = np.float32(math.sqrt(0.5))
    matrix = np.array(
        [[1, 0, 0], [0.5, 0, 0.866], [0, 1, 0], [0, 0.5, 0.866], [h, h, 0]], dtype=np.float32
    )
    centroids = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    got = attach_noise(matrix, [[0, 1], [2, 3]], centroids, [4], AttachConfig())
    assert got == [[4], []]
    swapped = attach_noise(matrix, [[2, 3], [0, 1]], centroids[::-1].copy(), [4], AttachConfig())
    assert swapped == [[4], []]


def test_bad_inputs_name_the_fix() -> None:
    with pytest.raises(ValueError, match="NARRATIVES_ATTACH_FENCE"):
        AttachConfig(fence=-1.0)
    with pytest.raises(ValueError, match="NARRATIVES_ATTACH_KEYWORD_TERMS"):
        AttachConfig(keyword_terms=-1)
    with pytest.raises(ValueError, match="NARRATIVES_ATTACH_EXTENT_TERMS"):
        AttachConfig(extent_terms=-1)
    matrix, clusters = layout(at(1))
    with pytest.raises(ValueError, match="2 clusters"):
        attach_noise(matrix, clusters, np.stack([at(0)]), [6], AttachConfig())


# The word rule. A's keywords name a helicopter crash in Glasgow, B's a flood in Alberta. Noise
# rows lie 40-60 degrees off both centroids: outside both extents, so only words can attach.
KEYWORDS = [
    ["clutha", "glasgow", "helicopter", "crash", "pub"],
    ["alberta", "flood", "calgary", "water", "evacuation"],
]


def words(*rows: tuple[npt.NDArray[np.float32], str], min_terms: int = 2) -> list[list[int]]:
    matrix = np.stack([*A_ROWS, *B_ROWS, *(vector for vector, _ in rows)])
    noise = list(range(6, 6 + len(rows)))
    return attach_by_keywords(
        matrix,
        np.stack([centroid(np.stack(A_ROWS)), centroid(np.stack(B_ROWS))]),
        KEYWORDS,
        noise,
        [text.split() for _, text in rows],
        min_terms,
    )


def test_a_post_naming_a_narrative_in_two_of_its_keywords_joins_it() -> None:
    # At 40 degrees: nearest to A (40 deg against 50), and "clutha" + "glasgow" name A.
    assert words((at(40), "donate online clutha glasgow")) == [[6], []]


def test_one_shared_word_is_not_enough() -> None:
    assert words((at(40), "donate online for glasgow")) == [[], []]
    # ... unless the rule is set to one word.
    assert words((at(40), "donate online for glasgow"), min_terms=1) == [[6], []]


def test_words_and_meaning_must_agree() -> None:
    # The words name B (alberta, flood), but the post is nearest to A: it stays noise.
    assert words((at(40), "alberta flood donations")) == [[], []]
    # The same words on a post nearest to B (cos 0.66 to B, 0.38 to A; outside B's extent).
    assert words((at(60, lift=40), "alberta flood donations")) == [[], [6]]


def test_a_post_naming_two_narratives_as_much_stays_noise() -> None:
    assert words((at(40), "glasgow crash alberta flood")) == [[], []]


def test_the_word_rule_off_or_without_narratives_attaches_nothing() -> None:
    assert words((at(40), "clutha glasgow"), min_terms=0) == [[], []]
    assert attach_by_keywords(np.stack(A_ROWS), np.stack(A_ROWS[:1]), [], [], [], 2) == []


# Inside an extent, a document stays attached only when it uses a word of its narrative.


def test_keep_naming_keeps_the_rows_that_use_enough_of_their_narratives_words() -> None:
    keywords = [["clutha", "glasgow", "crash"], ["alberta", "flood"]]
    tokens = {
        3: ["clutha", "pub", "clutha"],  # one of A's words, twice: one word
        4: ["good"],  # nothing of A's
        5: ["flood"],  # B's word, but attached to A
        6: ["alberta", "flood", "calgary"],  # two of B's
        7: [],
    }
    attached = [[3, 4, 5], [6, 7]]
    assert keep_naming(attached, keywords, tokens, 1) == [[3], [6]]
    assert keep_naming(attached, keywords, tokens, 2) == [[], [6]]
    assert keep_naming(attached, keywords, tokens, 0) == attached
    assert keep_naming([[], []], keywords, tokens, 1) == [[], []]
    assert AttachConfig(extent_terms=0, keyword_terms=0).needs_keywords is False
    assert AttachConfig(enabled=False).needs_keywords is False
    assert AttachConfig(keyword_terms=0).needs_keywords is True
    with pytest.raises(ValueError, match="1 keyword sets for 2 clusters"):
        keep_naming(attached, keywords[:1], tokens, 1)
