"""What the bot sends to Telegram, and how: replies split to fit, "typing…" at most once in
Telegram's five seconds, and every request within the flood limits, retried when it fails.

Every Bot API request the handlers make goes through DeliveryLimiter, python-telegram-bot's
rate-limiter seam (ExtBot passes every request but getUpdates to process_request), used for two
jobs. Flood limits: Telegram answers 429 beyond about 30 messages a second overall, one a second
per chat (after a short burst) and 20 a minute per group, so messages wait their turn here
instead. Retries: a reply whose request failed with a network error, a time-out, a 5xx or a 429
is sent again with exponential backoff (or after retry_after), a bounded number of times, so a
Bot API outage of up to about two minutes delays replies instead of losing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from . import telegram_render as render

logger = logging.getLogger(__name__)

# Only messages count towards Telegram's flood limits; chat actions and query answers do not.
MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText"})
# Requests worth repeating: a lost one is a lost reply (or a button left spinning).
RETRIED_METHODS = MESSAGE_METHODS | {"answerCallbackQuery", "answerInlineQuery"}
ATTEMPTS = 10  # backoff 0.5, 1, 2, 4, 8, 16, 30, 30, 30 s: about two minutes in all
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
OVERALL_PER_SECOND = 30
CHAT_PER_SECOND = 1
CHAT_BURST = 3  # Telegram lets a chat have a short burst above one message a second
GROUP_PER_MINUTE = 20
CHAT_LIMITERS_KEPT = 10_000
TYPING_SECONDS = 5.0  # how long Telegram shows "typing…" after one chat action

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


async def send_html(
    message: Message,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
    quote: bool | None = None,
) -> list[Message]:
    """Send html in reply to message, in its chat and topic, split to fit, with the buttons under
    the last part."""
    parts = render.split_message(html)
    sent = []
    for number, part in enumerate(parts, start=1):
        markup = keyboard if number == len(parts) else None
        sent.append(await message.reply_html(part, reply_markup=markup, do_quote=quote))
    return sent


async def send_text(message: Message, text: str) -> list[Message]:
    """Send plain text (escaped) in reply to message, split to fit."""
    return await send_html(message, render.text_html(text))


class TypingIndicator:
    """Remember when each chat (or topic) was last shown "typing…"."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """Start with no chat shown."""
        self.clock = clock
        self._shown: dict[tuple[int, int], float] = {}
        self._next_sweep = clock() + TYPING_SECONDS

    def due(self, chat_id: int, topic: int) -> bool:
        """Say whether the chat should be shown "typing…" now (and note that it was).

        Telegram shows the status for five seconds or until the bot's next message, so one
        action per chat in that time is enough; one per question cost about 40% of the bot's
        CPU under load (measured with bench/bench_load.py).
        """
        now = self.clock()
        if now >= self._next_sweep:
            # Entries older than five seconds decide nothing: drop them, so the table holds only
            # the chats of the last few seconds.
            self._shown = {key: at for key, at in self._shown.items() if now - at < TYPING_SECONDS}
            self._next_sweep = now + TYPING_SECONDS
        key = (chat_id, topic)
        if now - self._shown.get(key, -TYPING_SECONDS) < TYPING_SECONDS:
            return False
        self._shown[key] = now
        return True

    def __len__(self) -> int:
        return len(self._shown)


class DeliveryLimiter(BaseRateLimiter[int]):
    """Keep messages under Telegram's flood limits (unless turned off) and retry failed replies."""

    def __init__(
        self,
        *,
        flood_limits: bool = True,
        attempts: int = ATTEMPTS,
        first_delay: float = FIRST_DELAY_SECONDS,
        max_delay: float = MAX_DELAY_SECONDS,
    ):
        """Limit messages per Telegram's rules if flood_limits; try a reply up to attempts times."""
        self.flood_limits = flood_limits
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self._per_chat: dict[int | str, AsyncLimiter] = {}
        self._paused_until = 0.0  # after a 429: Telegram's retry_after applies to the whole bot

    async def initialize(self) -> None:
        """Nothing to set up: the limiters are created lazily."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Send one request within the flood limits; retry it on transient failures."""
        attempts = rate_limit_args or self.attempts
        for attempt in range(1, attempts + 1):
            try:
                async with self._flood_limits(endpoint, data.get("chat_id")):
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                delay = retry_seconds(error)
                self._paused_until = max(self._paused_until, time.monotonic() + delay)
                if attempt == attempts:
                    raise
            except NetworkError as error:  # TimedOut, connection errors and 5xx answers
                # BadRequest (400) is a NetworkError too in PTB, but sending it again cannot help.
                if isinstance(error, BadRequest) or endpoint not in RETRIED_METHODS:
                    raise
                if attempt == attempts:
                    raise
                delay = min(self.max_delay, self.first_delay * 2 ** (attempt - 1))
                logger.warning(
                    "%s failed (%s); retry %d of %d in %.1f s",
                    endpoint,
                    error,
                    attempt,
                    attempts - 1,
                    delay,
                )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @contextlib.asynccontextmanager
    async def _flood_limits(self, endpoint: str, chat_id: Any) -> AsyncIterator[None]:
        if not self.flood_limits or endpoint not in MESSAGE_METHODS:
            yield
            return
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        async with self._chat_limiter(chat_id), self._overall:
            yield

    def _chat_limiter(self, chat_id: Any) -> AsyncLimiter:
        limiter = self._per_chat.get(chat_id)
        if limiter is None:
            group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            if group:
                limiter = AsyncLimiter(GROUP_PER_MINUTE, 60)
            else:
                limiter = AsyncLimiter(CHAT_BURST, CHAT_BURST / CHAT_PER_SECOND)
            if len(self._per_chat) >= CHAT_LIMITERS_KEPT:
                self._forget_idle_chats()
            self._per_chat[chat_id] = limiter
        return limiter

    def _forget_idle_chats(self) -> None:
        # A limiter with its full capacity back holds no state worth keeping.
        for chat_id, limiter in list(self._per_chat.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self._per_chat[chat_id]


def retry_seconds(error: RetryAfter) -> float:
    """Return how many seconds a 429 asks to wait, from the public RetryAfter.retry_after.

    python-telegram-bot 22.2 to 22.x give it in seconds (an int, a float if fractional) with a
    warning that the next major version will give a timedelta, which PTB_TIMEDELTA=true gives
    already; both are read here, and the warning, which says nothing a bot operator can act on,
    is not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
