"""Abstaining, the bot points to the passage that came close to answering, and only then."""

from __future__ import annotations

import pytest

from article_bot.bot.texts import answer_text
from article_bot.index.engine import Engine, Tuning


@pytest.fixture(scope="module")
def unsure(engine: Engine) -> Engine:
    """The bundled article's engine, made to abstain on everything the direct answers don't take."""
    return Engine(engine.articles, Tuning(threshold=0.99, threshold_doubtful=0.99))


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("Who was the MAS presidential candidate?", "¶2"),
        ("How many people died of COVID-19 in Bolivia?", "¶5"),
    ],
)
def test_an_answerable_question_abstained_on_points_to_its_passage(question, passage, unsure):
    answer = unsure.ask(question).answer

    assert answer.abstained and answer.citations == ()
    assert answer_text(answer) == "The article doesn't say."
    assert answer.closest is not None and answer.closest.label == passage


@pytest.mark.parametrize(
    "question",
    ["Who won the 2019 Copa America?", "What is the tallest mountain in the world?", "zzzz qqqq"],
)
def test_a_far_off_question_gets_no_pointer(question, engine, unsure):
    for asking in (engine, unsure):
        answer = asking.ask(question).answer

        assert answer.abstained and answer.closest is None


def test_an_answer_has_no_closest_passage(engine):
    answer = engine.ask("Who was the MAS presidential candidate?").answer

    assert not answer.abstained and answer.closest is None
