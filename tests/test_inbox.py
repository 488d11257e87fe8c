"""Updates kept as they arrive: taken from Telegram but not begun when the bot stopped or was
killed, they are answered after the restart; begun, they are never answered twice."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from bot_api_server import ALICE, TOKEN, FakeBotApi, text_message
from running_bot import RunningBot
from test_webhook import post_update, webhook  # noqa: F401 (a fixture)

from article_bot.bot.delivery.sqlite import SqliteStateStore
from article_bot.bot.delivery.store import ChatKey, ChatState
from article_bot.bot.settings import settings_from

WEEK = 7 * 24 * 3600.0


def kept_or_claimed(path: Path) -> set[int]:
    """The update ids the state database holds, kept in its inbox or claimed."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT update_id FROM inbox UNION SELECT update_id FROM updates")
        return {update_id for (update_id,) in rows.fetchall()}
    finally:
        connection.close()


def keep(path: Path, updates: list[dict[str, Any]], claimed: tuple[int, ...] = ()) -> None:
    """Write a state database as a bot killed after receiving updates would have left it."""
    store = SqliteStateStore(path, WEEK)

    async def write() -> None:
        await store.receive([(update["update_id"], json.dumps(update)) for update in updates])
        for update_id in claimed:
            await store.claim(update_id)

    asyncio.run(write())
    store.close()


def test_the_store_keeps_received_updates_until_they_are_claimed(tmp_path):
    path = tmp_path / "state.sqlite3"
    first, second = {"update_id": 7, "message": {"text": "a"}}, {"update_id": 9, "message": {"text": "b"}}
    keep(path, [second, first], claimed=(9,))

    store = SqliteStateStore(path, WEEK)
    try:
        assert [json.loads(raw) for raw in store.unstarted()] == [first]
        asyncio.run(store.claim(7))
        assert store.unstarted() == []
    finally:
        store.close()


def test_an_update_claimed_with_its_conversation_is_no_longer_kept(tmp_path):
    path = tmp_path / "state.sqlite3"
    question = {"update_id": 12, "message": {"text": "What share of the vote did Carlos Mesa get?"}}
    keep(path, [question])
    store = SqliteStateStore(path, WEEK)
    try:
        assert asyncio.run(store.save(ChatKey(1), ChatState(), claim=12)) is True
        assert store.unstarted() == []
    finally:
        store.close()


def test_an_update_claimed_before_its_batch_was_kept_is_never_kept(tmp_path):
    # Handlers may claim a batch's updates before polling writes the batch: once the claim is
    # pruned (after the TTL), a kept copy would be answered again at the next start.
    path = tmp_path / "state.sqlite3"
    store = SqliteStateStore(path, ttl_seconds=1.0, clock=lambda: 1_000.0)

    async def claim_then_keep() -> None:
        await store.claim(11)
        await store.receive([(11, json.dumps({"update_id": 11, "message": {"text": "a"}}))])

    asyncio.run(claim_then_keep())
    store.close()
    later = SqliteStateStore(path, ttl_seconds=1.0, clock=lambda: 2_000.0)  # the claim is pruned
    try:
        assert later.unstarted() == []
    finally:
        later.close()


class WatchedApi(FakeBotApi):
    """The fake Bot API, noting at each getUpdates the updates its offset confirms that the bot's
    database does not hold (none may be confirmed before it is kept)."""

    def __init__(self, state: Path):
        super().__init__(TOKEN)
        self.state = state
        self.confirmed_unkept: list[int] = []
        self.confirmations = 0
        self._lock = threading.Lock()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        confirmed = {u["update_id"] for u in self._updates if u["update_id"] < offset}
        if confirmed:
            with self._lock:
                self.confirmations += 1
                self.confirmed_unkept.extend(sorted(confirmed - kept_or_claimed(self.state)))
        return await super()._get_updates(params)


def test_polling_keeps_each_batch_before_its_next_poll_confirms_it(tmp_path, engine, vector_cache):
    state = tmp_path / "state.sqlite3"
    api = WatchedApi(state).start()
    try:
        settings = settings_from(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": api.base_url,
                "ARTICLE_BOT_STATE": str(state),
                "ARTICLE_BOT_CACHE": str(vector_cache),
            }
        )
        bot = RunningBot(settings, engine).start()
        try:
            readers = [{**ALICE, "id": 9100 + n} for n in range(30)]
            questions = [
                text_message("What share of the vote did Carlos Mesa get?", user=reader) for reader in readers
            ]
            for question in questions:
                api.push("message", question)
            api.wait_for(lambda: len(api.sent()) >= len(questions), timeout=30)
        finally:
            bot.stop()
    finally:
        api.stop()
    assert api.confirmations > 0
    assert api.confirmed_unkept == []


def test_updates_received_but_never_begun_are_answered_after_a_restart(api, tmp_path, start_bot):
    begun = api.update("message", text_message("Who is Luis Arce?", user={**ALICE, "id": 9201}))
    waiting = api.update(
        "message", text_message("What share of the vote did Carlos Mesa get?", user={**ALICE, "id": 9202})
    )
    keep(tmp_path / "state.sqlite3", [begun, waiting], claimed=(begun["update_id"],))

    bot = start_bot()
    sent = api.wait_sent(9202)
    bot.stop()  # answers whatever was queued before it returns

    assert "31.5" in sent[0].result["text"]
    assert api.sent(9201) == []  # begun by the killed bot: never answered twice
    assert len(api.sent(9202)) == 1


def test_the_webhook_keeps_an_update_before_it_answers_200(api, tmp_path, webhook):  # noqa: F811
    api.reply_delay = 2.0  # the answer is still on its way when the 200 comes back
    update = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))

    assert post_update(webhook, json.dumps(update).encode()) == 200

    assert update["update_id"] in kept_or_claimed(tmp_path / "state.sqlite3")
