"""Train the answer ranker (index/data/ranker.json) on question sets, and say how well it does.

Usage: python tools/train_ranker.py [--squad DIR] [--out FILE] [--target-abstain PERCENT]

DIR holds content/NAME.md and questions/NAME.jsonl (the layout of eval/squad). Every
question's candidate sentences are described by index.rank.features (through Engine.weigh); a
candidate is a positive example when its quoted text holds a gold answer, and every candidate of
an unanswerable question is a negative one. Gradient-boosted trees (scikit-learn, needed here only: the bot
evaluates the exported trees with numpy) learn the probability that a candidate holds the
answer.

The figures printed are cross-validated by article: each article is scored by a forest trained
on the others, so they say how the ranker does on an article it has never seen. The threshold
for answering is the one at which those cross-validated predictions abstain on
--target-abstain percent of the unanswerable questions. The forest written is then trained on
all the articles.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

ROOT = Path(__file__).resolve().parent.parent

from article_bot.index.engine import Engine, Tuning  # noqa: E402
from article_bot.index.evaluate import normalise, read_questions  # noqa: E402
from article_bot.index.model import Conversation  # noqa: E402
from article_bot.index.question import read_question  # noqa: E402
from article_bot.index.rank import FEATURES, Forest, decide  # noqa: E402

SECOND = 0.1  # probability from which a second sentence is added (chosen on the same validation)
# The probability needed by a candidate that lacks the number or date asked for (rank.decide).
DOUBTFUL = 0.3
MAX_CHARS = Tuning().max_answer_chars
EXPORT_TOLERANCE = 1e-9  # the same sums of the same float64 values, perhaps in another order
PARAMETERS = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "l2_regularization": 1.0}


def untrained() -> Forest:
    """Return a forest of one leaf (every candidate 0.5), for the engine that builds the examples:
    the bundled trees may describe candidates by other features than those being trained on. It
    only answers the earlier questions of a conversation, which SQuAD has none of."""
    one = np.zeros((1, 1))
    return Forest(
        feature=one.astype(np.int64),
        threshold=one,
        left=one.astype(np.int64),
        right=one.astype(np.int64),
        leaf=np.ones((1, 1), dtype=bool),
        value=one,
        baseline=0.0,
        depth=0,
        threshold_answer=0.5,
        threshold_doubtful=0.5,
        threshold_second=1.0,
    )


def examples(content: Path, questions: Path) -> list[dict]:
    """Return each question's kind and candidates as (features, holds an answer, quoted length)."""
    engine = Engine.from_path(content, ranker=untrained())
    out = []
    for row in read_questions(questions):
        conversation = Conversation()
        for earlier in row.get("context", []):
            engine.ask(earlier, conversation)
        weighing = engine.weigh(engine.query(read_question(row["question"]), conversation))
        golds = [normalise(gold) for gold in row.get("answers", [])]
        quoted = [excerpt.text for excerpt in weighing.excerpts]
        answerable = row["kind"] != "unanswerable"
        labels = [answerable and any(gold in normalise(text) for gold in golds) for text in quoted]
        rows = list(weighing.rows)
        out.append(
            {"kind": row["kind"], "rows": rows, "labels": labels, "lengths": [len(text) for text in quoted]}
        )
    return out


def fit(questions: list[dict]) -> HistGradientBoostingClassifier:
    x = np.array([row for q in questions for row in q["rows"]])
    y = np.array([label for q in questions for label in q["labels"]])
    return HistGradientBoostingClassifier(random_state=0, **PARAMETERS).fit(x, y)


def outcome(
    question: dict, probabilities: np.ndarray, threshold: float, doubtful: float
) -> tuple[bool, bool, int]:
    """Return (answered correctly, abstained, answer length) as the bot decides (rank.decide)."""
    lengths = question["lengths"]
    chosen = decide(question["rows"], probabilities, lengths, threshold, doubtful, SECOND, MAX_CHARS)
    correct = any(question["labels"][i] for i in chosen)
    return correct, not chosen, sum(lengths[i] for i in chosen)


def score(
    questions: list[dict], predictions: list[np.ndarray], threshold: float, doubtful: float
) -> tuple[float, float, float]:
    """Return answerable %, unanswerable abstained % and mean answer length."""
    right = answerable = abstained = unanswerable = 0
    lengths = []
    for question, probabilities in zip(questions, predictions, strict=True):
        correct, abstains, length = outcome(question, probabilities, threshold, doubtful)
        if question["kind"] == "unanswerable":
            unanswerable += 1
            abstained += abstains
        else:
            answerable += 1
            right += correct
        if not abstains:
            lengths.append(length)
    return 100 * right / answerable, 100 * abstained / unanswerable, sum(lengths) / max(1, len(lengths))


