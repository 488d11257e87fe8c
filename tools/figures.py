"""Print the figures of docs/quality.md's tables, measured now: the question sets answered
in-process (as `eval/score.py` scores them) and the held-out figures the ranker's trainer wrote
into its notes (index/data/ranker.json).

Usage: python tools/figures.py [--followups]

--followups also scores eval/followups and eval/followups/named (a minute or two).
tests/test_docs.py checks the figures of the page against the same sources.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from article_bot.bot.texts import answer_text  # noqa: E402
from article_bot.index import manifest  # noqa: E402
from article_bot.index.content import default_content_path, load_articles  # noqa: E402
from article_bot.index.engine import Engine  # noqa: E402
from article_bot.index.evaluate import ask_in_context, correct, evaluate, read_questions  # noqa: E402


def bundled_figures() -> dict[str, dict]:
    """Return the metrics of eval/dev.jsonl and eval/phrasings.jsonl on the bundled article, and
    of eval/dev.jsonl with the 16 SQuAD articles beside it."""
    engine = Engine.from_path(default_content_path(environ={}))
    figures = {
        f"{name}.jsonl": evaluate(engine, read_questions(ROOT / "eval" / f"{name}.jsonl"), answer_text)[0]
        for name in ("dev", "phrasings")
    }
    beside = Engine(
        load_articles(default_content_path(environ={})) + load_articles(ROOT / "eval" / "squad" / "content")
    )
    figures["dev.jsonl beside SQuAD"] = evaluate(
        beside, read_questions(ROOT / "eval" / "dev.jsonl"), answer_text
    )[0]
    return figures


def folder_figures(folder: Path) -> dict:
    """Return the share right of each kind of question over every article of a folder in the
    layout of eval/squad, pooled."""
    tallies: dict[str, list[int]] = {}
    for content in sorted((folder / "content").glob("*.md")):
        engine = Engine.from_path(content)
        for row in read_questions(folder / "questions" / f"{content.stem}.jsonl"):
            tally = tallies.setdefault(row["kind"], [0, 0])
            tally[0] += correct(row, ask_in_context(engine, row), answer_text)
            tally[1] += 1
    return {kind: round(100 * right / total, 1) for kind, (right, total) in tallies.items()}


def notes() -> dict:
    """Return the trainer's notes of the bundled ranker."""
    return json.loads(manifest.bundled().checked("ranker.json").read_text(encoding="utf-8"))["notes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followups", action="store_true", help="also score eval/followups (slow)")
    args = parser.parse_args()
    for name, metrics in bundled_figures().items():
        print(
            f"{name}: answerable {metrics['answerable']}% followup {metrics['followup']}% "
            f"abstained {metrics['unanswerable_abstained']}% cited {metrics['citation_ok']}% "
            f"{metrics['mean_answer_chars']} chars"
        )
    held = notes()
    print("held out:", json.dumps(held["cross_validated"], indent=1))
    print("bundled off-topic abstained:", held["bundled_offtopic_abstained"])
    print("bundled unstated abstained:", held["bundled_unstated_abstained"])
    if args.followups:
        print("followups:", folder_figures(ROOT / "eval" / "followups"))
        print("followups, named:", folder_figures(ROOT / "eval" / "followups" / "named"))


if __name__ == "__main__":
    main()
