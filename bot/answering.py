"""Answering a question in a chat: throttle, "typing…", ask within the conversation, save, reply.

The conversation is read from the state store for each question and written back, with the
update's claim, before the answer is sent (state_store.py explains why in that order, claims.py
why together); the bot's message ids are remembered after it is sent, so that a reply to the
answer follows up on it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

from telegram import InlineQueryResultsButton, Message, Update
from telegram.constants import ChatAction, ChatID
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ..index.engine import Engine
from ..index.model import Answer, Reply, Turn
from . import telegram_render as render
from .claims import claim_first, save_claiming
from .replies import chat_key, message_of, reply_html, reply_text, sender_language, topic_of
from .runtime import Runtime, runtime_of
from .texts import say
from .throttle import Verdict

logger = logging.getLogger(__name__)

SLOW_DOWN = say("slow_down")
SLOW_DOWN_SHORT = say("slow_down_short")
# Up to these, a question is answered on the event loop (ask_off_loop): a few milliseconds.
INLINE_QUESTION_CHARS = 200
INLINE_PASSAGES = 500
# Senders that stand for someone unnamed: an anonymous group admin, a channel posting in its
# linked group, Telegram itself. Each is one id for everyone, so they are throttled by chat.
ANONYMOUS_SENDERS = frozenset({ChatID.ANONYMOUS_ADMIN, ChatID.SERVICE_CHAT, ChatID.FAKE_CHANNEL})


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


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
        await reply_text(update.effective_message, say("slow_down", language))


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer question in the update's chat, within its conversation, and remember the answer
    (the sender's rate limit is checked by the handler, rate_limited)."""
    runtime = runtime_of(context)
    message = message_of(update)
    if message.chat.type == message.chat.PRIVATE and runtime.typing.due(message.chat_id, topic_of(message)):
        await claim_first(update, context)
        await _show_typing(message)
    logger.debug("question in chat %s: %s", message.chat_id, question)
    engine = runtime.engine  # one engine for the whole answer, even if /reload swaps it now
    answer, turn = await _ask_in_conversation(update, context, engine, question)
    keyboard = render.answer_keyboard(engine, answer)
    sent = await reply_html(message, render.answer_html(engine, answer), keyboard)
    if turn is not None:
        await runtime.store.remember_answer(message.chat_id, [m.message_id for m in sent], turn)


def sender_key(update: Update) -> Hashable:
    """Return whom a question counts against: its user, or its chat for anonymous senders."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    anonymous = user is None or user.id in ANONYMOUS_SENDERS
    if message is not None and message.sender_chat is not None:
        anonymous = True
    if anonymous and chat is not None:
        return ("chat", chat.id)
    return ("user", user.id if user is not None else 0)


async def timed_ask(
    runtime: Runtime, engine: Engine, question: str, previous: Turn | None, chat_id: int | None
) -> Answer:
    """Ask the engine (off the event loop if it may take long), counting the question and its
    time in /stats."""
    reply, seconds = await ask_off_loop(runtime, engine, question, previous)
    runtime.stats.record(seconds, abstained=reply.answer.abstained, chat_id=chat_id)
    return reply.answer


async def ask_off_loop(
    runtime: Runtime, engine: Engine, question: str, previous: Turn | None
) -> tuple[Reply, float]:
    """Return engine's reply to question (following up on the previous turn) and the seconds it
    took, asked in the answering threads when it may take long (a long question, a big article),
    else right here.

    On the event loop nothing else moves while the engine works (other chats, the webhook, health
    checks): a question of 1,440 characters took 68 ms on the bundled article, and the work grows
    with the article. A short question on a small article takes a few milliseconds, less than
    handing it to a thread and back costs in CPU, and the threads' memory (the pool starts them
    only when first needed). One chat's questions are asked one at a time (ordering.py), so its
    conversation is never asked about twice at once."""

    def timed() -> tuple[Reply, float]:
        started = time.perf_counter()
        reply = engine.ask(question, previous)
        return reply, time.perf_counter() - started

    if len(question) <= INLINE_QUESTION_CHARS and len(engine.passages) <= INLINE_PASSAGES:
        return timed()
    return await asyncio.get_running_loop().run_in_executor(runtime.answering, timed)


async def _ask_in_conversation(
    update: Update, context: ContextTypes.DEFAULT_TYPE, engine: Engine, question: str
) -> tuple[Answer, Turn | None]:
    """Ask in the chat's conversation, or in the context of the answer the message replies to;
    save the conversation if the question added a turn to it, claiming the update with it (else
    claim it alone), then count the question in /stats; return the answer and that turn."""
    runtime, message = runtime_of(context), message_of(update)
    key = chat_key(message)
    state = await runtime.store.chat(key)
    earlier = await _replied_answer(runtime, context, message)
    # A reply follows up on the answer it replies to, not on whatever was asked last.
    previous = earlier if earlier is not None else state.conversation.last
    reply, seconds = await ask_off_loop(runtime, engine, question, previous)
    answer, turn = reply.answer, reply.turn
    if turn is not None:
        state.conversation.remember(turn)
        await save_claiming(update, context, key, state)
    else:
        await claim_first(update, context)
    # Counted once claimed: a re-delivered update was counted when it was answered.
    runtime.stats.record(seconds, abstained=answer.abstained, chat_id=message.chat_id)
    return answer, turn


async def _replied_answer(
    runtime: Runtime, context: ContextTypes.DEFAULT_TYPE, message: Message
) -> Turn | None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return await runtime.store.answer(message.chat_id, replied.message_id)


async def _show_typing(message: Message) -> None:
    """Show "typing…" in the message's chat (and topic); a failure only costs the indicator."""
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as error:
        logger.debug("typing action not shown: %s", error)
