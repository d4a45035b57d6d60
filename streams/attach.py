"""Attaching the documents HDBSCAN leaves as noise to the narrative whose extent they fall in.

HDBSCAN keeps only the dense core of a narrative: in a busy window a third of the posts that
tell a story are left as noise because their neighbourhood is not dense enough, although each
of them is as close to the story's centroid as the story's own members are. Left out, they
are invisible to consumers counting a narrative's reach, and an analyst replaying the stream
sees them as "no narrative". BERTopic answers the same gap after the fact with
`reduce_outliers`; here it is done per slide, in event time, so it streams and replays.

Rule (one per narrative, so it follows the model's similarity scale and each narrative's own
tightness rather than a global cosine): a noise document is attached to its nearest
narrative by centroid cosine when that cosine reaches the narrative's *radius*, the least
similar of its members' cosines to the centroid (the document lies inside the extent of the
core). A cluster can hold a few stray members of its own, far out, that would open the radius
to anything; so the radius is never below Tukey's fence, Q1 − `fence` × IQR of the members'
cosines (3 = Tukey's "far out"; a textbook constant, not fitted to any stream).

And it must use a word of the narrative (`extent_terms`, 1: at least one of the top keywords
the slide's c-TF-IDF gives it, `keep_naming`). Meaning alone takes in what lies near a story without
being about it. A sentence encoder places posts by their form as much as by their topic: a
link with "GOOD!" or "please read n share" lies as near a claim's narrative as a paraphrase of
the claim does, and an off-topic post with a crisis's hashtag as near the crisis as a report.
A crisis's posts that stray into another crisis's narrative of the same kind (a flood beside
a flood) mostly share its meaning, not its names. One word is the least evidence words can
give, and it is what a story's own posts almost always have: its place, its hashtag, its
subject (docs/measurements.md, "A word of the narrative").

Second rule, by words (`attach_by_keywords`): a noise document outside every extent still
joins a narrative when its words name it and its meaning agrees. Short posts often carry the
story in a hashtag or a place ("#Clutha: can we donate online?", "hand brakes weren't fully
set, railway CEO says in Lac-Mégantic") that a sentence encoder weighs little beside the rest
of the sentence. The document must use at least `keyword_terms` (2) of the narrative's top
keywords (the class-based TF-IDF terms behind its published keywords), more than of any other
narrative's, and that narrative must also be the nearest by centroid cosine: words and meaning
agree, and one shared word is never enough. This is the issue's "lexical signal beside the
dense one", at the place where it adds documents rather than moving clusters (the lexical part
inside the vectors was measured and dropped, docs/measurements.md).

Attached documents are reported beside the members (`attached_ids`), never fed back: they do
not seed the next slide's clustering, move a centroid, count in tracking overlap or shape
keywords, so the narratives, their ids and their members are the same with attachment on or
off. They do count as growth towards an `updated` event (`EventConfig.update_counts_attached`):
a narrative growing only by the posts around its core lists them on an event rather than
holding them unseen, so with attachment on a narrative may have more `updated` events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class AttachConfig:
    """Whether noise documents are attached, and how stray members are kept from the radius."""

    enabled: bool = True
    fence: float = 3.0
    #: A document outside every extent joins the nearest narrative when it uses at least this
    #: many of its top keywords, more than of any other's (0 = the word rule is off).
    keyword_terms: int = 2
    #: A document inside a narrative's extent joins it only when it uses at least this many of
    #: its top keywords (0 = meaning alone decides, as before the thirtieth session).
    extent_terms: int = 1

    def __post_init__(self) -> None:
        if self.fence < 0:
            raise ValueError(
                f"attach fence must be >= 0, got {self.fence}: the radius is at least "
                "Q1 - fence x IQR of the members' cosines (set NARRATIVES_ATTACH_FENCE)"
            )
        if self.keyword_terms < 0:
            raise ValueError(
                f"attach keyword_terms must be >= 0, got {self.keyword_terms} "
                "(0 turns the word rule off; set NARRATIVES_ATTACH_KEYWORD_TERMS)"
            )
        if self.extent_terms < 0:
            raise ValueError(
                f"attach extent_terms must be >= 0, got {self.extent_terms} "
                "(0 lets meaning alone decide; set NARRATIVES_ATTACH_EXTENT_TERMS)"
            )

    @property
    def needs_keywords(self) -> bool:
        """Whether attaching reads the narratives' keywords (either word rule is on)."""
        return self.enabled and (self.keyword_terms > 0 or self.extent_terms > 0)


