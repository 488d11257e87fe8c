"""The /stats counters: questions, abstentions, percentiles of answer time, chats, uptime."""

from __future__ import annotations

import pickle

from article_bot.bot.stats import TIMINGS_KEPT, DistinctCounter, Stats, percentile
from article_bot.bot.telegram_render import duration, stats_html


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_counter_has_nothing_to_report_but_uptime():
    clock = FakeClock()
    stats = Stats(clock)
    clock.now += 75

    snapshot = stats.snapshot()
    assert snapshot.uptime_seconds == 75
    assert (snapshot.questions, snapshot.abstentions, snapshot.chats) == (0, 0, 0)
    assert snapshot.p50_seconds is None and snapshot.p99_seconds is None


def test_questions_abstentions_and_distinct_chats_are_counted():
    stats = Stats()
    stats.record(0.01, abstained=False, chat_id=1)
    stats.record(0.02, abstained=True, chat_id=1)
    stats.record(0.03, abstained=False, chat_id=-100)
    stats.record(0.04, abstained=True, chat_id=None)  # an inline query: no chat

    snapshot = stats.snapshot()
    assert (snapshot.questions, snapshot.abstentions, snapshot.chats) == (4, 2, 2)


def test_percentiles_are_nearest_rank():
    ordered = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    assert percentile(ordered, 50) == 0.050
    assert percentile(ordered, 99) == 0.099
    assert percentile([0.5], 99) == 0.5
    assert percentile([], 50) is None


def test_percentiles_come_from_the_recorded_times_in_any_order():
    stats = Stats()
    for milliseconds in [90, 10, 50, 30, 70, 20, 60, 40, 80, 100]:
        stats.record(milliseconds / 1000, abstained=False, chat_id=7)
    snapshot = stats.snapshot()
    assert snapshot.p50_seconds == 0.050
    assert snapshot.p99_seconds == 0.100


def test_only_the_latest_timings_are_kept():
    stats = Stats()
    for _ in range(TIMINGS_KEPT):
        stats.record(9.0, abstained=False)
    for _ in range(TIMINGS_KEPT):
        stats.record(0.001, abstained=False)
    snapshot = stats.snapshot()
    assert snapshot.questions == 2 * TIMINGS_KEPT
    assert snapshot.p99_seconds == 0.001  # the slow start has aged out


def test_stats_render_as_lines_an_admin_can_read():
    clock = FakeClock()
    stats = Stats(clock)
    stats.record(0.0042, abstained=False, chat_id=1)
    stats.record(0.0100, abstained=True, chat_id=2)
    clock.now += 3 * 86400 + 4 * 3600 + 5

    assert stats_html(stats.snapshot()).splitlines() == [
        "<b>Stats</b>",
        "Uptime: 3d 4h 5s",
        "Questions: 2 (1 answered, 1 abstained)",
        "Answer time: p50 4.2 ms, p99 10.0 ms",
        "Chats: 2",
        "Dropped: 0 (sent faster than they could be answered)",
    ]
    assert duration(59.9) == "59s"


def test_chats_are_counted_in_fixed_memory_within_a_few_percent():
    counter = DistinctCounter()
    size = len(pickle.dumps(counter))
    for chat_id in range(-50_000, 50_000):
        counter.add(chat_id)
        counter.add(chat_id)  # a chat asking again is the same chat
    assert abs(len(counter) - 100_000) < 0.05 * 100_000
    assert len(pickle.dumps(counter)) == size  # nothing kept per chat


def test_a_few_chats_are_counted_exactly():
    stats = Stats()
    for chat_id in [5, -100123, 5, 77, -100123]:
        stats.record(0.01, abstained=False, chat_id=chat_id)
    assert stats.snapshot().chats == 3
