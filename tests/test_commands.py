"""The chat commands both front ends dispatch to: one answer, one wording, in the console as in
Telegram (whose handlers test_telegram_bot.py drives)."""

from __future__ import annotations

from article_bot.bot import commands
from article_bot.bot import telegram_render as render
from article_bot.bot.console import ConsoleSession
from article_bot.bot.texts import say
from article_bot.index.model import Conversation


def test_the_console_welcomes_with_the_examples_telegram_shows(engine):
    welcome = commands.welcome(engine)
    reply = str(ConsoleSession(engine).handle("/start")["reply"])

    assert reply.startswith("Hello! I answer questions about this article")
    assert [line[2:] for line in reply.splitlines() if line.startswith("• ")] == welcome.examples
    assert len(welcome.examples) == 3
    assert all(f"• {question}" in render.welcome_html(welcome) for question in welcome.examples)


def test_ask_without_a_question_shows_the_usage_with_an_example(engine):
    assert ConsoleSession(engine).handle("/ask   ")["reply"] == "Usage: /ask QUESTION, e.g. /ask Who won?"
    assert commands.reply("/ask", "", engine, None).text == say("ask_usage_example")


def test_a_command_named_with_the_bots_name_is_that_command(engine):
    assert commands.reply("/About@SomeBot", "", engine, None) == commands.reply("/about", "", engine, None)


def test_an_unknown_command_is_named_as_typed_and_cut_short(engine):
    typed = "/" + "x" * 100
    text = commands.reply(typed, "", engine, None).text

    assert text.startswith("I don't know /xxx") and text.endswith("…. Try /help, or just ask a question.")
    assert len(text) < 120


def test_asking_returns_the_new_turn_and_leaves_the_conversation_as_it_was(engine):
    conversation = Conversation()

    answer, turn = commands.ask(engine, "What share of the vote did Carlos Mesa get?", conversation.last)

    assert not answer.abstained and turn is not None
    assert conversation.turns == []
    conversation.remember(turn)
    follow_up, _ = commands.ask(engine, "Who did he run against?", conversation.last)
    assert follow_up.text == engine.ask("Who did he run against?", turn).answer.text
