"""The lexical view beside the dense one: what the clusterer sees when words count too.

Sentence embeddings of short posts place different claims of one debate close together ("HIV
in the vaccine", "the vaccine causes cancer"): the model encodes the topic, and a claim is
told apart by its names and words. Published news clustering gains much from a TF-IDF signal
beside the dense one (Miranda et al., EMNLP 2018; Staykovski et al., 2019), and issue 3 asks
us to consider it. This module builds it per slide:

1. TF-IDF of the slide's keyword tokens (`streams.keywords.tokenize`: the same tokens as the
   descriptions), sublinear term frequency, smooth IDF over the slide, terms in at least
   `min_df` documents, rows L2-normalised;
2. latent semantic analysis: the top `dim` right singular vectors of a deterministic stride
   sample of those rows (randomised SVD with a fixed seed, signs fixed), so the cost stays
   bounded on big windows; every row is projected and normalised again;
3. the clusterer's input is `[sqrt(1 - w) · dense, sqrt(w) · lexical]`. For unit rows the
   squared Euclidean distance is then `2 (1 - w)(1 - cos_dense) + 2 w (1 - cos_lexical)`: a
   blend of the two cosines, with the weight the user sets.

Only the clusterer sees the blend. Centroids, tracking, attachment, stories and events stay
on the dense vectors, so the narratives' identity and the event contract are unchanged. A
document with no term shared with another document of the slide keeps its dense row whole
and a zero lexical part, so only its meaning places it (`blend`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from streams.cluster import fix_signs


@dataclass(frozen=True, slots=True)
class LexicalConfig:
    """`weight` 0 turns the lexical view off (the clusterer sees the dense vectors only)."""

    weight: float = 0.0
    dim: int = 100
    min_df: int = 2
    #: Rows the SVD is fitted on (a stride sample of the slide above this).
    sample: int = 4096
    seed: int = 0

    @property
    def enabled(self) -> bool:
        return self.weight > 0.0 and self.dim > 0


def tfidf_rows(docs: Sequence[Sequence[str]], min_df: int = 2) -> sparse.csr_matrix:
    """Sublinear TF-IDF of tokenised documents over the terms in at least `min_df` of them.

    scikit-learn's `TfidfVectorizer` on the tokens as given (smooth IDF, L2 rows). Its columns
    are the terms in sorted order, so equal input gives an equal matrix. A document with no
    kept term is a zero row; a slide where no term is kept gives no columns at all."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=_as_given, min_df=min_df, sublinear_tf=True, dtype=np.float64
    )
    try:
        rows: sparse.csr_matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no term in `min_df` documents (or no documents): nothing to weigh
        return sparse.csr_matrix((len(docs), 0), dtype=np.float64)
    return rows


def _as_given(doc: Sequence[str]) -> Sequence[str]:
    """The documents are tokenised already (`streams.keywords.tokenize`)."""
    return doc


def lsa(rows: sparse.csr_matrix, config: LexicalConfig) -> npt.NDArray[np.float64]:
    """Rows projected on the top singular directions of a stride sample, unit length."""
    n, width = rows.shape
    dim = min(config.dim, width - 1, n - 1)
    if dim <= 0:
        return np.zeros((n, 0), dtype=np.float64)
    from sklearn.utils.extmath import randomized_svd

    step = max(n // config.sample, 1)
    sample = rows[::step][: config.sample]
    _, _, vt = randomized_svd(sample, dim, random_state=config.seed)
    projected = np.asarray(rows @ fix_signs(vt).T, dtype=np.float64)
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: npt.NDArray[np.float64] = projected / norms
    return out


def blend(
    dense: npt.NDArray[np.float32],
    docs: Sequence[Sequence[str]],
    config: LexicalConfig,
) -> npt.NDArray[np.float32]:
    """The clusterer's input: dense and lexical rows side by side, weighted by `config.weight`."""
    if not config.enabled or len(dense) == 0:
        return dense
    lexical = lsa(tfidf_rows(docs, config.min_df), config)
    if lexical.shape[1] == 0:
        return dense
    w = min(max(config.weight, 0.0), 1.0)
    # A row without words keeps its dense part whole: its distances to other wordless rows
    # are their meaning's alone (with zero lexical parts, all of them would sit at lexical
    # distance 0 from each other and form a cluster of "no words"), and every row stays
    # unit length, as the incremental regime's cosine arithmetic expects.
    has_words = np.linalg.norm(lexical, axis=1) > 0
    scale = np.where(has_words, math.sqrt(1.0 - w), 1.0)[:, None]
    out = np.hstack([dense.astype(np.float64) * scale, lexical * math.sqrt(w)])
    return out.astype(np.float32)
