"""The `Embedder` contract, run against every implementation (river-style), plus the cache.

Implementations: the hashed bag-of-words `FakeEmbedder` the other unit tests use (so the fake is
held to the same contract as the real thing), `CachedEmbedder` wrapping it, and the real
`SentenceTransformerEmbedder` loaded offline from the model shipped with the package (marked
`model`; it loads once per module in a few seconds). A new embedder joins the suite by adding
one entry to `EMBEDDERS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from streams.embed import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    SentenceTransformerEmbedder,
    bucket_length,
    fix_gemm_shapes,
    resolve_model,
)

Vectors = npt.NDArray[np.float32]

EMBEDDERS = [
    "fake",
    "cached-fake",
    pytest.param("sentence-transformers", marks=pytest.mark.model),
]

ANCHOR = "Flood waters rise in the river city as the dam overflows"
RELATED = "The river dam overflows and flood waters rise in the city"
UNRELATED = "Football club wins the championship final on penalties"
SAME_LENGTH = "Officials in {city} say the river will crest within {hours} hours as the dam holds"
CITIES = ("Izmir", "Bursa", "Konya", "Adana", "Samsun", "Kayseri", "Trabzon", "Malatya")
LONG_TEXT = " ".join(["Officials say the levee held overnight while rescue teams"] * 40)


@pytest.fixture(scope="module")
def sentence_transformer() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(params=EMBEDDERS)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    if request.param == "fake":
        fake: Embedder = request.getfixturevalue("fake_embedder")
        return fake
    if request.param == "cached-fake":
        return CachedEmbedder(request.getfixturevalue("fake_embedder"))
    real: Embedder = request.getfixturevalue("sentence_transformer")
    return real


def _cosine(a: Vectors, b: Vectors) -> float:
    return float(np.dot(a.astype(np.float64), b.astype(np.float64)))


class TestEmbedderContract:
    def test_satisfies_the_protocol(self, embedder: Embedder) -> None:
        assert isinstance(embedder, Embedder)
        assert isinstance(embedder.model_id, str) and embedder.model_id
        assert isinstance(embedder.dimension, int) and embedder.dimension > 0

    def test_returns_one_float32_row_per_text(self, embedder: Embedder) -> None:
        vectors = embedder.embed([ANCHOR, RELATED, UNRELATED])
        assert isinstance(vectors, np.ndarray)
        assert vectors.dtype == np.float32
        assert vectors.shape == (3, embedder.dimension)
        assert vectors.flags["C_CONTIGUOUS"]

    def test_rows_are_unit_length(self, embedder: Embedder) -> None:
        vectors = embedder.embed([ANCHOR, "x", "Deprem bölgesinde yardım bekleniyor", "🌊🌊"])
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    def test_empty_input_gives_an_empty_matrix_of_the_right_width(self, embedder: Embedder) -> None:
        vectors = embedder.embed([])
        assert vectors.shape == (0, embedder.dimension)
        assert vectors.dtype == np.float32

    def test_rows_follow_input_order_and_do_not_depend_on_the_batch(
        self, embedder: Embedder
    ) -> None:
        # Bit-identical, not merely close: a vector that moved by 1e-7 with its neighbours
        # can flip a borderline document between clusters in a replay batched differently.
        # Texts of many token lengths, some sharing a length bucket, some not.
        texts = [ANCHOR, UNRELATED, RELATED, "Dam", LONG_TEXT, ANCHOR + " " + UNRELATED]
        batch = embedder.embed(texts)
        one_by_one = np.vstack([embedder.embed([t]) for t in texts])
        np.testing.assert_array_equal(batch, one_by_one)
        reversed_batch = embedder.embed(list(reversed(texts)))
        np.testing.assert_array_equal(reversed_batch[::-1], batch)
        pairs = np.vstack([embedder.embed(texts[i : i + 2]) for i in range(0, len(texts), 2)])
        np.testing.assert_array_equal(pairs, batch)

    def test_a_vector_does_not_depend_on_how_many_texts_share_its_length(
        self, embedder: Embedder
    ) -> None:
        # Many texts of one length bucket: a multi-threaded BLAS splits a product by its
        # shape, so without fixed product shapes a row moved with the row count (CI caught
        # it as a scaled-out worker's similarity differing in its last digit).
        texts = [SAME_LENGTH.format(city=c, hours=h) for c in CITIES for h in (6, 12, 48)]
        whole = embedder.embed(texts)
        for size in (1, 2, 3, 7, 17):
            parts = np.vstack(
                [embedder.embed(texts[i : i + size]) for i in range(0, len(texts), size)]
            )
            np.testing.assert_array_equal(parts, whole, err_msg=f"batches of {size}")

    def test_is_deterministic(self, embedder: Embedder) -> None:
        first = embedder.embed([ANCHOR, UNRELATED])
        second = embedder.embed((ANCHOR, UNRELATED))  # any sequence, not only lists
        np.testing.assert_allclose(first, second, atol=1e-6)

    def test_repeated_text_in_a_batch_gives_identical_rows(self, embedder: Embedder) -> None:
        vectors = embedder.embed([ANCHOR, UNRELATED, ANCHOR])
        np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)

    def test_texts_about_the_same_thing_are_closer_than_unrelated_ones(
        self, embedder: Embedder
    ) -> None:
        anchor, related, unrelated = embedder.embed([ANCHOR, RELATED, UNRELATED])
        assert _cosine(anchor, related) > _cosine(anchor, unrelated) + 0.3

    def test_handles_empty_and_very_long_texts(self, embedder: Embedder) -> None:
        vectors = embedder.embed(["", "word " * 5000])
        assert vectors.shape == (2, embedder.dimension)
        assert np.isfinite(vectors).all()
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# --- CachedEmbedder --------------------------------------------------------------------------


class CountingEmbedder:
    """Wraps an embedder and records every batch the cache lets through."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        return self.inner.embed(texts)


