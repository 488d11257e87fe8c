"""Fit the question table of index/embed.py's QuestionEncoder to the bundled MiniLM model.

Usage: python tools/fit_questions.py [--questions DIR] [--ridge LAMBDA] [--out FILE]

Encoding a question with the model takes 7-10 ms; the question table stands in for it in
microseconds. Each word piece gets two vectors from the model: what the model makes of the piece
alone ("[CLS] piece [SEP]", mean of the last layer, unit length) and the piece's word vector. A
question's features are the means of both over its pieces; a linear map of them (ridge
regression, least squares with LAMBDA on the square of the map) is fitted so that it comes as
close as it can to the model's own vector of the question. The map is linear, so it is folded
into one vector per piece: the table holds, per piece, map(model vector, word vector), and the
question vector is the mean of its pieces' rows plus the map's bias, made unit length.

The questions fitted on are the texts of every question in DIR/*.jsonl (default: the SQuAD 2.0
questions of eval/squad; only the question texts and the model's vectors of them are used,
not the answers). Writes index/data/minilm-questions.npz: the table as int8 with a float16 scale
per row, the bias, and the MODEL_VERSION it was made from. Needs only numpy; takes about a
minute. Retrain the ranker after it (tools/train_ranker.py): its trees read these vectors.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from convert_minilm import quantize  # noqa: E402  (tools/, this script's folder)

from article_bot.index.embed import MODEL_VERSION, QUESTIONS_FILE, WIDTH, Encoder, QuestionEncoder  # noqa: E402
from article_bot.index.evaluate import read_questions  # noqa: E402

RIDGE = 0.3  # chosen by the ranker's cross-validated score (README, "How it answers")
BATCH = 512  # pieces run through the model at once


def piece_vectors(model: Encoder) -> np.ndarray:
    """Return, per word piece, the model's unit vector of "[CLS] piece [SEP]"."""
    start, end = model.tokenizer.start, model.tokenizer.end
    count = len(model.tokenizer.ids)
    out = np.empty((count, WIDTH), dtype=np.float32)
    for first in range(0, count, BATCH):
        ids = [[start, piece, end] for piece in range(first, min(count, first + BATCH))]
        out[first : first + len(ids)] = model._forward(ids)
    return out


def mean_rows(table: np.ndarray, ids: list[int]) -> np.ndarray:
    return table[ids].mean(axis=0) if ids else np.zeros(table.shape[1], dtype=np.float32)


def fit(
    model: Encoder, questions: list[str], targets: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the table (pieces, WIDTH) and the bias (WIDTH) that best give the questions' targets
    (the model's vectors of them)."""
    alone = piece_vectors(model)
    word = model.word.astype(np.float32) * model.word_scale
    pieces = [model.tokenizer.encode(text)[1:-1] for text in questions]
    x = np.array([np.concatenate([mean_rows(alone, ids), mean_rows(word, ids)]) for ids in pieces])
    x = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)]).astype(np.float64)
    y = targets.astype(np.float64)
    penalty = ridge * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    mapping = np.linalg.solve(x.T @ x + penalty, x.T @ y)
    table = alone @ mapping[:WIDTH] + word @ mapping[WIDTH : 2 * WIDTH]
    return table.astype(np.float32), mapping[-1].astype(np.float32)


def question_texts(folder: Path) -> list[str]:
    """Return the distinct question texts of the question files in folder, spaces normalised."""
    rows = [row for path in sorted(folder.glob("*.jsonl")) for row in read_questions(path)]
    return sorted({" ".join(row["question"].split()) for row in rows})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "eval" / "squad" / "questions"
    )
    parser.add_argument("--ridge", type=float, default=RIDGE)
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / QUESTIONS_FILE)
    args = parser.parse_args()

    started = time.perf_counter()
    model = Encoder.load()
    questions = question_texts(args.questions)
    targets = model.encode(questions)
    table, bias = fit(model, questions, targets, args.ridge)
    arrays = {"bias": bias, "model": np.array(MODEL_VERSION)}  # the model: see QuestionEncoder
    quantize("table", table, arrays)  # int8 rows, a float16 scale each, as the model's weights
    np.savez(args.out, **arrays)
    fitted = QuestionEncoder.load(args.out).encode(questions)
    cosine = np.sum(fitted * targets, axis=1)
    print(
        f"fitted on {len(questions)} questions in {time.perf_counter() - started:.0f} s; cosine with the "
        f"model's vectors: mean {cosine.mean():.3f}, 10th percentile {np.percentile(cosine, 10):.3f} "
        f"(on the questions fitted); wrote {args.out}"
    )


if __name__ == "__main__":
    main()
