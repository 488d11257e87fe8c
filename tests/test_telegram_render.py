"""Telegram rendering: escaping, the 4,096 split, callback data and buttons."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from bot_api_server import parse_html, utf16_length

from article_bot.bot import telegram_render as render
from article_bot.bot.commands import welcome
from article_bot.index.answer import abstain
from article_bot.index.model import Answer, Citation, Quote

LIMIT = render.MAX_MESSAGE_CHARS


def cited(engine, *numbers: int) -> Answer:
    citations = tuple(Citation(ref, engine.passage(n)) for ref, n in enumerate(numbers, start=1))
    return Answer(False, (Quote("A <quoted> sentence & more.", 1),), citations)


def test_answer_is_escaped_and_lists_its_sources(engine):
    text = render.answer_html(engine, cited(engine, 2, 7))
    assert text.startswith("A &lt;quoted&gt; sentence &amp; more. [1]\n\n<b>Sources</b>\n")
    assert "\n[1] <b>¶2</b> <i>While the official results" in text
    assert "\n[2] <b>¶7</b> <i>" in text
    parse_html(text)  # what Telegram would accept


def test_abstention_shows_the_hint(engine, tmp_path):
    (tmp_path / "a.md").write_text("# Tom & Jerry <3\n\nTom chased Jerry.\n", "utf-8")
    answer = abstain(type(engine).from_path(tmp_path).articles)
    assert render.answer_html(engine, answer) == (
        "The article doesn't say.\n<i>I can answer questions about “Tom &amp; Jerry &lt;3”.</i>"
    )


def test_source_keyboard_has_one_button_per_passage_in_rows_of_four(engine):
    keyboard = render.answer_keyboard(engine, cited(engine, 1, 2, 3, 4, 28))
    rows = keyboard.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["¶1", "¶2", "¶3", "¶4"], ["¶28"]]
    for button in (b for row in rows for b in row):
        assert len(button.callback_data.encode()) <= 64
        reference = render.parse_source_callback(button.callback_data)
        assert engine.find_source(reference).label == button.text
    assert render.source_keyboard(engine, ()) is None


@pytest.mark.parametrize("data", [None, "", "src:1", "src:x:2", "other:1:2", "src:1:2:3"])
def test_foreign_callback_data_is_not_a_source(data):
    assert render.parse_source_callback(data) is None


def test_short_text_is_one_message():
    assert render.split_message("hello\n\nworld") == ["hello\n\nworld"]


def test_split_is_at_paragraphs_and_each_part_fits():
    paragraphs = [f"<b>{n}</b> " + "word " * 150 for n in range(30)]
    parts = render.split_message("\n\n".join(paragraphs))
    assert len(parts) > 1 and all(utf16_length(p) <= LIMIT for p in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)  # nothing cut mid-paragraph


def test_an_over_long_paragraph_is_hard_split_without_breaking_html():
    paragraph = "<i>" + "Tom &amp; Jerry &lt;3 " * 600 + "</i> end"
    parts = render.split_message(paragraph)
    assert len(parts) > 1
    for part in parts:
        assert utf16_length(part) <= LIMIT
        parse_html(part)  # tags balanced, entities whole
    visible = " ".join(parse_html(part) for part in parts)
    assert re.sub(r"\s+", " ", visible) == re.sub(r"\s+", " ", parse_html(paragraph))


def test_a_paragraph_without_spaces_is_cut_anywhere_and_emoji_count_double():
    parts = render.split_message("😀" * 3000)  # 6,000 UTF-16 code units
    assert [utf16_length(p) for p in parts] == [4096, 1904]


def test_inline_result_sends_question_answer_and_source(engine):
    [result] = render.inline_results(engine, "Who is <Carlos> Mesa?", cited(engine, 2))
    content = result.input_message_content
    assert content.parse_mode == "HTML"
    assert content.message_text.startswith("<b>Q:</b> Who is &lt;Carlos&gt; Mesa?\n\n")
    assert "[1] <b>¶2</b>" in content.message_text
    assert len(result.id.encode()) <= 64 and result.description == "¶2"


def test_start_names_the_article_and_examples(engine):
    text = render.welcome_html(welcome(engine))
    parse_html(text)
    assert "Coup regime in Bolivia concedes electoral victory to MAS" in text
    assert text.count("\n• ") == 3


# An abstention that came close, and the exact answer in bold (hand-built Answers).


def close_abstention(engine, number: int = 5) -> Answer:
    return replace(abstain(engine.articles), closest=engine.passage(number))


def test_an_abstention_that_came_close_points_to_the_passage_with_its_button(engine):
    answer = close_abstention(engine)
    text = render.answer_html(engine, answer)
    assert text == (
        "The article doesn't say. The closest the article comes is ¶5.\n"
        "<i>I can answer questions about “Coup regime in Bolivia concedes electoral victory to MAS”.</i>"
    )
    [[button]] = render.answer_keyboard(engine, answer).inline_keyboard
    assert button.text == "¶5"
    assert engine.find_source(render.parse_source_callback(button.callback_data)) == engine.passage(5)
    assert render.answer_keyboard(engine, abstain(engine.articles)) is None


def test_the_span_is_bold_inside_the_escaped_answer(engine):
    quoted = "Mesa & <Arce> won 55.1 percent of the vote."
    start = quoted.index("55.1 percent")
    answer = Answer(False, (Quote(quoted, 1, bold=(start, start + 12)),), cited(engine, 2).citations)
    html = render.answer_html(engine, answer)
    assert html.startswith("Mesa &amp; &lt;Arce&gt; won <b>55.1 percent</b> of the vote. [1]\n")
    parse_html(html)


@pytest.mark.parametrize("span", [(0, 0), (5, 3), (-1, 4), (0, 10_000)])
def test_a_span_outside_its_quote_cannot_be_made(span):
    with pytest.raises(ValueError):
        Quote("Arce won.", 1, bold=span)


def test_a_long_answer_with_a_span_splits_within_the_limit_with_balanced_tags(engine):
    quoted = "word & " * 1000 + "the answer" + " more <text>" * 200
    start = quoted.index("the answer")
    answer = Answer(False, (Quote(quoted, 1, bold=(start - 300, start + 2000)),))
    text = answer.text
    parts = render.split_message(render.answer_html(engine, answer))
    assert len(parts) > 1
    for part in parts:
        assert utf16_length(part) <= LIMIT
        parse_html(part)
    assert "".join(parse_html(p) for p in parts).replace(" ", "") == text.replace(" ", "")
