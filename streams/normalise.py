"""Text normalisation: from what crawlers and social APIs deliver to what the encoder should read.

Real inputs carry markup, HTML entities, URLs, retweet prefixes, embedded-tweet signatures,
"Advertisement"/"Read more" page junk, control and bidi characters and lone surrogates. They
add nothing to meaning and, worse, make unrelated pages look alike (every page with the same
cookie banner). The normaliser removes them, collapses whitespace and caps the length, because
the encoder truncates anyway (256 word pieces for all-MiniLM-L6-v2) and memory is per character.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_TAG = re.compile(
    r"<(script|style|noscript|iframe)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[^>]{0,2000}>",
    re.IGNORECASE | re.DOTALL,
)
_OPEN_TAG_AT_END = re.compile(r"<[^<>]{0,2000}$")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RT_PREFIX = re.compile(r"^\s*RT\s+@\w{1,30}\s*:\s*", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w{1,30})+\s*")
# Embedded-tweet signature as pasted into articles: "— Name (@handle) May 11, 2023".
_TWEET_SIGNATURE = re.compile(
    r"[—–-]\s*[^()\n]{1,80}\(@\w{1,30}\)\s+[A-Z][a-z]+\s+\d{1,2},\s+\d{4}"
)
# Lines that are page furniture rather than content, in English and Turkish.
_JUNK_LINE = re.compile(
    r"^\s*(advertisement|advertising|sponsored( content)?|read more|related( articles?)?|"
    r"share( this( article)?)?|share on (facebook|twitter|x)|follow us.*|subscribe.*|"
    r"sign up for.*newsletter.*|we use cookies.*|accept( all)? cookies.*|"
    r"cookie (policy|settings).*|"
    r"click here.*|image( source)?:.*|photo:.*|getty images|reklam|ilgili haberler|"
    r"devamını oku|haberin devamı.*|paylaş|çerez.*|abone ol.*|bizi takip edin.*)\s*$",
    re.IGNORECASE,
)
_INLINE_JUNK = re.compile(r"\b(Read more|Devamını oku|Advertisement)\s*:?", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_DEDUP_STRIP = re.compile(r"[^\w]+", re.UNICODE)

#: Unicode categories removed outright: controls, format (bidi overrides, zero-width),
#: surrogates, private use, unassigned. Newlines and tabs are handled before this filter.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class NormaliseConfig:
    """How much text to keep; the cap is in characters, applied after cleaning."""

    max_chars: int = 2000
    strip_urls: bool = True
    strip_mentions: bool = True


def _drop_invisible(text: str) -> str:
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _DROP_CATEGORIES
    )


def normalise(text: str, config: NormaliseConfig = NormaliseConfig()) -> str:
    """Return the cleaned text the encoder and the keyword extractor read.

    Deterministic and total: any `str` (lone surrogates included) gives a `str`, possibly empty.
    """
    if not text:
        return ""
    # Lone surrogates (legal in JSON strings) cannot be encoded; drop them first.
    text = text.encode("utf-8", "ignore").decode("utf-8") if _has_surrogate(text) else text
    if len(text) > config.max_chars * 20:
        # Bound the regex work; drop a tag the cut left open so no "</spa" leaks through.
        text = _OPEN_TAG_AT_END.sub("", text[: config.max_chars * 20])
    text = _TAG.sub(" ", text)
    text = html.unescape(html.unescape(text))  # feeds often double-escape (&amp;amp;)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_invisible(text)
    text = _RT_PREFIX.sub("", text)
    text = _TWEET_SIGNATURE.sub(" ", text)
    if config.strip_urls:
        text = _URL.sub(" ", text)
    if config.strip_mentions:
        text = _LEADING_MENTIONS.sub("", text)
    lines = [line for line in text.split("\n") if not _JUNK_LINE.match(line)]
    text = _INLINE_JUNK.sub(" ", "\n".join(lines))
    text = _SPACE.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    if len(text) > config.max_chars:
        cut = text[: config.max_chars]
        space = cut.rfind(" ")
        text = cut[:space] if space > config.max_chars * 0.8 else cut
    return text


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def dedup_key(text: str) -> str:
    """A key equal for texts that differ only in case, punctuation, spacing, URLs or mentions.

    Used to collapse verbatim reposts (retweets, copy-paste) before they cost an encoder call.
    """
    # Casefolding "İ" (Turkish dotted capital I) yields "i" + U+0307; drop the dot so that
    # "İSTANBUL" and "istanbul" share a key instead of splitting into "i stanbul".
    return _DEDUP_STRIP.sub(" ", text.casefold().replace("i\u0307", "i")).strip()
