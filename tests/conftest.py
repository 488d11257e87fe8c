"""Fixtures for the Telegram tests: the engine on the bundled article, the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bot_api_server import TOKEN, FakeBotApi

from index.content import default_content_path
from index.engine import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.from_path(default_content_path(None, environ={}))


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()
