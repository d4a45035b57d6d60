"""Resident memory per document held in the window, beyond the model.

Usage: python bench/memory.py [--data ../shared/data] [--docs 20000]

In one process: load the embedder (the real model, one warm-up batch) and a Detector around
it; prepare the first N crisislex-t26 documents as UTF-8 bytes with their cached float16
embeddings (see bench/_common.py; computed once if missing); gc + malloc_trim, read RSS
(/proc/self/statm). Then build the documents (fresh strings decoded from the bytes, as the
worker decodes records) and add them to the detector's SlidingWindow with float32 rows (as
the embedder returns them; the window stores float16 copies), close no slide, gc +
malloc_trim, read RSS again; then give every entry its keyword tokens, as the first slide
close does (`streams.describe`), and read RSS once more: bytes_per_doc = both ΔRSS / N.
Reference: a plain Python list of the N raw texts, measured the same way right after.
`getsizeof_bytes_per_doc` adds up sys.getsizeof of every object a window entry owns (dict
slot excluded) as a cross-check.
The last stdout line is the JSON result.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import sys
from pathlib import Path
from typing import Any

import numpy as np
from _common import DEFAULT_DATA, cached_embeddings, emit, log, read_stream, rss_bytes, stream_path

from agents.settings import Settings
from streams.describe import entry_tokens
from streams.detector import Detector
from streams.documents import Document
from streams.embed import SentenceTransformerEmbedder


def _settle() -> int:
    """gc, hand freed heap pages back to the OS (glibc malloc_trim), then read RSS.

    Without the trim, memory freed while preparing (the parsed stream, warm-up tensors) stays
    resident and is silently reused by the documents, hiding their cost.
    """
    gc.collect()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--docs", type=int, default=20000)
    args = parser.parse_args(argv)

    settings = Settings()
    path = stream_path(args.data, "crisislex-t26")
    stream = cached_embeddings(path)
    n = min(args.docs, len(stream.ids))
    raw_texts = [str(r.get("text") or "").encode("utf-8") for r in read_stream(path, limit=n)]
    payload = [
        (stream.ids[i].encode(), stream.texts[i].encode("utf-8"), stream.times[i], i)
        for i in range(n)
    ]
    log("loading the embedder …")
    embedder = SentenceTransformerEmbedder(
        settings.model, batch_size=settings.embed_batch_size, device=settings.device
    )
    embedder.embed([t.decode() for _, t, _, _ in payload[:64]])
    detector = Detector(settings.detector_params, embedder)
    window = detector.window
    before = _settle()
    log(f"RSS with the model loaded: {before / 2**20:.1f} MiB; adding {n} documents …")

    for doc_id, text, stamp, row in payload:
        doc = Document(
            doc_id=doc_id.decode(),
            kind="post",
            text=text.decode("utf-8"),
            time=stamp,
            source="twitter",
            lang="und",
        )
        window.add(doc, stream.vectors[row].astype(np.float32), "posts:0")
    after = _settle()
    assert len(window) == n, (len(window), n)
    log(f"RSS with {n} documents in the window: {after / 2**20:.1f} MiB")

    texts = [t.decode("utf-8") for t in raw_texts]
    after_list = _settle()
    log(f"RSS with a list of {len(texts)} raw texts too: {after_list / 2**20:.1f} MiB")

    # A slide close describes its clusters and background: every entry then keeps its
    # keyword tokens (streams.describe), so the steady-state figure includes them.
    for entry in window.state.entries.values():
        entry_tokens(entry)
    described = _settle()
    log(f"RSS once every entry has its tokens: {described / 2**20:.1f} MiB")

    owned = 0
    for entry in window.state.entries.values():
        parts: list[Any] = [entry, entry.doc, entry.doc.doc_id, entry.doc.text, entry.vector]
        parts.append(entry.tokens)
        owned += sum(sys.getsizeof(p) for p in parts)
    emit(
        {
            "bench": "memory",
            "stream": "crisislex-t26",
            "docs": n,
            "rss_model_mib": round(before / 2**20, 1),
            "rss_window_mib": round(after / 2**20, 1),
            "bytes_per_doc": round((after - before + described - after_list) / n),
            "bytes_per_doc_before_describe": round((after - before) / n),
            "list_bytes_per_doc": round((after_list - after) / len(texts)),
            "getsizeof_bytes_per_doc": round(owned / n),
            "mean_text_chars": round(sum(len(t) for t in texts) / len(texts), 1),
            "vector_bytes": int(stream.vectors.shape[1] * 2),
        }
    )
    del texts
    return 0


if __name__ == "__main__":
    sys.exit(main())
