"""Answering a question in Telegram: "typing…", ask within the conversation, save, count, reply.

The conversation is read from the state store for each question and written back, with the
update's claim, before the answer is sent (delivery/ explains why in that order, and why
together); the bot's message ids are remembered after it is sent, so that a reply to the answer
follows up on it. The sender's rate limit is checked before, by the handler (access.py).
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..index.engine import Engine
from ..index.model import Answer, Turn
from . import commands
from . import telegram_render as render
from .delivery.claims import claim_first, save_claiming
from .delivery.store import ChatKey, ChatState
from .sending import send_html
from .shared import Runtime, chat_key, message_of, runtime_of, topic_of

logger = logging.getLogger(__name__)

# Up to these, a question is answered on the event loop (ask_off_loop): a few milliseconds.
INLINE_QUESTION_CHARS = 200
INLINE_PASSAGES = 500


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer question in the update's chat, within its conversation (or in the context of the
    answer the message replies to), and remember which messages answered it."""
    runtime = runtime_of(context)
    message = message_of(update)
    if message.chat.type == message.chat.PRIVATE and runtime.typing.due(message.chat_id, topic_of(message)):
        await claim_first(update, context)
        await _show_typing(message)
    logger.debug("question in chat %s: %s", message.chat_id, question)
    engine = runtime.engine  # one engine for the whole answer, even if /reload swaps it now
    key = chat_key(message)
    state = await runtime.store.chat(key)
    earlier = await _replied_answer(runtime, context, message)
    # A reply follows up on the answer it replies to, not on whatever was asked last.
    previous = earlier if earlier is not None else state.conversation.last
    answer, turn = await ask_counted(update, context, engine, question, previous, (key, state))
    keyboard = render.answer_keyboard(engine, answer)
    sent = await send_html(message, render.answer_html(engine, answer), keyboard)
    if turn is not None:
        await runtime.store.remember_answer(message.chat_id, [m.message_id for m in sent], turn)


async def ask_counted(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    engine: Engine,
    question: str,
    previous: Turn | None,
    chat: tuple[ChatKey, ChatState] | None,
) -> tuple[Answer, Turn | None]:
    """Ask the engine, following up on the previous turn; if the answer adds a turn, remember it
    in the chat's state and save that, claiming the update with it (else claim the update
    alone); then count the question and its time in /stats. Return the answer and the turn it
    added."""
    runtime = runtime_of(context)
    answer, turn, seconds = await ask_off_loop(runtime, engine, question, previous)
    if turn is not None and chat is not None:
        key, state = chat
        state.conversation.remember(turn)
        await save_claiming(update, context, key, state)
    else:
        await claim_first(update, context)
    # Counted once claimed: a re-delivered update was counted when it was answered.
    runtime.stats.record(seconds, abstained=answer.abstained, chat_id=chat[0].chat_id if chat else None)
    return answer, turn


async def ask_off_loop(
    runtime: Runtime, engine: Engine, question: str, previous: Turn | None
) -> tuple[Answer, Turn | None, float]:
    """Return engine's answer to question, the turn it adds and the seconds it took, asked in the
    answering threads when it may take long (a long question, a big article), else right here.

    On the event loop nothing else moves while the engine works (other chats, the webhook, health
    checks): a long question (1,440 characters) takes tens of milliseconds, and the work grows
    with the article. A short question on a small article takes a few milliseconds, less than
    handing it to a thread and back costs in CPU, and the threads' memory (the pool starts them
    only when first needed). One chat's questions are asked one at a time (ordering.py), so its
    conversation is never asked about twice at once."""

    def timed() -> tuple[Answer, Turn | None, float]:
        started = time.perf_counter()
        answer, turn = commands.ask(engine, question, previous)
        return answer, turn, time.perf_counter() - started

    if len(question) <= INLINE_QUESTION_CHARS and len(engine.passages) <= INLINE_PASSAGES:
        return timed()
    return await asyncio.get_running_loop().run_in_executor(runtime.answering, timed)


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
