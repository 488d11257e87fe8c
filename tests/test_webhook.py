"""The webhook server: health checks, and bad requests refused while good ones are answered."""

from __future__ import annotations

import http.client
import json

import pytest
from bot_api_server import ALICE, text_message
from running_bot import free_port

from article_bot.bot.webhook import MAX_BODY_BYTES

SECRET = "s3cret-Token_1"
PRIVATE = ALICE["id"]


def start_webhook(api, start_bot, **environment: str) -> int:
    """Start the bot in webhook mode on a free local port (and environment); return the port."""
    port = free_port()
    start_bot(
        WEBHOOK_URL="https://bot.example.test/telegram-hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        **environment,
    )
    api.wait_for(lambda: api.calls("setWebhook"))
    return port


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
    update = api.update("message", text_message("Who is Carlos Mesa?"))
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
    first = json.dumps(api.update("message", text_message("Who is Carlos Mesa?"))).encode()
    assert post_update(port, first) == 200
    api.wait_sent(PRIVATE, 1)
    for _ in range(2):
        assert post_update(port, first) == 200
    second = api.update("message", text_message("Who is Luis Almagro?"))
    assert post_update(port, json.dumps(second).encode()) == 200

    sent = api.wait_sent(PRIVATE, 2)
    assert len(sent) == 2
    assert "Sources" in sent[1].result["text"] and "Almagro" in sent[1].result["text"]
