"""Write the follow-up question set: SQuAD questions asked as the second turn of a conversation,
with their one name put as a pronoun.

Usage: python tools/make_followups.py

A SQuAD question naming exactly one thing ("When did the Normans conquer England?") becomes the
conversation "What about Normans?" then "When did they conquer England?": the first turn sets
the subject, the second refers back to it. The name becomes "their" before "'s", "them" after a
preposition, else "they"; the grammar suffers now and then ("Who was they
leader?"), as it does in what people type. Questions whose name opens them, or whose gold answer
is the name itself, are left out. Answerable questions keep their kind "followup" and gold
answers; unanswerable ones stay "unanswerable". So the set asks whether a follow-up finds what
the same question finds with the name written out (eval/followups/named/ holds those questions
unchanged, for the comparison).

Writes eval/followups/questions/NAME.jsonl and eval/followups/named/questions/NAME.jsonl, with
content/NAME.md in each as links to the SQuAD articles: the layout `eval/score.py --squad` reads.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from article_bot.index.question import read_question

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "eval" / "squad"
FOLLOWUPS = ROOT / "eval" / "followups"
GOVERNING = r"\b(?:to|of|by|for|with|about|from|against|in|on|at)\s+(?:the\s+)?"


def as_follow_up(row: dict) -> tuple[dict, dict] | None:
    """Return the row as a two-turn follow-up and as the same question unchanged, or None when
    it does not name exactly one thing past its first word."""
    text = row["question"]
    named = read_question(text).named
    if len(named) != 1 or named[0] not in text or text.startswith(named[0]):
        return None
    name = named[0]
    if any(gold.lower() in name.lower() for gold in row.get("answers", [])):
        return None
    if f"{name}'s" in text:
        asked = text.replace(f"{name}'s", "their", 1)
    else:
        governed = re.search(GOVERNING + re.escape(name), text)
        pronoun = "them" if governed else "they"
        asked = re.sub(r"\b(?:the\s+)?" + re.escape(name) + r"\b", pronoun, text, count=1)
    kind = "followup" if row["kind"] == "answerable" else "unanswerable"
    follow_up = {**row, "kind": kind, "context": [f"What about {name}?"], "question": asked}
    return follow_up, row


def write(folder: Path, name: str, rows: list[dict]) -> None:
    (folder / "questions").mkdir(parents=True, exist_ok=True)
    (folder / "content").mkdir(parents=True, exist_ok=True)
    with (folder / "questions" / f"{name}.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    link = folder / "content" / f"{name}.md"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(SQUAD / "content" / f"{name}.md", link.parent))


def main() -> None:
    for path in sorted((SQUAD / "questions").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        pairs = [pair for pair in map(as_follow_up, rows) if pair is not None]
        write(FOLLOWUPS, path.stem, [follow_up for follow_up, _ in pairs])
        write(FOLLOWUPS / "named", path.stem, [named for _, named in pairs])
        answerable = sum(1 for follow_up, _ in pairs if follow_up["kind"] == "followup")
        print(f"{path.stem}: {answerable} answerable, {len(pairs) - answerable} unanswerable")


if __name__ == "__main__":
    main()
