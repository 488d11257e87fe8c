"""A sentence analysed once, when indexed: what it holds whatever the question."""

from __future__ import annotations

from article_bot.index.facts import MAX_QUOTE_CHARS, analyse_sentence, named_by_surname, written_names
from article_bot.index.lexicon import CARDINALS


def test_numbers_dates_and_what_the_numbers_count():
    facts = analyse_sentence("In 2019, about 4,000 miners and twelve police officers marched in May.")

    assert facts.numbers == ("4,000", "twelve")  # the year says when, not how many
    assert facts.dates == ("2019", "may")
    assert facts.has_year and facts.has_month_or_era and facts.has_digit
    assert {"miner", "polic", "offic"} <= set(facts.counted)


def test_an_ordinal_is_no_count_but_a_century_is_a_date():
    facts = analyse_sentence("By the 21st century, the 3rd strike had 2 leaders and 1st-time marchers.")

    assert facts.numbers == ("2",)
    assert "century" in facts.dates


def test_names_are_capitalised_words_past_the_first():
    facts = analyse_sentence("Tin mining collapsed when Luis Arce was in La Paz.")

    assert facts.names == ("lui", "arc", "la", "paz")
    assert facts.terms[:3] == ("tin", "mine", "collaps")
    assert facts.term_set == frozenset(facts.terms)


def test_negation_reasons_and_speech():
    said = analyse_sentence("“We will not stop,” he said, because wages fell.")

    assert said.negated and said.gives_reason and said.reports_speech and said.has_quote
    plain = analyse_sentence("The miners marched to the capital.")
    assert not (plain.negated or plain.gives_reason or plain.reports_speech or plain.has_quote)


def test_only_a_long_sentence_is_split_into_clauses():
    short = analyse_sentence("The mine opened in 1545, and it closed in 1650.")
    long = analyse_sentence(
        "The mine opened in 1545, " + ", ".join(f"and shaft {i} was dug soon after" for i in range(20)) + "."
    )

    assert short.clauses == () and short.shortened is None
    assert len(long.text) > MAX_QUOTE_CHARS
    assert [clause.text for clause in long.clauses[:2]] == [
        "The mine opened in 1545,",
        "and shaft 0 was dug soon after,",
    ]
    assert long.clauses[0].dates == ("1545",)
    assert long.shortened is None  # its clauses are short enough to quote


def test_a_long_sentence_without_short_clauses_is_cut_at_a_word():
    sentence = " ".join(["lithium"] * 80) + "."

    facts = analyse_sentence(sentence)

    assert facts.shortened is not None
    assert facts.shortened.text.endswith(" …") and len(facts.shortened.text) <= MAX_QUOTE_CHARS + 2
    assert sentence.startswith(facts.shortened.text.removesuffix(" …"))


def test_every_cardinal_in_words_is_a_number_and_counts_what_follows():
    for word, value in CARDINALS.items():
        facts = analyse_sentence(f"Officials said {word} soldiers were killed.")

        assert str(value) in facts.terms, word
        if word != "one":  # also a pronoun: "the one who"
            assert facts.numbers == (word,), word
            assert "soldier" in facts.counted, word


def test_a_surname_stands_for_a_name_no_one_else_in_the_article_has():
    written = written_names(
        analyse_sentence(text)
        for text in [
            "Juan Lopez met President Maria Ortiz on Monday in La Paz.",
            "Lopez then flew to Santa Cruz, and Ortiz stayed.",
            "Ana Ruiz and Pedro Ruiz disagreed.",
            "Great Britain was then a great power.",
        ]
    )

    assert named_by_surname(("juan", "lopez"), written)
    assert named_by_surname(("maria", "ortiz"), written)  # "President" is no part of her name
    assert not named_by_surname(("ana", "ruiz"), written)  # two people are called Ruiz
    assert not named_by_surname(("carlo", "lopez"), written)  # not the Lopez of the article
    assert not named_by_surname(("great", "britain"), written)  # "great" is a common word here
