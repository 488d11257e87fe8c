"""How many questions a sender may ask a minute: past the limit, one "slow down", then quiet."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import Enum


class Verdict(Enum):
    ANSWER = "answer"
    WARN = "warn"  # the first question over the limit: say "slow down" once
    IGNORE = "ignore"


class QuestionThrottle:
    """Count each sender's questions in the last minute: past the limit, warn once, then be quiet."""

    def __init__(
        self, per_minute: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        """Allow per_minute questions per sender in any window (0 turns the limit off)."""
        self.per_minute = per_minute
        self.window_seconds = window_seconds
        self.clock = clock
        self._asked: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()
        self._next_sweep = clock() + window_seconds

    def check(self, sender: Hashable) -> Verdict:
        """Record a question from sender and say whether to answer it."""
        if not self.per_minute:
            return Verdict.ANSWER
        now = self.clock()
        if now >= self._next_sweep:
            self._sweep(now)
        asked = self._asked.setdefault(sender, deque())
        while asked and now - asked[0] >= self.window_seconds:
            asked.popleft()
        if len(asked) < self.per_minute:
            asked.append(now)
            self._warned.discard(sender)
            return Verdict.ANSWER
        if sender in self._warned:
            return Verdict.IGNORE
        self._warned.add(sender)
        return Verdict.WARN

    def refund(self, sender: Hashable, verdict: Verdict) -> None:
        """Take back the question check() just recorded for sender with verdict (it turned out to
        be one answered before, delivered again): a repeat costs the sender nothing."""
        if verdict is Verdict.ANSWER:
            asked = self._asked.get(sender)
            if asked:
                asked.pop()
        elif verdict is Verdict.WARN:
            self._warned.discard(sender)

    def __len__(self) -> int:
        return len(self._asked)

    def _sweep(self, now: float) -> None:
        # Once a window: senders with nothing in the last minute hold no state worth keeping,
        # so the table holds the last minute's senders however many have ever asked.
        idle = [s for s, asked in self._asked.items() if not asked or now - asked[-1] >= self.window_seconds]
        for sender in idle:
            del self._asked[sender]
            self._warned.discard(sender)
        self._next_sweep = now + self.window_seconds
