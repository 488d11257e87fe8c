"""Receiving updates: each parsed once, kept in the inbox before Telegram is told it arrived, and
polling no further ahead of answering than INTAKE_LIMIT.

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
which is what confirms the batch to Telegram: an update taken and not yet answered when the bot
is killed is then answered after the restart.

python-telegram-bot's Updater fetches updates as fast as Telegram hands them over and confirms
each batch at the next getUpdates, long before the updates are answered. Under a burst, then,
thousands of updates can be confirmed to Telegram but still waiting inside the bot: memory grows
with them, and after a SIGKILL all of them wait to be answered from the state store's inbox
before any new question. So the next getUpdates waits until the bot is down to INTAKE_LIMIT
updates in hand; answering speed is unchanged as long as the limit keeps every
concurrent slot busy.

An update waiting behind an earlier one of its own chat (ordering.py) is parked: it cannot use a
slot however long it waits (its chat's flood limit is one message a second), so it does not count
against INTAKE_LIMIT, or one busy chat would stop the bot from fetching anyone else's questions.
Parked updates are bounded per chat (ordering.CHAT_QUEUE_LIMIT) and, all together, by
PARKED_LIMIT.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, Update
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from .store import StateStore

logger = logging.getLogger(__name__)

REASON_CHARS = 200  # of the parser's complaint in the log line; the update itself is not logged
# The Bot API's update_id is an Integer, positive and increasing; an id is stored in SQLite's
# signed 64-bit INTEGER, and a larger one would stop the write that stores it.
MAX_UPDATE_ID = 2**63 - 1
INTAKE_LIMIT = 128  # twice the updates handled at once: enough to keep every slot busy
PARKED_LIMIT = 1024  # updates waiting behind their own chat, over all chats


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates goes through: every update it returns is one PTB can parse, and
    it asks for more only when the bot has room for them (Intake) and the last batch is kept in
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


class Intake:
    """Count the updates polling took and the bot has not finished; let polling wait for room."""

    def __init__(self, limit: int = INTAKE_LIMIT, parked_limit: int = PARKED_LIMIT):
        """Allow polling to hold at most limit unfinished updates (besides at most parked_limit
        parked ones) before it fetches more."""
        self.limit = limit
        self.parked_limit = parked_limit
        self.pending = 0
        self.parked = 0
        self._room: asyncio.Event | None = None

    def taken(self, count: int) -> None:
        """Note that polling took count updates."""
        self.pending += count

    def park(self) -> None:
        """Note that an update waits behind an earlier one of its chat."""
        self.parked += 1
        self._wake()

    def unpark(self) -> None:
        """Note that a parked update's turn came."""
        self.parked = max(0, self.parked - 1)

    def finished(self) -> None:
        """Note that one update was handled (whether it came by polling or by webhook)."""
        self.pending = max(0, self.pending - 1)
        self._wake()

    def full(self) -> bool:
        """Say whether polling must wait before it fetches more."""
        parked = min(self.parked, self.parked_limit)
        return self.pending - parked >= self.limit

    async def room(self) -> None:
        """Wait until fewer than limit updates (not counting those parked) are in hand."""
        while self.full():
            self._room = self._room or asyncio.Event()
            self._room.clear()
            await self._room.wait()

    def _wake(self) -> None:
        if self._room is not None and not self.full():
            self._room.set()
