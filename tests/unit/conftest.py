"""Shared fixtures for the unit tests: a deterministic fake embedder and document builders.

`FakeEmbedder` stands in for the sentence-transformers model wherever a test is about the
pipeline rather than the model: it is a hashed bag of words, so texts that share words get
similar vectors and texts that share none are (nearly) orthogonal — enough structure for
HDBSCAN to find planted topics, with no model load and bit-identical output on every machine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pytest

_WORD = re.compile(r"\w+", re.UNICODE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "model: loads the real local sentence-transformers model (offline, a few seconds)",
    )


class FakeEmbedder:
    """Hashed bag-of-words embedder: unit-length float32 rows, a pure function of the text.

    Each lower-cased word adds ±1 to one of `dimension` buckets chosen by a hash of the word;
    a text without words maps to a fixed unit vector. `calls` and `texts_seen` let tests check
    how often the encoder would have run.
    """

    def __init__(self, dimension: int = 256, model_id: str = "fake-bow") -> None:
        self._dimension = dimension
        self._model_id = f"{model_id}-{dimension}"
        self.calls = 0
        self.texts_seen = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        self.texts_seen += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.casefold()):
                digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._dimension
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return np.ascontiguousarray(out, dtype=np.float32)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_embedder_factory() -> Callable[[], FakeEmbedder]:
    """The class itself, for tests that need several independent embedders."""
    return FakeEmbedder
