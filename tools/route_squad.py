#!/usr/bin/env python3
"""Measure routing: the SQuAD articles' questions asked of all the articles together.

Every SQuAD article (eval/squad) and the bundled one are loaded into one engine, and each
article's questions are asked of it with no conversation (as eval/score.py --squad asks them).
Prints, per article and in all: how often the question was routed to its own article, and the
answerable / abstained figures with all the articles beside and with the article alone (the
engine of that article only); then how many of the general-knowledge questions
(eval/offtopic/general-knowledge.txt), about none of the articles, were answered anyway.

    python tools/route_squad.py [--show]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from article_bot.bot.texts import answer_text
from article_bot.index.content import default_content_path, load_articles
from article_bot.index.engine import Engine
from article_bot.index.evaluate import correct
from article_bot.index.question import read_question

EVAL = Path(__file__).resolve().parents[1] / "eval"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="store_true", help="list the questions routed elsewhere")
    args = parser.parse_args()
    articles = load_articles(default_content_path()) + load_articles(EVAL / "squad" / "content")
    articles.sort(key=lambda article: article.slug)
    engine = Engine(articles)
    slugs = [article.slug for article in articles]
    totals = {"questions": 0, "routed": 0}
    counts = {(kind, where): [0, 0] for kind in ("answerable", "unanswerable") for where in ("all", "alone")}
    for path in sorted((EVAL / "squad" / "questions").glob("*.jsonl")):
        own = slugs.index(path.stem)
        routed = asked = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            chosen = engine.router.choose(read_question(row["question"]))
            routed += chosen == own
            asked += 1
            if args.show and chosen != own:
                print(f"ELSEWHERE {path.stem} -> {slugs[chosen]}: {row['question']}")
            for where, answering in (("all", engine), ("alone", engine.scope(own))):
                tally = counts[(row["kind"], where)]
                tally[0] += correct(row, answering.ask(row["question"]).answer, answer_text)
                tally[1] += 1
        print(f"{path.stem:<40} routed to it {100 * routed / asked:5.1f}% of {asked}")
        totals["questions"] += asked
        totals["routed"] += routed
    pct = {key: round(100 * a / b, 1) for key, (a, b) in counts.items()}
    general = [q for q in (EVAL / "offtopic" / "general-knowledge.txt").read_text().splitlines() if q.strip()]
    answered = sum(not engine.ask(q).answer.abstained for q in general)
    print(
        json.dumps(
            {
                "routed_to_own_article": round(100 * totals["routed"] / totals["questions"], 1),
                "questions": totals["questions"],
                "answerable_all": pct[("answerable", "all")],
                "answerable_alone": pct[("answerable", "alone")],
                "abstained_all": pct[("unanswerable", "all")],
                "abstained_alone": pct[("unanswerable", "alone")],
                "general_knowledge_abstained": round(100 * (1 - answered / len(general)), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
