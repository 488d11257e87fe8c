"""The Telegram handlers: read the update, ask the engine or the commands, render, send.

Each is named after what triggers it. What a command answers is computed by commands.py, for
the console too; a question is answered by answering.py; the allow-list and the rate limit are
in access.py; which handler gets which update is decided in application.py.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineQueryResultsButton, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..index.engine import Engine
from ..index.errors import ArticleBotError, ContentError
from . import commands
from . import telegram_render as render
from .access import rate_limited
from .answering import answer_question, ask_counted
from .delivery.claims import claim_first, save_claiming
from .delivery.store import ChatState
from .loading import load_engine_off_loop
from .sending import send_html, send_text
from .shared import chat_key, message_of, runtime_of, sender_language
from .texts import say

logger = logging.getLogger(__name__)

ADMINS_ONLY = "Sorry, {command} is for the bot's administrators."
RELOADED = "Reloaded: {articles} article(s), {passages} passages."
RELOAD_FAILED = "Reload failed; still serving the previous content. {error}"


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start, /help, /about, /source N, and (in private chats) a command the bot does not
    have: what commands.reply says, rendered for Telegram."""
    message = message_of(update)
    runtime = runtime_of(context)
    engine = runtime.engine
    typed = ((message.text or "/").split() or ["/"])[0]
    conversation = None
    # Only with several articles does a bare /source N depend on the conversation's article.
    if commands.command_name(typed) == "source" and len(engine.articles) > 1:
        conversation = (await runtime.store.chat(chat_key(message))).conversation
    language = sender_language(update)
    reply = commands.reply(typed, " ".join(context.args or []), engine, conversation, language)
    if reply.welcome is not None:
        await send_html(message, render.welcome_html(reply.welcome, language))
    elif reply.passage is not None:
        await send_html(message, render.source_html(engine, reply.passage))
    else:
        await send_text(message, reply.text)


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation in this chat (or forum topic)."""
    message = message_of(update)
    key = chat_key(message)
    refused = (await runtime_of(context).store.chat(key)).refused
    await save_claiming(update, context, key, ChatState(refused=refused))
    language = sender_language(update)
    await send_text(message, commands.reply("/reset", "", runtime_of(context).engine, None, language).text)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION (the way to ask in groups)."""
    engine = runtime_of(context).engine
    reply = commands.reply("/ask", " ".join(context.args or []), engine, None, sender_language(update))
    if reply.question is None:
        await claim_first(update, context)
        await send_text(message_of(update), reply.text)
        return
    await answer_question(update, context, reply.question)


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text in a private chat as a question."""
    await answer_question(update, context, message_of(update).text or "")


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer group text that mentions the bot or replies to it; ignore the rest of the chatter."""
    message = message_of(update)
    mentioned = _mentions_bot(message, context.bot)
    if not (mentioned or _replies_to_bot(message, context.bot)):
        return
    await _addressed_group_message(update, context)


@rate_limited
async def _addressed_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer group text addressed to the bot (it counts against the sender's limit)."""
    message = message_of(update)
    text = message.text or ""
    mentioned = _mentions_bot(message, context.bot)
    question = _without_mention(text, context.bot.username) if mentioned else text
    if not question:
        await claim_first(update, context)
        language = sender_language(update)
        await send_text(message, say("example_hint", language) + " " + say("ask_example", language))
        return
    await answer_question(update, context, question)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hint that only text questions are read (stickers, photos, voice...)."""
    await send_text(message_of(update), say("non_text", sender_language(update)))


async def source_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the full passage of a pressed "¶N" button."""
    query = update.callback_query
    assert query is not None  # the handler is registered for callback queries only
    engine = runtime_of(context).engine
    try:
        passage = engine.find_source(render.parse_source_callback(query.data) or "")
    except ArticleBotError as error:
        await query.answer(render.alert_text(str(error)), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await send_html(query.message, render.source_html(engine, passage), quote=False)
    elif update.effective_chat is not None:
        for part in render.split_message(render.source_html(engine, passage)):
            await context.bot.send_message(update.effective_chat.id, part, parse_mode=ParseMode.HTML)


async def other_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press whose data is not one of ours, so that its button stops spinning."""
    query = update.callback_query
    assert query is not None  # the handler is registered for callback queries only
    await query.answer(say("stale_button", sender_language(update)))


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the answer to "@bot question" typed in any chat as one result to send."""
    query = update.inline_query
    assert query is not None  # the handler is registered for inline queries only
    question = query.query.strip()
    if not question:
        button = InlineQueryResultsButton(
            text=say("inline_button", sender_language(update)), start_parameter="inline"
        )
        await query.answer([], button=button, cache_time=300)
        return
    logger.debug("inline question from %s: %s", query.from_user.id, question)
    engine = runtime_of(context).engine
    answer, _ = await ask_counted(update, context, engine, question, None, None)
    await query.answer(render.inline_results(engine, question, answer), cache_time=300)


async def reload_content(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read the content and swap the index in; on bad content keep serving the old one."""
    runtime = runtime_of(context)
    message = message_of(update)
    if not runtime.is_admin(update.effective_user):
        await send_text(message, ADMINS_ONLY.format(command="/reload"))
        return
    async with runtime.reloading:
        try:
            engine: Engine = await load_engine_off_loop(runtime.settings.content_settings)
        except ContentError as error:
            logger.warning("reload failed: %s", error)
            reason = " ".join(str(error).split())  # one line
            await send_text(message, RELOAD_FAILED.format(error=reason))
            return
        runtime.engine = engine
    logger.info("reloaded: %d articles, %d passages", len(engine.articles), len(engine.passages))
    await send_text(message, RELOADED.format(articles=len(engine.articles), passages=len(engine.passages)))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show uptime, questions, abstentions, answer times and chats (admins only)."""
    runtime = runtime_of(context)
    if not runtime.is_admin(update.effective_user):
        await send_text(message_of(update), ADMINS_ONLY.format(command="/stats"))
        return
    await send_html(message_of(update), render.stats_html(runtime.stats.snapshot()))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its traceback and, where there is a chat, say something went wrong."""
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    await claim_first(update, context)
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    try:
        failed = say("failed", sender_language(update))
        await context.bot.send_message(update.effective_chat.id, failed, message_thread_id=thread)
    except TelegramError as error:
        logger.warning("could not tell the user about the error: %s", error)


def _mentions_bot(message: Message, bot: Bot) -> bool:
    handle = f"@{bot.username}".lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if text.lower() == handle or (entity.user is not None and entity.user.id == bot.id):
            return True
    return False


def _replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot.id


def _without_mention(text: str, username: str) -> str:
    words = [word for word in text.split() if word.lower().strip(",:") != f"@{username}".lower()]
    return " ".join(words).strip()
