"""Fit the weights and thresholds of index/crosslingual.py, which chooses the answer to a question
asked in another language than the article's, and print them to paste there.

Usage: python tools/fit_crosslingual.py [--cache FILE]

Only English questions are used; no Spanish question is ever fitted on. Every question is weighed
as if it were in another language than its article (Engine.weigh_across), so its candidates and
their signals are those a Spanish question would get, and none of the signals counts shared
words other than names and numbers. A candidate is a positive example when its quoted text holds a
gold answer; every candidate of an unanswerable or off-topic question is a negative one.

- Weights: a logistic regression (scikit-learn) on the candidates of the questions of the 10
  training articles of eval/squad-train and their off-topic questions (eval/offtopic).
- Thresholds, on the 16 held-out articles of eval/squad: the answering threshold is the lowest
  probability at which at least 99% of their off-topic questions (eval/offtopic) and at least 95%
  of their unstated-relation questions (eval/unstated) are abstained on; the pointer threshold
  the lowest at which at most 2% of the off-topic questions get a pointer. Printed with them:
  the share of the held-out answerable questions answered right at that threshold.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent

from article_bot.index import crosslingual  # noqa: E402
from article_bot.index.engine import Engine  # noqa: E402
from article_bot.index.evaluate import context_turn, normalise, read_questions  # noqa: E402
from article_bot.index.question import read_question  # noqa: E402

TARGET_OFFTOPIC = 99.0
TARGET_UNSTATED = 95.0
TARGET_POINTER = 2.0


def examples(engine: Engine, questions: Path) -> list[dict]:
    """Return each question's kind and candidates as (signals, holds an answer)."""
    out = []
    if not questions.exists():
        return out
    for row in read_questions(questions):
        previous = context_turn(engine, row.get("context", []))
        query = engine.query(read_question(row["question"]), previous)
        weighing = engine.weigh_across(query, previous)
        golds = [normalise(gold) for gold in row.get("answers", [])]
        answerable = row["kind"] != "unanswerable"
        labels = [answerable and any(g in normalise(e.text) for g in golds) for e in weighing.excerpts]
        out.append({"kind": row["kind"], "rows": list(weighing.rows), "labels": labels})
    return out


def collect() -> dict:
    data: dict[str, list[dict]] = {"train": [], "on": [], "off": [], "unstated": []}
    for content in sorted((ROOT / "eval/squad-train/content").glob("*.md")):
        engine = Engine.from_path(content)
        data["train"] += examples(engine, ROOT / "eval/squad-train/questions" / f"{content.stem}.jsonl")
        data["train"] += examples(engine, ROOT / "eval/offtopic/questions" / f"{content.stem}.jsonl")
        print(f"{content.stem}: training", file=sys.stderr)
    for content in sorted((ROOT / "eval/squad/content").glob("*.md")):
        engine = Engine.from_path(content)
        data["on"] += examples(engine, ROOT / "eval/squad/questions" / f"{content.stem}.jsonl")
        data["off"] += examples(engine, ROOT / "eval/offtopic/questions" / f"{content.stem}.jsonl")
        data["unstated"] += examples(engine, ROOT / "eval/unstated/questions" / f"{content.stem}.jsonl")
        print(f"{content.stem}: held out", file=sys.stderr)
    return data


def outcome(question: dict, weights: np.ndarray) -> tuple[float, bool]:
    """Return the probability of the candidate the bot would quote and whether it holds an answer."""
    rows = question["rows"]
    probs = crosslingual.probabilities(rows, weights)
    best = crosslingual.best(rows, probs)
    if best is None:
        return 0.0, False
    return probs[best], bool(question["labels"][best])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep the examples in this pickle")
    args = parser.parse_args()
    if args.cache and args.cache.exists():
        data = pickle.loads(args.cache.read_bytes())
    else:
        data = collect()
        if args.cache:
            args.cache.write_bytes(pickle.dumps(data))
    x = np.array([row for q in data["train"] for row in q["rows"]], dtype=np.float64)
    y = np.array([label for q in data["train"] for label in q["labels"]], dtype=int)
    model = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False).fit(x, y)
    weights = model.coef_[0]
    answerable = [outcome(q, weights) for q in data["on"] if q["kind"] != "unanswerable"]
    unanswerable = [outcome(q, weights) for q in data["on"] if q["kind"] == "unanswerable"]
    off = [p for p, _ in (outcome(q, weights) for q in data["off"])]
    unstated = [p for p, _ in (outcome(q, weights) for q in data["unstated"])]

    def share_below(probs: list[float], threshold: float) -> float:
        return 100.0 * sum(p < threshold for p in probs) / max(len(probs), 1)

    grid = [t / 1000 for t in range(1, 1000)]
    threshold = next(
        t
        for t in grid
        if share_below(off, t) >= TARGET_OFFTOPIC and share_below(unstated, t) >= TARGET_UNSTATED
    )
    pointer = next(t for t in grid if 100.0 - share_below(off, t) <= TARGET_POINTER)
    pointer = min(pointer, threshold)
    right = 100.0 * sum(p >= threshold and ok for p, ok in answerable) / len(answerable)
    print(f"training: {len(data['train'])} questions, {len(y)} candidates ({y.sum()} positive)")
    print(
        f"held out ({len(answerable)} answerable, {len(unanswerable)} unanswerable, {len(off)} off-topic, "
        f"{len(unstated)} unstated): at {threshold:.3f} answered right {right:.1f}%, "
        f"unanswerable abstained {share_below([p for p, _ in unanswerable], threshold):.1f}%, "
        f"off-topic abstained {share_below(off, threshold):.1f}%, "
        f"unstated abstained {share_below(unstated, threshold):.1f}%"
    )
    print("WEIGHTS = (" + ", ".join(f"{w:.4f}" for w in weights) + ")")
    print("  # " + ", ".join(crosslingual.SIGNALS))
    print(f"THRESHOLD = {threshold:.3f}")
    print(f"THRESHOLD_CLOSEST = {pointer:.3f}")


if __name__ == "__main__":
    main()
