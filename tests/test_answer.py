"""Answer composition: which sentences to quote, when to abstain, how to cut long sentences."""

from __future__ import annotations

import pytest

from article_bot.index.answer import excerpt
from article_bot.index.content import parse_article
from article_bot.index.direct import about_article
from article_bot.index.engine import Engine
from article_bot.index.query import build_query

ARTICLE = parse_article(
    "# Mining in the Andes\n\nJane Roe\n2 May 2021\n\n"
    "Potosí produced silver for the Spanish crown. Its mines employed thousands.\n\n"
    "The Uyuni salt flat holds lithium. Companies from China and Europe want the lithium.\n\n"
    "Tin mining collapsed in 1985. Miners then moved to El Alto.\n",
    slug="andes",
)
ENGINE = Engine([ARTICLE])


def test_the_best_sentence_is_quoted_with_its_marker_and_source():
    answer = ENGINE.ask("When did tin mining collapse?")

    assert answer.text == "Tin mining collapsed in 1985. [1]"
    assert [c.passage.label for c in answer.citations] == ["¶3"]


@pytest.mark.xfail(strict=True, reason="on a three-passage article the ranker is sure enough anyway")
def test_a_number_question_needs_a_number_in_the_answer():
    assert ENGINE.ask("How many companies want lithium?").abstained


def test_a_question_about_what_did_not_happen_needs_a_negation():
    assert ENGINE.ask("Which companies do not want the lithium?").abstained


def test_a_bare_name_gets_what_the_article_says_about_it():
    assert ENGINE.ask("Potosi?").text == "Potosí produced silver for the Spanish crown. [1]"


def test_metadata_questions():
    assert about_article("Who wrote this?", [ARTICLE]).text == (
        "“Mining in the Andes” was written by Jane Roe, published 2 May 2021."
    )
    assert "2 May 2021" in about_article("When was the article published?", [ARTICLE]).text
    assert about_article("Who mined tin?", [ARTICLE]) is None


def test_a_long_sentence_is_cut_to_the_clauses_that_answer():
    sentence = (
        "The mine, which opened in 1545 after a long dispute between the crown and the local "
        "lords of the valley, and which employed tens of thousands of forced labourers over the "
        "following two centuries, produced most of the silver that reached Seville; its output "
        "fell after 1650, when the richest veins ran out, and the town shrank to a fraction of "
        "its former size, although the cathedral, the mint and the churches still stand today."
    )
    query = build_query("When did the output fall?")

    cut = excerpt(sentence, query, limit=120)

    assert cut.startswith("… ") and len(cut) <= 130
    assert "its output fell after 1650" in cut
    assert cut.replace("… ", "").replace(" …", "") in sentence
