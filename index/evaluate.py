"""Score the engine on a question file (the format of eval/dev.jsonl), as score.py does."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from .engine import Engine
from .errors import ArticleBotError
from .model import Answer, Turn

MAX_ANSWER_CHARS = 600
_FOLD = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": " ", "\u2013": "-"}
)


def normalise(text: str) -> str:
    """Fold case, accents, quote and dash styles and spacing, as the scorer compares text."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    return re.sub(r"\s+", " ", plain.lower()).strip()


def read_questions(path: Path) -> list[dict]:
    """Read a question file; raise ArticleBotError naming the line that is not valid."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ArticleBotError(f"{path}: cannot read question file ({error})") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise ArticleBotError(f"{path}:{number}: not a JSON object") from None
        if (
            not isinstance(row, dict)
            or "question" not in row
            or row.get("kind") not in ("answerable", "unanswerable", "followup")
        ):
            raise ArticleBotError(f'{path}:{number}: needs "kind" and "question"')
        rows.append(row)
    return rows


Words = Callable[[Answer], str]  # how a front end words an answer (bot/texts.answer_text)


def context_turn(engine: Engine, questions: Sequence[str]) -> Turn | None:
    """Ask questions one after the other in one conversation; return its last turn (what the
    next question follows up on)."""
    previous = None
    for question in questions:
        previous = engine.ask(question, previous).turn or previous
    return previous


def ask_in_context(engine: Engine, row: dict) -> Answer:
    """Answer a question file's row: its question after its "context" questions, if any."""
    return engine.ask(row["question"], context_turn(engine, row.get("context", []))).answer


def correct(row: dict, answer: Answer, words: Words) -> bool:
    """Score one answer, as worded to the user (words), as eval/score.py does."""
    if row["kind"] == "unanswerable":
        return answer.abstained or not answer.citations
    said = "" if answer.abstained else words(answer)
    return (
        not answer.abstained
        and len(said) <= MAX_ANSWER_CHARS
        and any(normalise(gold) in normalise(said) for gold in row.get("answers", []))
    )


def _cited(row: dict, answer: Answer) -> bool:
    evidence = row.get("evidence")
    return evidence is None or any(normalise(evidence) in normalise(c.passage.text) for c in answer.citations)


def evaluate(
    engine: Engine, rows: list[dict], words: Words
) -> tuple[dict[str, float], list[tuple[str, str, str]]]:
    """Answer every question in a fresh conversation and return the metrics and the misses
    (answers as worded by words)."""
    tallies = {kind: [0, 0] for kind in ("answerable", "followup", "unanswerable", "cited")}
    lengths: list[int] = []
    misses = []
    started = time.perf_counter()
    for row in rows:
        answer = ask_in_context(engine, row)
        ok = correct(row, answer, words)
        said = "" if answer.abstained else words(answer)
        tallies[row["kind"]][0] += ok
        tallies[row["kind"]][1] += 1
        if row["kind"] != "unanswerable" and not answer.abstained:
            lengths.append(len(said))
            tallies["cited"][0] += _cited(row, answer)
            tallies["cited"][1] += 1
        if not ok:
            misses.append((str(row.get("id", "")), row["question"], said[:160]))
    percent = {k: round(100.0 * a / b, 1) if b else 0.0 for k, (a, b) in tallies.items()}
    metrics = {
        "answerable": percent["answerable"],
        "followup": percent["followup"],
        "unanswerable_abstained": percent["unanswerable"],
        "citation_ok": percent["cited"],
        "mean_answer_chars": round(sum(lengths) / len(lengths)) if lengths else 0,
        "questions": len(rows),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return metrics, misses


def evaluate_file(
    engine: Engine, path: Path, words: Words
) -> tuple[dict[str, float], list[tuple[str, str, str]]]:
    """Score the engine on the questions in a .jsonl file."""
    return evaluate(engine, read_questions(path), words)


def format_metrics(metrics: dict[str, float]) -> str:
    """Return the one-line summary score.py prints."""
    return (
        f"answerable {metrics['answerable']:.1f}% followup {metrics['followup']:.1f}% "
        f"abstain {metrics['unanswerable_abstained']:.1f}% cited {metrics['citation_ok']:.1f}% "
        f"len {metrics['mean_answer_chars']:.0f}"
    )
