"""Sending replies: every message split to Telegram's limit, in the chat and topic it answers."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from ..index.language import detect, normalise
from . import telegram_render as render
from .chat_state import ChatKey


def sender_language(update: Update) -> str:
    """Return the language to say things in to an update's sender ("en" or "es"): that of the
    question the update carries (a message's text, a command's argument, an inline query), else
    the sender's Telegram language_code, a hint for commands without text."""
    text = ""
    if update.inline_query is not None:
        text = update.inline_query.query
    elif update.effective_message is not None and update.callback_query is None:
        text = update.effective_message.text or ""
        if text.startswith("/"):
            text = text.partition(" ")[2]
    if text.strip():
        return detect(text)
    user = update.effective_user
    return normalise(user.language_code if user is not None else None)


def message_of(update: Update) -> Message:
    """Return the update's message (for handlers registered for updates that carry one)."""
    assert update.effective_message is not None
    return update.effective_message


def topic_of(message: Message) -> int:
    """Return the message's forum topic, 0 outside forum topics."""
    # In supergroups every reply chain has a message_thread_id too; only forum topics count.
    if message.is_topic_message and message.message_thread_id is not None:
        return message.message_thread_id
    return 0


def chat_key(message: Message) -> ChatKey:
    """Return the key the message's conversation is stored under: its chat and topic."""
    return ChatKey(message.chat_id, topic_of(message))


async def reply_html(
    message: Message,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
    quote: bool | None = None,
) -> list[Message]:
    """Reply in the message's chat and topic, split to fit, with buttons under the last part."""
    parts = render.split_message(html)
    sent = []
    for number, part in enumerate(parts, start=1):
        markup = keyboard if number == len(parts) else None
        sent.append(await message.reply_html(part, reply_markup=markup, do_quote=quote))
    return sent


async def reply_text(message: Message, text: str) -> list[Message]:
    """Reply with plain text (escaped), split to fit."""
    return await reply_html(message, render.text_html(text))
