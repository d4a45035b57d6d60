"""The core's view of a document: normalised text, event time and the facets we count by.

Wire records (`schemas.records`) are validated at the edge; the core keeps only what it needs,
in plain types, so that windows stay small and nothing here depends on pydantic's runtime.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.records import Article, InputRecord, published_epoch
from streams.language import UNKNOWN, LanguageDetector
from streams.normalise import NormaliseConfig, normalise


class EmptyTextError(ValueError):
    """The record's text is empty once markup and page junk are removed."""


@dataclass(frozen=True, slots=True)
class Document:
    """One input document as the detector sees it. `time` is UTC epoch seconds (event time)."""

    doc_id: str
    kind: str
    text: str
    time: float
    source: str | None = None
    lang: str = UNKNOWN
    author: str | None = None


def from_record(
    record: InputRecord,
    *,
    normalise_config: NormaliseConfig | None = None,
    languages: LanguageDetector | None = None,
) -> Document:
    """Normalise a validated record. Raises `EmptyTextError` when nothing readable is left."""
    raw = record.full_text() if isinstance(record, Article) else record.text
    text = normalise(raw, normalise_config or NormaliseConfig())
    if not text:
        raise EmptyTextError(
            f"document {record.id!r} has no text left after removing markup, URLs and page junk"
        )
    lang = (record.lang or "").lower().split("-")[0].split("_")[0]
    if not lang:
        lang = languages.detect(text) if languages is not None else UNKNOWN
    return Document(
        doc_id=record.id,
        kind=record.kind,
        text=text,
        time=published_epoch(record),
        source=(record.source or None),
        lang=lang,
        author=record.author,
    )
