"""Encoder throughput of all-MiniLM-L6-v2 on a GPU and on the same machine's CPU cores.

Usage:
    python bench/encoder_gpu.py prepare [--data ../shared/data] [--out .devdata] [--docs 20000]
    python bench/encoder_gpu.py run [--dir .devdata] [--out DIR]

Why: the capacity model (docs/capacity.md) needs the encoder's docs/s per device to size a
deployment; the development box has no GPU, so this bench runs on a lent GPU machine that
cannot read ../shared nor reach a package registry. It therefore has two halves:

- **prepare** (here): writes a git-ignored transfer folder with ~20k normalised texts from the
  shared streams (exactly what the worker's encoder reads: `streams.normalise` with the
  pipeline's config; every k-th text of every stream, so both streams' length mix is in it)
  and a copy of the bundled model directory whose weights are stored in float16 (45 MB instead
  of 91 MB, to fit the transfer limit). `run` casts them back to float32, so the network, its
  shapes and its arithmetic are those of the shipped model; only the weights differ in their
  last bits (prepare prints the cosine between both models' vectors to show that);
- **run** (there): needs only torch, sentence-transformers and numpy (no project imports),
  and times `SentenceTransformer.encode` end to end (tokenisation, forward pass, pooling,
  L2 normalisation, copy back to numpy) — what `SentenceTransformerEmbedder.embed` costs:
  GPU float32 at batch sizes 1, 32, 128, 512 (batch 1 is the project's default, chosen for
  bit-identical replays), GPU float16 at 128 and 512 (what a GPU deployment would run), and
  the CPU with all its cores at batch 1 and 32, and with 2 threads at batch 1 (to compare
  with the 2-core development box). Each configuration gets a warm-up first; throughput is
  texts / wall seconds of one pass, timed after `torch.cuda.synchronize()`.

The last stdout line is the JSON result (also written to OUT/encoder_gpu.json); a table of
the figures is printed just before it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def prepare(data: Path, out: Path, docs: int) -> int:
    """Write OUT/texts.jsonl and OUT/model (float16 weights) for the device machine."""
    import numpy as np
    import torch
    from safetensors.torch import load_file, save_file

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from agents.settings import Settings
    from streams.embed import SentenceTransformerEmbedder, resolve_model
    from streams.normalise import normalise

    config = Settings().detector_params.normalise
    per_stream: list[list[str]] = []
    for stream in sorted(data.glob("*/stream.jsonl")):
        with stream.open(encoding="utf-8") as lines:
            texts = [
                normalise(str(json.loads(line).get("text") or ""), config)
                for line in lines
                if line.strip()
            ]
        per_stream.append([t for t in texts if t])
    total = sum(len(t) for t in per_stream)
    if total == 0:
        raise SystemExit(f"no */stream.jsonl with text under {data}")
    step = max(1.0, total / docs)
    sample: list[str] = []
    for texts in per_stream:
        sample.extend(texts[int(i * step)] for i in range(int(len(texts) / step)))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "texts.jsonl").open("w", encoding="utf-8") as handle:
        for text in sample:
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    print(f"{len(sample)} texts of {total} → {out / 'texts.jsonl'}")

    source = Path(resolve_model(None))
    target = out / "model"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.safetensors", "*.md"))
    weights = load_file(str(source / "model.safetensors"))
    save_file(
        {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in weights.items()},
        str(target / "model.safetensors"),
        metadata={"format": "pt"},
    )
    # The float16-stored copy, cast back to float32, against the shipped model.
    shipped = SentenceTransformerEmbedder(None, device="cpu", batch_size=32)
    copy = SentenceTransformerEmbedder(str(target), device="cpu", batch_size=32)
    copy._model.float()
    probe = sample[:: max(1, len(sample) // 200)]
    cos = np.sum(shipped.embed(probe) * copy.embed(probe), axis=1)
    print(
        f"model copy → {target}; cosine to the shipped model on {len(probe)} texts: "
        f"min {cos.min():.6f}, mean {cos.mean():.6f}"
    )
    return 0


def _time_encode(model: Any, texts: list[str], batch_size: int, cuda: bool) -> float:
    """Seconds for one `encode` pass of `texts`, after a warm-up at the same batch size."""
    import torch

    # Warm-up on the pass's own first texts: kernels, allocator, and (on CPU) the per-shape
    # oneDNN primitives, which otherwise land in the first timed pass.
    model.encode(texts[: max(4 * batch_size, 256)], batch_size=batch_size, show_progress_bar=False)
    if cuda:
        torch.cuda.synchronize()
    started = time.perf_counter()
    model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - started


def run(folder: Path, out: Path | None, cpu_docs: int, gpu_bs1_docs: int) -> int:
    """Time every configuration and print the table and the JSON line."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    with (folder / "texts.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    fp32 = {"dtype": torch.float32}  # the copy's weights are stored in float16
    rows: list[dict[str, Any]] = []
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "cpu_count": os.cpu_count(),
        "texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
    }

    def record(
        model: Any, device: str, dtype: str, batch: int, threads: int, sample: list[str]
    ) -> None:
        seconds = _time_encode(model, sample, batch, device == "cuda")
        row = {
            "device": device,
            "dtype": dtype,
            "batch_size": batch,
            "threads": threads,
            "docs": len(sample),
            "seconds": round(seconds, 2),
            "docs_per_s": round(len(sample) / seconds, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        model = SentenceTransformer(
            str(folder / "model"), device="cuda", local_files_only=True, model_kwargs=fp32
        )
        model.float()
        threads = torch.get_num_threads()
        record(model, "cuda", "float32", 1, threads, texts[:gpu_bs1_docs])
        for batch in (32, 128, 512):
            record(model, "cuda", "float32", batch, threads, texts)
        model.half()
        for batch in (128, 512):
            record(model, "cuda", "float16", batch, threads, texts)
        del model
        torch.cuda.empty_cache()
    else:
        info["gpu"] = None
        print("no CUDA device: CPU rows only", flush=True)

    model = SentenceTransformer(
        str(folder / "model"), device="cpu", local_files_only=True, model_kwargs=fp32
    )
    model.float()
    cores = os.cpu_count() or 1
    cpu_sample = texts[-cpu_docs:]
    for threads, batch, sample in (
        (cores, 1, cpu_sample),
        (cores, 32, cpu_sample),
        (2, 1, cpu_sample[: cpu_docs // 4]),
        (2, 32, cpu_sample[: cpu_docs // 4]),
    ):
        torch.set_num_threads(threads)
        record(model, "cpu", "float32", batch, threads, sample)

    print(f"{info}")
    print(f"{'device':6} {'dtype':8} {'batch':>5} {'thr':>3} {'docs':>6} {'s':>7} {'docs/s':>8}")
    for r in rows:
        print(
            f"{r['device']:6} {r['dtype']:8} {r['batch_size']:>5} {r['threads']:>3} "
            f"{r['docs']:>6} {r['seconds']:>7} {r['docs_per_s']:>8}"
        )
    result = {"bench": "encoder_gpu", **info, "rows": rows}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "encoder_gpu.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result), flush=True)
    return 0


def stable(folder: Path, out: Path | None, docs: int) -> int:
    """Shape-stable batching (the project's `SentenceTransformerEmbedder`) on each device.

    Loads `streams/embed.py` by path (it needs only numpy besides the standard library), so no
    other project dependency is needed there. Per device: whether a text's vector is
    bit-identical alone, in batches of 7 and in batches of 128 (the property the project's
    replays rest on, verified on CPU here), and docs/s of `embed` at batch 128 against the
    library's `encode` (its model unchanged, no fixed product shapes) at batch 128 on the
    same texts.
    """
    import importlib.util

    import numpy as np
    import torch

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    spec = importlib.util.spec_from_file_location(
        "embed_module", Path(__file__).resolve().parents[1] / "streams" / "embed.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with (folder / "texts.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    devices = (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]
    result: dict[str, Any] = {"bench": "encoder_stable", "texts": len(texts)}
    if torch.cuda.is_available():
        result["gpu"] = torch.cuda.get_device_name(0)
    for device in devices:
        embedder = module.SentenceTransformerEmbedder(
            str(folder / "model"), device=device, batch_size=128
        )
        embedder._model.float()  # the copy's weights are stored in float16
        # The library as shipped (no fixed product shapes) for the `encode` row.
        library = module.SentenceTransformerEmbedder(
            str(folder / "model"), device=device, batch_size=128, gemm_rows=None
        )._model.float()
        sample = texts[:docs] if device == "cuda" else texts[: docs // 5]
        probe = texts[:700]
        whole = embedder.embed(probe)
        sevens = np.vstack([embedder.embed(probe[i : i + 7]) for i in range(0, len(probe), 7)])
        alone = np.vstack([embedder.embed([t]) for t in probe[:100]])
        row: dict[str, Any] = {
            "identical_in_batches_of_7": bool(np.array_equal(whole, sevens)),
            "identical_alone": bool(np.array_equal(whole[:100], alone)),
            "max_abs_diff_7": float(np.abs(whole - sevens).max()),
        }
        calls: dict[str, Any] = {
            "stable": functools.partial(embedder.embed, sample),
            "encode": functools.partial(
                library.encode,
                sample,
                batch_size=128,
                normalize_embeddings=True,
                show_progress_bar=False,
            ),
        }
        for name, call in calls.items():
            call()  # warm-up
            if device == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            call()
            if device == "cuda":
                torch.cuda.synchronize()
            row[f"{name}_docs_per_s"] = round(len(sample) / (time.perf_counter() - started), 1)
        row["docs"] = len(sample)
        result[device] = row
        print(json.dumps({device: row}), flush=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "encoder_stable.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="write the transfer folder (here)")
    prep.add_argument("--data", type=Path, default=DEFAULT_DATA)
    prep.add_argument("--out", type=Path, default=Path(".devdata"))
    prep.add_argument("--docs", type=int, default=20_000)
    go = sub.add_parser("run", help="time the encoder (on the GPU machine)")
    go.add_argument("--dir", type=Path, default=Path(".devdata"))
    go.add_argument("--out", type=Path, default=None, help="also write encoder_gpu.json here")
    go.add_argument("--cpu-docs", type=int, default=4000, help="texts per full-core CPU row")
    go.add_argument("--gpu-bs1-docs", type=int, default=5000, help="texts for GPU batch 1")
    st = sub.add_parser("stable", help="shape-stable batching: identity and speed (there)")
    st.add_argument("--dir", type=Path, default=Path(".devdata"))
    st.add_argument("--out", type=Path, default=None)
    st.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.command == "stable":
        return stable(args.dir, args.out, args.docs)
    if args.command == "prepare":
        return prepare(args.data, args.out, args.docs)
    return run(args.dir, args.out, args.cpu_docs, args.gpu_bs1_docs)


if __name__ == "__main__":
    sys.exit(main())
