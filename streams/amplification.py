"""Coordinated amplification: near-identical posts pushed by different accounts in a burst.

Within one narrative's members in the window:

1. **Near-duplicate families.** Each post's text is reduced to word 3-shingles (case-folded,
   @mentions dropped; the normaliser already removed URLs and "RT @x:" prefixes). Posts whose
   shingle sets have Jaccard similarity >= `min_similarity` are near-duplicates; families are
   the connected components. Candidate pairs come from MinHash locality-sensitive hashing
   (64 hashes in 16 bands of 4: a pair at Jaccard 0.7 is a candidate with probability 0.99,
   one at 0.3 with 0.12) and every candidate is verified with the exact Jaccard, so the cost
   is linear in the members, not quadratic. Identical texts share one node.
2. **Groups.** Each family's posts, in time order, are cut wherever two consecutive posts are
   more than `span_s` apart; a run counts as a coordinated group when at least `min_authors`
   distinct known authors posted in it. Authors are identified by (source, handle); posts
   with no author are left out (an unknown author cannot be shown to be a different one), and
   so are kinds other than `kinds` (by default posts only: wire copy syndicated by many outlets
   is near-identical by design, not amplification). One author repeating a text is therefore
   never a group by itself.

Why text shingles and not the embeddings: every member of a narrative is already close in
embedding space — that is why it was clustered — so cosine similarity cannot tell copy-paste
from people independently telling the same story. Shingle overlap measures copying.

Reported figures (`schemas.events.Amplification`): `share` of the narrative's members in
groups, number of `groups`, their `members`, distinct `authors`, `largest_group`,
`peak_rate_per_min` (the highest group size per minute of group duration, a duration under a
minute counting as one), and `burstiness`, the Goh–Barabási coefficient (σ − μ) / (σ + μ) of the
inter-arrival times inside groups: −1 for perfectly regular posting (a scheduler), about 0 for
random (Poisson) arrivals, towards 1 for posts clumped in bursts; null with fewer than two gaps.
The signal says *that* near-identical posts from many accounts arrived together, not why
(retweet storms look the same): it is evidence for an analyst, not a verdict.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import statistics
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from schemas.events import Amplification
from streams.documents import Document

_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"\w+", re.UNICODE)
_PRIME = np.uint64(4_294_967_311)  # a prime above 2**32: hashes are crc32 values
_HASHES = 64
_BANDS = 16
_ROWS = _HASHES // _BANDS
_ANCHORS = 8  # per LSH bucket, how many component anchors a text is verified against


def _constants() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Fixed MinHash coefficients (a < 2**31 keeps a*h + b inside uint64)."""
    digest = hashlib.blake2b(b"narrative-detector-minhash", digest_size=64).digest()
    stream = b""
    counter = 0
    while len(stream) < _HASHES * 8:
        stream += hashlib.blake2b(digest + counter.to_bytes(4, "little")).digest()
        counter += 1
    raw = np.frombuffer(stream[: _HASHES * 8], dtype="<u4").astype(np.uint64)
    a = (raw[:_HASHES] % np.uint64(2**31 - 1)) + np.uint64(1)
    b = raw[_HASHES:] % _PRIME
    return a, b


_A, _B = _constants()


@dataclass(frozen=True, slots=True)
class AmplificationConfig:
    """What counts as coordinated: text similarity, time span, authors, kinds."""

    min_similarity: float = 0.7
    span_s: float = 900.0
    min_authors: int = 3
    shingle_words: int = 3
    kinds: tuple[str, ...] = ("post",)

    def __post_init__(self) -> None:
        if not 0 < self.min_similarity <= 1 or self.span_s <= 0 or self.min_authors < 2:
            raise ValueError("need 0 < min_similarity <= 1, span_s > 0 and min_authors >= 2")


def author_key(doc: Document) -> str | None:
    """(source, handle) as one key; None when the author is unknown."""
    handle = (doc.author or "").strip().lstrip("@").casefold()
    if not handle:
        return None
    return f"{(doc.source or '').casefold()}|{handle}"


