"""Sentence splitting: abbreviations, numbers and quotes must not break a quoted sentence."""

from __future__ import annotations

import pytest

from article_bot.index.sentences import split_sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Mr. Smith went to Washington. He met Dr. Jones at 3 p.m. on Friday.",
            ["Mr. Smith went to Washington.", "He met Dr. Jones at 3 p.m. on Friday."],
        ),
        (
            "The U.S. ambassador left. Then Gen. Kaliman resigned.",
            ["The U.S. ambassador left.", "Then Gen. Kaliman resigned."],
        ),
        (
            "The MAS won 52.4 percent. Mesa got 31.5 percent.",
            ["The MAS won 52.4 percent.", "Mesa got 31.5 percent."],
        ),
        (
            "The vote was on Oct. 18 in La Paz. Results came later.",
            ["The vote was on Oct. 18 in La Paz.", "Results came later."],
        ),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
        ("One sentence without a final stop", ["One sentence without a final stop"]),
    ],
)
def test_splits_where_a_reader_would(paragraph, expected):
    assert split_sentences(paragraph) == expected


@pytest.mark.parametrize("quote", ["“we won.”", '"we won."', "‘we won.’"])
def test_closing_quote_stays_with_its_sentence(quote):
    assert split_sentences(f"He said {quote} Then he left.") == [
        f"He said {quote}",
        "Then he left.",
    ]


def test_closing_parenthesis_stays_with_its_sentence():
    assert split_sentences("Prices rose (by a lot.) Then fell.") == [
        "Prices rose (by a lot.)",
        "Then fell.",
    ]


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_blank_text_has_no_sentences(blank):
    assert split_sentences(blank) == []


def test_every_character_is_kept():
    paragraph = (
        "Mesa has already conceded defeat, while the de facto president Jeanine Áñez and the "
        "president of the Organization of American States (OAS), Luis Almagro, have congratulated "
        "Arce for the victory. The OAS played a crucial role in the overthrow of Morales last year "
        "by publishing a report with false allegations of voter fraud. “It’s over,” one said—again."
    )

    sentences = split_sentences(paragraph)

    assert len(sentences) == 3
    assert " ".join(sentences) == paragraph
