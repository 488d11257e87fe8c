"""How far polling may run ahead of answering: at most INTAKE_LIMIT updates taken and unanswered.

python-telegram-bot's Updater fetches updates as fast as Telegram hands them over and confirms
each batch at the next getUpdates, long before the updates are answered. Under a burst, then,
thousands of updates can be confirmed to Telegram but still waiting inside the bot: memory grows
with them, and after a SIGKILL all of them wait to be answered from the state store's inbox
(state_store.py) before any new question. So the next getUpdates waits until the bot is down to
INTAKE_LIMIT updates in hand; answering speed is unchanged as long as the limit keeps every
concurrent slot busy.

An update waiting behind an earlier one of its own chat (ordering.py) is parked: it cannot use a
slot however long it waits (its chat's flood limit is one message a second), so it does not count
against INTAKE_LIMIT, or one busy chat would stop the bot from fetching anyone else's questions.
Parked updates are bounded per chat (ordering.CHAT_QUEUE_LIMIT) and, all together, by
PARKED_LIMIT.
"""

from __future__ import annotations

import asyncio

INTAKE_LIMIT = 128  # twice the updates handled at once: enough to keep every slot busy
PARKED_LIMIT = 1024  # updates waiting behind their own chat, over all chats


class Intake:
    """Count the updates polling took and the bot has not finished; let polling wait for room."""

    def __init__(self, limit: int = INTAKE_LIMIT, parked_limit: int = PARKED_LIMIT):
        """Allow polling to hold at most limit unfinished updates (besides at most parked_limit
        parked ones) before it fetches more."""
        self.limit = limit
        self.parked_limit = parked_limit
        self.pending = 0
        self.parked = 0
        self._room: asyncio.Event | None = None

    def taken(self, count: int) -> None:
        """Note that polling took count updates."""
        self.pending += count

    def park(self) -> None:
        """Note that an update waits behind an earlier one of its chat."""
        self.parked += 1
        self._wake()

    def unpark(self) -> None:
        """Note that a parked update's turn came."""
        self.parked = max(0, self.parked - 1)

    def finished(self) -> None:
        """Note that one update was handled (whether it came by polling or by webhook)."""
        self.pending = max(0, self.pending - 1)
        self._wake()

    def full(self) -> bool:
        """Say whether polling must wait before it fetches more."""
        parked = min(self.parked, self.parked_limit)
        return self.pending - parked >= self.limit

    async def room(self) -> None:
        """Wait until fewer than limit updates (not counting those parked) are in hand."""
        while self.full():
            self._room = self._room or asyncio.Event()
            self._room.clear()
            await self._room.wait()

    def _wake(self) -> None:
        if self._room is not None and not self.full():
            self._room.set()
