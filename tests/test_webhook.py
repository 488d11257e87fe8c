"""The webhook server: health checks, and bad requests refused while good ones are answered."""

from __future__ import annotations

import http.client
import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bot_api_server import ALICE, text_message
from running_bot import RunningBot, free_port, process_environment

from article_bot.bot.delivery import sqlite as sqlite_store
from article_bot.bot.delivery.sqlite import StateStoreStopped
from article_bot.bot.webhook import MAX_BODY_BYTES

SECRET = "s3cret-Token_1"
PRIVATE = ALICE["id"]


def start_webhook(api, start_bot, **environment: str) -> int:
    """Start the bot in webhook mode on a free local port (and environment); return the port."""
    return start_webhook_bot(api, start_bot, **environment)[1]


def start_webhook_bot(api, start_bot, **environment: str) -> tuple[RunningBot, int]:
    """Start the bot in webhook mode on a free local port (and environment); return it and the port."""
    port = free_port()
    bot = start_bot(
        WEBHOOK_URL="https://bot.example.test/telegram-hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        **environment,
    )
    api.wait_for(lambda: api.calls("setWebhook"))
    return bot, port


@pytest.fixture
def webhook(api, start_bot):
    return start_webhook(api, start_bot)


def request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_update(port: int, body: bytes, secret: str = SECRET) -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    try:
        return request(port, "POST", "/telegram-hook", body, headers)[0]
    except (ConnectionError, http.client.HTTPException):
        return 0  # the server hung up: refused too


def still_answers(api, port: int) -> None:
    before = len(api.sent(PRIVATE))
    update = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    assert post_update(port, json.dumps(update).encode()) == 200
    sent = api.wait_sent(PRIVATE, before + 1)
    assert "31.5" in sent[before].result["text"]


def test_health_endpoint_says_ok_with_the_uptime(webhook):
    status, body = request(webhook, "GET", "/healthz")
    health = json.loads(body)
    assert status == 200
    assert health["status"] == "ok" and health["uptime_seconds"] >= 0


@pytest.mark.parametrize(
    "body, secret, refused_with",
    [
        (b'{"update_id": 1, "message": ', SECRET, {400}),
        (b"[1, 2, 3]", SECRET, {400}),
        (b'{"update_id": "one", "message": 42}', SECRET, {400}),
        (b'{"message": {"text": "no update_id"}}', SECRET, {400}),
        (b"\xff\xfe not utf-8", SECRET, {400}),
        (
            b'{"update_id": 5, "message": {"message_id": 1, "date": 1e20, "text": "far future",'
            b' "chat": {"id": 1001, "type": "private"}}}',
            SECRET,
            {400},
        ),
        (b'{"update_id": 6, "message": {"message_id": 1, "date": 1, "chat": 42}}', SECRET, {400}),
        (b'{"update_id": 9}', "wrong-secret", {403}),
        (b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}", SECRET, {0, 400, 413}),
    ],
    ids=[
        "truncated",
        "not-an-object",
        "wrong-shape",
        "no-update-id",
        "binary",
        "date-overflows",
        "chat-not-an-object",
        "bad-secret",
        "oversized",
    ],
)
def test_bad_requests_are_refused_and_the_bot_keeps_serving(api, webhook, body, secret, refused_with):
    assert post_update(webhook, body, secret) in refused_with
    still_answers(api, webhook)
    assert request(webhook, "GET", "/healthz")[0] == 200


def test_only_post_is_accepted_on_the_webhook_path(api, webhook):
    assert request(webhook, "GET", "/telegram-hook")[0] == 405
    still_answers(api, webhook)


def test_a_question_delivered_again_does_not_count_against_the_rate_limit(api, start_bot):
    # Telegram sends an update again when it did not get the 200; the repeat is not answered, and
    # must not use up the sender's questions either (limit 2: the third would be refused).
    port = start_webhook(api, start_bot, RATE_LIMIT_PER_MINUTE="2")
    first = json.dumps(
        api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    ).encode()
    assert post_update(port, first) == 200
    api.wait_sent(PRIVATE, 1)
    for _ in range(2):
        assert post_update(port, first) == 200
    second = api.update("message", text_message("Who is Luis Almagro?"))
    assert post_update(port, json.dumps(second).encode()) == 200

    sent = api.wait_sent(PRIVATE, 2)
    assert len(sent) == 2
    assert "Sources" in sent[1].result["text"] and "Almagro" in sent[1].result["text"]


# What no client can do to the webhook (issue 22).


