"""The per-sender question throttle and the "typing…" table: right verdicts, and bounded tables."""

from __future__ import annotations

from article_bot.bot.sending import TypingIndicator
from article_bot.bot.throttle import QuestionThrottle, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_past_the_limit_one_warning_then_quiet_until_the_minute_has_passed():
    clock = Clock()
    throttle = QuestionThrottle(2, clock=clock)
    verdicts = [throttle.check(("user", 1)) for _ in range(4)]
    assert verdicts == [Verdict.ANSWER, Verdict.ANSWER, Verdict.WARN, Verdict.IGNORE]
    assert throttle.check(("user", 2)) is Verdict.ANSWER  # someone else is not held up
    clock.now += 60
    assert throttle.check(("user", 1)) is Verdict.ANSWER


def test_the_throttle_forgets_senders_idle_for_a_minute():
    clock = Clock()
    throttle = QuestionThrottle(5, clock=clock)
    for sender in range(10_000):
        throttle.check(("user", sender))
    assert len(throttle) == 10_000
    clock.now += 61
    throttle.check(("user", -1))
    assert len(throttle) == 1


def test_typing_is_shown_once_per_chat_in_five_seconds_and_the_table_stays_small():
    clock = Clock()
    typing = TypingIndicator(clock=clock)
    assert typing.due(1, 0) and not typing.due(1, 0) and typing.due(1, 7)
    for chat in range(10_000):
        typing.due(chat + 10, 0)
    clock.now += 6
    assert typing.due(1, 0)
    assert len(typing) == 1


def test_a_refunded_question_does_not_count():
    throttle = QuestionThrottle(per_minute=1, clock=lambda: 0.0)
    assert throttle.check("ann") is Verdict.ANSWER
    assert throttle.check("ann") is Verdict.WARN
    throttle.refund("ann", Verdict.WARN)
    assert throttle.check("ann") is Verdict.WARN  # warned again: the refunded warning was never sent
    throttle.refund("ann", Verdict.WARN)
    throttle.refund("ann", Verdict.ANSWER)
    assert throttle.check("ann") is Verdict.ANSWER
