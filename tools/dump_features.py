"""Dump what the engine weighs for every evaluation question, to compare two versions of the core.

Usage: python tools/dump_features.py OUT.jsonl [--dev FILE] [--squad DIR]

Every question of eval/dev.jsonl (asked of the bundled article) and of eval/squad/questions/*.jsonl
(each asked of its own article) is asked in a fresh conversation, its context first. For every
question asked, context included, one JSON line gives its candidates (passage id, sentence index),
their feature rows and probabilities, the answer (text, citations, hint) and the conversation's
turns after it. Floats are written as Python's repr, so two dumps are equal exactly when every
value is; compare them with `cmp` or `diff`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from article_bot.bot.texts import answer_text, hint_text  # noqa: E402
from article_bot.index.content import default_content_path  # noqa: E402
from article_bot.index.engine import Engine  # noqa: E402
from article_bot.index.evaluate import read_questions  # noqa: E402
from article_bot.index.model import Answer, Turn  # noqa: E402
from article_bot.index.question import read_question  # noqa: E402


def trace(engine: Engine, question: str, previous: Turn | None) -> dict:
    """Return the candidates, rows and probabilities the engine weighs for a question (none when
    it is answered directly)."""
    asked = read_question(question)
    if engine.direct(asked) is not None:
        return {"direct": True, "candidates": [], "rows": [], "probabilities": []}
    weighing = engine.weigh(engine.query(asked, previous))
    return {
        "direct": False,
        "candidates": [[hit.passage.id, hit.sentence] for hit in weighing.hits],
        "rows": list(weighing.rows),
        "probabilities": list(weighing.probabilities),
    }


def answer_record(answer: Answer) -> dict:
    """Return everything a front end shows of an answer."""
    return {
        "text": answer_text(answer),
        "abstained": answer.abstained,
        "citations": [[c.ref, c.passage.id] for c in answer.citations],
        "hint": hint_text(answer),
        "closest": answer.closest.id if answer.closest else None,
        "span": list(answer.span) if answer.span else None,
    }


def dump(engine: Engine, name: str, path: Path, out) -> int:
    """Write one line per question asked (context included) of the questions in path."""
    count = 0
    for row in read_questions(path):
        turns: list[Turn] = []
        asked = [*row.get("context", []), row["question"]]
        for turn, question in enumerate(asked):
            previous = turns[-1] if turns else None
            record = {"set": name, "id": row.get("id", ""), "turn": turn, "question": question}
            record.update(trace(engine, question, previous))
            reply = engine.ask(question, previous)
            turns += [reply.turn] if reply.turn else []
            record["answer"] = answer_record(reply.answer)
            record["turns"] = [[t.terms, t.entities] for t in turns]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--dev", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--squad", type=Path, default=ROOT / "eval" / "squad")
    args = parser.parse_args()
    sets = [("dev", default_content_path(environ={}), args.dev)]
    for content in sorted((args.squad / "content").glob("*.md")):
        sets.append((content.stem, content, args.squad / "questions" / f"{content.stem}.jsonl"))
    with args.out.open("w", encoding="utf-8") as out:
        for name, content, questions in sets:
            count = dump(Engine.from_path(content), name, questions, out)
            print(f"{name}: {count} questions asked", file=sys.stderr)


if __name__ == "__main__":
    main()
