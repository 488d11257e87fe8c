"""The yardstick of bench/bench_load.py: the plainest python-telegram-bot bot around the same Engine.

One `/ask` handler that calls `Engine.ask` and replies with its text; no state, no throttle, no
allow-list, no flood limiter or retries, no buttons. Its transport is the bot's: the same
connection pool, time-outs and number of updates handled at once. Configured like `article-bot
run` from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, ARTICLE_BOT_CONTENT).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot python bench/bare_bot.py
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from article_bot.bot.application import ALLOWED_UPDATES, CONCURRENT_UPDATES, CONNECTIONS
from article_bot.bot.texts import answer_text
from article_bot.index.content import default_content_path
from article_bot.index.engine import Engine

TIMEOUT_SECONDS = 10.0  # TELEGRAM_TIMEOUT's default


def main() -> None:
    """Serve /ask by long polling until SIGINT or SIGTERM."""
    engine = Engine.from_path(default_content_path(None))

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        answer = engine.ask(" ".join(context.args or [])).answer
        await update.effective_message.reply_text(answer_text(answer))

    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
        .connection_pool_size(CONNECTIONS)
        .concurrent_updates(CONCURRENT_UPDATES)
        .connect_timeout(TIMEOUT_SECONDS)
        .read_timeout(TIMEOUT_SECONDS)
        .write_timeout(TIMEOUT_SECONDS)
        .pool_timeout(TIMEOUT_SECONDS)
        .get_updates_connect_timeout(TIMEOUT_SECONDS)
        .get_updates_read_timeout(TIMEOUT_SECONDS)
        .build()
    )
    application.add_handler(CommandHandler("ask", ask))
    application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)


if __name__ == "__main__":
    main()
