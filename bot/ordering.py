"""Answer different chats concurrently while keeping each chat's updates in order.

With PTB's default (one update at a time) a reply waiting out a Bot API outage or a flood limit
holds up every other chat, and the bot idles while each request is on the wire. Fully
concurrent processing (concurrent_updates=True) would let a follow-up overtake the question it
follows up on. So updates run concurrently across chats, one at a time within a chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from .intake import Intake

MAX_CONCURRENT_UPDATES = 256


class PerChatOrder(BaseUpdateProcessor):
    """Process updates concurrently, but those of one chat (or inline user) one after another."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES, intake: Intake | None = None):
        """Allow up to max_concurrent_updates updates in progress at once; tell intake of each
        update finished."""
        super().__init__(max_concurrent_updates)
        self.intake = intake
        self._locks: dict[object, asyncio.Lock] = {}
        self._users: dict[object, int] = {}  # updates holding or waiting for each lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once earlier updates of the same chat are done."""
        key = _order_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock is fair: waiters get it in arrival order
                await coroutine
        finally:
            if self.intake is not None:
                self.intake.finished()
            self._users[key] -= 1
            if not self._users[key]:  # the chat has nothing queued: forget its lock
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _order_key(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", None)
