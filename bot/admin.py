"""The administrators' commands: /reload the content, /stats."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from ..index.engine import Engine
from ..index.errors import ContentError
from . import telegram_render as render
from .content import load_engine_off_loop
from .replies import message_of, reply_html, reply_text
from .runtime import runtime_of

logger = logging.getLogger(__name__)

ADMINS_ONLY = "Sorry, {command} is for the bot's administrators."
RELOADED = "Reloaded: {articles} article(s), {passages} passages."
RELOAD_FAILED = "Reload failed; still serving the previous content. {error}"


async def reload_content(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read the content and swap the index in; on bad content keep serving the old one."""
    runtime = runtime_of(context)
    message = message_of(update)
    if not runtime.is_admin(update.effective_user):
        await reply_text(message, ADMINS_ONLY.format(command="/reload"))
        return
    async with runtime.reloading:
        try:
            engine: Engine = await load_engine_off_loop(runtime.settings)
        except ContentError as error:
            logger.warning("reload failed: %s", error)
            reason = " ".join(str(error).split())  # one line
            await reply_text(message, RELOAD_FAILED.format(error=reason))
            return
        runtime.engine = engine
    logger.info("reloaded: %d articles, %d passages", len(engine.articles), len(engine.passages))
    await reply_text(message, RELOADED.format(articles=len(engine.articles), passages=len(engine.passages)))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show uptime, questions, abstentions, answer times and chats (admins only)."""
    runtime = runtime_of(context)
    if not runtime.is_admin(update.effective_user):
        await reply_text(message_of(update), ADMINS_ONLY.format(command="/stats"))
        return
    await reply_html(message_of(update), render.stats_html(runtime.stats.snapshot()))
