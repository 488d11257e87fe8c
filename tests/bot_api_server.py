"""A loopback fake of Telegram's Bot API server, speaking its HTTP wire protocol.

It runs a tornado server on 127.0.0.1 in a background thread with its own event loop, so the
real python-telegram-bot Application talks to it over real HTTP exactly as it would to
api.telegram.org. It records every call, lets tests inject updates shaped like Telegram's
(long-polled with getUpdates and confirmed by offset), checks what Telegram checks (HTML,
4,096 characters, 64-byte callback data) and can answer the next calls with 429 or 5xx, hang
them past the bot's time-out, or enforce Telegram's flood limits (429 with retry_after beyond
~30 messages a second overall or one a second per chat).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

# Shaped like a BotFather token; the fake server accepts only this one.
TOKEN = "4839574812:AAFD39kkdpWt3ywyRZergyOLMaJhac60qcA"
BOT_ID = 777000111
BOT_USERNAME = "ArticleTestBot"
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob"}
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Readers"}
FORUM = {"id": -1009876543210, "type": "supergroup", "title": "Forum", "is_forum": True}

# PTB form-encodes parameters and JSON-encodes every value that is not a string; these
# parameters are strings in the Bot API and must not be JSON-decoded ("42" stays "42").
_STRING_PARAMETERS = {
    "text",
    "caption",
    "query",
    "parse_mode",
    "action",
    "url",
    "secret_token",
    "title",
    "callback_query_id",
    "inline_query_id",
    "next_offset",
    "language_code",
    "ip_address",
}
_TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)([^<>]*)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")
# One numbering for users' and the bot's messages, so ids never collide within a chat.
_message_ids = itertools.count(1)
# Telegram's flood limits for messages (its FAQ): about 30 a second overall, one a second per chat.
OVERALL_PER_SECOND = 30
CHAT_PER_SECOND = 1
CHAT_BURST = 3  # short bursts in one chat are tolerated
_HANG = -1  # a queued "failure" that holds the request instead of answering it


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters, and what it was told."""

    method: str
    params: dict[str, Any]
    ok: bool = True
    result: Any = None
    at: float = field(default_factory=time.monotonic)


class BotApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


