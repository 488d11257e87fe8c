"""The Telegram handlers: read the update, ask the engine, render, reply.

Each is named after what triggers it. Answering a question is in answering.py, the admin
commands in admin.py, the allow-list in allow_list.py; which handler gets which update is
decided in application.py.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineQueryResultsButton, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..index.errors import ArticleBotError
from . import telegram_render as render
from .answering import answer_question, rate_limited, timed_ask
from .chat_state import ChatState
from .claims import claim_first, save_claiming
from .replies import chat_key, message_of, reply_html, reply_text, sender_language
from .runtime import runtime_of
from .texts import about_text, say

logger = logging.getLogger(__name__)

NON_TEXT_HINT = say("non_text")
FAILED = say("failed")
UNKNOWN_COMMAND = say("unknown_command")
STALE_BUTTON = say("stale_button")
# Telegram commands are at most 32 characters, and "@" and a bot's name at most 33 more; the
# reply names no more of what was typed than that, so it cannot grow with the message.
COMMAND_SHOWN_CHARS = 65


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome: which article, how to ask, three example questions."""
    await reply_html(
        message_of(update), render.start_html(runtime_of(context).engine, sender_language(update))
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask and list the commands."""
    await reply_html(message_of(update), render.help_html(sender_language(update)))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Name the article(s) the bot knows."""
    await reply_text(message_of(update), about_text(runtime_of(context).engine, sender_language(update)))


async def show_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the full text of the passage named by /source N."""
    runtime = runtime_of(context)
    engine = runtime.engine
    # Only with several articles does a bare N depend on the conversation's article.
    several = len(engine.articles) > 1
    conversation = (await runtime.store.chat(chat_key(message_of(update)))).conversation if several else None
    try:
        passage = engine.find_source(" ".join(context.args or []), conversation)
    except ArticleBotError as error:
        await reply_text(message_of(update), str(error))
        return
    await reply_html(message_of(update), render.source_html(engine, passage))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation in this chat (or forum topic)."""
    message = message_of(update)
    key = chat_key(message)
    refused = (await runtime_of(context).store.chat(key)).refused
    await save_claiming(update, context, key, ChatState(refused=refused))
    await reply_text(message, say("reset", sender_language(update)))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION (the way to ask in groups)."""
    question = " ".join(context.args or [])
    if not question:
        await claim_first(update, context)
        await reply_text(message_of(update), say("ask_usage_example", sender_language(update)))
        return
    await answer_question(update, context, question)


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
        await reply_text(message, say("example_hint", language) + " " + say("ask_example", language))
        return
    await answer_question(update, context, question)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hint that only text questions are read (stickers, photos, voice...)."""
    await reply_text(message_of(update), say("non_text", sender_language(update)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help for a command the bot does not have (private chats only)."""
    command = ((message_of(update).text or "/").split() or ["/"])[0]
    shown = render.excerpt(command, COMMAND_SHOWN_CHARS)
    await reply_text(message_of(update), say("unknown_command", sender_language(update), command=shown))


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
        await reply_html(query.message, render.source_html(engine, passage), quote=False)
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
    runtime = runtime_of(context)
    engine = runtime.engine
    answer = await timed_ask(runtime, engine, question, None, chat_id=None)
    await query.answer(render.inline_results(engine, question, answer), cache_time=300)


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
