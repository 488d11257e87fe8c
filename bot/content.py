"""Loading the content the bot answers about, as configured (path, size limit, vector cache)."""

from __future__ import annotations

from ..index.content import default_content_path, load_articles
from ..index.engine import Engine
from .settings import Settings


def load_engine(settings: Settings) -> Engine:
    """Load and index the configured content; raise ContentError if it is unusable."""
    # Settings resolved --content and ARTICLE_BOT_CONTENT already: os.environ is not read again.
    path = default_content_path(settings.content, environ={})
    articles = load_articles(path, max_bytes=settings.max_article_bytes)
    return Engine(articles, cache=settings.cache_folder)