def radius_of(sims: npt.NDArray[np.floating[Any]], fence: float) -> float:
    """The least member cosine, but never below Q1 − fence × IQR (stray members ignored)."""
    q1, q3 = np.quantile(sims, [0.25, 0.75])
    return max(float(sims.min()), float(q1 - fence * (q3 - q1)))


def attach_noise(
    matrix: npt.NDArray[np.float32],
    clusters: Sequence[Sequence[int]],
    centroids: npt.NDArray[np.float32],
    noise_rows: Sequence[int],
    config: AttachConfig,
) -> list[list[int]]:
    """Per cluster (in `clusters` order), the noise rows attached to it, in row order.

    `matrix` holds unit-length rows, `centroids` one unit row per cluster. Each noise row goes
    to at most one cluster, its most similar (the first on an exact tie, so the result is a
    function of the input order); a cluster whose radius it does not reach gets nothing.
    """
    attached: list[list[int]] = [[] for _ in clusters]
    if not config.enabled or not clusters or not noise_rows:
        return attached
    if len(centroids) != len(clusters):
        raise ValueError(f"{len(centroids)} centroids for {len(clusters)} clusters")
    radius = np.array(
        [
            radius_of(matrix[list(rows)] @ centroids[c], config.fence)
            for c, rows in enumerate(clusters)
        ],
        dtype=np.float64,
    )
    rows = np.asarray(noise_rows, dtype=np.int64)
    sims = matrix[rows] @ centroids.T
    best = sims.argmax(axis=1)
    reach = sims[np.arange(len(rows)), best] >= radius[best]
    for row, cluster, ok in zip(rows.tolist(), best.tolist(), reach.tolist(), strict=True):
        if ok:
            attached[cluster].append(row)
    return attached


def keep_naming(
    attached: Sequence[Sequence[int]],
    keywords: Sequence[Collection[str]],
    row_tokens: Mapping[int, Iterable[str]],
    min_terms: int,
) -> list[list[int]]:
    """Per cluster, the rows of `attached[c]` that use at least `min_terms` of `keywords[c]`.

    `attached` is `attach_noise`'s result, `row_tokens[r]` the keyword tokens of row r. Order
    within a cluster is kept; `min_terms` 0 keeps every row.
    """
    if len(attached) != len(keywords):
        raise ValueError(f"{len(keywords)} keyword sets for {len(attached)} clusters")
    if min_terms <= 0:
        return [list(rows) for rows in attached]
    kept: list[list[int]] = []
    for rows, words in zip(attached, keywords, strict=True):
        vocabulary = set(words)
        kept.append([r for r in rows if len(vocabulary.intersection(row_tokens[r])) >= min_terms])
    return kept


def attach_by_keywords(
    matrix: npt.NDArray[np.float32],
    centroids: npt.NDArray[np.float32],
    keywords: Sequence[Collection[str]],
    rows: Sequence[int],
    row_tokens: Sequence[Iterable[str]],
    min_terms: int,
) -> list[list[int]]:
    """Per cluster, the `rows` whose words name it and whose meaning is nearest to it.

    `keywords[c]` are cluster c's top keywords, `row_tokens[i]` the keyword tokens of
    `rows[i]`. A row goes to cluster c when it uses at least `min_terms` of c's keywords,
    strictly more than of any other cluster's, and c is its most similar centroid (the first
    on an exact tie). `min_terms` 0 attaches nothing.
    """
    attached: list[list[int]] = [[] for _ in keywords]
    if min_terms <= 0 or not keywords or not rows:
        return attached
    if len(centroids) != len(keywords) or len(row_tokens) != len(rows):
        raise ValueError(
            f"{len(centroids)} centroids for {len(keywords)} keyword sets, "
            f"{len(row_tokens)} token lists for {len(rows)} rows"
        )
    # Term -> the clusters it is a keyword of: a row costs one lookup per distinct token, not
    # one set intersection per cluster (thousands of noise rows x a hundred clusters).
    owners: dict[str, list[int]] = {}
    for c, words in enumerate(keywords):
        for word in set(words):
            owners.setdefault(word, []).append(c)
    index = np.asarray(rows, dtype=np.int64)
    nearest = (matrix[index] @ centroids.T).argmax(axis=1)
    for row, tokens, near in zip(index.tolist(), row_tokens, nearest.tolist(), strict=True):
        hits = Counter(c for token in set(tokens) for c in owners.get(token, ()))
        if not hits:
            continue
        best = max(hits.values())
        leaders = [c for c, count in hits.items() if count == best]
        if best >= min_terms and leaders == [near]:
            attached[near].append(row)
    return attached
