"""How many questions a user may ask a minute: past the limit, one "slow down", then quiet."""

from __future__ import annotations

import time
from collections import deque
from enum import Enum


class Verdict(Enum):
    ANSWER = "answer"
    WARN = "warn"  # the first question over the limit: say "slow down" once
    IGNORE = "ignore"


class QuestionThrottle:
    """Count each user's questions in the last minute: past the limit, warn once, then be quiet."""

    def __init__(self, per_minute: int, window_seconds: float = 60.0, clock=time.monotonic):
        """Allow per_minute questions per user in any window (0 turns the limit off)."""
        self.per_minute = per_minute
        self.window_seconds = window_seconds
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        """Record a question from user_id and say whether to answer it."""
        if not self.per_minute:
            return Verdict.ANSWER
        now = self.clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and now - asked[0] >= self.window_seconds:
            asked.popleft()
        if len(asked) < self.per_minute:
            asked.append(now)
            self._warned.discard(user_id)
            return Verdict.ANSWER
        if user_id in self._warned:
            return Verdict.IGNORE
        self._warned.add(user_id)
        return Verdict.WARN
