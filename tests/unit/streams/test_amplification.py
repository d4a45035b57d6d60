"""Unit tests for streams.amplification on constructed streams.

- copy-paste campaign: 20 accounts, one text with small edits, 5 minutes: high share;
- organic: people telling the same story in their own words: share 0;
- one account repeating itself 20 times: not coordinated.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest

from streams.amplification import AmplificationConfig, author_key, measure, shingles
from streams.documents import Document

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC).timestamp()
CONFIG = AmplificationConfig()
CLAIM = (
    "BREAKING the ministry hid the real flood death toll from the public and the media "
    "is silent share before they delete this"
)
TAGS = ["", " #truth", " #wakeup", " !!", " please share", " @newsdesk", " #floods"]
VOCAB = [
    *("flood", "water", "river", "town", "rescue", "council", "rain", "storm", "road", "homes"),
    *("families", "volunteers", "damage", "bridge", "shelter", "evacuation", "mayor", "aid"),
    *("report", "boats", "night", "morning", "victims"),
]


def _post(i: int, text: str, t: float, author: str | None, kind: str = "post") -> Document:
    return Document(f"d{i:04d}", kind, text, t, "x", "en", author)


def campaign(n: int = 20, minutes: float = 5.0, seed: int = 1, first: int = 0) -> list[Document]:
    rng = random.Random(seed)
    return [
        _post(first + i, CLAIM + rng.choice(TAGS), T0 + rng.uniform(0, minutes * 60), f"bot{i}")
        for i in range(n)
    ]


def organic(n: int = 40, seed: int = 2, first: int = 1000) -> list[Document]:
    rng = random.Random(seed)
    return [
        _post(first + i, " ".join(rng.sample(VOCAB, 12)), T0 + rng.uniform(0, 3600), f"user{i}")
        for i in range(n)
    ]


def test_copy_paste_campaign_from_twenty_accounts_is_coordinated() -> None:
    docs = sorted(campaign() + organic(20), key=lambda d: (d.time, d.doc_id))
    amp = measure(docs, CONFIG)
    assert amp.groups == 1
    assert amp.members == 20 and amp.authors == 20 and amp.largest_group == 20
    assert amp.share == pytest.approx(0.5)
    assert amp.peak_rate_per_min >= 20 / 5.0
    assert amp.burstiness is not None and -1.0 <= amp.burstiness <= 1.0


def test_pure_campaign_is_all_coordinated() -> None:
    assert measure(campaign(), CONFIG).share == 1.0


def test_organic_posts_are_not_amplification() -> None:
    amp = measure(organic(), CONFIG)
    assert (amp.share, amp.groups, amp.members, amp.authors) == (0.0, 0, 0, 0)
    assert amp.burstiness is None


def test_one_author_repeating_is_not_coordinated() -> None:
    docs = [_post(i, CLAIM + TAGS[i % len(TAGS)], T0 + 10.0 * i, "loud") for i in range(20)]
    assert measure(docs, CONFIG).share == 0.0


def test_two_accounts_are_below_min_authors() -> None:
    docs = [_post(i, CLAIM, T0 + 10.0 * i, f"acct{i % 2}") for i in range(20)]
    assert measure(docs, CONFIG).groups == 0


def test_unknown_authors_are_never_distinct() -> None:
    docs = [_post(i, CLAIM, T0 + 10.0 * i, None) for i in range(20)]
    docs += [_post(100 + i, CLAIM, T0 + 5.0 * i, a) for i, a in enumerate(["", "  ", "@"])]
    assert measure(docs, CONFIG).share == 0.0
    assert author_key(docs[0]) is None and author_key(docs[-1]) is None


def test_syndicated_articles_are_not_counted_by_default() -> None:
    docs = [_post(i, CLAIM, T0 + 10.0 * i, f"desk{i}", kind="article") for i in range(20)]
    assert measure(docs, CONFIG).share == 0.0
    with_articles = AmplificationConfig(kinds=("post", "article"))
    assert measure(docs, with_articles).share == 1.0


def test_copies_spread_over_hours_are_separate_runs_or_none() -> None:
    # 10 copies every 20 minutes: each is more than span_s (15 min) after the previous one.
    slow = [_post(i, CLAIM, T0 + 1200.0 * i, f"acct{i}") for i in range(10)]
    assert measure(slow, CONFIG).groups == 0
    # Two bursts of the same text, an hour apart: two groups.
    later = [
        _post(200 + i, d.text, d.time + 3600, f"later{i}")
        for i, d in enumerate(campaign(10, 3.0, seed=6))
    ]
    two = campaign(10, 3.0, seed=5) + later
    amp = measure(sorted(two, key=lambda d: (d.time, d.doc_id)), CONFIG)
    assert amp.groups == 2 and amp.members == 20 and amp.largest_group == 10


def test_regular_posting_has_burstiness_minus_one() -> None:
    docs = [_post(i, CLAIM, T0 + 30.0 * i, f"acct{i}") for i in range(10)]
    assert measure(docs, CONFIG).burstiness == -1.0


def test_mentions_and_case_do_not_hide_a_copy() -> None:
    a = shingles("@alice The Minister LIED about the toll", 3)
    b = shingles("the minister lied about the toll @bob", 3)
    assert a == b


def test_result_does_not_depend_on_python_hash_seed_or_order() -> None:
    docs = sorted(campaign() + organic(), key=lambda d: (d.time, d.doc_id))
    assert measure(docs, CONFIG) == measure(list(reversed(docs)), CONFIG)


def test_thousands_of_members_stay_fast() -> None:
    rng = random.Random(9)
    docs = organic(3000, seed=9) + campaign(300, 10.0, seed=9, first=5000)
    docs.sort(key=lambda d: (d.time, d.doc_id))
    rng.shuffle(docs)
    started = time.perf_counter()
    amp = measure(docs, CONFIG)
    assert time.perf_counter() - started < 5.0
    assert amp.members == 300
