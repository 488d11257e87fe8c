"""`article-bot run` and `article-bot check`: the Telegram bot's two entry points."""

from __future__ import annotations

import asyncio
import sys

from telegram import Bot, User
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from ..index.errors import ArticleBotError, ConfigError
from .application import build_application, service
from .content import load_engine, load_engine_with_progress
from .logs import configure_logging
from .settings import TOKEN_HELP, Settings, load_settings

REJECTED_TOKEN = f"Telegram rejected TELEGRAM_BOT_TOKEN: {TOKEN_HELP}"


def run(content: str | None) -> int:
    """Run the Telegram bot until it is stopped; raise ConfigError on bad configuration."""
    settings = load_settings(content)
    configure_logging(settings)
    application = build_application(settings, load_engine_with_progress(settings))
    try:
        service(application, settings).run()
    except InvalidToken:
        # PTB's message quotes the token; the exit code says "fix the configuration" (2), so
        # that systemd's Restart=on-failure is not fed the same token over and over in vain.
        raise ConfigError(REJECTED_TOKEN) from None
    return 0


def check(content: str | None) -> int:
    """Check the settings, the content and the token (getMe); print one line; return 0 or 1."""
    try:
        settings = load_settings(content)
        configure_logging(settings)
        engine = load_engine(settings)
        me = asyncio.run(_get_me(settings))
    except ArticleBotError as error:
        print(f"article-bot: {error}", file=sys.stderr)
        return 1
    except InvalidToken:
        print(f"article-bot: {REJECTED_TOKEN}", file=sys.stderr)
        return 1
    except TelegramError as error:
        # PTB's messages may quote the token; never print it.
        reason = str(error).replace(settings.token, "<token>")
        print(f"article-bot: Telegram did not answer getMe: {reason}", file=sys.stderr)
        return 1
    print(
        f"ok: @{me.username} answers about {len(engine.articles)} article(s), {len(engine.passages)} passages"
    )
    return 0


async def _get_me(settings: Settings) -> User:
    request = HTTPXRequest(connect_timeout=5, read_timeout=5)
    bot = Bot(
        settings.token,
        base_url=settings.base_url or "https://api.telegram.org/bot",
        base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot",
        request=request,
    )
    async with bot:
        return await bot.get_me()
