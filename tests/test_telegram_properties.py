"""Hostile input through the Telegram renderer: arbitrary Unicode as questions and as article
text (control characters, RTL marks, emoji, combining marks, HTML and Markdown syntax, up to
10,000 characters). Every message is valid Telegram HTML within 4,096 UTF-16 units, and what
users or articles wrote is shown as text, never as markup."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from article_bot.bot import telegram_render as render
from article_bot.bot.commands import welcome
from article_bot.bot.texts import about_text, help_text
from article_bot.index.content import parse_article
from article_bot.index.engine import Engine
from article_bot.index.errors import ContentError

# Telegram's HTML parse mode: these tags only (attributes on a few), entities by name or number.
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
RENDERER_TAGS = {"b", "i"}  # what telegram_render itself writes
_TAG = re.compile(r"<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
MAX_UTF16 = 4096

SNIPPETS = [
    "<b>", "</b>", "<i>", "</i", "<script>alert(1)</script>", "<a href=\"x\">", "&amp;", "&lt;",
    "&", "&#", "&#x1F600;", "&bogus;", "<", ">", "<<>>", "**bold**", "_it_", "`code`",
    "[link](http://x)", "# Heading", "\n\n", "\n", "  ", "\u200f", "\u202e", "\u200d", "\u0301",
    "\u0000", "\u001b[31m", "\ufeff", "👍🏽", "👨‍👩‍👧", "🇧🇴", "¶", "[1]", "---", "> quote",
]  # fmt: skip
hostile_text = st.lists(st.one_of(st.text(max_size=60), st.sampled_from(SNIPPETS)), max_size=300).map("".join)
LONG = ("Señor <b>Mesa</b> & 👍🏽 " * 600)[:10_000]


def telegram_html_text(message: str) -> tuple[str, set[str]]:
    """Parse message as Telegram would; return its visible text and the tags used, or fail."""
    visible, used, open_tags, position = [], set(), [], 0
    while position < len(message):
        character = message[position]
        if character == "<":
            tag = _TAG.match(message, position)
            assert tag, f"stray < at {position}: {message[position : position + 20]!r}"
            closing, name, attributes = tag.groups()
            assert name in TELEGRAM_TAGS, f"unsupported tag {name}"
            if closing:
                assert not attributes and open_tags and open_tags.pop() == name, "unbalanced"
            else:
                open_tags.append(name)
                used.add(name)
            position = tag.end()
        elif character == "&":
            entity = _ENTITY.match(message, position)
            assert entity, f"bare & at {position}: {message[position : position + 20]!r}"
            visible.append(html.unescape(entity.group()))
            position = entity.end()
        else:
            assert character != ">", f"stray > at {position}"
            visible.append(character)
            position += 1
    assert not open_tags, f"unclosed {open_tags}"
    return "".join(visible), used


def assert_sendable(message: str) -> str:
    """Assert message is one valid Telegram HTML message; return its visible text."""
    assert len(message.encode("utf-16-le")) // 2 <= MAX_UTF16
    text, used = telegram_html_text(message)
    assert used <= RENDERER_TAGS, f"markup from the input: {used - RENDERER_TAGS}"
    assert text.strip(), "Telegram refuses an empty message"
    return text


def assert_messages(parts: list[str]) -> list[str]:
    assert parts
    return [assert_sendable(part) for part in parts]


def engine_for(article: str) -> Engine:
    try:
        return Engine([parse_article(article, "hostile")])
    except ContentError:
        assume(False)
        raise


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=hostile_text)
@example(question=LONG)
@example(question="")
def test_any_question_gets_valid_html_answers(engine, question):
    answer = engine.ask(question).answer
    assert_messages(render.split_message(render.answer_html(engine, answer)))
    [result] = render.inline_results(engine, question, answer)
    body = result.input_message_content.message_text
    text = assert_sendable(body)
    visible_question = f"Q: {question}"
    # The question is shown as typed (escaped), unless it was long enough to be cut.
    assert text.startswith(visible_question) or visible_question.startswith(text[:100])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article=hostile_text, question=hostile_text)
@example(article=f"# {LONG[:300]}\n\n{LONG}\n\n{LONG[:5000]}", question=LONG[:200])
def test_any_article_renders_valid_html(article, question):
    engine = engine_for(article)
    answer = engine.ask(question).answer
    assert_messages(render.split_message(render.answer_html(engine, answer)))
    assert_sendable(render.inline_results(engine, question, answer)[0].input_message_content.message_text)
    assert_messages(render.split_message(render.welcome_html(welcome(engine))))
    assert_messages(render.split_message(render.text_html(help_text())))
    assert_messages(render.split_message(render.text_html(about_text(engine))))
    for passage in engine.passages[:5]:
        parts = assert_messages(render.split_message(render.source_html(engine, passage)))
        shown = " ".join(parts)
        # Everything the passage says is shown as text (splits fall on spaces, maybe dropped).
        squeezed = re.sub(r"\s+", "", shown)
        assert re.sub(r"\s+", "", passage.text) in squeezed
    keyboard = render.answer_keyboard(engine, answer)
    for row in keyboard.inline_keyboard if keyboard else []:
        for button in row:
            assert len(button.callback_data.encode()) <= render.MAX_CALLBACK_DATA_BYTES


@settings(max_examples=150, deadline=None)
@given(text=hostile_text, wrap=st.sampled_from(["{}", "<b>{}</b>", "<i>{}</i>", "<b>x</b> {}"]))
@example(text=LONG, wrap="<b>{}</b>")
@example(text="a " * 5000, wrap="<i>{}</i>")
def test_split_message_keeps_escaped_text_valid_and_within_the_limit(text, wrap):
    assume(text.strip())
    message = wrap.format(render.escape(text))
    parts = assert_messages(render.split_message(message))
    whole = re.sub(r"\s+", "", telegram_html_text(message)[0])
    assert re.sub(r"\s+", "", "".join(parts)) == whole
