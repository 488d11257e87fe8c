"""A question analysed once: what it asks about, the kind of answer it wants, how it asks."""

from __future__ import annotations

import sys

import pytest

from article_bot.index import analysis
from article_bot.index.lexicon import SAID_QUESTION_WORDS
from article_bot.index.question import MAX_QUESTION_CHARS, read_question


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people died?", "number"),
        ("What percentage of the vote did he get?", "number"),
        ("How long was the strike?", "number"),
        ("What is the population of La Paz?", "number"),  # a quantity asked for by its name
        ("What was Bolivia's GDP in 2019?", "number"),
        ("What is the speed of light?", "number"),
        ("How fast do objects fall?", "number"),
        ("What is the value of democracy?", None),  # a value is not always a number
        ("What is the difference between them?", None),
        ("When was he conscripted?", "date"),
        ("In what year did poverty rise?", "date"),
        ("Who is Carlos Mesa?", "identity"),
        ("Who is the president?", "person"),
        ("Who named Romero?", "person"),
        ("Where did Romero work?", "place"),
        ("Why did the coup happen?", "reason"),
        ("What did Morales say in Buenos Aires?", "speech"),
        ("What does the article say about Chile?", None),
        ("What did the OAS report allege?", None),
    ],
)
def test_the_kind_of_answer_follows_the_question_words(question, kind):
    assert read_question(question).answer_type == kind


def test_spacing_is_normalised_and_length_capped():
    assert read_question("  Who   is\n Mesa? ").text == "Who is Mesa?"
    assert len(read_question("why " * 1000).text) == MAX_QUESTION_CHARS


def test_names_entities_and_what_is_asked_about():
    question = read_question("What did the army transport in Santa Cruz for Luis Arce?")

    assert [word for word, _ in question.content] == ["army", "transport", "Santa", "Cruz", "Luis", "Arce"]
    assert question.entities == ("santa", "cruz", "lui", "arc")
    assert question.names == ("santa cruz", "luis arce")
    assert question.name_terms == (("santa", "cruz"), ("lui", "arc"))
    assert question.named == ("Santa Cruz", "Luis Arce")
    assert not question.has_pronoun


def test_how_a_question_asks_is_not_what_it_asks_about():
    question = read_question("What does the article say about Chile?")

    assert [word for word, _ in question.content] == ["Chile"]


def test_negation_counting_percentages_and_question_words():
    question = read_question("How many troops did Bolivia not send, in percent?")

    assert question.negated and question.percent
    assert question.counted == "troop"
    assert dict(zip(SAID_QUESTION_WORDS, question.says, strict=True)) == {
        "what": False,
        "which": False,
        "who": False,
        "when": False,
        "where": False,
        "how": True,
        "why": False,
    }
    assert not read_question("Who won?").negated
    assert read_question("Who won?").counted is None


def test_a_follow_up_pronoun_is_noticed():
    assert read_question("What did he do?").has_pronoun
    assert read_question("What did he do?").content == ()


def test_a_question_is_folded_once_and_split_into_words_once(andes, monkeypatch):
    """Asking reads the question once and tokenises none of the article's sentences again."""
    seen: list[str] = []
    for original in (analysis.fold, analysis.folded_words):

        def spy(text, _original=original):
            seen.append(text)
            return _original(text)

        for name, module in list(sys.modules.items()):
            if name.startswith("article_bot.index"):
                for attribute, value in list(vars(module).items()):
                    if value is original:
                        monkeypatch.setattr(module, attribute, spy)

    answer = andes.ask("When did tin mining collapse?").answer

    assert answer.text == "Tin mining collapsed in 1985. [1]"
    assert seen == ["When did tin mining collapse?"] * 2  # fold, then folded_words


@pytest.mark.parametrize(
    ("question", "defined"),
    [
        ("What is herd immunity?", "herd immunity"),
        ("what was the Military Police", "Military Police"),
        ("What are the lithium reserves?", "lithium reserves"),
        ("What is Warsaw's symbol?", None),  # an attribute of a name
        ("What is QED short for?", None),
        ("What is the capital of France?", None),
        ("What is it?", None),
        ("Who is Luis Arce?", None),  # "Who is" has its own rule (describes)
    ],
)
def test_a_question_asking_only_what_something_is_is_noticed(question, defined):
    assert read_question(question).defined == defined


@pytest.mark.parametrize(
    "question", ["WHO WON THE ELECTION?", "Who Won The Election?", "WHO WON THE ELECTION, mate?"]
)
def test_capitals_everywhere_name_no_one(question):
    asked = read_question(question)

    assert asked.names == () and asked.entities == () and asked.named == ()
    lowered = read_question(question.lower())
    assert (asked.token_terms, asked.bigrams) == (lowered.token_terms, lowered.bigrams)


@pytest.mark.parametrize("question", ["Who did the OAS and the MAS congratulate?", "Who is Luis Arce?"])
def test_a_few_capitals_still_name_someone(question):
    assert read_question(question).entities
