"""Unit tests for streams.language: offline language identification that abstains when unsure."""

from __future__ import annotations

import pytest

from streams.language import UNKNOWN, LanguageDetector

ENGLISH = "The river burst its banks and flooded the town overnight"
TURKISH = "Deprem bölgesinde arama kurtarma çalışmaları devam ediyor"
GERMAN = "Die Regierung hat heute neue Maßnahmen gegen die Flut angekündigt"


@pytest.mark.parametrize(("text", "expected"), [(ENGLISH, "en"), (TURKISH, "tr"), (GERMAN, "de")])
def test_detects_the_language_of_ordinary_sentences(text: str, expected: str) -> None:
    assert LanguageDetector().detect(text) == expected


def test_abstains_on_text_shorter_than_min_chars() -> None:
    assert len("Flood in town") < 25
    assert LanguageDetector().detect("Flood in town") == UNKNOWN
    assert LanguageDetector(min_chars=200).detect(ENGLISH) == UNKNOWN
    assert UNKNOWN == "und"


def test_abstains_when_the_guess_is_below_min_confidence() -> None:
    assert LanguageDetector(min_confidence=1.01).detect(ENGLISH) == UNKNOWN
    assert LanguageDetector().detect("12345 67890 !!! ??? ... 12345 67890") == UNKNOWN


def test_candidate_languages_narrow_the_choice() -> None:
    narrowed = LanguageDetector(["tr", "en"])
    assert narrowed.detect(TURKISH) == "tr"
    assert narrowed.detect(ENGLISH) == "en"
    assert narrowed.detect(GERMAN) in {"en", "tr", UNKNOWN}


def test_detection_is_deterministic_across_instances() -> None:
    texts = [ENGLISH, TURKISH, GERMAN]
    assert [LanguageDetector().detect(t) for t in texts] == [
        LanguageDetector().detect(t) for t in texts
    ]
