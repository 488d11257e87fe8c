"""ALLOWED_CHAT_IDS: serve only the listed chats (and the admins' own), refuse others once."""

from __future__ import annotations

from telegram import InlineQueryResultsButton, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from .chat_state import ChatKey
from .claims import claim_first, save_claiming
from .replies import reply_text
from .runtime import Runtime, runtime_of

NOT_SERVED = "Sorry, this bot only answers in the chats it was set up for."


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
            await reply_text(update.effective_message, NOT_SERVED)
    await claim_first(update, context)  # refused before (or nothing to answer): claimed, silent
    raise ApplicationHandlerStop