class TokenBucket:
    """Telegram-like flood control: capacity messages at once, refilled at rate per second."""

    def __init__(self, rate: float, capacity: float):
        self.rate, self.capacity = rate, capacity
        self.tokens, self.updated = capacity, time.monotonic()

    def wait(self) -> float:
        """Return 0 if a message may be sent now, else the seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 0.95:  # a little slack for scheduling jitter between the processes
            return 0.0
        return (1 - self.tokens) / self.rate


class FakeBotApi:
    """A Bot API server for one bot token, on a free loopback port (or the port given)."""

    def __init__(self, token: str, port: int = 0, flood_limits: bool = False):
        self.token = token
        self.flood_limits = flood_limits
        self._overall = TokenBucket(OVERALL_PER_SECOND, OVERALL_PER_SECOND)
        self._per_chat: dict[int, TokenBucket] = {}
        self.pushed_at: dict[int, float] = {}  # message_id -> when it was pushed
        self.reply_delay = 0.0  # seconds each sendMessage takes, to catch the bot mid-reply
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Article Bot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.port = port
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []  # waiting to be confirmed by an offset
        self._offsets: list[int] = []  # of each getUpdates, as it arrived
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    # Running.

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeBotApi:
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),), daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("fake Bot API server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(5)

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._new_update, self._stopped = asyncio.Event(), asyncio.Event()
        sockets = tornado.netutil.bind_sockets(self.port, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", _MethodHandler, {"api": self})])
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        ready.set()
        await self._stopped.wait()
        self._new_update.set()  # let long polls return
        server.stop()
        await asyncio.sleep(0.05)

    # What tests do: inject updates, arrange failures, look at what the bot sent.

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update ({"update_id": .., kind: payload}) for getUpdates; return its id."""
        update_id = next(self._ids)
        update = {"update_id": update_id, kind: payload}
        self._remember_payload(kind, payload)
        if kind == "message":
            self.pushed_at[payload["message_id"]] = time.monotonic()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._add_update, update)
        return update_id

    def push_raw(self, fields: dict[str, Any]) -> int:
        """Queue an update as given (numbered like the others), even one PTB cannot parse."""
        update_id = next(self._ids)
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._add_update, {"update_id": update_id, **fields})
        return update_id

    def update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return an update for webhook tests (not queued), numbered like pushed ones."""
        self._remember_payload(kind, payload)
        return {"update_id": next(self._ids), kind: payload}

    def fail_next(self, method: str, count: int = 1, code: int = 429, retry_after: int | None = 1) -> None:
        """Answer the next count calls of method with an error (429 with retry_after, or 5xx)."""
        description = {
            400: "Bad Request: message can't be sent",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(code, "Error")
        with self._changed:
            self._failures.setdefault(method, []).extend(
                [(code, description, retry_after if code == 429 else None)] * count
            )

    def hang_next(self, method: str, count: int = 1, seconds: float = 3) -> None:
        """Hold the next count calls of method for seconds, then drop them (a Bot API time-out)."""
        with self._changed:
            self._failures.setdefault(method, []).extend([(_HANG, "", seconds)] * count)  # type: ignore[list-item]

    def calls(self, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Return the sendMessage calls that succeeded (to chat_id, if given)."""
        return [
            c
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or c.params["chat_id"] == chat_id)
        ]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 10, message: str = "") -> Any:
        """Wait until condition() is truthy (re-checked after every call); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self._calls]
                    raise AssertionError(f"timed out waiting {message}; calls: {methods}")
                self._changed.wait(remaining)

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 10) -> list[Call]:
        """Wait until count messages were sent to chat_id; return them all."""
        return self.wait_for(  # type: ignore[no-any-return]
            lambda: len(self.sent(chat_id)) >= count and self.sent(chat_id),
            timeout,
            f"for {count} message(s) to {chat_id}",
        )

    def replies(self) -> dict[int, list[Call]]:
        """Return the delivered sendMessage calls by the message_id they reply to."""
        by_message: dict[int, list[Call]] = {}
        for call in self.sent():
            replied = (call.params.get("reply_parameters") or {}).get("message_id")
            by_message.setdefault(replied, []).append(call)
        return by_message

    def pending_updates(self) -> int:
        with self._changed:
            return len(self._updates)

    def wait_polled_past(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot has asked for updates with an offset past update_id: it has taken
        that update and every one before it, kept them, and confirmed them. A bot stuck on an
        update never gets past it, and this times out."""
        self.wait_for(lambda: max(self._offsets, default=0) > update_id, timeout, f"a poll past {update_id}")

    # Inside the server thread.

    def _add_update(self, update: dict[str, Any]) -> None:
        with self._changed:
            self._updates.append(update)
        assert self._new_update is not None
        self._new_update.set()

    def _remember_payload(self, kind: str, payload: dict[str, Any]) -> None:
        message = payload if kind == "message" else payload.get("message")
        if message:
            with self._changed:
                self._chats[message["chat"]["id"]] = message["chat"]
                self._messages[(message["chat"]["id"], message["message_id"])] = message

    async def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        call = Call(method, params)
        try:
            if token != self.token:
                raise BotApiError(401, "Unauthorized")
            await self._maybe_fail(method, params)
            call.result = await self._result(method, params)
        except BotApiError as error:
            call.ok, call.result = False, error.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            status = error.code
        else:
            body, status = {"ok": True, "result": call.result}, 200
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return status, body

    async def _maybe_fail(self, method: str, params: dict[str, Any]) -> None:
        with self._changed:
            queued = self._failures.get(method)
            failure = queued.pop(0) if queued else None
        if failure and failure[0] == _HANG:
            await asyncio.sleep(failure[2] or 0)  # the bot has given up waiting by now
            raise BotApiError(504, "Gateway Timeout")
        if failure:
            raise BotApiError(*failure)
        if self.flood_limits and method == "sendMessage":
            self._check_flood(params.get("chat_id"))

    def _check_flood(self, chat_id: Any) -> None:
        chat = self._per_chat.setdefault(chat_id, TokenBucket(CHAT_PER_SECOND, CHAT_BURST))
        wait = max(chat.wait(), self._overall.wait())
        if not wait:
            chat.tokens -= 1
            self._overall.tokens -= 1
        else:
            retry_after = max(1, math.ceil(wait))
            raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            return self.bot_user
        if method == "sendMessage":
            if self.reply_delay:
                await asyncio.sleep(self.reply_delay)
            return self._send_message(params)
        if method == "answerCallbackQuery" and len(params.get("text", "")) > 200:
            raise BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if method == "answerInlineQuery":
            self._check_inline_results(params)
        if method in {
            "setMyCommands",
            "deleteWebhook",
            "setWebhook",
            "sendChatAction",
            "answerCallbackQuery",
            "answerInlineQuery",
            "close",
            "logOut",
        }:
            return True
        raise BotApiError(404, "Not Found: method not found")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        with self._changed:  # noted as it arrives: a long poll may wait a while for updates
            self._offsets.append(offset)
            self._changed.notify_all()
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._new_update is not None and self._stopped is not None
        while True:
            with self._changed:
                # An offset confirms every update before it: Telegram forgets them.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                waiting = self._updates[:limit]
            remaining = deadline - time.monotonic()
            if waiting or remaining <= 0 or self._stopped.is_set():
                return waiting
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                pass

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise BotApiError(400, "Bad Request: chat not found")
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
        text = text.strip()  # as Telegram does
        if not text:
            raise BotApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > 4096:
            raise BotApiError(400, "Bad Request: message is too long")
        check_keyboard(params.get("reply_markup"))
        chat = self._chats.get(chat_id, {"id": chat_id, "type": "private"})
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = bool(chat.get("is_forum"))
        replied = (params.get("reply_parameters") or {}).get("message_id")
        if replied and (chat_id, replied) in self._messages:
            message["reply_to_message"] = self._messages[(chat_id, replied)]
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _check_inline_results(self, params: dict[str, Any]) -> None:
        for result in params.get("results", []):
            if len(str(result.get("id", "")).encode()) > 64:
                raise BotApiError(400, "Bad Request: RESULT_ID_INVALID")
            content = result.get("input_message_content", {})
            if content.get("parse_mode") == "HTML":
                text = parse_html(content.get("message_text", ""))
                if utf16_length(text) > 4096:
                    raise BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def post(self, token: str, method: str) -> None:
        status, body = await self.api.handle(token, method, self._parameters())
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    get = post

    def _parameters(self) -> dict[str, Any]:
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            return dict(json.loads(self.request.body or b"{}"))
        raw = {**self.request.query_arguments, **self.request.body_arguments}
        return {name: decode_value(name, values[-1].decode()) for name, values in raw.items()}


