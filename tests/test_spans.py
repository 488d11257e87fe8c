"""The exact answer in bold: the date or count a question asks for, inside the quoted sentence."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from asking import ask_within

from article_bot.bot.telegram_render import answer_html
from article_bot.bot.texts import answer_json
from article_bot.index import spans
from article_bot.index.model import Conversation
from article_bot.index.question import read_question

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")


def span_text(question: str, text: str, shown: frozenset[str] = spans.SHOWN) -> str | None:
    found = spans.answer_span(read_question(question), text, shown)
    return None if found is None else text[found[0] : found[1]]


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("When was the bridge opened?", "The bridge was opened on 12 May 1890 by the mayor.", "12 May 1890"),
        ("When was the bridge opened?", "The bridge was opened on May 12, 1890.", "May 12, 1890"),
        ("In what year did the mill close?", "Its owners closed the mill in 1931.", "1931"),
        ("When did the town grow fastest?", "The town grew fastest in the late 1950s.", "late 1950s"),
        ("When was the abbey built?", "The abbey was built in the 12th century.", "12th century"),
        ("How many workers did the company hire?", "In 1999 the company hired 4,200 workers.", "4,200"),
        ("How many people live there?", "About 2.5 million people live in the valley.", "2.5 million"),
        ("How many ships were lost?", "Between 1754 and 1763 the navy lost twelve ships.", "twelve"),
        # The date the question already holds is not its answer.
        ("When did the war that began in 1914 end?", "The war began in 1914 and ended in 1918.", "1918"),
        # The number nearest the question's words, of two in one sentence.
        (
            "How many seats did the Greens win?",
            "The Liberals won 45 seats in the north, while the Greens won 12 seats in the south.",
            "12",
        ),
    ],
)
def test_the_date_or_count_asked_for_is_found(question, text, expected):
    assert span_text(question, text) == expected


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("What did the mayor open?", "The mayor opened the bridge on 12 May 1890."),
        ("Why was the bridge opened?", "The bridge was opened in 1890 because the ferry had sunk."),
        ("Who opened the bridge?", "Mayor Alice Smith opened the bridge in 1890."),  # "who": not shown
        ("Where was the bridge built?", "The bridge was built in Northtown in 1890."),  # "where": not shown
        ("How much did the bridge cost?", "The bridge cost $4 million in 1890."),  # "how much": not shown
        ("What was the cost of the bridge?", "The bridge cost $4 million in 1890."),  # an amount too
        ("What is the length of the bridge?", "The bridge is 300 metres long."),  # a measure: not shown
        ("When was the bridge opened?", "The bridge was opened by the mayor."),  # no date to show
        ("When was the bridge opened in 1890?", "The bridge was opened in 1890."),  # only the one asked
        ("How many workers were hired?", "The plant opened in 1990."),  # a year is no count
        # Two dates, neither nearer the question's words than the other: no telling which.
        ("When did the miners strike?", "There were stoppages in 1921 and 1926."),
    ],
)
def test_nothing_is_shown_when_the_kind_is_not_shown_or_the_answer_is_unclear(question, text):
    assert span_text(question, text) is None


def test_names_and_places_are_found_when_asked_for_though_not_shown():
    everything = frozenset(spans.KINDS)
    text = "Mayor Alice Smith opened the bridge in Northtown in 1890."
    assert span_text("Who opened the bridge?", text, everything) == "Mayor Alice Smith"
    assert span_text("Where was the bridge opened?", text, everything) == "Northtown"
    assert span_text("How much did it cost?", "It cost $4 million to build.", everything) == "$4 million"
    assert "person" not in spans.SHOWN and "place" not in spans.SHOWN


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many people died of COVID-19 in Bolivia?", "8,500"),
        ("When was Morales conscripted?", "1978"),
    ],
)
def test_the_span_points_at_the_answer_in_json_and_is_bold_in_telegram(engine, question, expected):
    answer = engine.ask(question).answer
    assert not answer.abstained

    result = answer_json(engine, answer)
    start, end = result["span"]
    assert result["answer"][start:end] == expected
    # Inside one quoted sentence (the most probable, which may be the second quoted), never over
    # a [n] marker.
    assert "[" not in result["answer"][start:end]
    assert any(
        start >= sentence_start and end <= sentence_start + len(sentence)
        for sentence_start, sentence in _sentences(result["answer"])
    )
    assert f"<b>{expected}</b>" in answer_html(engine, answer)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2019 Copa America?",  # the article doesn't say
        "Who was the MAS presidential candidate?",  # a name: not shown
        "Why did the coup happen?",
        "What did the US-backed regime recognize?",
        "Who wrote the article?",  # answered from the article's metadata
    ],
)
def test_no_span_for_abstentions_names_or_what_and_why_questions(engine, question):
    answer = engine.ask(question).answer
    assert answer.span is None
    assert "span" not in answer_json(engine, answer)
    assert "<b>" not in answer_html(engine, answer).split("\n")[0]


def test_a_follow_up_gets_its_span_too(engine):
    conversation = Conversation()
    ask_within(engine, "What about Morales?", conversation)
    answer = ask_within(engine, "When was he conscripted?", conversation)
    assert answer.span is not None
    assert answer.text[answer.span[0] : answer.span[1]] == "1978"


@pytest.mark.skipif(not ARTICLE_BOT.exists(), reason=f"{ARTICLE_BOT} is not installed")
def test_the_console_json_gives_the_span():
    env = {k: v for k, v in os.environ.items() if k != "ARTICLE_BOT_CONTENT"}
    lines = "How many people died of COVID-19 in Bolivia?\nWho won the 2019 Copa America?\n"
    result = subprocess.run(
        [str(ARTICLE_BOT), "console", "--json"],
        input=lines,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answered, abstained = (json.loads(line) for line in result.stdout.splitlines())
    start, end = answered["span"]
    assert answered["answer"][start:end] == "8,500"
    assert "span" not in abstained


def _sentences(answer: str) -> list[tuple[int, str]]:
    """Return each quoted sentence of an answer ("A. [1] B. [2]") with where it starts."""
    found, start = [], 0
    for marker in re.finditer(r" \[\d+\]", answer):
        found.append((start, answer[start : marker.start()]))
        start = marker.end() + 1
    return found
