"""Unit tests for streams.normalise: what the encoder reads, and the de-duplication key.

Each case is a kind of junk that real crawls and social APIs deliver; the expected output is
written out in full so that a regression shows exactly what leaked through. The property tests
for totality and the length cap live in tests/unit/schemas/test_codec.py, next to the decoder's.
"""

from __future__ import annotations

import pytest

from streams.normalise import NormaliseConfig, dedup_key, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("Plain words stay.", "Plain words stay.", id="plain"),
        pytest.param("<p>Flood <b>warning</b></p>", "Flood warning", id="tags"),
        pytest.param(
            "<script>var x = '<b>';</script>Body<style>.a{color:red}</style> text",
            "Body text",
            id="script-and-style-with-content",
        ),
        pytest.param("before<!-- a comment -->after", "before after", id="html-comment"),
        pytest.param('<a href="https://x.org">link</a> here', "link here", id="anchor"),
        pytest.param("Tom &amp; Jerry", "Tom & Jerry", id="entity"),
        pytest.param("Tom &amp;amp; Jerry", "Tom & Jerry", id="double-escaped-entity"),
        pytest.param("caf&eacute; &#8364;5", "café €5", id="named-and-numeric-entities"),
        pytest.param("ｆｕｌｌ ﬁne ①", "full fine 1", id="nfkc-compatibility-forms"),
        pytest.param("RT @Some_User: breaking news", "breaking news", id="retweet-prefix"),
        pytest.param("rt @a:x", "x", id="retweet-prefix-any-case"),
        pytest.param("@alice @bob thanks for this", "thanks for this", id="leading-mentions"),
        pytest.param("thanks @alice for this", "thanks @alice for this", id="inner-mention-kept"),
        pytest.param(
            "see https://t.co/abc?x=1 and www.example.org/path ok", "see and ok", id="urls"
        ),
        pytest.param(
            "Quote — Jane Doe (@jane) May 11, 2023 after",
            "Quote after",
            id="embedded-tweet-signature",
        ),
        pytest.param(
            "Real news\nAdvertisement\nMore news\nRead more\nShare this article",
            "Real news\nMore news",
            id="english-page-furniture-lines",
        ),
        pytest.param(
            "We use cookies to improve your experience\nAccept all cookies\nContent",
            "Content",
            id="cookie-banner",
        ),
        pytest.param(
            "Reklam\nİlgili haberler\nDeprem bölgesinde yardım\nDevamını oku",
            "Deprem bölgesinde yardım",
            id="turkish-page-furniture-lines",
        ),
        pytest.param("first. Read more: second", "first. second", id="inline-junk"),
        pytest.param("hello\u00a0\u2003 world\t\tagain", "hello world again", id="spaces"),
        pytest.param("one\r\ntwo\rthree\n\n\n   four", "one\ntwo\nthree\nfour", id="newlines"),
        pytest.param("x\x00y\x07z\x1b", "xyz", id="c0-controls"),
        pytest.param(
            "a\u200bb\u202ec\u2066d\ufeffe\u200ff", "abcdef", id="zero-width-and-bidi-controls"
        ),
        pytest.param("pri\ue000vate", "private", id="private-use"),
        pytest.param("lone\ud800 surrogate\udfff", "lone surrogate", id="lone-surrogates"),
        pytest.param("   \n\t  ", "", id="only-whitespace"),
        pytest.param("<div><br/></div> https://t.co/x", "", id="nothing-readable"),
    ],
)
def test_normalise_removes_junk_and_keeps_content(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_keeps_urls_when_configured() -> None:
    config = NormaliseConfig(strip_urls=False)
    assert normalise("visit www.example.com now", config) == "visit www.example.com now"


def test_normalise_keeps_leading_mentions_when_configured() -> None:
    config = NormaliseConfig(strip_mentions=False)
    assert normalise("@alice @bob hi", config) == "@alice @bob hi"


def test_normalise_cuts_at_a_word_boundary_near_the_cap() -> None:
    text = "word " * 100
    out = normalise(text, NormaliseConfig(max_chars=52))
    assert out == " ".join(["word"] * 10)  # 49 chars; the 11th word would cross the cap


def test_normalise_cuts_mid_word_when_no_space_is_near_the_cap() -> None:
    assert normalise("x" * 100, NormaliseConfig(max_chars=50)) == "x" * 50
    # The only space is at 4 < 0.8 × 12, so cutting there would lose too much: cut hard.
    assert normalise("aaaa bbbbbbbbbbbbbbbb", NormaliseConfig(max_chars=12)) == "aaaa bbbbbbb"


def test_normalise_cap_counts_characters_after_cleaning() -> None:
    # Markup does not count against the cap: only what the encoder will read does.
    text = "<span>" * 25 + "short text" + "</span>" * 25
    assert len(text) < 20 * 20
    assert normalise(text, NormaliseConfig(max_chars=20)) == "short text"


def test_normalise_reads_at_most_twenty_caps_of_raw_input_and_no_half_tag() -> None:
    # Raw input is cut at 20 × max_chars before markup removal (bounded regex work); the cut
    # here falls inside a closing tag, whose fragment must not leak into the text.
    text = "<span>" * 50 + "short text" + "</span>" * 50 + " never read"
    assert normalise(text, NormaliseConfig(max_chars=20)) == "short text"


def test_normalise_is_idempotent_on_its_own_output() -> None:
    raw = "RT @a: <b>Storm</b> &amp; flood — warning https://t.co/x\n\nAdvertisement\nStay safe"
    once = normalise(raw)
    assert once == "Storm & flood — warning\nStay safe"
    assert normalise(once) == once


@pytest.mark.parametrize(
    "variant",
    [
        "Hello, World!",
        "hello world",
        "HELLO   WORLD...",
        "  hello\n\nworld  ",
        "hello-world",
        "«Hello» — «world»",
    ],
)
def test_dedup_key_ignores_case_punctuation_and_spacing(variant: str) -> None:
    assert dedup_key(variant) == "hello world"


def test_dedup_key_of_normalised_reposts_ignores_urls_and_leading_mentions() -> None:
    original = "Dam breach reported near the river, evacuate now"
    reposts = [
        "RT @newsdesk: Dam breach reported near the river, evacuate now https://t.co/abc",
        "@mayor @police dam breach reported near the river... EVACUATE NOW!!",
        "Dam breach reported near the river, evacuate now www.example.org/live",
    ]
    key = dedup_key(normalise(original))
    assert key == "dam breach reported near the river evacuate now"
    for repost in reposts:
        assert dedup_key(normalise(repost)) == key


def test_dedup_key_separates_different_words() -> None:
    assert dedup_key("flood in the north") != dedup_key("flood in the south")
    assert dedup_key("İstanbul deprem") != dedup_key("Ankara deprem")


def test_dedup_key_keeps_non_latin_letters() -> None:
    assert dedup_key("Deprem: Ankara'da yardım, ÇOK ACİL!") == "deprem ankara da yardım çok acil"
