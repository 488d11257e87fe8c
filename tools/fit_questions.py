"""Fit the question table of index/embed.py's QuestionEncoder to the bundled MiniLM model.

Usage: python tools/fit_questions.py [--questions DIR] [--ridge LAMBDA] [--out FILE]

Run by tools/build_data.py (step questions), after the model. Encoding a question with the model
takes milliseconds; the question table stands in for it in
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
per row, the bias, and the model version it was made from (embed.model_version(): the sha256s of
the model and its tokenizer). Needs onnx (the [build] extra) to read the word vectors out of the
model file; takes about a minute. Retrain the ranker after it (tools/train_ranker.py): its trees
read these vectors.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from build_data import WORD_Q, WORD_SCALE, quantize_rows  # noqa: E402  (tools/, this script's folder)

from article_bot.index import manifest  # noqa: E402
from article_bot.index.embed import (  # noqa: E402
    MODEL_FILE,
    QUESTIONS_FILE,
    WIDTH,
    Encoder,
    QuestionEncoder,
    model_version,
)
from article_bot.index.evaluate import read_questions  # noqa: E402

RIDGE = 0.3  # chosen by the ranker's cross-validated score (README, "How it answers")
BATCH = 512  # pieces run through the model at once


def piece_vectors(model: Encoder) -> np.ndarray:
    """Return, per word piece, the model's unit vector of "[CLS] piece [SEP]"."""
    start, end = model.tokenizer.token_to_id("[CLS]"), model.tokenizer.token_to_id("[SEP]")
    count = model.tokenizer.get_vocab_size()
    return model.encode_ids([[start, piece, end] for piece in range(count)], batch=BATCH)


def word_vectors(path: Path) -> np.ndarray:
    """Return the model's word vectors (one row per piece), read out of its ONNX file."""
    import onnx
    from onnx import numpy_helper

    stored = {t.name: t for t in onnx.load(str(path)).graph.initializer if t.name in (WORD_Q, WORD_SCALE)}
    return numpy_helper.to_array(stored[WORD_Q]).astype(np.float32) * numpy_helper.to_array(
        stored[WORD_SCALE]
    )


def mean_rows(table: np.ndarray, ids: list[int]) -> np.ndarray:
    return table[ids].mean(axis=0) if ids else np.zeros(table.shape[1], dtype=np.float32)


def fit(
    model: Encoder, word: np.ndarray, questions: list[str], targets: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the table (pieces, WIDTH) and the bias (WIDTH) that best give the questions' targets
    (the model's vectors of them), from the model and its word vectors."""
    alone = piece_vectors(model)
    pieces = [e.ids for e in model.tokenizer.encode_batch(questions, add_special_tokens=False)]
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
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "squad" / "questions")
    parser.add_argument("--ridge", type=float, default=RIDGE)
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / QUESTIONS_FILE)
    args = parser.parse_args()

    started = time.perf_counter()
    model = Encoder.load()
    questions = question_texts(args.questions)
    targets = model.encode(questions)
    word = word_vectors(manifest.bundled().checked(MODEL_FILE))
    table, bias = fit(model, word, questions, targets, args.ridge)
    quantized, scale = quantize_rows(table)  # int8 rows, a float16 scale each
    # The model's version: QuestionEncoder refuses a table made from another model.
    np.savez(
        args.out, **{"table:q": quantized, "table:s": scale, "bias": bias, "model": np.array(model_version())}
    )
    fitted = QuestionEncoder.load(args.out).encode(questions)
    cosine = np.sum(fitted * targets, axis=1)
    print(
        f"fitted on {len(questions)} questions in {time.perf_counter() - started:.0f} s; cosine with the "
        f"model's vectors: mean {cosine.mean():.3f}, 10th percentile {np.percentile(cosine, 10):.3f} "
        f"(on the questions fitted); wrote {args.out}"
    )


if __name__ == "__main__":
    main()
