"""What the Telegram handlers share: the engine, the settings, the state store and the counters."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram import User
from telegram.ext import ContextTypes

from ..index.engine import Engine
from .settings import Settings
from .state_store import StateStore
from .stats import Stats
from .throttle import QuestionThrottle
from .typing_indicator import TypingIndicator


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
    unclaimed: set[int] = field(default_factory=set)  # updates begun, not yet claimed (claims.py)
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
