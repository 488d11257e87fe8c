"""Answer different chats concurrently, each chat's updates in order, and no chat ahead of another.

With PTB's default (one update at a time) a reply waiting out a Bot API outage or a flood limit
holds up every other chat, and the bot idles while each request is on the wire. Fully
concurrent processing (concurrent_updates=True) would let a follow-up overtake the question it
follows up on. So updates run concurrently across chats, one at a time within a chat.

PTB takes one of its processing slots before it hands an update here, and its
`process_update` cannot be changed; so PTB is given many more slots than the bot answers with
(`MAX_UPDATES_IN_HAND`), and the slots that count (`concurrent`) are taken here, only once the
update is first in its chat's line. An update waiting behind its own chat (for the chat's
flood limit of one message a second, say) then holds nothing another chat needs. Each chat's
line is bounded (`CHAT_QUEUE_LIMIT`): a chat that sends faster than it can be answered has the
surplus dropped, claimed so that it is never answered later, and is told once (`on_drop`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from .delivery.receiving import Intake

logger = logging.getLogger(__name__)

# Updates PTB may hand over before it waits: every update in hand is one of PTB's slots, so this
# only bounds the whole (polling takes no more than Intake allows; the webhook is Telegram's).
MAX_UPDATES_IN_HAND = 4096
# Updates one chat (or inline user) may have waiting: at Telegram's one message a second per chat
# (20 a minute in groups) the last of ten waits about 10 s (30 s in a group) for its turn.
CHAT_QUEUE_LIMIT = 10

OrderKey = tuple[str, int | None]  # ("chat", id), ("user", id) for inline queries, ("other", None)


@dataclass
class _Line:
    """One chat's line: its lock (fair: waiters get it in arrival order) and who is in it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    updates: int = 0  # holding or waiting for the lock
    dropped: int = 0  # since the line was last empty


class PerChatOrder(BaseUpdateProcessor):
    """Process updates concurrently, but those of one chat (or inline user) one after another, and
    at most chat_queue_limit of one chat waiting; tell intake of each update finished."""

    def __init__(
        self,
        concurrent: int,
        intake: Intake | None = None,
        chat_queue_limit: int = CHAT_QUEUE_LIMIT,
    ):
        """Answer up to concurrent updates at once; keep at most chat_queue_limit waiting per chat."""
        super().__init__(MAX_UPDATES_IN_HAND)
        self.concurrent = concurrent
        self.intake = intake
        self.chat_queue_limit = chat_queue_limit
        # Called with each update dropped, and whether it is its chat's first since its line was
        # last empty: application.py claims it, tells the chat once and counts it.
        self.on_drop: Callable[[object, bool], None] | None = None
        self._slots = asyncio.Semaphore(concurrent)
        self._lines: dict[OrderKey, _Line] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once earlier updates of the same chat are done and a slot is
        free; drop it if its chat has chat_queue_limit updates waiting already."""
        key = _order_key(update)
        line = self._lines.setdefault(key, _Line())
        try:
            if line.updates > self.chat_queue_limit:  # one running, chat_queue_limit waiting
                self._drop(key, line, update, coroutine)
                return
            line.updates += 1
            parked = line.lock.locked()
            if parked and self.intake is not None:
                self.intake.park()
            try:
                async with line.lock:
                    if parked and self.intake is not None:
                        self.intake.unpark()
                        parked = False
                    async with self._slots:
                        await coroutine
            finally:
                if parked and self.intake is not None:  # cancelled while waiting
                    self.intake.unpark()
                line.updates -= 1
        finally:
            if self.intake is not None:
                self.intake.finished()
            if not line.updates:  # the chat has nothing in hand: forget its line
                del self._lines[key]
                if line.dropped:
                    logger.warning(
                        "%s %s: %d update(s) dropped, sent faster than answered", *key, line.dropped
                    )

    def _drop(self, key: OrderKey, line: _Line, update: object, coroutine: Awaitable[Any]) -> None:
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never run: no "was never awaited" warning
        first = not line.dropped
        line.dropped += 1
        if first:
            logger.warning(
                "%s %s sends faster than it is answered: updates beyond %d waiting are dropped",
                *key,
                self.chat_queue_limit,
            )
        if self.on_drop is not None:
            self.on_drop(update, first)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _order_key(update: object) -> OrderKey:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", None)
