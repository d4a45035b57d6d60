"""Descriptions people can read: keywords, representative documents and counts of a cluster."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from streams.keywords import class_tfidf, readable_keywords, tokenize
from streams.normalise import dedup_key
from streams.window import Entry


@dataclass(frozen=True, slots=True)
class DescribeConfig:
    top_keywords: int = 10
    representatives: int = 5
    representative_chars: int = 280


@dataclass(frozen=True, slots=True)
class Description:
    keywords: tuple[tuple[str, float], ...]
    representatives: tuple[tuple[Entry, float], ...]
    by_kind: dict[str, int]
    by_source: dict[str, int]
    by_lang: dict[str, int]


def keyword_candidates(config: DescribeConfig) -> int:
    """How many scored terms to take for `top_keywords` published ones: `readable_keywords`
    folds a word's forms into one, so twice as many are taken and the list cut after folding,
    or a narrative whose top terms hold "floods" and "flood" would publish one keyword fewer."""
    return 2 * config.top_keywords


def _sorted_counts(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def representatives(
    entries: Sequence[Entry], centroid: npt.NDArray[np.float32], count: int
) -> tuple[tuple[Entry, float], ...]:
    """Members closest to the centroid, skipping near-verbatim repeats (retweets, copies).

    An article repeats another when its headline (its first line) does: wire copies are
    republished by several outlets with the same headline and a reshuffled body, and three
    identical headlines tell the reader one thing.
    """
    if not entries:
        return ()
    matrix = np.vstack([e.vector for e in entries]).astype(np.float32)
    sims = matrix @ centroid
    order = sorted(
        range(len(entries)), key=lambda i: (-round(float(sims[i]), 6), entries[i].doc.doc_id)
    )
    seen: set[str] = set()
    picked: list[tuple[Entry, float]] = []
    for i in order:
        doc = entries[i].doc
        text = doc.text.split("\n", 1)[0] if doc.kind == "article" else doc.text
        key = dedup_key(text)[:120]
        if key in seen:
            continue
        seen.add(key)
        picked.append((entries[i], round(float(sims[i]), 4)))
        if len(picked) == count:
            break
    return tuple(picked)


def entry_tokens(entry: Entry) -> list[str]:
    """The entry's keyword tokens, tokenised once and kept on the entry (tokens hold no space)."""
    if entry.tokens is None:
        entry.tokens = " ".join(tokenize(entry.doc.text))
    return entry.tokens.split()


def describe_clusters(
    clusters: Mapping[str, Sequence[Entry]],
    centroids: Mapping[str, npt.NDArray[np.float32]],
    background: Sequence[Entry],
    config: DescribeConfig = DescribeConfig(),
    keywords: Mapping[str, list[tuple[str, float]]] | None = None,
) -> dict[str, Description]:
    """Describe every cluster of a slide at once (keywords are relative to each other).

    `keywords`, when the caller already ran the same class-based TF-IDF over the same clusters
    and background with `keyword_candidates` terms (the word-attachment step does), is used
    instead of running it again.
    """
    if keywords is None or set(keywords) != set(clusters):
        tokens = {key: [entry_tokens(e) for e in members] for key, members in clusters.items()}
        background_tokens = (entry_tokens(e) for e in background)
        keywords = class_tfidf(tokens, background_tokens, top_k=keyword_candidates(config))
    out: dict[str, Description] = {}
    for key, members in clusters.items():
        out[key] = Description(
            keywords=tuple(readable_keywords(keywords[key])[: config.top_keywords]),
            representatives=representatives(members, centroids[key], config.representatives),
            by_kind=_sorted_counts(Counter(e.doc.kind for e in members)),
            by_source=_sorted_counts(Counter(e.doc.source or "unknown" for e in members)),
            by_lang=_sorted_counts(Counter(e.doc.lang for e in members)),
        )
    return out
