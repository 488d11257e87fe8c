"""Benchmark the sentence model (multilingual-e5-small, `index/embed.py`: onnxruntime, one thread).

By default, sentences per second by batch size: the sentences of the bundled article, and the
distinct sentences of the generated 1,000-article corpus of bench_answers.py (what indexing it
for the first time encodes), as passages. Prints a table (or --json).

    python bench/bench_encoder.py [--articles 1000] [--batches 1 8 16 32] [--repeat 3] [--json]

With --latency: the session's load (median of --repeat), each of --questions real questions of
eval/ encoded alone with its "query: " prefix (p50 and p99, after 10 to warm up), and the first
150 sentences of a SQuAD article encoded as passages, in batches of index/embed.BATCH (best of
--repeat).

    python bench/bench_encoder.py --latency [--questions 200] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
        model.passages(sentences, batch=batch)
        best = min(best, time.perf_counter() - started)
    return len(sentences) / best


def eval_questions(count: int, seed: int) -> list[str]:
    """Return count distinct questions of eval/: all of eval/*.jsonl, then SQuAD's at random."""
    from article_bot.index.evaluate import read_questions

    root = Path(__file__).resolve().parent.parent / "eval"
    own = sorted({row["question"] for path in root.glob("*.jsonl") for row in read_questions(path)})
    squad = sorted(
        {
            row["question"]
            for path in (root / "squad" / "questions").glob("*.jsonl")
            for row in read_questions(path)
        }
        - set(own)
    )
    rng = np.random.default_rng(seed)
    picked = [squad[n] for n in rng.choice(len(squad), size=max(count - len(own), 0), replace=False)]
    return (own + picked)[:count]


def article_sentences(count: int = 150) -> list[str]:
    """Return the first count sentences of the first SQuAD article that has as many."""
    folder = Path(__file__).resolve().parent.parent / "eval" / "squad" / "content"
    for article in load_articles(folder):
        sentences = [s for p in article.passages for s in p.sentences]
        if len(sentences) >= count:
            return sentences[:count]
    raise SystemExit(f"no article of {folder} has {count} sentences")


def bench_latency(questions: int, repeat: int, seed: int) -> dict:
    """Return the load seconds, question latency in ms, the 150-sentence batch's seconds."""
    from article_bot.index.embed import BATCH

    loads = []
    for _ in range(repeat):
        started = time.perf_counter()
        model = Encoder.load()
        loads.append(time.perf_counter() - started)
    texts = eval_questions(questions, seed)
    for text in texts[:10]:
        model.queries([text])
    latencies = []
    for text in texts:
        started = time.perf_counter()
        model.queries([text])
        latencies.append((time.perf_counter() - started) * 1000)
    sentences = article_sentences()
    batch = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        model.passages(sentences, batch=BATCH)
        batch = min(batch, time.perf_counter() - started)
    return {
        "load_seconds": float(np.median(loads)),
        "questions": len(texts),
        "question_ms_p50": float(np.percentile(latencies, 50)),
        "question_ms_p99": float(np.percentile(latencies, 99)),
        "sentences": len(sentences),
        "batch": BATCH,
        "sentences_seconds": batch,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the generated corpus")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 16, 32])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure on the article (best kept)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--latency", action="store_true", help="time questions one by one instead")
    parser.add_argument("--questions", type=int, default=200, help="questions timed with --latency")
    args = parser.parse_args(argv)

    if args.latency:
        report = bench_latency(args.questions, args.repeat, args.seed)
        if args.json:
            print(json.dumps(report, indent=2))
            return 0
        print(f"model session loaded in {report['load_seconds']:.2f} s (median of {args.repeat})")
        print(
            f'question vector, one thread, {report["questions"]} questions of eval/ with "query: ": '
            f"p50 {report['question_ms_p50']:.1f} ms, p99 {report['question_ms_p99']:.1f} ms"
        )
        print(
            f"{report['sentences']} sentences as passages, batches of {report['batch']}: "
            f"{report['sentences_seconds']:.2f} s"
        )
        return 0

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
