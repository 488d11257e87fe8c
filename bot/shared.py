"""What the Telegram handlers share, and what they read off an update.

The Runtime (one per Application, in bot_data) holds the engine, the settings, the state store
and the counters; the helpers below say which message, chat (and topic) and language an update
is answered in.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram import Message, Update, User
from telegram.ext import ContextTypes

from ..index.engine import Engine
from ..index.language import detect, normalise
from .delivery.store import ChatKey, StateStore
from .sending import TypingIndicator
from .settings import Settings
from .stats import Stats
from .throttle import QuestionThrottle


@dataclass
class Runtime:
    """Kept in bot_data (which nothing persists): one per Application."""

    engine: Engine  # replaced whole by /reload: a handler reads it once per update
    settings: Settings
    store: StateStore
    throttle: QuestionThrottle = field(init=False)
    stats: Stats = field(default_factory=Stats)
    typing: TypingIndicator = field(default_factory=TypingIndicator)
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)
    unclaimed: set[int] = field(default_factory=set)  # updates begun, not yet claimed (delivery/)
    # Where the engine answers (answering.ask_off_loop): one thread per core.
    answering: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="answering")
    )

    def __post_init__(self) -> None:
        self.throttle = QuestionThrottle(self.settings.rate_limit_per_minute)

    def is_admin(self, user: User | None) -> bool:
        """Say whether user is listed in ADMIN_USER_IDS."""
        return user is not None and user.id in self.settings.admin_user_ids


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    """Return the Runtime of the Application handling context's update."""
    return context.bot_data["runtime"]  # type: ignore[no-any-return]


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
