"""Write the off-topic question set: questions an article cannot answer because they are about
something else.

Usage: python tools/make_offtopic.py [--per-article 150] [--bundled 600] [--seed 2020]

For each SQuAD article of eval/squad, --per-article questions drawn (seeded) from the other
fifteen articles' questions; for each training article of eval/squad-train, as many from the
other nine's; for the bundled article, --bundled questions drawn from all the
SQuAD articles, then every general-knowledge question of eval/offtopic/general-knowledge.txt
(written for this project: everyday questions, many sharing a word with the bundled article,
none of them answered by it). Every question is of kind "unanswerable": the bot must abstain.

Writes eval/offtopic/questions/NAME.jsonl, one file per article, and eval/offtopic/content/NAME.md
as links to the articles, the layout `eval/score.py --squad` reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "eval" / "squad"
SQUAD_TRAIN = ROOT / "eval" / "squad-train"
OFFTOPIC = ROOT / "eval" / "offtopic"
BUNDLED = ROOT / "content"


def squad_questions(folder: Path = SQUAD) -> dict[str, list[dict]]:
    """Return each SQuAD article's questions in folder, by article name, in file order."""
    return {
        path.stem: [
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        for path in sorted((folder / "questions").glob("*.jsonl"))
    }


def offtopic_rows(questions: list[dict], source: str, prefix: str) -> list[dict]:
    """Return the questions as unanswerable rows, each noting where it comes from."""
    return [
        {"id": f"{prefix}{number:04d}", "kind": "unanswerable", "question": row["question"], "source": source}
        for number, row in enumerate(questions)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-article", type=int, default=150)
    parser.add_argument("--bundled", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    by_article = squad_questions()
    (OFFTOPIC / "questions").mkdir(parents=True, exist_ok=True)
    (OFFTOPIC / "content").mkdir(parents=True, exist_ok=True)
    targets: dict[str, tuple[Path, list[dict]]] = {}
    for name in by_article:
        pool = [(other, row) for other, rows in by_article.items() if other != name for row in rows]
        drawn = rng.sample(pool, args.per_article)
        rows = [r for other, row in drawn for r in offtopic_rows([row], f"squad:{other}", "")]
        targets[name] = (SQUAD / "content" / f"{name}.md", rows)
    for article in sorted(BUNDLED.glob("*.md")):
        pool = [(other, row) for other, rows in by_article.items() for row in rows]
        drawn = rng.sample(pool, args.bundled)
        rows = [r for other, row in drawn for r in offtopic_rows([row], f"squad:{other}", "")]
        general = (OFFTOPIC / "general-knowledge.txt").read_text(encoding="utf-8").splitlines()
        rows += offtopic_rows([{"question": q} for q in general if q.strip()], "general", "")
        targets[article.stem] = (article, rows)
    # The training articles (eval/squad-train): questions of the other training articles only, so
    # that no question of an article held out in training is ever a negative of another. Their own
    # generator, so that the sets above are the same with or without them.
    train_rng = random.Random(args.seed + 1)
    train = squad_questions(SQUAD_TRAIN)
    for name in train:
        pool = [(other, row) for other, rows in train.items() if other != name for row in rows]
        drawn = train_rng.sample(pool, args.per_article)
        rows = [r for other, row in drawn for r in offtopic_rows([row], f"squad-train:{other}", "")]
        targets[name] = (SQUAD_TRAIN / "content" / f"{name}.md", rows)
    for name, (article, rows) in targets.items():
        with (OFFTOPIC / "questions" / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for number, row in enumerate(rows):
                row["id"] = f"off-{name[:12]}-{number:04d}"
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        link = OFFTOPIC / "content" / f"{name}.md"
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(article, link.parent))
        print(f"{name}: {len(rows)} questions")


if __name__ == "__main__":
    main()
