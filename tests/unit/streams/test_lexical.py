"""Unit tests for streams.lexical: TF-IDF rows, their LSA projection and the blend.

The behaviour test is the reason the module exists: two claims of one debate that a sentence
model places at the same point ("microchips in the vaccine", "the vaccine causes infertility")
are one cluster by meaning alone and two once the words count.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from streams.cluster import HdbscanClusterer, HdbscanParams
from streams.lexical import LexicalConfig, blend, lsa, tfidf_rows


def test_tfidf_rows_keep_terms_in_min_df_documents_in_sorted_order() -> None:
    docs = [["vaccine", "chip", "chip"], ["vaccine", "dose"], ["dose", "vaccine"], ["lonely"], []]
    rows = tfidf_rows(docs, min_df=2).toarray()
    # Columns: dose (2 of 5 documents), vaccine (3 of 5); chip and lonely are in one each.
    assert rows.shape == (5, 2)
    idf_dose, idf_vaccine = math.log(6 / 3) + 1.0, math.log(6 / 4) + 1.0  # smooth idf
    assert rows[0].tolist() == pytest.approx([0.0, 1.0])  # only "vaccine" survives
    norm = math.hypot(idf_dose, idf_vaccine)
    assert rows[1].tolist() == pytest.approx([idf_dose / norm, idf_vaccine / norm])
    assert rows[2].tolist() == rows[1].tolist()  # token order does not matter
    assert rows[3].tolist() == [0.0, 0.0]  # no known term: a zero row, not NaN
    assert rows[4].tolist() == [0.0, 0.0]


def test_tfidf_rows_are_sublinear_in_term_frequency() -> None:
    docs = [["riot"] * 4 + ["fire"], ["riot", "fire"], ["riot", "fire"]]
    row = tfidf_rows(docs, min_df=2).toarray()[0]  # columns: fire, riot (equal idf)
    assert row[1] / row[0] == pytest.approx(1.0 + math.log(4))


def _claims(seed: int = 3) -> tuple[np.ndarray, list[list[str]], list[int]]:
    """Two claims of 30 posts each that share one dense point but not their words, a third
    story of 30 posts elsewhere, and 40 posts of unrelated chatter."""
    rng = np.random.default_rng(seed)
    words = random.Random(seed)
    debate, other = rng.normal(size=48), rng.normal(size=48)
    vocab = {
        0: ["microchip", "tracking", "implant"],
        1: ["infertility", "women", "births"],
        2: ["flood", "river", "levee"],
    }
    dense, docs, truth = [], [], []
    for claim, centre in ((0, debate), (1, debate), (2, other)):
        for _ in range(30):
            v = centre + rng.normal(scale=0.05, size=48)
            dense.append(v / np.linalg.norm(v))
            own = vocab[claim][:2] + words.sample(vocab[claim][2:], 1)  # the claim's words
            docs.append(["vaccine", *own, f"u{words.randrange(10**6)}"])
            truth.append(claim)
    for i in range(40):  # chatter: random meaning, words of its own
        v = rng.normal(size=48)
        dense.append(v / np.linalg.norm(v))
        docs.append([f"r{i}a", f"r{i}b"])
        truth.append(-1)
    return np.asarray(dense, dtype=np.float32), docs, truth


def test_words_split_two_claims_that_meaning_alone_lumps() -> None:
    dense, docs, truth = _claims()
    clusterer = HdbscanClusterer(HdbscanParams(min_cluster_size=10, min_samples=5, pca_dim=32))
    by_meaning = clusterer.fit_predict(dense)
    lumped = {int(by_meaning[i]) for i, t in enumerate(truth) if t in (0, 1)}
    assert len(lumped) == 1 and -1 not in lumped  # one cluster by meaning
    config = LexicalConfig(weight=0.5, dim=16)
    labels = clusterer.fit_predict(blend(dense, docs, config))
    first = {int(labels[i]) for i, t in enumerate(truth) if t == 0}
    second = {int(labels[i]) for i, t in enumerate(truth) if t == 1}
    assert len(first) == 1 and len(second) == 1
    assert first != second and -1 not in first | second
    # Chatter shares no words: it is no closer to itself than its meaning says.
    chatter = [i for i, t in enumerate(truth) if t == -1]
    assert sum(labels[i] == -1 for i in chatter) >= sum(by_meaning[i] == -1 for i in chatter)


def test_blend_distance_is_the_weighted_sum_of_the_two_cosine_distances() -> None:
    dense, docs, _ = _claims()
    w = 0.3
    config = LexicalConfig(weight=w, dim=16)
    mixed = blend(dense, docs, config).astype(np.float64)
    lexical = lsa(tfidf_rows(docs, config.min_df), config)
    for a, b in [(0, 1), (0, 45), (10, 70), (5, 95)]:
        if not (np.linalg.norm(lexical[a]) and np.linalg.norm(lexical[b])):
            continue
        expected = 2 * (1 - w) * (1 - float(dense[a] @ dense[b])) + 2 * w * (
            1 - float(lexical[a] @ lexical[b])
        )
        assert float(np.sum((mixed[a] - mixed[b]) ** 2)) == pytest.approx(expected, abs=1e-4)


def test_rows_without_words_keep_their_meaning_distances_and_unit_length() -> None:
    dense, docs, truth = _claims()
    mixed = blend(dense, docs, LexicalConfig(weight=0.5, dim=16)).astype(np.float64)
    chatter = [i for i, t in enumerate(truth) if t == -1]
    a, b = chatter[0], chatter[1]
    assert float(np.sum((mixed[a] - mixed[b]) ** 2)) == pytest.approx(
        2 * (1 - float(dense[a] @ dense[b])), abs=1e-4
    )
    assert np.allclose(np.linalg.norm(mixed, axis=1), 1.0, atol=1e-5)


def test_weight_zero_returns_the_dense_vectors_themselves() -> None:
    dense, docs, _ = _claims()
    assert blend(dense, docs, LexicalConfig(weight=0.0)) is dense
    assert not LexicalConfig(weight=0.0).enabled


def test_lsa_is_deterministic_unit_length_and_bounded_by_the_sample() -> None:
    _, docs, _ = _claims()
    rows = tfidf_rows(docs)
    config = LexicalConfig(weight=0.5, dim=8, sample=25)  # fitted on a stride sample
    first, second = lsa(rows, config), lsa(rows, config)
    assert first.shape == (len(docs), 8)
    assert np.array_equal(first, second)
    norms = np.linalg.norm(first, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-9) | (norms == 0))


def test_too_few_terms_leave_the_dense_vectors_alone() -> None:
    dense = np.eye(3, dtype=np.float32)
    docs = [["alpha"], ["beta"], ["gamma"]]  # no term in two documents: no lexical column
    assert blend(dense, docs, LexicalConfig(weight=0.5)) is dense
