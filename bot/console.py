"""The console front end: an interactive prompt, or one message per line from a pipe."""

from __future__ import annotations

import io
import json
import logging
import shutil
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from ..index.engine import Engine
from ..index.language import ENGLISH, detect
from ..index.model import Conversation
from . import commands
from .texts import answer_json, say, source_text, welcome_text

logger = logging.getLogger(__name__)

HISTORY_FILE = Path.home() / ".article_bot_history"
QUIT_COMMANDS = {"/quit", "/exit", "/q"}


class ConsoleSession:
    """One conversation driven by typed messages: questions and slash commands."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.conversation = Conversation()
        self.language = ENGLISH  # of the last question: what commands answer in

    def handle(self, message: str) -> dict[str, object]:
        """Answer one message and return the console JSON object for it."""
        text = message.strip()
        if not text:
            return _notice(say("empty", self.language))
        if text.startswith("/"):
            return self._command(text)
        return self._question(text)

    def _question(self, text: str) -> dict[str, object]:
        self.language = detect(text)
        answer, turn = commands.ask(self.engine, text, self.conversation.last)
        self.conversation.remember(turn)
        return answer_json(self.engine, answer)

    def _command(self, text: str) -> dict[str, object]:
        typed, _, argument = text.partition(" ")
        reply = commands.reply(typed, argument, self.engine, self.conversation, self.language)
        if reply.question is not None:
            return self._question(reply.question)
        if reply.reset:
            self.conversation.reset()
        if reply.welcome is not None:
            return _notice(welcome_text(reply.welcome.about, reply.welcome.examples, self.language))
        if reply.passage is not None:
            return _notice(source_text(self.engine, reply.passage))
        return _notice(reply.text)


def _notice(text: str) -> dict[str, object]:
    return {"reply": text, "answer": "", "abstained": False, "citations": []}


def run_lines(session: ConsoleSession, lines: Iterable[str], out: TextIO, as_json: bool) -> None:
    """Answer each line, writing one JSON object a line or the plain reply."""
    for line in lines:
        line = line.rstrip("\n")
        if not as_json and line.strip().lower() in QUIT_COMMANDS:
            break
        result = session.handle(line)
        if as_json:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            out.write(str(result["reply"]) + "\n\n")
        out.flush()


def interactive(session: ConsoleSession) -> None:
    """Run the prompt with line editing and history until Ctrl-D or /quit."""
    try:
        import readline
    except ImportError:  # not on every platform; the prompt still works without it
        readline = None  # type: ignore[assignment]
    if readline is not None:
        try:
            readline.read_history_file(HISTORY_FILE)
        except OSError:
            pass
    titles = ", ".join(f"“{a.title}”" for a in session.engine.articles[:3])
    print(_wrapped(f"Ask about {titles}. /help for commands, Ctrl-D or /quit to leave.") + "\n")
    try:
        while True:
            try:
                line = input("? ")
            except KeyboardInterrupt:
                print()
                continue
            if line.strip().lower() in QUIT_COMMANDS:
                break
            print(_wrapped(str(session.handle(line)["reply"])), end="\n\n")
    except EOFError:
        print()
    finally:
        if readline is not None:
            try:
                readline.write_history_file(HISTORY_FILE)
            except OSError as error:
                logger.debug("history not saved: %s", error)


def _wrapped(text: str) -> str:
    """Wrap each line of a reply to the terminal's width, at spaces."""
    width = max(40, shutil.get_terminal_size().columns - 1)
    return "\n".join(
        textwrap.fill(line, width, break_on_hyphens=False) if line else "" for line in text.split("\n")
    )


def console(engine: Engine, as_json: bool) -> int:
    """Run the console: interactive on a terminal, line by line from a pipe."""
    session = ConsoleSession(engine)
    if isinstance(sys.stdin, io.TextIOWrapper):
        # One byte that is not UTF-8 (a pasted Latin-1 quote, binary piped in by mistake) must
        # not end the session with a traceback: it reads as U+FFFD and the line is answered.
        sys.stdin.reconfigure(errors="replace")
    if sys.stdin.isatty() and not as_json:
        interactive(session)
    else:
        run_lines(session, sys.stdin, sys.stdout, as_json)
    return 0
