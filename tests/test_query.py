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


def test_a_pronoun_stands_for_the_previous_subject_as_if_it_were_named():
    previous = Turn(terms=["carlo", "mesa"], entities=["carlo", "mesa"], names=["Carlos Mesa"])

    query = build_query(read_question("What share of the vote did he get?"), previous=previous)

    carried = [g for g in query.groups if g.alternatives[0][0] in ("carlo", "mesa")]
    assert len(carried) == 2 and all(g.asked and g.weight == 1.0 for g in carried)
    assert query.entities == ("carlo", "mesa")
    assert {"carlo", "mesa"} <= query.asked_terms
    assert query.standalone == "What share of the vote did Carlos Mesa get?"


def test_a_possessive_pronoun_becomes_the_name_s():
    previous = Turn(terms=["almagro"], entities=["almagro"], names=["Luis Almagro"])

    query = build_query(read_question("What did his organization publish?"), previous=previous)

    assert query.standalone == "What did Luis Almagro's organization publish?"


def test_a_name_standing_for_a_pronoun_is_taken_as_text_whatever_it_holds():
    previous = Turn(terms=["foo"], entities=["foo"], names=[r"Foo\1 \g<0>"])

    assert build_query(read_question("What did he do?"), previous=previous).standalone == (
        r"What did Foo\1 \g<0> do?"
    )
    assert build_query(read_question("What is his job?"), previous=previous).standalone == (
        r"What is Foo\1 \g<0>'s job?"
    )


def test_a_follow_up_asks_about_a_name_the_article_never_mentions():
    previous = Turn(terms=["obama"], entities=["obama"], names=["Obama"])

    query = build_query(
        read_question("When was he elected?"), previous=previous, known=lambda term: term != "obama"
    )

    assert [g.alternatives[0] for g in query.groups if g.asked] == [("elect",), ("obama",)]


def test_a_question_with_its_own_names_and_no_pronoun_borrows_no_names():
    previous = Turn(terms=["carlo", "mesa", "vote"], entities=["carlo", "mesa"])

    query = build_query(read_question("What did Camacho get in the election?"), previous=previous)

    assert all(g.asked for g in query.groups)


def test_a_pronoun_only_follow_up_asks_about_the_previous_subject():
    previous = Turn(terms=["carlo", "mesa"], entities=["carlo", "mesa"])

    query = build_query(read_question("What did he do?"), previous=previous)

    assert query.has_content
    assert query.entities == ("carlo", "mesa")
