"""When to show "typing…": once per chat in Telegram's five seconds, in a table that stays small."""

from __future__ import annotations

import time
from collections.abc import Callable

TYPING_SECONDS = 5.0  # how long Telegram shows "typing…" after one chat action


class TypingIndicator:
    """Remember when each chat (or topic) was last shown "typing…"."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """Start with no chat shown."""
        self.clock = clock
        self._shown: dict[tuple[int, int], float] = {}
        self._next_sweep = clock() + TYPING_SECONDS

    def due(self, chat_id: int, topic: int) -> bool:
        """Say whether the chat should be shown "typing…" now (and note that it was).

        Telegram shows the status for five seconds or until the bot's next message, so one
        action per chat in that time is enough; one per question cost about 40% of the bot's
        CPU under load (measured with bench/bench_load.py).
        """
        now = self.clock()
        if now >= self._next_sweep:
            # Entries older than five seconds decide nothing: drop them, so the table holds only
            # the chats of the last few seconds.
            self._shown = {key: at for key, at in self._shown.items() if now - at < TYPING_SECONDS}
            self._next_sweep = now + TYPING_SECONDS
        key = (chat_id, topic)
        if now - self._shown.get(key, -TYPING_SECONDS) < TYPING_SECONDS:
            return False
        self._shown[key] = now
        return True

    def __len__(self) -> int:
        return len(self._shown)