@pytest.fixture
def counting(fake_embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(fake_embedder)


def test_cache_delegates_identity_and_returns_the_inner_vectors(
    counting: CountingEmbedder,
) -> None:
    cached = CachedEmbedder(counting)
    assert cached.model_id == counting.model_id
    assert cached.dimension == counting.dimension
    np.testing.assert_array_equal(
        cached.embed([ANCHOR, UNRELATED]), counting.inner.embed([ANCHOR, UNRELATED])
    )


def test_cache_encodes_repeats_within_a_batch_once(counting: CountingEmbedder) -> None:
    cached = CachedEmbedder(counting)
    vectors = cached.embed([ANCHOR, UNRELATED, ANCHOR, ANCHOR])
    assert counting.batches == [[ANCHOR, UNRELATED]]
    assert (cached.misses, cached.hits) == (2, 2)
    np.testing.assert_array_equal(vectors[0], vectors[3])


def test_cache_serves_a_later_batch_without_calling_the_encoder(
    counting: CountingEmbedder,
) -> None:
    cached = CachedEmbedder(counting)
    first = cached.embed([ANCHOR, UNRELATED])
    second = cached.embed([UNRELATED, ANCHOR])
    assert len(counting.batches) == 1
    np.testing.assert_array_equal(second, first[::-1])
    third = cached.embed([ANCHOR, RELATED])
    assert counting.batches[1:] == [[RELATED]]
    np.testing.assert_array_equal(third[0], first[0])
    assert (cached.misses, cached.hits) == (3, 3)


def test_cache_gives_each_text_its_own_vector_whatever_came_before(
    counting: CountingEmbedder,
) -> None:
    # A near-duplicate must not inherit the vector of a variant seen earlier: a restarted
    # worker (empty cache) would then embed it differently from the one that never stopped.
    warm = CachedEmbedder(counting)
    warm.embed(["Dam breach, evacuate NOW!"])
    after_variant = warm.embed(["dam breach evacuate now"])
    cold = CachedEmbedder(counting)
    np.testing.assert_array_equal(after_variant, cold.embed(["dam breach evacuate now"]))
    np.testing.assert_array_equal(after_variant, counting.inner.embed(["dam breach evacuate now"]))


def test_cache_evicts_the_least_recently_used_text(counting: CountingEmbedder) -> None:
    cached = CachedEmbedder(counting, capacity=2)
    cached.embed(["alpha"])
    cached.embed(["bravo"])
    cached.embed(["alpha"])  # hit: alpha is now the most recently used
    cached.embed(["charlie"])  # over capacity: bravo goes
    cached.embed(["alpha"])
    assert counting.batches == [["alpha"], ["bravo"], ["charlie"]]
    cached.embed(["bravo"])
    assert counting.batches[-1] == ["bravo"]
    assert cached.misses == 4 and cached.hits == 2


def test_cache_output_is_a_copy_callers_may_modify(counting: CountingEmbedder) -> None:
    cached = CachedEmbedder(counting)
    first = cached.embed([ANCHOR])
    expected = first.copy()
    first[:] = 0.0
    np.testing.assert_array_equal(cached.embed([ANCHOR]), expected)


# --- resolve_model and loading ---------------------------------------------------------------


@pytest.mark.parametrize("name", [None, DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"])
def test_default_model_resolves_to_the_shipped_local_directory(name: str | None) -> None:
    path = Path(resolve_model(name))
    assert path.is_dir()
    assert any(path.iterdir())


def test_existing_path_resolves_to_its_absolute_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "my-model"
    model_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_model("my-model") == str(model_dir.resolve())
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_model("~/my-model") == str(model_dir.resolve())


def test_unknown_name_passes_through_as_a_hub_name() -> None:
    assert resolve_model("some-org/some-model-that-is-not-here") == (
        "some-org/some-model-that-is-not-here"
    )


@pytest.mark.model
@pytest.mark.parametrize(
    ("tokens", "limit", "expected"),
    [
        (1, 256, 8),
        (8, 256, 8),
        (9, 256, 16),
        (128, 256, 128),
        (129, 256, 160),
        (300, 256, 256),
        (0, 256, 8),
        (20, 12, 12),
    ],
)
def test_bucket_length_depends_on_the_token_count_and_the_model_limit_only(
    tokens: int, limit: int, expected: int
) -> None:
    assert bucket_length(tokens, limit) == expected


@pytest.mark.model
def test_shape_stable_batches_give_the_library_encoding_up_to_float_rounding(
    sentence_transformer: SentenceTransformerEmbedder,
) -> None:
    texts = [ANCHOR, UNRELATED, RELATED, LONG_TEXT]
    library = sentence_transformer._model.encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(sentence_transformer.embed(texts), library, atol=1e-5)


def test_sentence_transformer_default_model_identity(
    sentence_transformer: SentenceTransformerEmbedder,
) -> None:
    assert sentence_transformer.model_id == DEFAULT_MODEL
    assert sentence_transformer.dimension == 384


@pytest.mark.model
def test_sentence_transformer_missing_model_fails_with_a_clear_offline_error() -> None:
    with pytest.raises(OSError, match="NARRATIVES_MODEL"):
        SentenceTransformerEmbedder("/nonexistent/narrative-detector/model")


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3, 5, 16), (70, 16), (1, 16), (0, 16)])
def test_fixed_gemm_shapes_compute_the_same_linear_layers(
    bias: bool, shape: tuple[int, ...]
) -> None:
    import torch  # a dependency of sentence-transformers: always there, never skipped

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 12, bias=bias), torch.nn.Linear(12, 4))
    x = torch.randn(*shape)
    with torch.inference_mode():
        expected = model(x)
        assert fix_gemm_shapes(model, 8) == 2
        assert fix_gemm_shapes(model, 8) == 0  # already fixed: left alone
        got = model(x)
    assert got.shape == expected.shape == (*shape[:-1], 4)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_fixed_gemm_shapes_reject_a_block_of_no_rows() -> None:
    import torch

    with pytest.raises(ValueError, match="gemm_rows must be at least 1"):
        fix_gemm_shapes(torch.nn.Linear(2, 2), 0)
