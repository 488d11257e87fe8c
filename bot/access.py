"""Who is answered, and how often: the allow-list (ALLOWED_CHAT_IDS) and each sender's rate limit.

The allow-list runs before every handler and stops an update from a chat it does not serve,
refusing each such chat once. The rate limit (RATE_LIMIT_PER_MINUTE, counted in throttle.py)
wraps each handler: every question, command, button and inline query counts, and past the limit
the sender is told "slow down" once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

from telegram import InlineQueryResultsButton, Update
from telegram.constants import ChatID
from telegram.ext import ApplicationHandlerStop, ContextTypes

from .delivery.claims import claim_first, save_claiming
from .delivery.store import ChatKey
from .sending import send_text
from .shared import Runtime, runtime_of, sender_language
from .texts import say
from .throttle import Verdict

NOT_SERVED = "Sorry, this bot only answers in the chats it was set up for."
# Senders that stand for someone unnamed: an anonymous group admin, a channel posting in its
# linked group, Telegram itself. Each is one id for everyone, so they are throttled by chat.
ANONYMOUS_SENDERS = frozenset({ChatID.ANONYMOUS_ADMIN, ChatID.SERVICE_CHAT, ChatID.FAKE_CHANNEL})

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def is_allowed(runtime: Runtime, update: Update) -> bool:
    """Say whether to serve update: ALLOWED_CHAT_IDS unset, a listed chat, or an admin's own."""
    allowed = runtime.settings.allowed_chat_ids
    if not allowed:
        return True
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        return chat.id in allowed or (chat.type == chat.PRIVATE and runtime.is_admin(user))
    # Inline queries have no chat: the user's private chat with the bot stands for them.
    return user is not None and (user.id in allowed or runtime.is_admin(user))


async def allow_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from chats outside ALLOWED_CHAT_IDS; refuse each such chat once, politely."""
    runtime = runtime_of(context)
    if is_allowed(runtime, update):
        return
    if update.inline_query is not None:
        await claim_first(update, context)
        button = InlineQueryResultsButton(text="Not available to you", start_parameter="private")
        await update.inline_query.answer([], button=button, cache_time=300, is_personal=True)
    elif update.callback_query is not None:
        await claim_first(update, context)
        await update.callback_query.answer()
    elif update.effective_message is not None and update.effective_chat is not None:
        # Remembered in the state store: after a restart the chat stays refused, and silent.
        key = ChatKey(update.effective_chat.id)
        state = await runtime.store.chat(key)
        if not state.refused:
            state.refused = True
            await save_claiming(update, context, key, state)
            await send_text(update.effective_message, NOT_SERVED)
    await claim_first(update, context)  # refused before (or nothing to answer): claimed, silent
    raise ApplicationHandlerStop


def rate_limited(callback: Handler) -> Handler:
    """Return callback, run only while the sender is within RATE_LIMIT_PER_MINUTE: every
    question, command, button and inline query counts; past the limit, "slow down" once."""

    @functools.wraps(callback)
    async def limited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        runtime = runtime_of(context)
        sender = sender_key(update)
        verdict = runtime.throttle.check(sender)
        try:
            if verdict is Verdict.ANSWER:
                await callback(update, context)
            else:
                await claim_first(update, context)
                await _refuse(update, verdict)
        except ApplicationHandlerStop:  # answered before (re-delivered): it does not count again
            runtime.throttle.refund(sender, verdict)
            raise

    return limited


def sender_key(update: Update) -> Hashable:
    """Return whom a question counts against: its user, or its chat for anonymous senders."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    anonymous = user is None or user.id in ANONYMOUS_SENDERS
    if message is not None and message.sender_chat is not None:
        anonymous = True
    if anonymous and chat is not None:
        return ("chat", chat.id)
    return ("user", user.id if user is not None else 0)


async def _refuse(update: Update, verdict: Verdict) -> None:
    """Tell the sender, once, that they are over the limit; an inline query or a button is
    answered every time (empty), or it would spin in their app."""
    language = sender_language(update)
    if update.inline_query is not None:
        button = InlineQueryResultsButton(text=say("slow_down_short", language), start_parameter="slow_down")
        await update.inline_query.answer([], button=button, cache_time=0, is_personal=True)
    elif update.callback_query is not None:
        await update.callback_query.answer(
            say("slow_down_short", language) if verdict is Verdict.WARN else None
        )
    elif verdict is Verdict.WARN and update.effective_message is not None:
        await send_text(update.effective_message, say("slow_down", language))