def predict(model: HistGradientBoostingClassifier, question: dict) -> np.ndarray:
    return model.predict_proba(np.array(question["rows"]))[:, 1] if question["rows"] else np.zeros(0)


def export(model: HistGradientBoostingClassifier, threshold: float, doubtful: float, notes: dict) -> dict:
    """Return the forest as plain lists: per tree, each node's test and children, leaves' values."""
    trees = []
    depth = 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        depth = max(depth, int(nodes["depth"].max()))
        trees.append(
            {
                "feature": [int(v) for v in nodes["feature_idx"]],
                "threshold": [float(v) for v in nodes["num_threshold"]],
                "left": [int(v) for v in nodes["left"]],
                "right": [int(v) for v in nodes["right"]],
                "leaf": [bool(v) for v in nodes["is_leaf"]],
                "value": [float(v) for v in nodes["value"]],
            }
        )
    return {
        "about": "Answer ranker for article-bot, written by tools/train_ranker.py.",
        "notes": notes,
        "features": list(FEATURES),
        "baseline": float(np.ravel(model._baseline_prediction)[0]),
        "depth": depth,
        "threshold_answer": round(threshold, 4),
        "threshold_doubtful": doubtful,
        "threshold_second": SECOND,
        "trees": trees,
    }


def check_export(path: Path, model: HistGradientBoostingClassifier, rows: np.ndarray) -> float:
    """Return the largest difference between the probabilities of the exported forest, as the bot
    loads it (rank.Forest), and scikit-learn's on rows; raise ValueError above EXPORT_TOLERANCE."""
    exported = np.array(Forest.load(path).probabilities(rows))
    trained = model.predict_proba(rows)[:, 1]
    worst = int(np.argmax(np.abs(exported - trained)))
    difference = abs(exported[worst] - trained[worst])
    if not difference <= EXPORT_TOLERANCE:  # NaN too
        raise ValueError(
            f"{path}: the exported trees give {exported[worst]!r} for training row {worst}, "
            f"scikit-learn {trained[worst]!r}: the export does not match the trained model"
        )
    return float(difference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=ROOT / "eval" / "squad")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "ranker.json")
    parser.add_argument("--target-abstain", type=float, default=30.5)
    parser.add_argument("--doubtful", type=float, default=DOUBTFUL)
    parser.add_argument("--dump", type=Path, help="also write the examples and held-out predictions (pickle)")
    args = parser.parse_args()

    by_article = {}
    for content in sorted((args.squad / "content").glob("*.md")):
        by_article[content.stem] = examples(content, args.squad / "questions" / f"{content.stem}.jsonl")
        print(f"{content.stem}: {len(by_article[content.stem])} questions", file=sys.stderr)
    everything = [q for questions in by_article.values() for q in questions]

    held_out: list[np.ndarray] = []
    for name in by_article:
        model = fit([q for other, questions in by_article.items() if other != name for q in questions])
        held_out.extend(predict(model, q) for q in by_article[name])

    grid = [round(t, 3) for t in np.arange(0.05, 0.301, 0.005)]
    print("threshold  answerable  abstained  mean length   (cross-validated by article)")
    table = {}
    for threshold in grid:
        table[threshold] = score(everything, held_out, threshold, args.doubtful)
        right, abstains, length = table[threshold]
        print(f"{threshold:9.3f}  {right:9.1f}%  {abstains:8.1f}%  {length:8.0f}")
    threshold = min((t for t in grid if table[t][1] >= args.target_abstain), default=grid[-1])
    answerable, abstained, length = table[threshold]
    print(f"chosen threshold {threshold}: answerable {answerable:.1f}%, abstained {abstained:.1f}%")

    if args.dump:
        import pickle

        args.dump.write_bytes(pickle.dumps({"questions": everything, "held_out": held_out}))
    final = fit(everything)
    notes = {
        "trained_on": f"{args.squad.name}: {len(by_article)} articles, {len(everything)} questions",
        "cross_validated": {
            "answerable": round(answerable, 1),
            "unanswerable_abstained": round(abstained, 1),
            "mean_answer_chars": round(length),
        },
        "parameters": PARAMETERS,
    }
    model = export(final, threshold, args.doubtful, notes)
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n")
    agreement = check_export(args.out, final, np.array([row for q in everything for row in q["rows"]]))
    print(f"wrote {args.out} (its probabilities within {agreement:.1e} of scikit-learn's)")


if __name__ == "__main__":
    main()
