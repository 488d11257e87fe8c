"""Fixtures: the sentence-vector cache in a temporary folder, the engines on the bundled article
and on a small one, the fake Bot API, the bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_api_server import TOKEN, FakeBotApi
from running_bot import RunningBot

from article_bot.bot.settings import Settings, settings_from
from article_bot.index.content import default_content_path, parse_article
from article_bot.index.engine import Engine

# A three-passage article on mining in the Andes, for tests that need to know every sentence.
ANDES = parse_article(
    "# Mining in the Andes\n\nJane Roe\n2 May 2021\n\n"
    "Potosí produced silver for the Spanish crown. Its mines employed thousands.\n\n"
    "The Uyuni salt flat holds lithium. Companies from China and Europe want the lithium.\n\n"
    "Tin mining collapsed in 1985. Miners then moved to El Alto.\n",
    slug="andes",
)


@pytest.fixture(scope="session", autouse=True)
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the sentence-vector cache of every test (subprocesses included) out of the home folder."""
    folder = tmp_path_factory.mktemp("vector-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARTICLE_BOT_CACHE", str(folder))
        yield folder


# Engines are built in fixtures, never at import: an article's computed vectors are written to the
# cache folder, which only vector_cache makes temporary.
@pytest.fixture(scope="session")
def engine(vector_cache: Path) -> Engine:
    return Engine.from_path(default_content_path(None, environ={}))


@pytest.fixture(scope="session")
def andes(vector_cache: Path) -> Engine:
    return Engine([ANDES])


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def make_settings(api: FakeBotApi, tmp_path: Path, vector_cache: Path):
    def make(**environment: str) -> Settings:
        values = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": api.base_url,
            "ARTICLE_BOT_STATE": str(tmp_path / "state.sqlite3"),
            "ARTICLE_BOT_CACHE": str(vector_cache),
            **environment,
        }
        return settings_from(values)

    return make


@pytest.fixture
def start_bot(make_settings, engine: Engine):
    running: list[RunningBot] = []

    def start(engine: Engine = engine, **environment: str) -> RunningBot:
        bot = RunningBot(make_settings(**environment), engine).start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        bot.stop()
