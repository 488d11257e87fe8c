"""What a hostile client or a bad day cannot do to the bot (issue 11), through the loopback Bot API:
damaged state, updates PTB cannot parse, a rejected token, secrets in logs, a SIGKILL, shared
anonymous senders, oversized replies, foreign buttons and re-delivered updates."""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from bot_api_server import ALICE, BOT_USERNAME, GROUP, TOKEN, FakeBotApi, callback_query, text_message
from running_bot import ask_and_wait, free_port, post_json, process_environment

from article_bot.bot.delivery.sqlite import SqliteStateStore
from article_bot.bot.texts import say

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
PRIVATE = ALICE["id"]
SECRET = "s3cret-Token_1"
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}

needs_article_bot = pytest.mark.skipif(not ARTICLE_BOT.exists(), reason="article-bot is not installed")


class BotProcess:
    """`article-bot run` as a subprocess in folder, its stderr kept in a file."""

    def __init__(self, api: FakeBotApi, folder: Path, **environment: str):
        self.log = folder / f"stderr-{time.monotonic_ns()}.log"
        env = process_environment(api, folder, **environment)
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen([str(ARTICLE_BOT), "run"], cwd=folder, env=env, stderr=stderr)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.process.kill()

    @property
    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def processes():
    started: list[BotProcess] = []
    yield started
    for bot in started:
        bot.process.kill()
        bot.process.wait(10)


def start_process(
    processes: list[BotProcess], api: FakeBotApi, folder: Path, **environment: str
) -> BotProcess:
    bot = BotProcess(api, folder, **environment)
    processes.append(bot)
    return bot


# State.


@needs_article_bot
@pytest.mark.parametrize(
    "damage", [b"", b"\x80\x04\x95\x00 not sqlite " * 50, b"SQLite format 3\x00" + b"\x01" * 90]
)
def test_run_starts_afresh_on_a_damaged_state_file(api, tmp_path, processes, damage):
    state = tmp_path / "article-bot-state.sqlite3"
    state.write_bytes(damage)
    bot = start_process(processes, api, tmp_path, ARTICLE_BOT_STATE=str(state))
    assert "31.5" in ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))["text"]
    assert bot.stop() == 0
    assert "Traceback" not in bot.stderr
    moved = list(tmp_path.glob("article-bot-state.sqlite3.damaged-*"))
    if damage:  # an empty file is a valid empty database
        [aside] = moved
        assert aside.read_bytes() == damage
        assert len([line for line in bot.stderr.splitlines() if "unreadable" in line]) == 1
    else:
        assert moved == []
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def one_error_line(stderr: str) -> str:
    """The line `article-bot run` ends with on an expected failure (beside the log lines)."""
    [line] = [line for line in stderr.splitlines() if line.startswith("article-bot: ")]
    assert "Traceback" not in stderr
    return line


@needs_article_bot
def test_a_locked_state_file_is_waited_for_and_kept(api, tmp_path, processes):
    state = tmp_path / "article-bot-state.sqlite3"
    first = start_process(processes, api, tmp_path)
    assert "31.5" in ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))["text"]
    assert first.stop() == 0
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing (a backup tool, a second bot)

    second = start_process(processes, api, tmp_path)
    wait_until(lambda: "is locked by another process: waiting" in second.stderr)
    holder.execute("ROLLBACK")
    holder.close()
    follow_up = ask_and_wait(api, text_message("What share of the vote did he get?"))
    assert "31.5" in follow_up["text"]  # the conversation was kept
    assert second.stop() == 0
    assert not list(tmp_path.glob("*.damaged-*")) and "Traceback" not in second.stderr


