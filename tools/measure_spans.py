"""Measure the exact answers shown in bold (index/spans.py) on the SQuAD articles of eval/squad.

Usage: python tools/measure_spans.py [--squad DIR]

The 16 articles, sorted by name, are split in two: those at even places (1973-oil-crisis,
european-union-law, french-and-indian-war, huguenot, imperialism, normans, scottish-parliament,
warsaw) are the development articles, on which spans.py was written and its one setting (NEAR)
chosen; the other eight are held out, measured once its rules were fixed. Every question is
asked of its own article through the Engine, as the bot asks it; for each kind of exact answer
(spans.KINDS, whether shown or not) and each half, among the answerable questions the bot
answers: how often a span is found (shown rate), and its exact-match precision, the span equal to
one of the crowd's answers after SQuAD's normalisation (lowercase, no punctuation, no "a", "an",
"the"). "given the quote" is that precision on the answers whose quote holds a crowd answer;
"unanswerable", how many of the unanswerable questions the bot answers get a span.
Then the rate at which the bot, with only the kinds in spans.SHOWN, shows a span among all the
questions it answers (unanswerable ones included), and the time answer_span takes.
A kind is shown when its held-out precision is 80% or more.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from article_bot.index import spans  # noqa: E402
from article_bot.index.engine import Engine  # noqa: E402
from article_bot.index.evaluate import read_questions  # noqa: E402
from article_bot.index.question import read_question  # noqa: E402

ALL_KINDS = frozenset(spans.KINDS)
_PUNCTUATION = set(string.punctuation)


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(c for c in text.lower() if c not in _PUNCTUATION)
    return " ".join(re.sub(r"\b(?:a|an|the)\b", " ", text).split())


def measure(squad: Path) -> None:
    articles = sorted((squad / "content").glob("*.md"))
    development = {path.stem for path in articles[0::2]}
    # [half][kind]: answerable answered, span found, exact, quote holds an answer, exact given that
    table: dict[str, dict[str, list[int]]] = {
        half: defaultdict(lambda: [0] * 5) for half in ("dev", "held-out")
    }
    unanswerable: dict[str, dict[str, list[int]]] = {half: defaultdict(lambda: [0, 0]) for half in table}
    answered = shown = 0
    seconds = 0.0
    calls = 0
    for path in articles:
        engine = Engine.from_path(path)
        half = "dev" if path.stem in development else "held-out"
        for row in read_questions(squad / "questions" / f"{path.stem}.jsonl"):
            asked = read_question(row["question"])
            answer = engine.ask(row["question"]).answer
            if answer.abstained or engine.direct(asked) is not None:
                continue
            weighing = engine.weigh(engine.query(asked))
            quoted = weighing.chosen[0].excerpt.text
            answered += 1
            if answer.span is not None:
                shown += 1
                start, end = answer.span
                # What the bot shows is what this measures, for the kinds shown.
                assert answer.text[start:end] == _text(spans.answer_span(asked, quoted, ALL_KINDS), quoted)
            started = time.perf_counter()
            span = spans.answer_span(asked, quoted, ALL_KINDS)
            seconds += time.perf_counter() - started
            calls += 1
            kind = spans.kind_of(asked)
            if kind is None:
                continue
            if row["kind"] != "answerable":  # no crowd answer: a span shown there is never right
                unanswerable[half][kind][0] += 1
                unanswerable[half][kind][1] += span is not None
                continue
            gold = {normalise(text) for text in row["answers"]}
            holds = any(text in normalise(quoted) for text in gold)
            counts = table[half][kind]
            counts[0] += 1
            if span is not None:
                exact = normalise(quoted[span[0] : span[1]]) in gold
                counts[1] += 1
                counts[2] += exact
                counts[3] += holds
                counts[4] += exact and holds
        print(f"{path.stem}: done", file=sys.stderr)
    for half in ("dev", "held-out"):
        print(f"\n{half} articles: answerable questions answered")
        heads = ("answered", "shown", "precision", "given the quote", "unanswerable")
        print(f"{'kind':9}{heads[0]:>8} {heads[1]:>12} {heads[2]:>17} {heads[3]:>19} {heads[4]:>14}")
        for kind in spans.KINDS:
            n, found, exact, holds, exact_holding = table[half][kind]
            mark = "*" if kind in spans.SHOWN else " "
            print(
                f"{kind:8}{mark}{n:8} {found:5} {_percent(found, n):>6}"
                f" {exact:5}/{found:<4} {_percent(exact, found):>6}"
                f" {exact_holding:5}/{holds:<4} {_percent(exact_holding, holds):>6}"
                f"   {unanswerable[half][kind][1]:4}/{unanswerable[half][kind][0]:<4}"
            )
    print(f"\n* shown: {', '.join(sorted(spans.SHOWN)) or 'none'}")
    print(
        f"spans shown on {shown} of {answered} questions answered ({_percent(shown, answered)}),"
        f" all {len(articles)} articles"
    )
    print(f"answer_span: {seconds / max(calls, 1) * 1e6:.0f} µs per answer ({calls} answers)")


def _text(span: tuple[int, int] | None, quoted: str) -> str | None:
    return None if span is None else quoted[span[0] : span[1]]


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=ROOT / "eval" / "squad")
    measure(parser.parse_args().squad)


if __name__ == "__main__":
    main()
