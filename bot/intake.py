"""How far polling may run ahead of answering: at most INTAKE_LIMIT updates taken and unanswered.

python-telegram-bot's Updater fetches updates as fast as Telegram hands them over and confirms
each batch at the next getUpdates, long before the updates are answered. Under a burst, then,
thousands of updates can be confirmed to Telegram but still waiting inside the bot: memory grows
with them, and after a SIGKILL all of them wait to be answered from the state store's inbox
(state_store.py) before any new question. So the next getUpdates waits until the bot is down to
INTAKE_LIMIT updates in hand; answering speed is unchanged as long as the limit keeps every
concurrent slot busy.
"""

from __future__ import annotations

import asyncio

INTAKE_LIMIT = 128  # twice the updates handled at once: enough to keep every slot busy


class Intake:
    """Count the updates polling took and the bot has not finished; let polling wait for room."""

    def __init__(self, limit: int = INTAKE_LIMIT):
        """Allow polling to hold at most limit unfinished updates before it fetches more."""
        self.limit = limit
        self.pending = 0
        self._room: asyncio.Event | None = None

    def taken(self, count: int) -> None:
        """Note that polling took count updates."""
        self.pending += count

    def finished(self) -> None:
        """Note that one update was handled (whether it came by polling or by webhook)."""
        self.pending = max(0, self.pending - 1)
        if self._room is not None and self.pending < self.limit:
            self._room.set()

    async def room(self) -> None:
        """Wait until fewer than limit updates are in hand."""
        while self.pending >= self.limit:
            self._room = self._room or asyncio.Event()
            self._room.clear()
            await self._room.wait()
