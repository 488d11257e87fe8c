"""Counters for /stats: uptime, questions, abstentions, answer times and chats."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TIMINGS_KEPT = 10_000  # the latest answer times; percentiles describe recent behaviour


@dataclass(frozen=True)
class StatsSnapshot:
    """What /stats shows, taken at one moment."""

    uptime_seconds: float
    questions: int
    abstentions: int
    p50_seconds: float | None
    p99_seconds: float | None
    chats: int


class Stats:
    """Count the questions answered since start-up and time how long the engine took."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """Start the uptime clock now."""
        self.clock = clock
        self.started = clock()
        self.questions = 0
        self.abstentions = 0
        self._timings: deque[float] = deque(maxlen=TIMINGS_KEPT)
        self._chats: set[int] = set()

    def record(self, seconds: float, *, abstained: bool, chat_id: int | None = None) -> None:
        """Record one answered question (chat_id None for inline queries, which have no chat)."""
        self.questions += 1
        self.abstentions += abstained
        self._timings.append(seconds)
        if chat_id is not None:
            self._chats.add(chat_id)

    def snapshot(self) -> StatsSnapshot:
        """Return the figures as they are now."""
        timings = sorted(self._timings)
        return StatsSnapshot(
            uptime_seconds=self.clock() - self.started,
            questions=self.questions,
            abstentions=self.abstentions,
            p50_seconds=percentile(timings, 50),
            p99_seconds=percentile(timings, 99),
            chats=len(self._chats),
        )


def percentile(ordered: Sequence[float], percent: float) -> float | None:
    """Return the nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]
