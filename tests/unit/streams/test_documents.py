"""Unit tests for streams.documents: from a validated wire record to the core's `Document`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.records import Article, Post
from streams.documents import Document, EmptyTextError, from_record
from streams.language import UNKNOWN, LanguageDetector
from streams.normalise import NormaliseConfig

STAMP = "2023-05-11T21:04:05+03:00"
EPOCH = datetime(2023, 5, 11, 18, 4, 5, tzinfo=UTC).timestamp()


def post(**fields: Any) -> Post:
    data: dict[str, Any] = {
        "id": "tw-1",
        "text": "Dam breach near the river",
        "published_at": STAMP,
    }
    data.update(fields)
    return Post.model_validate(data)


def article(**fields: Any) -> Article:
    data: dict[str, Any] = {"id": "art-1", "published_at": STAMP}
    data.update(fields)
    return Article.model_validate(data)


def test_post_becomes_a_document_with_normalised_text_and_utc_event_time() -> None:
    record = post(
        text="RT @desk: Dam breach &amp; evacuation https://t.co/x",
        source="twitter",
        lang="en",
        author="@desk",
    )
    assert from_record(record) == Document(
        doc_id="tw-1",
        kind="post",
        text="Dam breach & evacuation",
        time=EPOCH,
        source="twitter",
        lang="en",
        author="@desk",
    )


def test_article_reads_title_and_body_as_one_text() -> None:
    doc = from_record(article(title="<h1>Dam breach</h1>", body="<p>Residents evacuated.</p>"))
    assert doc.kind == "article"
    assert doc.text == "Dam breach\nResidents evacuated."


def test_article_full_text_wins_over_title_and_body() -> None:
    doc = from_record(article(text="The full text", title="Headline", body="Body"))
    assert doc.text == "The full text"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "en"), ("EN", "en"), ("en-US", "en"), ("pt_BR", "pt"), ("tur", "tur")],
)
def test_declared_language_is_reduced_to_its_primary_subtag(lang: str, expected: str) -> None:
    assert from_record(post(lang=lang)).lang == expected


def test_missing_language_is_detected_when_a_detector_is_given() -> None:
    text = "Deprem bölgesinde arama kurtarma çalışmaları devam ediyor"
    assert from_record(post(text=text), languages=LanguageDetector()).lang == "tr"
    assert from_record(post(text=text)).lang == UNKNOWN


def test_declared_language_is_trusted_over_the_detector() -> None:
    text = "Deprem bölgesinde arama kurtarma çalışmaları devam ediyor"
    assert from_record(post(text=text, lang="en"), languages=LanguageDetector()).lang == "en"


def test_empty_source_becomes_none() -> None:
    assert from_record(post(source="")).source is None


def test_normalise_config_caps_the_text() -> None:
    doc = from_record(post(text="word " * 100), normalise_config=NormaliseConfig(max_chars=20))
    assert doc.text == "word word word word"


@pytest.mark.parametrize(
    "text", ["   ", "https://t.co/abc", "<div><br/></div>", "@alice @bob", "Advertisement"]
)
def test_text_with_nothing_readable_left_raises_empty_text_error(text: str) -> None:
    with pytest.raises(EmptyTextError, match="tw-1"):
        from_record(post(text=text))


def test_empty_text_error_is_a_value_error() -> None:
    assert issubclass(EmptyTextError, ValueError)
