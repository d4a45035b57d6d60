"""Keywords that tell a person what a narrative is about: class-based TF-IDF.

Each narrative in a slide is one "class" and everything else in the window (noise and other
narratives) is the background, so a word scores high when it is frequent in the narrative and
rare elsewhere in the same window — "deepfake" beats "election" in an election campaign.
Weight of term t in class c: tf(t, c) · log(1 + A / f(t)), with A the mean number of words
per class and f(t) the frequency of t over all classes (as in BERTopic's c-TF-IDF).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from streams.stopwords import ALL as STOPWORDS

# A leading "@" is matched so that mentions can be recognised (and dropped) as a whole.
_TOKEN = re.compile(r"[#@]?[^\W\d_][\w'’-]*[\w]|[^\W\d_]{2,}", re.UNICODE)


def tokenize(text: str, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Lower-cased word tokens of 3+ characters, without stopwords; hashtags lose their '#'."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        # "İ".casefold() is "i" + U+0307: drop the dot so "İçin" is the stopword "için".
        token = match.group(0).lstrip("#").casefold().replace("i\u0307", "i").strip("'’-")
        if len(token) >= 3 and token not in stopwords and not token.startswith("@"):
            out.append(token)
    return out


def class_tfidf(
    classes: Mapping[str, Sequence[Sequence[str]]],
    background: Iterable[Sequence[str]] = (),
    *,
    top_k: int = 10,
    min_df: int = 2,
) -> dict[str, list[tuple[str, float]]]:
    """Top keywords per class from tokenised documents.

    `classes` maps a class key to its documents' tokens; `background` documents count towards
    term frequencies only. A term must occur in `min_df` documents of a class to be reported,
    so one long article cannot dictate its cluster's keywords. Ties break alphabetically.
    """
    tf: dict[str, Counter[str]] = {}
    df: dict[str, Counter[str]] = {}
    for key, docs in classes.items():
        tf[key] = Counter(token for doc in docs for token in doc)
        df[key] = Counter(token for doc in docs for token in set(doc))
    bg = Counter(token for doc in background for token in doc)
    totals: Counter[str] = Counter(bg)
    for counts in tf.values():
        totals.update(counts)
    n_classes = len(tf) + (1 if bg else 0)
    mean_words = sum(totals.values()) / max(n_classes, 1)
    result: dict[str, list[tuple[str, float]]] = {}
    for key, counts in tf.items():
        class_words = sum(counts.values()) or 1
        scored = [
            (term, (count / class_words) * math.log(1.0 + mean_words / totals[term]))
            for term, count in counts.items()
            if df[key][term] >= min(min_df, len(classes[key]))
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        result[key] = [(term, round(score, 6)) for term, score in scored[:top_k]]
    return result
