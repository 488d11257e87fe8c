"""Properties over arbitrary input: no exception, consistent citations, bounded answers."""

from __future__ import annotations

import json
import re

from asking import ask_within
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from article_bot.bot.texts import answer_json, reply_text
from article_bot.index.content import default_content_path, load_articles, parse_article
from article_bot.index.engine import Engine
from article_bot.index.errors import ContentError
from article_bot.index.model import Answer, Conversation

MAX_ANSWER_CHARS = 600
MARKER = re.compile(r"\[(\d+)\]")

ARTICLE_WORDS = sorted(
    {
        word
        for article in load_articles(default_content_path(environ={}))
        for p in article.passages
        for word in re.findall(r"\S+", p.text)
    }
)
# What real messages carry that plain words do not.
ODDITIES = [
    "\u200f",
    "\u202e",
    "\u200b",
    "\u0301",
    "\u0327",
    "\ufeff",
    "😀",
    "🇧🇴",
    "👍🏽",
    "\x00",
    "\x1b[31m",
    "\t",
    "\n",
    "\r\n",
    "<b>",
    "</b>",
    "<script>alert(1)</script>",
    "&amp;",
    "**",
    "__",
    "`",
    "```",
    "[x](http://a.b)",
    "# ",
    "> ",
    "- ",
    "¶3",
    "[1]",
    "[2]",
    "/source",
    "?",
    "—",
    "–",
    "“",
    "”",
    "’",
    "US",
    "U.S.",
    "MAS",
    "OAS",
]

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

any_text = st.text(alphabet=st.characters(codec=None), max_size=10_000)
article_like = st.lists(
    st.one_of(st.sampled_from(ARTICLE_WORDS), st.sampled_from(ODDITIES)), max_size=40
).map(" ".join)
questions = st.one_of(any_text, article_like, st.text(max_size=50))


def check_citations(answer: Answer) -> None:
    """Every [n] marker has its citation, and every citation is referenced, numbered from 1."""
    refs = [citation.ref for citation in answer.citations]
    assert refs == list(range(1, len(refs) + 1))
    markers = {int(n) for n in MARKER.findall(answer.text)}
    if answer.abstained:
        assert not refs
    else:
        assert markers == set(refs)


def check_rendering(engine: Engine, answer: Answer) -> None:
    reply = reply_text(engine, answer)
    rendered = answer_json(engine, answer)
    json.loads(json.dumps(rendered, ensure_ascii=False))
    assert rendered["reply"] == reply
    assert answer.text in reply
    assert [c["ref"] for c in rendered["citations"]] == [c.ref for c in answer.citations]
    for citation in answer.citations:
        assert f"[{citation.ref}] {citation.passage.label}: {citation.passage.text}" in reply


@SETTINGS
@given(question=questions)
def test_any_question_gets_a_consistent_bounded_answer(engine, question):
    answer = engine.ask(question).answer

    check_citations(answer)
    assert len(answer.text) <= MAX_ANSWER_CHARS
    check_rendering(engine, answer)


@SETTINGS
@given(conversation=st.lists(questions, min_size=2, max_size=4))
def test_any_conversation_gets_consistent_answers(engine, conversation):
    state = Conversation()
    for question in conversation:
        answer = ask_within(engine, question, state)
        check_citations(answer)
    assert len(answer.text) <= MAX_ANSWER_CHARS
    assert len(state.turns) <= state.max_turns


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(any_text, article_like), question=questions)
@example(content="\ud800", question="")  # half a character (a lone surrogate) for content
def test_any_content_loads_or_fails_with_content_error_and_answers(content, question):
    try:
        article = parse_article(content, slug="generated")
    except ContentError as error:
        assert "generated" in str(error)
        return
    engine = Engine([article])

    answer = engine.ask(question).answer

    # Text of arbitrary content may itself hold "[2]", so only cited refs are checked here.
    refs = [citation.ref for citation in answer.citations]
    assert refs == list(range(1, len(refs) + 1))
    assert all(f"[{ref}]" in answer.text for ref in refs)
    reply_text(engine, answer)
    answer_json(engine, answer)


def test_a_very_long_sentence_is_not_quoted_whole():
    sentence = (
        "The lithium reserves of the Uyuni salt flat, "
        + ", ".join(f"which lie near village number {i} of the altiplano" for i in range(20))
        + "."
    )
    engine = Engine([parse_article(f"# Lithium\n\n{sentence}\n\nTin is mined in Potosi.\n", "x")])

    answer = engine.ask("Where are the lithium reserves?").answer

    assert not answer.abstained
    assert len(answer.text) <= MAX_ANSWER_CHARS
    assert "lithium reserves of the Uyuni salt flat" in answer.text and "…" in answer.text
