"""Index terms: however a word is typed in the article or the question, the two must meet."""

from __future__ import annotations

import pytest

from article_bot.index.analysis import COUNTRY_US, find_acronyms, fold, stem, terms


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Anez", "Áñez"),
        ("anez", "ÁÑEZ"),
        ("Peru", "Perú"),
        ("Cristobal", "Cristóbal"),
        ("workers' struggles", "workers’ struggles"),
        ('"herd immunity"', "“herd immunity”"),
        ("Bolivia - including lithium", "Bolivia—including lithium"),
        ("2000 - 2005", "2000–2005"),
        ("52.4%", "52.4 percent"),
        ("8500 deaths", "8,500 deaths"),
        ("52.40", "52.4"),
        ("who won", "won"),
        ("winning", "won"),
    ],
)
def test_differently_typed_text_gives_the_same_terms(typed, written):
    assert terms(typed) == terms(written)
    assert terms(written)  # something to match on


def test_fold_removes_accents_but_keeps_letters():
    assert fold("Áñez, Perú, São Paulo") == "Anez, Peru, Sao Paulo"


@pytest.mark.parametrize(
    "text",
    ["the US ambassador", "U.S. imperialism", "US officials said", "the U.S.", "THE US EMBASSY"],
)
def test_the_country_us_is_a_term(text):
    assert COUNTRY_US in terms(text)


@pytest.mark.parametrize("text", ["they told us", "let us go", "Us and them"])
def test_the_pronoun_us_is_a_stopword(text):
    assert COUNTRY_US not in terms(text)
    assert "us" not in terms(text)


@pytest.mark.parametrize(
    ("word", "parts", "joined"),
    [
        ("US-backed", [COUNTRY_US, "back"], "usback"),
        ("president-elect", ["presid", "elect"], "presidentelect"),
        ("ex-president", ["ex", "presid"], "expresid"),
        ("20-day", ["20", "day"], "20day"),
        ("COVID-19", ["covid", "19"], "covid19"),
    ],
)
def test_hyphenated_words_match_their_parts_and_the_whole(word, parts, joined):
    found = terms(word)

    assert all(part in found for part in parts)
    assert joined in found
    # A question that writes the parts apart still meets the hyphenated word.
    assert set(terms(" ".join(word.split("-")))) <= set(found) | {COUNTRY_US}


def test_re_start_meets_restart():
    assert set(terms("restart")) <= set(terms("re-start"))
    assert "start" in terms("re-start")


def test_the_backed_parts_of_us_backed_meet_a_plain_question():
    question = set(terms("Which coup did the US back?"))

    assert {COUNTRY_US, "back"} <= question & set(terms("the US-backed military overthrow"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52.4", ["52.4"]),
        ("8,500", ["8500"]),
        ("2011-2014", ["2011", "2014"]),
        ("2011–2014", ["2011", "2014"]),
        ("COVID-19", ["covid", "19", "covid19"]),
        ("twice", ["2"]),
    ],
)
def test_numbers(text, expected):
    assert terms(text) == expected


def test_number_ranges_are_not_joined_into_one_number():
    assert "20112014" not in terms("2011-2014")


def test_stems_and_irregular_forms():
    assert stem("elections") == stem("election")
    assert stem("won") == stem("win")
    assert terms("He was overthrown") == terms("overthrow")


def test_stopwords_are_dropped_but_content_words_kept():
    assert terms("What is the capital of the country?") == ["capit", "countri"]


def test_acronyms_defined_in_the_text_are_found():
    text = (
        "the victory of Morales's Movement Toward Socialism (MAS) in the elections, and the "
        "president of the Organization of American States (OAS), Luis Almagro."
    )

    found = {acronym.short: acronym for acronym in find_acronyms(text)}

    assert set(found) == {"mas", "oas"}
    assert found["mas"].long_form == "Movement Toward Socialism"
    assert found["oas"].long_form == "Organization of American States"
    assert found["mas"].long_terms == tuple(terms("Movement Toward Socialism"))
    assert found["oas"].long_terms == tuple(terms("Organization of American States"))


@pytest.mark.parametrize(
    "text",
    [
        "a remark (OK) in passing",  # no long form spells it
        "in the past (US State Department)",  # a parenthesis, not an acronym
        "the price (in USD) rose",
    ],
)
def test_parentheses_that_define_nothing_are_not_acronyms(text):
    assert find_acronyms(text) == []
