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
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from streams.stopwords import ALL as STOPWORDS
from streams.stopwords import CJK_FUNCTION_CHARACTERS

#: Bumped whenever `tokenize` or the stopword lists change what a text's tokens are, or
#: `readable_keywords` changes which keywords are published: the tokens decide keywords,
#: story grouping and attachment by words, and published keywords decide `updated` events, so
#: the detector's `params_version` includes this (a checkpoint of other tokens is not restored
#: into it). 3: English discourse words are stopwords; a word and its plural are published as
#: one keyword, and the list is cut to `top_keywords` after folding. 4: Chinese and Japanese
#: text is cut into words by script (`_cjk_tokens`) instead of read as whole clauses. 5: the
#: spellings of one word (accents, hyphens) are published as one keyword (`spelling_key`). 6:
#: more function words of Spanish, Portuguese, French and Italian ("las", "tras", "come") and
#: English words of no topic ("least", "according", "need") are stopwords. 7: Turkish "önce"
#: (beside "sonra") and the light verbs of "etmek" ("iddia ediyor") are stopwords. 8: Turkish
#: "hâlâ" / "halen" ("still") and "henüz" ("yet"), which English has as "still" and "yet".
TOKENS_REVISION = 8

# A leading "@" is matched so that mentions can be recognised (and dropped) as a whole.
_TOKEN = re.compile(r"[#@]?[^\W\d_][\w'-]*[\w]|[^\W\d_]{2,}", re.UNICODE)
# Characters of the scripts written without spaces between words, which `_cjk_tokens` cuts:
# hiragana, katakana (with its phonetic extensions and half-width forms), the CJK ideographs
# (unified, extension A, compatibility, and the supplementary planes' extensions) and the
# ideographic iteration and closing marks ("々", "〆").
_CJK_CLASS = (
    "\u3005\u3006\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_RUNS = re.compile(f"([{_CJK_CLASS}]+)")
# Typographic apostrophes and their look-alikes, read as "'" (one token for "it’s" and "it's").
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´", "'"))
# Elided words that come before an apostrophe and the word it belongs to: French and Italian
# articles and prepositions of more than one letter ("dell'Aquila", "qu'il", "jusqu'à"). A
# one-letter head is always elided ("l'alluvione", "d'Italia", "o'clock").
_ELIDED = frozenset(
    {"dell", "nell", "dall", "sull", "all", "coll", "pell", "quell", "un"}  # Italian
    | {"qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "quelqu", "presqu"}  # French
)


def keyword_form(token: str) -> str:
    """The word a token with an apostrophe is about, as people read it in keywords.

    The part before the apostrophe for clitics and suffixes ("obama's" → "obama", Turkish
    "istanbul'da" → "istanbul"), the part after it for elided articles ("l'aquila",
    "dell'aquila" → "aquila"). Tokens keep their whole form for grouping and attachment: folded
    there too, a place's possessive joined two crises of one place into one story (measured,
    docs/measurements.md), so the folding is done where people read, not where stories form.
    """
    if "'" not in token:
        return token
    head, _, tail = token.partition("'")
    return tail.strip("'-") if len(head) == 1 or head in _ELIDED else head


@lru_cache(maxsize=1 << 16)
def pseudo_stem(token: str, length: int) -> str:
    """The token's first `length` characters with accents removed: one form for a word's
    inflections and spellings, in any alphabetic language (at 5: "terremoto", "terremoti" →
    "terre"; "mégantic", "megantic" → "megan"); `length` 0 leaves the token as it is.

    Why: story profiles compare the words two narratives use, and a crisis told with
    inflections, accents or in a neighbouring language names its places and hazards in
    forms no whole-word match sees as one ("inondation" and "inondations", "lacmégantic" and
    "lacmegantic"). Truncating a word to its first few characters is the language-neutral
    pseudo-stemmer of McNamee and Mayfield's multilingual retrieval work (a stemmer per
    language would need the language of every word, and mixed posts have several); accents
    go first so that "mégantic" and "megantic" agree. Shorter stems join more forms
    ("sardegna" and "sardinia" at 4) and more unrelated words ("president" and "press");
    the length is `StoryConfig.term_prefix`. Used where stories form, never in published
    keywords, which people read whole. Memoised: every slide stems the tokens of every
    document in its window again (24 times per document in a day's window of hourly slides),
    and a stream's vocabulary repeats.
    """
    if length <= 0:
        return token
    return _without_marks(token)[:length]


def _without_marks(text: str) -> str:
    """The text with its accents and other combining marks removed ("mégantic" → "megantic")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokenize(text: str, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Lower-cased word tokens of 3+ characters, without stopwords; hashtags lose their '#'.

    Apostrophes of every kind read as "'" ("it’s" is "it's"). A word with an apostrophe is
    dropped when the word it is about (`keyword_form`) is a stopword or too short ("it's",
    "let's", "c'est", "I'm"), and so is a negated auxiliary ("didn't", "can't": its head can
    be a word, "haven"); otherwise it is kept whole ("obama's", "l'aquila"). Chinese and
    Japanese, written without spaces, are cut by script (`_cjk_tokens`): their words are one
    or two characters, so the three-character minimum does not hold for them.
    """
    out: list[str] = []
    for match in _TOKEN.finditer(text.translate(_APOSTROPHES)):
        # "İ".casefold() is "i" + U+0307: drop the dot so "İçin" is the stopword "için".
        token = match.group(0).lstrip("#").casefold().replace("i\u0307", "i").strip("'-")
        if token.startswith("@"):
            continue
        if _CJK.search(token) is None:
            word = _word(token, stopwords)
            if word is not None:
                out.append(word)
            continue
        for part in _CJK_RUNS.split(token):
            if not part:
                continue
            if _CJK.match(part):
                out.extend(t for t in _cjk_tokens(part) if t not in stopwords)
            else:
                word = _word(part.strip("'-"), stopwords)
                if word is not None:
                    out.append(word)
    return out


def _word(token: str, stopwords: frozenset[str]) -> str | None:
    """The token if it is a keyword candidate of a script written with spaces, else None."""
    if "'" in token:
        form = keyword_form(token)
        if token.partition("'")[2] == "t" or len(form) < 3 or form in stopwords:
            return None
    return token if len(token) >= 3 and token not in stopwords else None


def _cjk_tokens(run: str) -> list[str]:
    """The words of a run of Chinese or Japanese characters, which no space separates.

    Why: the word pattern reads a whole clause ("東京で大きな地震が発生しました") as one
    token, so the posts of a narrative told in Chinese or Japanese shared no word, and it had
    no keywords, no story by words and no attachment by words. A dictionary segmenter (jieba,
    MeCab) needs a dictionary per language; the language-neutral standard of search engines
    (Lucene's CJK bigrams) is overlapping character pairs, which hold a two-character word
    whole ("地震", "発生") at the cost of pairs across word edges, which repeat far less than
    words and so weigh little in c-TF-IDF. Japanese mixes scripts, and a change of script is a
    word edge: each run of kanji is cut into pairs (a lone kanji is kept: "雨", "火"), a run
    of katakana is one word (loanwords and names: "テロ", "ニュース"), and hiragana, which
    writes the grammar (particles, endings), is left out. Pairs or single characters holding a
    function character (`streams.stopwords.CJK_FUNCTION_CHARACTERS`: "的", "了", "我") are
    dropped, as stopwords are in spaced scripts.
    """
    out: list[str] = []
    for script, part in _script_runs(run):
        if script == "han":
            grams = [part] if len(part) == 1 else [part[i : i + 2] for i in range(len(part) - 1)]
            out.extend(g for g in grams if CJK_FUNCTION_CHARACTERS.isdisjoint(g))
        elif script == "katakana" and len(part) >= 2:
            out.append(part)
    return out


def _script(char: str) -> str:
    """'hiragana', 'katakana' or 'han' (ideographs and their marks) for a `_CJK` character."""
    if "\u3040" <= char <= "\u309f":
        return "hiragana"
    if "\u30a0" <= char <= "\u30ff" or "\u31f0" <= char <= "\u31ff" or "\uff66" <= char <= "\uff9f":
        return "katakana"
    return "han"


def _script_runs(run: str) -> list[tuple[str, str]]:
    """(script, characters) of the run's longest one-script stretches, in order."""
    out: list[tuple[str, str]] = []
    for char in run:
        script = _script(char)
        if out and out[-1][0] == script:
            out[-1] = (script, out[-1][1] + char)
        else:
            out.append((script, char))
    return out


#: Letters that Unicode does not decompose into a base letter and a mark, typed as their base
#: letter on keyboards without them: Turkish dotless "ı" ("ışık" / "isik"), Polish "ł", Nordic
#: "ø", Croatian "đ", German "ß".
_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


def spelling_key(term: str) -> str:
    """One key for the spellings of a word: without accents, hyphens or apostrophes
    ("Lac-Mégantic", "lacmegantic" → "lacmegantic"). Chinese and Japanese terms are their own
    key: removing the voicing marks of kana would join different words ("ガス", "カス")."""
    if _CJK.search(term):
        return term
    return "".join(c for c in _without_marks(term.translate(_UNDECOMPOSED)) if c not in "-'")


def readable_keywords(keywords: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Keywords as people read them: the forms of one word become one keyword scoring their
    sum, shown in its base form; highest first, ties alphabetical.

    Forms of one word: a name with an apostrophe and without (`keyword_form`: "obama's",
    "obama"); its spellings with and without accents or hyphens (`spelling_key`: "méxico",
    "mexico"; "lac-mégantic", "lacmégantic", "lacmegantic"), which posts mix because people
    type names as their keyboard lets them; and a word with its plural in -s or -es when both
    are in the list ("flood", "floods"; "church", "churches"). Only forms present side by side
    are merged, so a word whose plural means something else merges only if a narrative's top
    words hold both. A fixed rule, not the better-scoring form, names the keyword, so that the
    name does not flip from one slide to the next (a change of top keywords is reason for an
    `updated` event): the base form of a plural, and of spellings the most written one (with a
    hyphen, then with accents, then the first alphabetically: "lac-mégantic", "méxico").
    """
    forms: dict[str, float] = {}
    for term, score in keywords:
        form = keyword_form(term)
        forms[form] = forms.get(form, 0.0) + score
    spellings: dict[str, list[str]] = {}
    for form in forms:
        spellings.setdefault(spelling_key(form), []).append(form)
    merged: dict[str, float] = {}
    for same in spellings.values():
        name = min(same, key=lambda f: ("-" not in f, f.isascii(), f))
        merged[name] = sum(forms[f] for f in same)
    groups: dict[str, list[tuple[str, float]]] = {}
    for term, score in merged.items():
        key = term
        if term.endswith("es") and term[:-2] in merged:
            key = term[:-2]
        elif term.endswith("s") and term[:-1] in merged:
            key = term[:-1]
        groups.setdefault(key, []).append((term, score))
    out = [(key, round(sum(score for _, score in forms), 6)) for key, forms in groups.items()]
    return sorted(out, key=lambda x: (-x[1], x[0]))


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
