"""Counters for /stats: uptime, questions, abstentions, answer times, chats and dropped updates."""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TIMINGS_KEPT = 10_000  # the latest answer times; percentiles describe recent behaviour
# Registers of the distinct-chat counter: 2**12 bytes whatever the number of chats; its typical
# error is 1.04 / sqrt(2**12), about 1.6%, and below a few hundred chats it is all but exact.
CHAT_COUNTER_BITS = 12


@dataclass(frozen=True)
class StatsSnapshot:
    """What /stats shows, taken at one moment."""

    uptime_seconds: float
    questions: int
    abstentions: int
    p50_seconds: float | None
    p99_seconds: float | None
    chats: int  # estimated (DistinctCounter): exact for a few hundred, within a few % beyond
    dropped: int = 0  # updates a chat sent beyond its queue (ordering.py), not answered


class DistinctCounter:
    """Estimate how many distinct integers were added, in a fixed 4 kB (HyperLogLog).

    Keeping every chat id answered since start-up took 71 MB per million chats; the estimate needs
    none of them. Small counts use linear counting, which is exact until two ids share a register.
    """

    def __init__(self, bits: int = CHAT_COUNTER_BITS):
        """Start empty, with 2**bits registers."""
        self.bits = bits
        self._registers = bytearray(1 << bits)

    def add(self, value: int) -> None:
        """Count value (counting it again changes nothing)."""
        digest = hashlib.blake2b(value.to_bytes(16, "little", signed=True), digest_size=8).digest()
        hashed = int.from_bytes(digest, "little")
        register = hashed & ((1 << self.bits) - 1)
        rest = hashed >> self.bits
        width = 64 - self.bits
        rank = width - rest.bit_length() + 1  # position of the first 1 bit, counted from 1
        if rank > self._registers[register]:
            self._registers[register] = rank

    def __len__(self) -> int:
        """Return the estimated number of distinct values added."""
        m = len(self._registers)
        empty = self._registers.count(0)
        if empty == m:
            return 0
        alpha = 0.7213 / (1 + 1.079 / m)
        estimate = alpha * m * m / sum(2.0**-r for r in self._registers)
        if estimate <= 2.5 * m and empty:
            estimate = m * math.log(m / empty)
        return round(estimate)


class Stats:
    """Count the questions answered since start-up and time how long the engine took."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """Start the uptime clock now."""
        self.clock = clock
        self.started = clock()
        self.questions = 0
        self.abstentions = 0
        self.dropped = 0
        self._timings: deque[float] = deque(maxlen=TIMINGS_KEPT)
        self._chats = DistinctCounter()

    def record(self, seconds: float, *, abstained: bool, chat_id: int | None = None) -> None:
        """Record one answered question (chat_id None for inline queries, which have no chat)."""
        self.questions += 1
        self.abstentions += abstained
        self._timings.append(seconds)
        if chat_id is not None:
            self._chats.add(chat_id)

    def record_drop(self) -> None:
        """Count one update dropped because its chat sent faster than it was answered."""
        self.dropped += 1

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
            dropped=self.dropped,
        )


def percentile(ordered: Sequence[float], percent: float) -> float | None:
    """Return the nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]