def decode_value(name: str, value: str) -> Any:
    """Decode one form value the way the Bot API does: JSON for objects, numbers and booleans."""
    if name in _STRING_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_html(text: str) -> str:
    """Return the visible text of Telegram HTML; raise BotApiError(400) where Telegram would."""
    open_tags: list[str] = []
    visible = []
    position = 0
    for match in _TAG.finditer(text):
        visible.append(_text_between(text[position : match.start()], position))
        closing, name = match.group(1), match.group(2).lower()
        if name not in _TELEGRAM_TAGS:
            raise BotApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"')
        if closing:
            if not open_tags or open_tags.pop() != name:
                raise BotApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{name}"')
        else:
            open_tags.append(name)
        position = match.end()
    visible.append(_text_between(text[position:], position))
    if open_tags:
        raise BotApiError(400, f"Bad Request: can't parse entities: Can't find end tag \"{open_tags[-1]}\"")
    return "".join(visible)


def _text_between(chunk: str, offset: int) -> str:
    if "<" in chunk or ">" in chunk:
        raise BotApiError(400, f"Bad Request: can't parse entities: stray < or > near {offset}")
    if "&" in chunk and chunk.count("&") != len(_ENTITY.findall(chunk)):
        raise BotApiError(400, f"Bad Request: can't parse entities: unescaped & near {offset}")
    return html.unescape(chunk)


def check_keyboard(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# Updates shaped like the ones Telegram sends.


def text_message(
    text: str,
    chat: dict[str, Any] | None = None,
    user: dict[str, Any] = ALICE,
    reply_to: dict[str, Any] | None = None,
    thread_id: int | None = None,
) -> dict[str, Any]:
    """Return a text Message from user in chat (a private chat with them by default)."""
    chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": user,
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    entities = text_entities(text)
    if entities:
        message["entities"] = entities
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    return message


def sticker_message(user: dict[str, Any] = ALICE) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {
        "message_id": next(_message_ids),
        "from": user,
        "chat": chat,
        "date": int(time.time()),
        "sticker": {
            "file_id": "CAACAgIAAxkBAAE",
            "file_unique_id": "AgADcQADr8ZRGg",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        },
    }


def text_entities(text: str) -> list[dict[str, Any]]:
    """Return the entities Telegram finds: a leading /command and @mentions (UTF-16 offsets)."""
    entities = []
    command = re.match(r"/\w+(?:@\w+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
    for mention in re.finditer(r"(?<!\w)@\w{5,32}", text):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_length(text[: mention.start()]),
                "length": utf16_length(mention.group()),
            }
        )
    return entities


def callback_query(message: dict[str, Any], data: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    """Return a CallbackQuery: user pressed a button with data under the bot's message."""
    return {
        "id": str(next(_message_ids) * 7919),
        "from": user,
        "message": message,
        "chat_instance": "-4242",
        "data": data,
    }


def inline_query(query: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    """Return an InlineQuery: user typed "@bot query" in some chat."""
    return {"id": str(next(_message_ids) * 104729), "from": user, "query": query, "offset": ""}