@pytest.mark.parametrize(
    "update_id", ["abc", 2**63, -1, True, 1.5], ids=["abc", "2**63", "negative", "bool", "float"]
)
def test_an_update_id_telegram_would_never_send_is_refused_and_nothing_else_fails(api, webhook, update_id):
    update = api.update("message", text_message("Who is Luis Arce?"))
    body = json.dumps({**update, "update_id": update_id}).encode()
    assert post_update(webhook, body) == 400
    still_answers(api, webhook)
    assert request(webhook, "GET", "/healthz")[0] == 200


def test_the_secret_is_checked_before_the_body_is_read(api, webhook):
    # A client without the secret announces a big body and sends none of it: it is refused at
    # once, not waited for (and its body would never be kept).
    with socket.create_connection(("127.0.0.1", webhook), timeout=10) as client:
        client.sendall(
            b"POST /telegram-hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            b"X-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: 900000\r\n\r\n"
        )
        assert client.recv(100).startswith(b"HTTP/1.1 403")
    still_answers(api, webhook)


def test_the_health_check_says_when_the_state_store_cannot_write(api, start_bot, monkeypatch):
    bot, port = start_webhook_bot(api, start_bot)
    bot.service.health_check_seconds = 60  # keep serving, so that /healthz can be asked

    def writer_dies(*args):
        raise SystemExit("a writer that stops for a reason nobody foresaw")

    monkeypatch.setattr(sqlite_store, "_claim", writer_dies)
    update = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    assert post_update(port, json.dumps(update).encode()) == 200
    status, body = wait_for_health(port, lambda status: status != 200)
    assert status == 503 and json.loads(body)["status"] == "state store stopped"


def wait_for_health(port: int, condition, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while True:
        status, body = request(port, "GET", "/healthz")
        if condition(status) or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)


def test_the_bot_stops_with_an_error_when_the_state_store_cannot_write(api, start_bot, monkeypatch):
    # Nothing could be answered any more: stopping lets the supervisor restart the bot.
    bot, port = start_webhook_bot(api, start_bot)

    def writer_dies(*args):
        raise SystemExit("a writer that stops for a reason nobody foresaw")

    monkeypatch.setattr(sqlite_store, "_claim", writer_dies)
    update = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    assert post_update(port, json.dumps(update).encode()) == 200
    bot.thread.join(30)
    assert not bot.thread.is_alive()
    with pytest.raises(StateStoreStopped, match="writer stopped"):
        bot.stop()
    bot.error = None  # seen: the fixture's stop has nothing left to report


ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
SLOW_CLIENTS = 400
OPEN_FILES = 256  # fewer than the slow clients' connections


def lowered_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


@pytest.mark.skipif(not ARTICLE_BOT.exists(), reason="article-bot is not installed")
def test_slow_clients_beyond_the_open_files_limit_leave_telegram_and_health_checks_served(api, tmp_path):
    port = free_port()
    env = process_environment(
        api,
        tmp_path,
        WEBHOOK_URL="https://bot.example.test/telegram-hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),  # WEBHOOK_LISTEN's default: loopback
    )
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        bot = subprocess.Popen(
            [str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env, stderr=stderr, preexec_fn=lowered_open_files
        )
    slow: list[socket.socket] = []
    try:
        api.wait_for(lambda: api.calls("setWebhook"), timeout=60)
        for _ in range(SLOW_CLIENTS):  # each sends half its headers, then nothing
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            client.sendall(b"POST /telegram-hook HTTP/1.1\r\nHost: bot\r\nContent-Length: 90")
            slow.append(client)

        assert request(port, "GET", "/healthz")[0] == 200
        still_answers(api, port)
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0
    finally:
        for client in slow:
            client.close()
        bot.kill()
        bot.wait(10)
    errors = log.read_text()
    assert "Traceback" not in errors
    assert len([line for line in errors.splitlines() if "cannot accept" in line]) <= 1


def test_running_out_of_file_descriptors_is_logged_once_and_accepting_resumes(api, start_bot, caplog):
    port = start_webhook(api, start_bot)
    waiting = [socket.socket() for _ in range(5)]  # their files opened now
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with caplog.at_level(logging.WARNING):
        # Not one more file may be opened: every accept fails (EMFILE) for a while.
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) - 1, hard))
        try:
            for client in waiting:
                client.settimeout(10)
                client.connect(("127.0.0.1", port))
            time.sleep(1.0)  # the accepts fail meanwhile, ten times a second
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        answers = []
        for client in waiting:  # accepted once files can be opened again, and served
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
            answers.append(client.recv(100))
            client.close()
    assert all(answer.startswith(b"HTTP/1.1 200") for answer in answers)
    assert request(port, "GET", "/healthz")[0] == 200
    failures = [r.getMessage() for r in caplog.records if "cannot accept" in r.getMessage()]
    assert len(failures) == 1 and "EMFILE" in failures[0]
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
