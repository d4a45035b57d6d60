"""What the default English model does with Turkish text, measured on the demo sample and the
seed article.

For the generated election stream (whose planted narratives are told in both languages) it
reports mean cosine similarity between documents of the *same* narrative in the same language
and across languages, and between *different* narratives in the same language. An encoder that
understands both languages keeps same-narrative pairs above different-narrative pairs whatever
the language; an English-only encoder lets language dominate. It also clusters the sample with
the detector's clusterer and reports how many clusters mix the two languages.

Usage: python bench/multilingual.py [--model NAME_OR_PATH] [--seed-article PATH]
Last stdout line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

from agents.sample_stream import generate_sample
from streams.cluster import HdbscanClusterer
from streams.embed import SentenceTransformerEmbedder
from streams.language import LanguageDetector
from streams.normalise import normalise

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_af8febca333f5fe5.txt"


def _text(record: dict[str, object]) -> str:
    parts = [record.get("text"), record.get("title"), record.get("body")]
    return normalise("\n".join(str(p) for p in parts if p))


def _mean_pairwise(a: np.ndarray, b: np.ndarray | None = None) -> float:
    if b is None:
        sims = a @ a.T
        n = len(a)
        return float((sims.sum() - n) / max(n * (n - 1), 1))
    return float((a @ b.T).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default=None, help="sentence-transformers model (default: bundled)"
    )
    parser.add_argument("--seed-article", type=Path, default=SEED)
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args(argv)
    embedder = SentenceTransformerEmbedder(args.model)

    sample = [r for r in generate_sample(args.docs)]
    texts = [_text(r) for r in sample]
    vectors = embedder.embed(texts)
    labels = [r["label"] for r in sample]
    langs = [r["lang"] for r in sample]
    narratives = sorted({str(label) for label in labels if label})
    idx = {
        (n, lang): np.array(
            [
                i
                for i, (lb, lg) in enumerate(zip(labels, langs, strict=True))
                if lb == n and lg == lang
            ]
        )
        for n in narratives
        for lang in ("en", "tr")
    }
    same_lang = [_mean_pairwise(vectors[idx[(n, g)]]) for n in narratives for g in ("en", "tr")]
    cross_lang = [
        _mean_pairwise(vectors[idx[(n, "en")]], vectors[idx[(n, "tr")]]) for n in narratives
    ]
    other = [
        _mean_pairwise(vectors[idx[(a, g)]], vectors[idx[(b, g)]])
        for a, b in combinations(narratives, 2)
        for g in ("en", "tr")
    ]
    cluster_labels = HdbscanClusterer().fit_predict(vectors)
    mixed = total = 0
    for cluster in sorted(set(cluster_labels.tolist()) - {-1}):
        members = [langs[i] for i in np.flatnonzero(cluster_labels == cluster)]
        total += 1
        minority = min(members.count("en"), members.count("tr"))
        mixed += minority >= 0.2 * len(members)

    seed_report: dict[str, object] = {}
    if args.seed_article.exists():
        lines = [normalise(line) for line in args.seed_article.read_text().splitlines()]
        lines = [line for line in lines if len(line) > 40]
        detector = LanguageDetector()
        seed_langs = [detector.detect(line) for line in lines]
        seed_vectors = embedder.embed(lines)
        sims = seed_vectors @ seed_vectors.T
        turkish = [i for i, lang in enumerate(seed_langs) if lang == "tr"]
        english = [i for i, lang in enumerate(seed_langs) if lang == "en"]
        seed_report = {
            "seed_lines": len(lines),
            "seed_languages": {lang: seed_langs.count(lang) for lang in sorted(set(seed_langs))},
            "seed_tr_to_en_mean_cosine": round(float(sims[np.ix_(turkish, english)].mean()), 4)
            if turkish and english
            else None,
            "seed_en_to_en_mean_cosine": round(_mean_pairwise(seed_vectors[english]), 4)
            if len(english) > 1
            else None,
        }
    report = {
        "bench": "multilingual",
        "model": embedder.model_id,
        "same_narrative_same_language": round(float(np.mean(same_lang)), 4),
        "same_narrative_cross_language": round(float(np.mean(cross_lang)), 4),
        "different_narrative_same_language": round(float(np.mean(other)), 4),
        "clusters": total,
        "clusters_mixing_languages": mixed,
        **seed_report,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
