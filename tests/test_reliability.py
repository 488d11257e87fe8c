"""Reliability against the loopback Bot API: outages, time-outs, 429 storms, unreachable at
start-up, and SIGTERM in the middle of answering. In every case no reply is lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from bot_api_server import TOKEN, FakeBotApi, text_message
from running_bot import RunningBot, ask_and_wait, free_port
from telegram.error import RetryAfter

from article_bot.bot.application import getupdates_request
from article_bot.bot.delivery.receiving import INTAKE_LIMIT, Intake
from article_bot.bot.delivery.sqlite import SqliteStateStore
from article_bot.bot.sending import retry_seconds
from article_bot.bot.settings import settings_from

ARTICLE_BOT = Path(os.sys.executable).with_name("article-bot")  # type: ignore[attr-defined]


def ask_in_group(number: int, question: str) -> dict:
    """Return "/ask question" in group number: group replies quote it, which pairs them up."""
    reader = {"id": 5000 + number, "is_bot": False, "first_name": f"Reader{number}"}
    chat = {"id": -100500 - number, "type": "supergroup", "title": f"Readers {number}"}
    return text_message(f"/ask {question}", chat, user=reader)


def assert_each_answered_once(api: FakeBotApi, messages: list[dict]) -> None:
    """Every message got exactly one reply (and nothing else was sent to its chat)."""
    replies = api.replies()
    chats = {m["chat"]["id"] for m in messages}
    assert sum(len(api.sent(chat)) for chat in chats) == len(messages)
    counts = {m["message_id"]: len(replies.get(m["message_id"], [])) for m in messages}
    assert counts == {m["message_id"]: 1 for m in messages}


def test_replies_survive_5xx_answers_and_other_chats_are_served_meanwhile(api, start_bot):
    start_bot()
    api.fail_next("sendMessage", count=1, code=502, retry_after=None)
    api.fail_next("sendMessage", count=1, code=500, retry_after=None)
    api.fail_next("sendMessage", count=1, code=502, retry_after=None)
    questions = [
        ask_in_group(1, "What share of the vote did Carlos Mesa get?"),
        ask_in_group(2, "Who is Luis Arce?"),
    ]
    for question in questions:
        api.push("message", question)
    api.wait_for(lambda: len(api.sent()) == 2, timeout=20)

    assert_each_answered_once(api, questions)
    assert [c.ok for c in api.calls("sendMessage")].count(False) == 3
    assert "31.5" in api.replies()[questions[0]["message_id"]][0].result["text"]


def test_a_reply_that_timed_out_is_sent_again(api, start_bot, caplog):
    start_bot(TELEGRAM_TIMEOUT="1")
    api.hang_next("sendMessage", count=1, seconds=2)
    question = ask_in_group(1, "What share of the vote did Carlos Mesa get?")
    with caplog.at_level(logging.WARNING, logger="article_bot.bot.sending"):
        answer = ask_and_wait(api, question)
    assert "31.5" in answer["text"]
    assert any("sendMessage failed (Timed out)" in r.getMessage() for r in caplog.records)
    api.wait_for(lambda: len(api.calls("sendMessage")) == 2, timeout=5)  # the hung one gave up
    assert_each_answered_once(api, [question])


@pytest.mark.parametrize("ptb_timedelta", ["", "true"])
def test_a_429s_delay_is_read_as_seconds_whichever_type_ptb_gives(monkeypatch, ptb_timedelta):
    # PTB_TIMEDELTA=true makes RetryAfter.retry_after a timedelta, as PTB's next major version will.
    monkeypatch.setenv("PTB_TIMEDELTA", ptb_timedelta)

    assert retry_seconds(RetryAfter(3)) == 3.0
    assert retry_seconds(RetryAfter(timedelta(seconds=1.5))) == 1.5


def test_a_storm_of_429s_loses_no_reply(engine, tmp_path):
    # Telegram's flood limits on the server, none on the bot: 429s for many of the replies.
    api = FakeBotApi(TOKEN, flood_limits=True).start()
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "ARTICLE_BOT_STATE": str(tmp_path / "state.sqlite3"),
        "FLOOD_LIMITS": "off",
    }
    bot = RunningBot(settings_from(values), engine).start()
    try:
        api.fail_next("sendMessage", count=3, code=429, retry_after=1)
        # Ten questions in each of four groups: a chat's replies go out faster than Telegram's
        # one a second per chat however busy the machine is, so 429s come for most of them.
        questions = [
            ask_in_group(number, question)
            for number in range(4)
            for question in ("What share of the vote did Carlos Mesa get?", "Who won?") * 5
        ]
        for question in questions:
            api.push("message", question)
        api.wait_for(lambda: len(api.sent()) == len(questions), timeout=30)
        time.sleep(0.2)
        refused = [c for c in api.calls("sendMessage") if not c.ok]
        assert len(refused) >= 3 + 10  # a storm: the injected three, and many from the flood limits
        assert_each_answered_once(api, questions)
    finally:
        bot.stop()
        api.stop()


def test_an_unreachable_bot_api_at_start_up_is_retried_with_backoff(engine, tmp_path, caplog):
    port = free_port()
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "ARTICLE_BOT_STATE": str(tmp_path / "state.sqlite3"),
    }
    bot = RunningBot(settings_from(values), engine)
    api = FakeBotApi(TOKEN, port=port)
    with caplog.at_level(logging.WARNING, logger="article_bot.bot.serving"):
        bot.thread.start()  # connection refused: nothing listens on the port yet
        wait_until(lambda: len(caplog.records) >= 2, timeout=10)
        api.start()
        try:
            wait_until(lambda: bot.application.running, timeout=15)
            answer = ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))
        finally:
            bot.stop()
            api.stop()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith(f"Bot API unreachable at http://127.0.0.1:{port}/bot (")
    assert lines[0].endswith("retrying in 1 s") and lines[1].endswith("retrying in 2 s")
    assert not any(TOKEN in line for line in lines)
    assert "31.5" in answer["text"]


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.skipif(not ARTICLE_BOT.exists(), reason="article-bot is not installed")
def test_sigterm_while_answering_then_restart_answers_every_update_exactly_once(api, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
    }
    api.reply_delay = 0.15  # each reply takes a while: the stop lands mid-answer
    questions = [
        ask_in_group(number, question)
        for question in (
            "What share of the vote did Carlos Mesa get?",
            "Who won?",
            "Who is Luis Arce?",
            "Who lost?",
        )
        for number in range(8)
    ]
    first = subprocess.Popen([str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env)
    try:
        for question in questions[:16]:
            api.push("message", question)
        api.wait_for(lambda: api.sent(), timeout=20)
        first.send_signal(signal.SIGTERM)
        for question in questions[16:24]:  # arrive while the bot is stopping...
            api.push("message", question)
        assert first.wait(timeout=30) == 0
        for question in questions[24:]:  # ...or down
            api.push("message", question)
        assert len(api.sent()) < len(questions)

        second = subprocess.Popen([str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env)
        try:
            api.wait_for(lambda: len(api.sent()) >= len(questions), timeout=30)
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
        finally:
            second.kill()
    finally:
        first.kill()
    assert_each_answered_once(api, questions)


def test_stop_during_start_up_retries_returns_promptly(engine, tmp_path):
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
        "ARTICLE_BOT_STATE": str(tmp_path / "state.sqlite3"),
    }
    bot = RunningBot(settings_from(values), engine)
    bot.thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    bot.stop()
    assert time.monotonic() - started < 5  # not after the whole backoff
    assert not bot.thread.is_alive() and not bot.application.running


def test_a_long_poll_cancelled_at_any_moment_leaves_room_for_the_poll_that_confirms(api, tmp_path):
    # Stopping cancels the long poll and then polls once more to confirm what was taken. CI once
    # saw that last poll wait its whole time-out (the stop took over 10 s): the long poll had been
    # cancelled just after its connection was opened. Here it is cancelled after every number of
    # event-loop turns in turn, so that each moment of the request is hit.
    store = SqliteStateStore(tmp_path / "state.sqlite3", ttl_seconds=3600)
    url = f"{api.base_url}{TOKEN}/getUpdates"

    async def cancel_then_confirm(turns: int) -> int:
        request = getupdates_request(Intake(), store, timeout=1)
        await request.initialize()
        try:
            poll = asyncio.create_task(request.do_request(f"{url}?timeout=5", "POST"))
            for _ in range(turns):
                await asyncio.sleep(0)
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
            status, _ = await request.do_request(url, "POST")
            return status
        finally:
            await request.shutdown()

    try:
        for turns in range(60):
            assert asyncio.run(cancel_then_confirm(turns)) == 200, f"cancelled after {turns} turns"
    finally:
        store.close()


def test_polling_takes_no_more_updates_than_the_bot_is_about_to_answer(api, start_bot):
    # Every update taken is confirmed to Telegram at the next poll, so an update taken but not yet
    # answered is lost if the bot is killed: taking only what fits in the intake bounds that loss.
    start_bot()
    api.reply_delay = 0.02  # replies take a while: the bot falls behind the burst
    questions = [ask_in_group(number, "Who won?") for number in range(600)]
    for question in questions:
        api.push("message", question)
    api.wait_for(lambda: len(api.sent()) >= 50, timeout=30)
    assert api.pending_updates() > 600 - 50 - INTAKE_LIMIT - 100  # the rest still waits at Telegram
    api.wait_for(lambda: len(api.sent()) == len(questions), timeout=60)
    assert_each_answered_once(api, questions)
