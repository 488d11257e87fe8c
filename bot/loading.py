"""Building the engine from ContentSettings: the one way the console and the Telegram bot load it.

Indexing a big article takes minutes (a few MB: a sentence vector for each sentence). For the bot
it runs in a thread, with a line in the log every PROGRESS_SECONDS until it is done, so that a
long start or /reload is visibly at work; during /reload the event loop goes on answering with the
old content.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time

from ..index.content import default_content_path, load_articles
from ..index.embed import encoder, preload
from ..index.engine import Engine
from .settings import ContentSettings

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 10.0


def build_engine(settings: ContentSettings) -> Engine:
    """Load and index the configured content; raise ContentError if it is unusable."""
    # The settings resolved --content and ARTICLE_BOT_CONTENT already: os.environ is not read again.
    path = default_content_path(settings.content, environ={})
    preload()  # the sentence model loads while the articles do: questions need it
    return Engine(load_articles(path, max_bytes=settings.max_article_bytes), cache=settings.cache_folder)


def load_engine(settings: ContentSettings) -> Engine:
    """Build the engine, and load the sentence model now rather than at the first question (the
    bot's start, /reload, `article-bot check`)."""
    engine = build_engine(settings)
    encoder()
    return engine


def load_engine_with_progress(settings: ContentSettings) -> Engine:
    """Load the engine as load_engine does, logging progress while it takes long (start-up)."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="indexing") as pool:
        loading = pool.submit(load_engine, settings)
        started = time.monotonic()
        while True:
            try:
                return loading.result(timeout=PROGRESS_SECONDS)
            except concurrent.futures.TimeoutError:
                _log_progress(started)


async def load_engine_off_loop(settings: ContentSettings) -> Engine:
    """Load the engine as load_engine does in a thread, the event loop serving meanwhile, and log
    progress while it takes long (/reload)."""
    loading = asyncio.ensure_future(asyncio.to_thread(load_engine, settings))
    started = time.monotonic()
    while True:
        done, _ = await asyncio.wait({loading}, timeout=PROGRESS_SECONDS)
        if done:
            return loading.result()
        _log_progress(started)


def _log_progress(started: float) -> None:
    logger.info("indexing the content: %.0f s so far", time.monotonic() - started)
