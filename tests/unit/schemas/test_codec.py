"""Unit tests for schemas.codec: every refusal has its own reason, and nothing else escapes.

The agents route a `DecodeError` to the dead-letter topic and count it by `reason`, so each
reason is pinned to a minimal record that triggers it. The property tests feed arbitrary bytes,
text and JSON-shaped garbage: whatever a producer sends, the decoder answers with a record or a
`DecodeError`, and the normaliser with a bounded, printable string.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.codec import RAW_PREVIEW_BYTES, DecodeError, dead_letter, decode_record
from schemas.dead_letter import REASONS
from schemas.records import Article, Post, published_epoch
from streams.normalise import NormaliseConfig, normalise

STAMP = "2023-05-11T18:04:05Z"
EPOCH = datetime(2023, 5, 11, 18, 4, 5, tzinfo=UTC).timestamp()


def _post(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "p-1",
        "text": "Dam breach near the river",
        "published_at": STAMP,
    }
    record.update(fields)
    return {k: v for k, v in record.items() if v is not _DROP}


_DROP: Any = object()


def _encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode("utf-8")


def _reason(raw: bytes | str, default_kind: Any = "post", **kwargs: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_record(raw, default_kind, **kwargs)
    assert info.value.reason in REASONS
    return info.value


# --- accepted records ------------------------------------------------------------------------


def test_decodes_a_minimal_post() -> None:
    record = decode_record(_encode(_post()), "post")
    assert isinstance(record, Post)
    assert record.id == "p-1"
    assert record.kind == "post"
    assert record.text == "Dam breach near the river"
    assert published_epoch(record) == EPOCH
    assert record.source is None and record.lang is None and record.schema_version is None


def test_decodes_str_input_like_bytes() -> None:
    raw = _encode(_post(text="Deprem bölgesinde yardım"))
    assert decode_record(raw.decode("utf-8"), "post") == decode_record(raw, "post")


def test_unknown_fields_are_ignored() -> None:
    raw = _encode(_post(label="EN32", scored=True, stance="True", provenance={"crawl": 7}))
    record = decode_record(raw, "post")
    assert isinstance(record, Post)
    assert not hasattr(record, "label")
    assert "label" not in record.model_dump()


def test_article_with_title_and_body_is_accepted_and_joined() -> None:
    raw = _encode(
        {
            "id": "a-1",
            "kind": "article",
            "title": "Dam breach",
            "body": "Residents evacuated.",
            "published_at": STAMP,
        }
    )
    record = decode_record(raw, "post")
    assert isinstance(record, Article)
    assert record.text is None
    assert record.full_text() == "Dam breach\nResidents evacuated."


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "Only a headline"}, "Only a headline"),
        ({"body": "Only a body"}, "Only a body"),
        ({"title": "   ", "body": "Body after a blank title"}, "Body after a blank title"),
        ({"text": "Full text wins", "title": "Ignored", "body": "Ignored"}, "Full text wins"),
    ],
)
def test_article_full_text_uses_what_is_there(fields: dict[str, str], expected: str) -> None:
    record = decode_record(_encode({"id": "a-1", "published_at": STAMP, **fields}), "article")
    assert isinstance(record, Article)
    assert record.full_text() == expected


def test_default_kind_comes_from_the_topic_and_the_record_kind_wins() -> None:
    bare = {"id": "x-1", "text": "Some text", "published_at": STAMP}
    assert isinstance(decode_record(_encode(bare), "post"), Post)
    assert isinstance(decode_record(_encode(bare), "article"), Article)
    assert isinstance(decode_record(_encode({**bare, "kind": "post"}), "article"), Post)
    assert isinstance(decode_record(_encode({**bare, "kind": "article"}), "post"), Article)


@pytest.mark.parametrize("version", ["1", "1.0", "1.7"])
def test_schema_version_of_major_one_is_accepted(version: str) -> None:
    record = decode_record(_encode(_post(schema_version=version)), "post")
    assert record.schema_version == version


@pytest.mark.parametrize(
    "stamp",
    ["2023-05-11T18:04:05Z", "2023-05-11T21:04:05+03:00", "2023-05-11T13:04:05.000-05:00"],
)
def test_published_at_offsets_give_the_same_utc_event_time(stamp: str) -> None:
    assert published_epoch(decode_record(_encode(_post(published_at=stamp)), "post")) == EPOCH


def test_record_exactly_at_the_size_limit_is_accepted() -> None:
    raw = _encode(_post())
    assert decode_record(raw, "post", max_bytes=len(raw)).id == "p-1"


# --- refusals, one per reason ----------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"id": "caf\xc3"}', b"\xed\xa0\x80"])
def test_invalid_utf8(raw: bytes) -> None:
    err = _reason(raw)
    assert err.reason == "invalid_utf8"
    assert err.doc_id is None


@pytest.mark.parametrize("raw", [b"", b"nope", b'{"id": "a",}', b"{'id': 'a'}", b"[" * 100_000])
def test_not_json(raw: bytes) -> None:
    assert _reason(raw).reason == "not_json"


def test_integer_literal_over_the_digit_limit_is_not_json_rather_than_a_crash() -> None:
    # Python refuses int literals over 4300 digits with a bare ValueError inside json.loads.
    raw = b'{"id": "a", "n": ' + b"7" * 5000 + b"}"
    assert _reason(raw).reason == "not_json"


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"a string"', b"42", b"null", b"true", b"NaN"])
def test_not_an_object(raw: bytes) -> None:
    assert _reason(raw).reason == "not_an_object"


def test_too_large_is_measured_in_utf8_bytes_before_parsing() -> None:
    text = json.dumps(_post(text="ü" * 100), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    assert size > len(text)  # ü is two bytes
    err = _reason(text, max_bytes=size - 1)
    assert err.reason == "too_large"
    assert str(size) in err.message
    # Too large is decided before parsing: even garbage of that size gets this reason.
    assert _reason(b"\xff" * 11, max_bytes=10).reason == "too_large"


@pytest.mark.parametrize("missing", ["id", "published_at", "text"])
def test_missing_field(missing: str) -> None:
    err = _reason(_encode(_post(**{missing: _DROP})))
    assert err.reason == "missing_field"
    assert missing in err.message


@pytest.mark.parametrize(
    "fields",
    [{"id": 5}, {"text": 5}, {"text": ["a"]}, {"source": 5}, {"lang": 5}, {"author": {}}],
)
def test_wrong_type(fields: dict[str, Any]) -> None:
    err = _reason(_encode(_post(**fields)))
    assert err.reason == "wrong_type"
    assert next(iter(fields)) in err.message


def test_wrong_type_in_an_article_field() -> None:
    raw = _encode({"id": "a-1", "kind": "article", "title": 5, "published_at": STAMP})
    assert _reason(raw).reason == "wrong_type"


def test_empty_post_text() -> None:
    err = _reason(_encode(_post(text="")))
    assert err.reason == "empty_text"
    assert err.doc_id == "p-1"


@pytest.mark.parametrize(
    "fields",
    [{}, {"title": "   ", "body": ""}, {"text": " \n ", "title": None}],
)
def test_empty_article(fields: dict[str, Any]) -> None:
    raw = _encode({"id": "a-1", "kind": "article", "published_at": STAMP, **fields})
    err = _reason(raw)
    assert err.reason == "empty_text"
    assert err.doc_id == "a-1"


@pytest.mark.parametrize("version", ["2.0", "0.9", "10", "", "v1"])
def test_unsupported_schema_version(version: str) -> None:
    err = _reason(_encode(_post(schema_version=version)))
    assert err.reason == "unsupported_schema_version"
    assert err.doc_id == "p-1"


@pytest.mark.parametrize(
    "stamp",
    [
        "2023-05-11T18:04:05",  # no offset: ambiguous event time
        "yesterday",
        "2023-13-01T00:00:00Z",
        "2023-05-11T18:04:05+25:00",
        None,
    ],
)
def test_bad_timestamp(stamp: str | None) -> None:
    err = _reason(_encode(_post(published_at=stamp)))
    assert err.reason == "bad_timestamp"
    assert "RFC 3339" in err.message


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "video"},
        {"kind": ["post"]},
        {"id": ""},
        {"id": "   "},
        {"lang": "english!"},
        {"id": "x" * 513},
    ],
)
def test_invalid_value(fields: dict[str, Any]) -> None:
    assert _reason(_encode(_post(**fields))).reason == "invalid_value"


def test_invalid_kind_names_the_field_and_keeps_the_doc_id() -> None:
    err = _reason(_encode(_post(kind="video")))
    assert err.doc_id == "p-1"
    assert "'video'" in err.message and "kind" in err.message


def test_decode_error_str_leads_with_the_reason() -> None:
    err = _reason(b"[]")
    assert str(err).startswith("not_an_object: ")


# --- dead letters ----------------------------------------------------------------------------


def test_dead_letter_keeps_a_truncated_lenient_copy_of_the_raw_record() -> None:
    raw = b"\xff" + b"x" * (2 * RAW_PREVIEW_BYTES)
    err = _reason(raw)
    letter = dead_letter(raw, err, topic="posts", partition=3, offset=42)
    assert letter.reason == "invalid_utf8"
    assert letter.error == err.message
    assert (letter.topic, letter.partition, letter.offset) == ("posts", 3, 42)
    assert letter.raw_bytes == len(raw)
    assert letter.raw == "\ufffd" + "x" * (RAW_PREVIEW_BYTES - 1)


def test_dead_letter_carries_the_doc_id_when_it_could_be_read() -> None:
    raw = _encode(_post(kind="video"))
    letter = dead_letter(raw.decode("utf-8"), _reason(raw), topic="posts")
    assert letter.doc_id == "p-1"
    assert letter.raw == raw.decode("utf-8")
    assert letter.raw_bytes == len(raw)


# --- properties ------------------------------------------------------------------------------

_PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_field_values = (
    _json_values
    | st.sampled_from(["post", "article", "video", "", " ", "1", "2.0", "en", "en-US", STAMP])
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
)
_record_like = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "kind",
            "text",
            "title",
            "body",
            "published_at",
            "schema_version",
            "lang",
            "source",
            "url",
            "author",
            "label",
        ]
    ),
    _field_values,
    max_size=9,
)


@_PROPERTY
@given(st.binary(max_size=300))
def test_property_arbitrary_bytes_decode_or_raise_decode_error(raw: bytes) -> None:
    _decode_or_refuse(raw)


@_PROPERTY
@given(st.text(max_size=300))
def test_property_arbitrary_text_decodes_or_raises_decode_error(raw: str) -> None:
    _decode_or_refuse(raw)


@_PROPERTY
@given(_record_like, st.sampled_from(["post", "article"]))
def test_property_record_shaped_json_decodes_or_raises_decode_error(
    record: dict[str, Any], default_kind: Any
) -> None:
    raw = json.dumps(record, allow_nan=True)
    _decode_or_refuse(raw, default_kind)
    _decode_or_refuse(raw.encode("utf-8", "surrogatepass"), default_kind)


def _decode_or_refuse(raw: bytes | str, default_kind: Any = "post") -> None:
    try:
        record = decode_record(raw, default_kind)
    except DecodeError as err:
        assert err.reason in REASONS
        assert err.message
        # Whatever was refused can be dead-lettered.
        dead_letter(raw, err, topic="posts")
    else:
        assert isinstance(record, Post | Article)
        published_epoch(record)


def _is_invisible(ch: str) -> bool:
    return ch != "\n" and unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}


@_PROPERTY
@given(st.text(), st.integers(min_value=0, max_value=400))
def test_property_normalise_is_total_bounded_and_printable(text: str, max_chars: int) -> None:
    out = normalise(text, NormaliseConfig(max_chars=max_chars))
    assert isinstance(out, str)
    assert len(out) <= max_chars
    assert not any(_is_invisible(ch) for ch in out), ascii(out)


@_PROPERTY
@given(
    st.lists(
        st.sampled_from(
            [
                "<b>",
                "</b>",
                "&amp;",
                "&#x202E;",
                "\u202e",
                "\u200b",
                "\x00",
                "\t",
                "\r\n",
                "\ud800",
                "RT @a: ",
                "@b ",
                "https://t.co/x ",
                "Advertisement\n",
                "word ",
                "ﬁ",
            ]
        )
        | st.text(max_size=5),
        max_size=40,
    ).map("".join),
    st.integers(min_value=1, max_value=60),
)
def test_property_normalise_handles_junk_mixtures(text: str, max_chars: int) -> None:
    out = normalise(text, NormaliseConfig(max_chars=max_chars))
    assert len(out) <= max_chars
    assert not any(_is_invisible(ch) for ch in out), ascii(out)
    assert "\t" not in out and "\r" not in out