@needs_article_bot
def test_a_state_file_locked_for_good_is_one_line_and_exit_2(api, tmp_path, processes):
    state = tmp_path / "article-bot-state.sqlite3"
    SqliteStateStore(state, 3600).close()
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        bot = start_process(processes, api, tmp_path)
        assert bot.process.wait(60) == 2
    finally:
        holder.close()
    line = one_error_line(bot.stderr)
    assert line.startswith(f"article-bot: ARTICLE_BOT_STATE {state.name} is locked by another process")
    assert not list(tmp_path.glob("*.damaged-*"))


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def without_root_overrides() -> None:
    """In the child, before exec: drop root's power to write what its permissions forbid (as a
    service's root without CAP_DAC_OVERRIDE, or any other user, is)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@needs_article_bot
def test_a_state_file_in_a_read_only_folder_is_one_line_and_kept(api, tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    state = folder / "article-bot-state.sqlite3"
    store = SqliteStateStore(state, 3600)
    asyncio.run(store.claim(42))
    store.close()
    folder.chmod(0o555)
    env = process_environment(api, tmp_path, ARTICLE_BOT_STATE=str(state))
    try:
        result = subprocess.run(
            [str(ARTICLE_BOT), "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=without_root_overrides,
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"article-bot: ARTICLE_BOT_STATE {state}: cannot write it")
    assert sorted(p.name for p in folder.iterdir()) == [state.name]  # kept, nothing moved aside
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as connection:
        assert connection.execute("SELECT update_id FROM updates").fetchall() == [(42,)]


@needs_article_bot
def test_a_state_file_that_is_a_symbolic_link_is_refused_and_its_target_left_alone(api, tmp_path, processes):
    target = tmp_path / "notes.txt"
    target.write_text("someone else's file")
    target.chmod(0o644)
    link = tmp_path / "article-bot-state.sqlite3"
    link.symlink_to(target)
    bot = start_process(processes, api, tmp_path, ARTICLE_BOT_STATE=str(link))
    assert bot.process.wait(60) == 2
    assert "is a symbolic link" in one_error_line(bot.stderr)
    assert target.read_text() == "someone else's file" and stat.S_IMODE(target.stat().st_mode) == 0o644


@needs_article_bot
def test_after_a_sigkill_every_answered_conversation_is_kept_and_nothing_is_answered_twice(
    api, tmp_path, processes
):
    first = start_process(processes, api, tmp_path)
    # A reader per group: one sender's 40 questions would be over the per-sender limit.
    questions = [
        text_message("/ask What share of the vote did Carlos Mesa get?", group_chat(n), user=reader(n))
        for n in range(20)
    ]
    for question in questions:
        api.push("message", question)
    api.wait_for(lambda: len(api.sent()) >= 10, timeout=30)
    first.stop(signal.SIGKILL)
    answered_before = {call.params["chat_id"] for call in api.sent()}

    start_process(processes, api, tmp_path)
    api.wait_for(lambda: api.calls("deleteWebhook") and len(api.calls("deleteWebhook")) == 2, timeout=30)
    follow_ups = [
        text_message("/ask What share of the vote did he get?", group_chat(n), user=reader(n))
        for n in range(20)
    ]
    for follow_up in follow_ups:
        api.push("message", follow_up)
    api.wait_for(lambda: all(api.replies().get(m["message_id"]) for m in follow_ups), timeout=30)

    replies = api.replies()
    for question in questions:  # at most once: a kill between commit and send may lose one
        assert len(replies.get(question["message_id"], [])) <= 1
    for follow_up in follow_ups:
        [reply] = replies[follow_up["message_id"]]
        if follow_up["chat"]["id"] in answered_before:  # the conversation survived the kill
            assert "31.5" in reply.result["text"], reply.result["text"]


@needs_article_bot
def test_a_sigkill_between_the_commit_and_the_reply_loses_that_reply_and_never_answers_twice(
    api, tmp_path, processes
):
    group = group_chat(90)
    question = text_message("/ask What share of the vote did Carlos Mesa get?", group)
    first = start_process(processes, api, tmp_path)
    api.hang_next("sendMessage", count=1, seconds=30)  # committed, the reply never arrives
    update_id = api.push("message", question)
    state = tmp_path / "article-bot-state.sqlite3"
    api.wait_for(lambda: state.exists() and conversation_rows(state), timeout=30)
    first.stop(signal.SIGKILL)

    port = free_port()
    start_process(
        processes,
        api,
        tmp_path,
        WEBHOOK_URL="https://bot.example.test/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    api.wait_for(lambda: api.calls("setWebhook"), timeout=30)
    url, headers = f"http://127.0.0.1:{port}/hook", {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert post_json(url, {"update_id": update_id, "message": question}, headers) == 200  # sent again
    follow_up = api.update("message", text_message("/ask What share of the vote did he get?", group))
    assert post_json(url, follow_up, headers) == 200  # one chat's updates are answered in order
    # The chat's updates are handled in order: once the follow-up is answered, the re-delivered
    # question before it was handled too.
    [reply] = api.wait_for(lambda: api.replies().get(follow_up["message"]["message_id"]), timeout=30)

    assert api.sent(group["id"]) == [reply]  # the re-delivered question: not answered again
    assert "31.5" in reply.result["text"]  # its conversation was committed before the kill


def conversation_rows(state: Path) -> list[tuple[str]]:
    """The conversations in the state database of a running bot (read-only)."""
    connection = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT state FROM chats").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        connection.close()


def reader(number: int) -> dict[str, Any]:
    return {"id": 8100 + number, "is_bot": False, "first_name": f"Reader {number}"}


def group_chat(number: int) -> dict[str, Any]:
    return {"id": -100700 - number, "type": "supergroup", "title": f"Readers {number}"}


# Updates PTB cannot parse, and secrets.


UNPARSEABLE = [
    {"message": {"message_id": 1, "chat": {"id": PRIVATE, "type": "private"}, "text": "no date"}},
    {"message": {"message_id": 2, "date": 1700000000, "chat": 42, "text": "chat is a number"}},
    {
        "message": {
            "message_id": 3,
            "date": 1700000000,
            "chat": {"id": PRIVATE, "type": "private"},
            "text": "/ask entity without offset",
            "entities": [{"type": "bot_command", "length": 4}],
        }
    },
    {"message": {"message_id": 4, "date": 1e20, "chat": {"id": PRIVATE, "type": "private"}, "text": "far"}},
]


@needs_article_bot
def test_updates_that_cannot_be_parsed_are_logged_once_confirmed_and_polling_goes_on(
    api, tmp_path, processes
):
    bot = start_process(processes, api, tmp_path)
    ids = [api.push_raw(update) for update in UNPARSEABLE]
    question = api.push("message", text_message("What share of the vote did Carlos Mesa get?"))
    [answer] = api.wait_sent(PRIVATE, 1, timeout=30)
    assert "31.5" in answer.result["text"]
    # Taken, kept and confirmed: a batch stuck on an unreadable update would be fetched again and
    # again, never past it.
    api.wait_polled_past(question, timeout=30)
    polls = len(api.calls("getUpdates"))
    assert bot.stop() == 0

    assert api.pending_updates() == 0  # every one confirmed
    assert polls < 20
    lines = bot.stderr.splitlines()
    for update_id in ids:
        assert len([line for line in lines if f"update {update_id} could not be read" in line]) == 1
    assert "Traceback" not in bot.stderr and "CRITICAL" not in bot.stderr and TOKEN not in bot.stderr
    assert len(api.sent(PRIVATE)) == 1  # nothing was answered for the unreadable ones


@needs_article_bot
def test_a_rejected_token_at_start_up_is_one_line_and_exit_2(tmp_path):
    other = FakeBotApi("1234567890:" + "Z" * 35).start()  # accepts another token only
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": other.base_url,
        }
        result = subprocess.run(
            [str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        other.stop()
    assert result.returncode == 2
    # Beside the INFO log lines (LOG_LEVEL's default), the one line of the error.
    [error] = [line for line in result.stderr.splitlines() if not re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert error.startswith("article-bot: Telegram rejected TELEGRAM_BOT_TOKEN: ")
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr and TOKEN.split(":")[1] not in result.stderr


@needs_article_bot
def test_neither_the_token_nor_the_webhook_secret_is_logged_even_at_debug(api, tmp_path, processes):
    port = free_port()
    bot = start_process(
        processes,
        api,
        tmp_path,
        LOG_LEVEL="DEBUG",
        WEBHOOK_URL="https://bot.example.test/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    [registered] = api.wait_for(lambda: api.calls("setWebhook"), timeout=30)
    assert registered.params["secret_token"] == SECRET
    update = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert post_json(f"http://127.0.0.1:{port}/hook", update, headers) == 200
    api.wait_sent(PRIVATE, 1, timeout=30)
    assert bot.stop() == 0

    log = bot.stderr
    assert (
        "setWebhook" in log and "What share of the vote did Carlos Mesa get?" in log
    )  # DEBUG lines were written
    assert SECRET not in log and TOKEN not in log


# Limits.


def anonymous_ask(group: dict[str, Any], question: str) -> dict[str, Any]:
    message = text_message(f"/ask {question}", group, user=ANONYMOUS_ADMIN)
    message["sender_chat"] = group
    return message


def test_anonymous_admins_of_one_group_do_not_silence_another(api, start_bot):
    start_bot(RATE_LIMIT_PER_MINUTE="2")
    group_a = {"id": -1001111, "type": "supergroup", "title": "A"}
    group_b = {"id": -1002222, "type": "supergroup", "title": "B"}
    for question in (
        "What share of the vote did Carlos Mesa get?",
        "Who was the MAS presidential candidate?",
        "Who lost?",
    ):
        api.push("message", anonymous_ask(group_a, question))
    texts = [c.result["text"] for c in api.wait_sent(group_a["id"], 3)]
    assert "Sources" in texts[0] and "Sources" in texts[1] and texts[2] == say("slow_down")

    answer = ask_and_wait(api, anonymous_ask(group_b, "Who is Luis Arce?"))
    assert "Arce" in answer["text"] and "Sources" in answer["text"]


def test_a_message_without_a_sender_is_throttled_by_its_chat(api, start_bot):
    start_bot(RATE_LIMIT_PER_MINUTE="1")
    group_a = {"id": -1003333, "type": "supergroup", "title": "A"}
    group_b = {"id": -1004444, "type": "supergroup", "title": "B"}
    for group in (group_a, group_a, group_b):
        message = text_message("/ask Who was the MAS presidential candidate?", group)
        del message["from"]
        api.push("message", message)
    texts_a = [c.result["text"] for c in api.wait_sent(group_a["id"], 2)]
    [answer_b] = api.wait_sent(group_b["id"], 1)
    assert "Sources" in texts_a[0] and texts_a[1] == say("slow_down")
    assert "Sources" in answer_b.result["text"]


def test_an_unknown_command_is_named_briefly_whatever_its_length(api, start_bot):
    start_bot()
    reply = ask_and_wait(api, text_message("/" + "x" * 5000))["text"]
    assert reply.startswith("I don't know /xxxx") and reply.endswith("Try /help, or just ask a question.")
    assert len(reply) < 200


def test_a_button_that_is_not_ours_is_answered(api, start_bot):
    start_bot()
    answer = ask_and_wait(api, text_message("/about"))
    press = callback_query(answer, "vote:yes")
    api.push("callback_query", press)
    [answered] = api.wait_for(lambda: api.calls("answerCallbackQuery"))
    assert answered.params["callback_query_id"] == press["id"]
    assert answered.params["text"] == say("stale_button")


# Re-delivered updates.


def test_a_re_delivered_update_is_answered_once_even_after_a_restart(api, start_bot):
    first = start_bot()
    update_id = api.push("message", question := text_message("What share of the vote did Carlos Mesa get?"))
    ask_and_wait(api, text_message("/about"))
    first.stop()

    port = free_port()
    start_bot(
        WEBHOOK_URL="https://bot.example.test/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    api.wait_for(lambda: api.calls("setWebhook"))
    url, headers = f"http://127.0.0.1:{port}/hook", {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    again = {"update_id": update_id, "message": question}  # Telegram sends it again
    fresh = api.update("message", text_message("Who is Luis Arce?"))
    for body in (again, fresh, fresh):
        assert post_json(url, body, headers) == 200
    marker = api.update("message", text_message("/help"))  # one chat's updates are answered in order
    assert post_json(url, marker, headers) == 200
    api.wait_sent(PRIVATE, 4)

    texts = [c.result["text"] for c in api.sent(PRIVATE)]
    assert len(texts) == 4 and "31.5" in texts[0] and "Arce" in texts[2]
    assert texts[3].startswith("Ask me a question")


def test_the_state_database_holds_json_and_is_private(api, start_bot, tmp_path):
    bot = start_bot()
    ask_and_wait(api, text_message(f"/ask@{BOT_USERNAME} What share of the vote did Carlos Mesa get?", GROUP))
    bot.stop()
    path = tmp_path / "state.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    [(state,)] = sqlite3.connect(path).execute("SELECT state FROM chats").fetchall()
    assert json.loads(state)["turns"][0]["entities"]
