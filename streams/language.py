"""Per-document language identification, offline and deterministic.

Why py3langid: a maintained fork of langid.py, pure Python plus numpy, ships its model inside
the wheel (no download, unlike fastText-based detectors), and is deterministic. It is unreliable
on very short texts, so below `min_chars` or `min_confidence` it abstains ("und") rather than
guess: a wrong language label is worse for the per-language counts than an honest unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

UNKNOWN = "und"


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...] | None) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:
        ident.set_languages(list(languages))
    return ident


class LanguageDetector:
    """Detects a document's language; `languages` narrows the candidates when known."""

    def __init__(
        self,
        languages: Sequence[str] | None = None,
        *,
        min_chars: int = 25,
        min_confidence: float = 0.6,
    ) -> None:
        self._languages = tuple(sorted(languages)) if languages else None
        self._min_chars = min_chars
        self._min_confidence = min_confidence

    def detect(self, text: str) -> str:
        """ISO 639-1 code, or "und" when the text is too short or the guess too uncertain."""
        if len(text) < self._min_chars:
            return UNKNOWN
        lang, prob = _identifier(self._languages).classify(text)
        return str(lang) if float(prob) >= self._min_confidence else UNKNOWN