def shingles(text: str, words: int) -> frozenset[int]:
    """crc32 hashes of the text's word n-grams (the whole text when it is shorter)."""
    tokens = _WORD.findall(_MENTION.sub(" ", text).casefold())
    if not tokens:
        return frozenset()
    if len(tokens) <= words:
        grams = [" ".join(tokens)]
    else:
        grams = [" ".join(tokens[i : i + words]) for i in range(len(tokens) - words + 1)]
    return frozenset(zlib.crc32(g.encode("utf-8")) for g in grams)


def _signature(hashed: frozenset[int]) -> npt.NDArray[np.uint64]:
    values = np.fromiter(sorted(hashed), dtype=np.uint64, count=len(hashed))
    return ((np.outer(_A, values) + _B[:, None]) % _PRIME).min(axis=1)  # type: ignore[no-any-return]


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _families(sets: list[frozenset[int]], threshold: float) -> list[int]:
    """Component root of each shingle set under Jaccard >= threshold (MinHash LSH + verify)."""
    uf = _UnionFind(len(sets))
    if len(sets) < 2:
        return list(range(len(sets)))
    signatures = np.vstack([_signature(s) for s in sets])
    for band in range(_BANDS):
        block = signatures[:, band * _ROWS : (band + 1) * _ROWS]
        buckets: dict[bytes, list[int]] = {}
        for i in range(len(sets)):
            buckets.setdefault(block[i].tobytes(), []).append(i)
        for members in buckets.values():
            anchors: list[int] = []
            for i in members:
                joined = False
                for anchor in anchors:
                    same = uf.find(anchor) == uf.find(i)
                    if same or _jaccard(sets[anchor], sets[i]) >= threshold:
                        uf.union(anchor, i)
                        joined = True
                        break
                if not joined and len(anchors) < _ANCHORS:
                    anchors.append(i)
    return [uf.find(i) for i in range(len(sets))]


def _burstiness(gaps: Sequence[float]) -> float | None:
    if len(gaps) < 2:
        return None
    mean = statistics.fmean(gaps)
    sd = statistics.pstdev(gaps)
    if mean + sd == 0:
        return -1.0  # all at the same instant: as regular as it gets
    return round((sd - mean) / (sd + mean), 4)


def measure(docs: Sequence[Document], config: AmplificationConfig) -> Amplification:
    """The amplification block of a narrative whose window members are `docs`."""
    size = len(docs)
    eligible = [
        (d, key) for d in docs if d.kind in config.kinds and (key := author_key(d)) is not None
    ]
    texts: dict[frozenset[int], int] = {}
    node_of: list[int] = []
    kept: list[tuple[Document, str]] = []
    for doc, key in eligible:
        hashed = shingles(doc.text, config.shingle_words)
        if not hashed:
            continue
        node_of.append(texts.setdefault(hashed, len(texts)))
        kept.append((doc, key))
    roots = _families(list(texts), config.min_similarity)
    family: dict[int, list[tuple[Document, str]]] = {}
    for (doc, key), node in zip(kept, node_of, strict=True):
        family.setdefault(roots[node], []).append((doc, key))

    groups: list[list[tuple[Document, str]]] = []
    for posts in family.values():
        if len({key for _, key in posts}) < config.min_authors:
            continue
        posts.sort(key=lambda p: (p[0].time, p[0].doc_id))
        run = [posts[0]]
        for post in posts[1:]:
            if post[0].time - run[-1][0].time > config.span_s:
                groups.append(run)
                run = []
            run.append(post)
        groups.append(run)
    coordinated = [g for g in groups if len({key for _, key in g}) >= config.min_authors]
    members = sum(len(g) for g in coordinated)
    authors = {key for g in coordinated for _, key in g}
    gaps: list[float] = []
    peak = 0.0
    for g in coordinated:
        times = [doc.time for doc, _ in g]
        gaps.extend(b - a for a, b in itertools.pairwise(times))
        minutes = max((times[-1] - times[0]) / 60.0, 1.0)
        peak = max(peak, len(g) / minutes)
    return Amplification(
        share=round(members / size, 4) if size else 0.0,
        groups=len(coordinated),
        members=members,
        authors=len(authors),
        largest_group=max((len(g) for g in coordinated), default=0),
        peak_rate_per_min=round(peak, 4),
        burstiness=_burstiness(gaps),
    )
