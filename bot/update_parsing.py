"""Updates that python-telegram-bot cannot parse: logged once, confirmed, and polling goes on.

PTB parses a whole getUpdates batch at once; one update it cannot read (a message without
`date`, a `chat` that is not an object, a `date` past the year 9999) makes the batch fail, so
nothing in it is confirmed, and the Updater fetches the same batch again, forever, logging a
CRITICAL traceback each time (issue 11). Here the getUpdates connection parses each update on
its own and hands PTB, in place of one it cannot read, an update with only its id: PTB then
confirms it with the next offset like any other, and no handler matches it.

Each update is parsed once: the connection hands PTB only the ids of the updates it parsed
(PTB reads the offset from them), and the update queue (`UpdateQueue`) puts the parsed update
in place of PTB's id-only one. Parsing twice, to check and then in PTB, cost about 2% of the
bot's time under a burst (bench_load.py's yardstick).

The same connection keeps each batch in the state store's inbox before the next getUpdates,
which is what confirms the batch to Telegram (state_store.py): an update taken and not yet
answered when the bot is killed is then answered after the restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, Update
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from .intake import Intake
from .state_store import StateStore

logger = logging.getLogger(__name__)

REASON_CHARS = 200  # of the parser's complaint in the log line; the update itself is not logged
# The Bot API's update_id is an Integer, positive and increasing; an id is stored in SQLite's
# signed 64-bit INTEGER, and a larger one would stop the write that stores it.
MAX_UPDATE_ID = 2**63 - 1


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates goes through: every update it returns is one PTB can parse, and
    it asks for more only when the bot has room for them (intake.py) and the last batch is kept in
    the store's inbox."""

    def __init__(self, intake: Intake, store: StateStore, **options: Any):
        """Take HTTPXRequest's options; count the updates fetched in intake, keep them in store."""
        super().__init__(**options)
        self.intake = intake
        self.store = store
        self.bot: Bot | None = None  # the Application's, once built: the updates' shortcuts use it
        self.parsed: dict[int, Update] = {}  # by id, until UpdateQueue puts them in PTB's place
        self._received: list[tuple[int, str]] = []  # the last batch, until it is in the store

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Wait for room in the intake and keep the last batch, then make the request (which
        confirms that batch to Telegram)."""
        await self.intake.room()
        if self._received:
            received, self._received = self._received, []
            await self.store.receive(received)
        return await super().do_request(*args, **kwargs)

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Decode the Bot API's answer; parse each update in it, and hand PTB only their ids."""
        # PTB documents this method as the place to customise how answers are decoded.
        decoded = HTTPXRequest.parse_json_payload(payload)
        updates = decoded.get("result") if isinstance(decoded, dict) else None
        if isinstance(updates, list):
            ids = []
            for raw in updates:
                update = parse_update(raw, self.bot)
                if update is not None:
                    self.parsed[update.update_id] = update
                    # ASCII: a lone surrogate stays escaped.
                    self._received.append((update.update_id, json.dumps(raw)))
                    ids.append({"update_id": update.update_id})
                elif (update_id := id_of(raw)) is not None:
                    ids.append({"update_id": update_id})  # confirmed with the rest; no handler takes it
            decoded["result"] = ids
            self.intake.taken(len(ids))
        return decoded


class UpdateQueue(asyncio.Queue[object]):
    """The Application's update queue: the Updater puts PTB's id-only updates in it, and what
    comes out is the update UpdatesRequest parsed for that id (anything else as it was put)."""

    def __init__(self, parsed: dict[int, Update]):
        """Swap in the updates of parsed (UpdatesRequest.parsed), each once."""
        super().__init__()
        self.parsed = parsed

    def put_nowait(self, item: object) -> None:
        """Put item, or the update parsed for its id."""
        if isinstance(item, Update):
            item = self.parsed.pop(item.update_id, item)
        super().put_nowait(item)


def valid_update_id(value: Any) -> bool:
    """Say whether value is an update id as Telegram defines them: a non-negative integer (that
    fits SQLite's signed 64 bits)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UPDATE_ID


def parse_update(raw: Any, bot: Bot | None) -> Update | None:
    """Return raw parsed as an Update for bot, or None (logged once) if PTB cannot parse it."""
    try:
        if not valid_update_id(raw.get("update_id") if isinstance(raw, dict) else None):
            raise ValueError("update_id is not a non-negative 64-bit integer")
        update = Update.de_json(raw, bot)
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)  # as ExtBot.get_updates does to what it parses
        return update
    except Exception as error:  # whatever the parser raises, on whatever a client sent
        reason = " ".join(str(error).split())[:REASON_CHARS]
        logger.warning(
            "update %s could not be read and is skipped (%s: %s)", id_of(raw), type(error).__name__, reason
        )
        return None


def id_of(raw: Any) -> int | None:
    """Return the update_id of a raw update, if it has one."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    return update_id if valid_update_id(update_id) else None
