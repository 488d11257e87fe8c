"""What the bot says for its commands, shared by the console and Telegram (plain text)."""

from __future__ import annotations

import re
from collections import Counter

from ..index.engine import Engine
from ..index.model import Answer, Passage

EXAMPLE_HINT = "Ask a question about the article, for example:"


def help_text() -> str:
    """Return the help: how to ask, and the commands."""
    return "\n".join(
        [
            "Ask me a question about the article and I answer with sentences quoted from it, each "
            "cited [n] to the passage it comes from. When the article doesn't say, I tell you so.",
            "",
            "Commands:",
            "/ask QUESTION – ask a question (in groups)",
            "/about – which articles I know",
            "/source N – the full text of passage N",
            "/reset – start a new conversation",
            "/help – this message",
        ]
    )


def about_text(engine: Engine) -> str:
    """Return the title, author, date and passage count of each article."""
    lines = []
    for number, article in enumerate(engine.articles, start=1):
        byline = ", ".join(part for part in (article.author, article.date) if part)
        prefix = f"{number}. " if len(engine.articles) > 1 else ""
        lines.append(f"{prefix}“{article.title}”" + (f" – {byline}" if byline else ""))
        lines.append(f"   {len(article.passages)} passages" + (f" · {article.url}" if article.url else ""))
    return "\n".join(lines)


def source_text(engine: Engine, passage: Passage) -> str:
    """Return a passage's full text under its label (and its article's title when there are several)."""
    return f"{_label(engine, passage)}\n{passage.text}"


def passage_label(engine: Engine, passage: Passage) -> str:
    """Return how users see a passage named: "¶N", with the article title if there are several."""
    return _label(engine, passage)


def _label(engine: Engine, passage: Passage) -> str:
    if len(engine.articles) > 1:
        return f"{passage.article_title} {passage.label}"
    return passage.label


def closest_text(engine: Engine, answer: Answer) -> str:
    """Return "The closest the article comes is ¶N." for an abstention that came close, else ""."""
    if not answer.abstained or answer.closest is None:
        return ""
    return f"The closest the article comes is {passage_label(engine, answer.closest)}."


def answer_span(answer: Answer) -> tuple[int, int] | None:
    """Return the answer's span if it lies within its text, else None (nothing to show in bold)."""
    if answer.abstained or answer.span is None:
        return None
    start, end = answer.span
    return (start, end) if 0 <= start < end <= len(answer.text) else None


def reply_text(engine: Engine, answer: Answer) -> str:
    """Render an answer as plain text: the answer, then each cited source."""
    if answer.abstained:
        return " ".join(part for part in (answer.text, closest_text(engine, answer), answer.hint) if part)
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [f"[{c.ref}] {_label(engine, c.passage)}: {c.passage.text}" for c in answer.citations]
    return "\n".join(lines)


def answer_json(engine: Engine, answer: Answer) -> dict[str, object]:
    """Render an answer as the console's JSON object ("closest" and "span" only when set)."""
    result: dict[str, object] = {
        "reply": reply_text(engine, answer),
        "answer": answer.answer_text,
        "abstained": answer.abstained,
        "citations": [
            {
                "ref": c.ref,
                "article": c.passage.article_title,
                "passage": c.passage.label,
                "text": c.passage.text,
            }
            for c in answer.citations
        ],
    }
    if answer.abstained and answer.closest is not None:
        passage = answer.closest
        result["closest"] = {
            "article": passage.article_title,
            "passage": passage.label,
            "number": passage.number,
            "text": passage.text,
        }
    span = answer_span(answer)
    if span is not None:
        result["span"] = list(span)
    return result


def example_questions(engine: Engine, count: int = 3) -> list[str]:
    """Return a few example questions built from the article's own words that the engine answers."""
    candidates = [f"What does the article say about {name}?" for name in _frequent_names(engine, 2)]
    candidates += [f"What is the {acronym.long_form}?" for acronym in engine.acronyms[:1]]
    candidates += ["What is the article about?", "Who wrote the article?"]
    examples: list[str] = []
    for question in candidates:
        # Asking costs milliseconds, and an example that gets "doesn't say" would mislead.
        if question not in examples and not engine.ask(question).abstained:
            examples.append(question)
    return examples[:count]


_NAME = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+(?: [A-Z][a-z]+)+)")


def _frequent_names(engine: Engine, count: int) -> list[str]:
    """Return the multi-word proper names mentioned most often (not at a sentence start)."""
    names: Counter[str] = Counter()
    for passage in engine.passages:
        names.update(_NAME.findall(passage.text))
    return [name for name, _ in names.most_common(count)]
