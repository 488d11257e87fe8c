"""The bot as the tests run it: the real Application, served in a thread against the fake API."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot_api_server import TOKEN, FakeBotApi

from article_bot.bot import application, serving
from article_bot.bot.settings import Settings
from article_bot.index.engine import Engine


def process_environment(api: FakeBotApi, folder: Path, **environment: str) -> dict[str, str]:
    """Return the environment of an `article-bot run` subprocess against the fake API: nothing of
    the tests' own but PATH and the vector cache, home in folder, and the given settings."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "ARTICLE_BOT_CACHE": os.environ.get("ARTICLE_BOT_CACHE", str(folder / "cache")),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        **environment,
    }


class RunningBot:
    """The bot served (polling or webhook, as `article-bot run` does) in a thread."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.application = application.build_application(settings, engine)
        self.service = serving.service(self.application, settings, poll_timeout=1, stop_signals=())
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            self.service.run()
        except BaseException as error:  # re-raised in the test thread by stop()
            self.error = error

    def start(self) -> RunningBot:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.application.running:
            if self.error or time.monotonic() > deadline:
                raise AssertionError(f"bot did not start: {self.error!r}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.service.stop()  # what a stop signal does
            self.thread.join(10)
        assert not self.thread.is_alive(), "bot did not stop"
        if self.error:
            raise self.error


def ask_and_wait(api: FakeBotApi, message: dict[str, Any]) -> dict[str, Any]:
    """Push a message, wait for the bot's next message in that chat; return it as sent."""
    chat_id = message["chat"]["id"]
    before = len(api.sent(chat_id))
    api.push("message", message)
    return api.wait_sent(chat_id, before + 1)[before].result  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_json(url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
