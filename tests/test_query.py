"""Questions into term groups: acronyms both ways, follow-up context (the answer
type is the question's own: tests/test_question.py)."""

from __future__ import annotations

from article_bot.index.analysis import Acronym
from article_bot.index.model import Turn
from article_bot.index.query import build_query
from article_bot.index.question import read_question

OAS = Acronym("oas", ("organ", "american", "state"), "Organization of American States")


def test_question_words_and_stopwords_are_not_searched_for():
    query = build_query(read_question("What did the army transport in Santa Cruz?"))

    assert [group.alternatives[0] for group in query.groups] == [
        ("armi",),
        ("transport",),
        ("santa",),
        ("cruz",),
    ]
    assert query.entities == ("santa", "cruz")
    assert query.question.names == ("santa cruz",)


def test_a_bare_number_asks_nothing_unless_a_conversation_gives_it_a_subject():
    previous = Turn(terms=["carlo", "mesa"], entities=["carlo", "mesa"])

    assert not build_query(read_question("1?")).has_content
    assert not build_query(read_question("52.4")).has_content
    assert build_query(read_question("And in 2019?"), previous=previous).has_content
    assert build_query(read_question("Who won in 2005?")).has_content


def test_an_acronym_in_a_question_also_searches_its_long_form():
    query = build_query(read_question("What did the OAS publish?"), [OAS])

    assert query.groups[0].alternatives == (("oas",), ("organ", "american", "state"))


def test_a_long_form_in_a_question_also_searches_its_acronym():
    query = build_query(read_question("What did the Organization of American States publish?"), [OAS])

    assert query.groups[0].alternatives == (("organ", "american", "state"), ("oas",))
    assert len(query.groups) == 2  # the long form is one thing asked about, not three


def test_a_hyphenated_word_matches_its_parts_or_the_whole():
    query = build_query(read_question("Why re-start the economy?"))

    assert query.groups[0].alternatives == (("start",), ("restart",))


def test_a_follow_up_with_a_pronoun_borrows_the_previous_subject():
    previous = Turn(terms=["carlo", "mesa"], entities=["carlo", "mesa"])

    query = build_query(read_question("What share of the vote did he get?"), previous=previous)

    carried = [g for g in query.groups if not g.asked]
    assert [g.alternatives[0][0] for g in carried] == ["carlo", "mesa"]
    assert all(g.weight < 1 for g in carried)


def test_a_question_with_its_own_names_and_no_pronoun_borrows_no_names():
    previous = Turn(terms=["carlo", "mesa", "vote"], entities=["carlo", "mesa"])

    query = build_query(read_question("What did Camacho get in the election?"), previous=previous)

    assert all(g.asked for g in query.groups)


def test_a_pronoun_only_follow_up_asks_about_the_previous_subject():
    previous = Turn(terms=["carlo", "mesa"], entities=["carlo", "mesa"])

    query = build_query(read_question("What did he do?"), previous=previous)

    assert query.has_content
    assert query.entities == ("carlo", "mesa")
