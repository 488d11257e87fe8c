"""Benchmark the sentence model: sentences per second on one thread, by batch size.

Encodes the sentences of the bundled article, and the distinct sentences of the generated
1,000-article corpus of bench_answers.py (what indexing it for the first time encodes), with the
bundled model (`index/embed.py`: onnxruntime, one intra-op thread). Prints a table (or --json).

    python bench/bench_encoder.py [--articles 1000] [--batches 1 8 16 32] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_answers import write_corpus  # noqa: E402  (bench/, this script's folder)

from article_bot.index.content import default_content_path, load_articles  # noqa: E402
from article_bot.index.embed import Encoder  # noqa: E402


def distinct_sentences(folder: Path) -> list[str]:
    """Return the distinct sentences of the articles under folder, as the engine would encode them."""
    articles = load_articles(folder)
    return sorted({s for article in articles for p in article.passages for s in p.sentences})


def rate(model: Encoder, sentences: Sequence[str], batch: int, repeat: int) -> float:
    """Return the best of repeat runs, in sentences per second."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        model.encode(sentences, batch=batch)
        best = min(best, time.perf_counter() - started)
    return len(sentences) / best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the generated corpus")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 16, 32])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure on the article (best kept)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    model = Encoder.load()
    load_seconds = time.perf_counter() - started
    corpora = {"article": distinct_sentences(default_content_path(environ={}))}
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(Path(folder), args.articles, args.seed)
        corpora[f"{args.articles:,} articles"] = distinct_sentences(Path(folder))
    results = [
        {
            "corpus": name,
            "sentences": len(sentences),
            "batch": batch,
            "sentences_per_second": rate(model, sentences, batch, args.repeat if name == "article" else 1),
        }
        for name, sentences in corpora.items()
        for batch in args.batches
    ]
    if args.json:
        print(json.dumps({"load_seconds": load_seconds, "results": results}, indent=2))
        return 0
    print(f"model loaded in {load_seconds:.2f} s (onnxruntime import and session)")
    print(f"{'corpus':<16}{'sentences':>10}{'batch':>7}{'sentences/s':>13}")
    for row in results:
        print(
            f"{row['corpus']:<16}{row['sentences']:>10,}{row['batch']:>7}{row['sentences_per_second']:>13.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
