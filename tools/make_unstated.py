"""Write the unstated-relation question set: questions about the people and places an article
names that ask what it never says of them.

Usage: python tools/make_unstated.py [--per-article 60] [--seed 2020]

Each template of eval/unstated/templates.txt asks one relation of a person or a place ("Where
was {name} born?", "What is the population of {name}?"), written for this project. For each
article (the 16 SQuAD articles and the bundled one), its people and places are found by the
crude rules of `names`; a template is used only where the article has none of the terms of its
relation (no "born" anywhere, say), so the article cannot state it in those words. --per-article
(name, template) pairs are drawn, seeded. Every question is of kind "unanswerable": the bot must
abstain. These are the questions a reader asks about someone the article names and that a
bot easily answers with a sentence that only names them.

Writes eval/unstated/questions/NAME.jsonl, one file per article, and
eval/unstated/content/NAME.md as links to the articles: the layout `eval/score.py --squad`
reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from collections import Counter
from pathlib import Path

from article_bot.index.analysis import terms

ROOT = Path(__file__).resolve().parent.parent
UNSTATED = ROOT / "eval" / "unstated"
ARTICLES = [
    *sorted((ROOT / "eval" / "squad" / "content").glob("*.md")),
    *sorted((ROOT / "content").glob("*.md")),
]
# A run of capitalised words after a word of the same sentence (not opening it).
NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-zà-ÿ]+(?: [A-Z][a-zà-ÿ]+){0,2}")
FUNCTION_WORDS = frozenset("The A An In On At Of For And But Or This That These Those It".split())


def names(text: str) -> dict[str, list[str]]:
    """Return the people and the places an article writes at least twice past a sentence's first
    word: a place is a name it writes after "in" or "from"; a person one of two or three words
    that it never does. Other names (one word, never after "in": "Chinese", "Parliament") are
    left out, as are words ending like nationalities ("Bolivian")."""
    found = [m for m in NAME.findall(text) if m.split()[0] not in FUNCTION_WORDS and terms(m)]
    counts = Counter(found)
    places = set(re.findall(r"\b(?:in|from) ([A-Z][a-zà-ÿ]+(?: [A-Z][a-zà-ÿ]+){0,2})", text))
    kinds: dict[str, list[str]] = {"person": [], "place": []}
    for name, count in sorted(counts.items()):
        if count < 2 or re.search(r"(?:ian|ese|ish|ans)$", name):
            continue
        if name in places:
            kinds["place"].append(name)
        elif " " in name:
            kinds["person"].append(name)
    return kinds


def questions(text: str, templates: dict[str, list[str]], rng: random.Random, count: int) -> list[str]:
    """Return up to count questions pairing the article's people and places with the templates
    of their kind whose relation the article never words."""
    known = set(terms(text))
    pairs = [
        (name, template)
        for kind, named in names(text).items()
        for template in templates[kind]
        if not set(terms(template.replace("{name}", ""))) & known
        for name in named
    ]
    return [template.format(name=name) for name, template in rng.sample(pairs, min(count, len(pairs)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-article", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    templates: dict[str, list[str]] = {}
    for line in (UNSTATED / "templates.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, template = line.split(": ", 1)
            templates.setdefault(kind, []).append(template)
    (UNSTATED / "questions").mkdir(parents=True, exist_ok=True)
    (UNSTATED / "content").mkdir(parents=True, exist_ok=True)
    for article in ARTICLES:
        asked = questions(article.read_text(encoding="utf-8"), templates, rng, args.per_article)
        print(f"{article.stem}: {len(asked)} questions")
        if not asked:  # no people or places found: nothing to ask
            continue
        with (UNSTATED / "questions" / f"{article.stem}.jsonl").open("w", encoding="utf-8") as out:
            for number, question in enumerate(asked):
                row = {"id": f"uns-{article.stem[:12]}-{number:04d}", "kind": "unanswerable"}
                row |= {"question": question, "source": "unstated"}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        link = UNSTATED / "content" / f"{article.stem}.md"
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(article, link.parent))


if __name__ == "__main__":
    main()
