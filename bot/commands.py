"""The chat commands and questions, one set for the console and Telegram: what each answers.

A front end reads a command's name and argument, calls `reply`, and renders the Reply its own
way (plain text in the console, HTML and buttons in Telegram); what is said comes from texts.py's
WORDING. Questions are asked through `ask`, the one place in bot/ that asks the engine.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from ..index.engine import Engine
from ..index.errors import ArticleBotError
from ..index.language import ENGLISH, SPANISH
from ..index.model import Answer, Conversation, Passage, Turn
from .texts import about_text, excerpt, help_text, say


class Command(NamedTuple):
    """A chat command: its name, its line in Telegram's command menu, and whether groups list it."""

    name: str
    menu: str
    in_groups: bool = True


COMMANDS = (
    Command("start", "What I know and how to ask", in_groups=False),
    Command("help", "How to ask, and the commands"),
    Command("ask", "Ask a question about the article"),
    Command("about", "Which article I know"),
    Command("source", "The full text of passage N"),
    Command("reset", "Start a new conversation"),
)
# Telegram commands are at most 32 characters, and "@" and a bot's name at most 33 more; the
# reply names no more of what was typed than that, so it cannot grow with the message.
COMMAND_SHOWN_CHARS = 65


@dataclass(frozen=True)
class Welcome:
    """What /start shows: the articles (as /about), and example questions the engine answers."""

    about: str
    examples: list[str]


@dataclass(frozen=True)
class Reply:
    """What a command answers, for a front end to render: one of text to say, a passage to show in
    full, the welcome, or a question to answer; reset when the conversation starts afresh."""

    text: str = ""
    passage: Passage | None = None
    welcome: Welcome | None = None
    question: str | None = None
    reset: bool = False


def reply(
    typed: str, argument: str, engine: Engine, conversation: Conversation | None, language: str = ENGLISH
) -> Reply:
    """Return what the command typed ("/source", "/about@bot", ...) answers with argument, said in
    language; conversation (if given) decides which article a bare /source N is in."""
    name = command_name(typed)
    if name == "start":
        return Reply(welcome=welcome(engine, language))
    if name == "help":
        return Reply(help_text(language))
    if name == "about":
        return Reply(about_text(engine, language))
    if name == "source":
        try:
            return Reply(passage=engine.find_source(argument, conversation))
        except ArticleBotError as error:
            return Reply(str(error))
    if name == "reset":
        return Reply(say("reset", language), reset=True)
    if name == "ask":
        question = argument.strip()
        return Reply(question=question) if question else Reply(say("ask_usage_example", language))
    shown = excerpt(typed, COMMAND_SHOWN_CHARS)
    return Reply(say("unknown_command", language, command=shown))


def command_name(typed: str) -> str:
    """Return the command a typed one names: "/About@SomeBot" is "about"."""
    return typed.lstrip("/").split("@", 1)[0].lower()


def ask(engine: Engine, question: str, previous: Turn | None = None) -> tuple[Answer, Turn | None]:
    """Return engine's answer to question, following up on the previous turn, and the turn it
    adds (None if it adds none), for the caller to remember in its conversation."""
    reply = engine.ask(question, previous)
    return reply.answer, reply.turn


def welcome(engine: Engine, language: str = ENGLISH) -> Welcome:
    """Return what /start shows in language."""
    return Welcome(about_text(engine, language), example_questions(engine, language=language))


def example_questions(engine: Engine, count: int = 3, language: str = ENGLISH) -> list[str]:
    """Return a few example questions built from the article's own words that the engine answers:
    in language first, then (when too few in it are answered) in English, which the bot reads too."""
    names = _frequent_names(engine, 2)
    candidates = []
    if language == SPANISH:
        candidates += [f"¿Quién es {name}?" for name in names]
        candidates += [f"¿Qué dice el artículo sobre {name}?" for name in names]
    candidates += [f"What does the article say about {name}?" for name in names]
    candidates += [f"What is the {acronym.long_form}?" for acronym in engine.acronyms[:1]]
    candidates += ["What is the article about?", "Who wrote the article?"]
    examples: list[str] = []
    for question in candidates:
        # Asking costs milliseconds, and an example that gets "doesn't say" would mislead.
        if question not in examples and not ask(engine, question)[0].abstained:
            examples.append(question)
    return examples[:count]


_NAME = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+(?: [A-Z][a-z]+)+)")


def _frequent_names(engine: Engine, count: int) -> list[str]:
    """Return the multi-word proper names mentioned most often (not at a sentence start)."""
    names: Counter[str] = Counter()
    for passage in engine.passages:
        names.update(_NAME.findall(passage.text))
    return [name for name, _ in names.most_common(count)]
