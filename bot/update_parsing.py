"""Updates that python-telegram-bot cannot parse: logged once, confirmed, and polling goes on.

PTB parses a whole getUpdates batch at once; one update it cannot read (a message without
`date`, a `chat` that is not an object, a `date` past the year 9999) makes the batch fail, so
nothing in it is confirmed, and the Updater fetches the same batch again, forever, logging a
CRITICAL traceback each time (issue 11). Here the getUpdates connection checks each update on
its own and hands PTB, in place of one it cannot read, an update with only its id: PTB then
confirms it with the next offset like any other, and no handler matches it.

The same connection keeps each batch in the state store's inbox before the next getUpdates,
which is what confirms the batch to Telegram (state_store.py): an update taken and not yet
answered when the bot is killed is then answered after the restart.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

from .intake import Intake
from .state_store import StateStore

logger = logging.getLogger(__name__)

REASON_CHARS = 200  # of the parser's complaint in the log line; the update itself is not logged


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates goes through: every update it returns is one PTB can parse, and
    it asks for more only when the bot has room for them (intake.py) and the last batch is kept in
    the store's inbox."""

    def __init__(self, intake: Intake, store: StateStore, **options: Any):
        """Take HTTPXRequest's options; count the updates fetched in intake, keep them in store."""
        super().__init__(**options)
        self.intake = intake
        self.store = store
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
        """Decode the Bot API's answer; replace each update in it that cannot be parsed by its id."""
        # PTB documents this method as the place to customise how answers are decoded.
        decoded = HTTPXRequest.parse_json_payload(payload)
        updates = decoded.get("result") if isinstance(decoded, dict) else None
        if isinstance(updates, list):
            decoded["result"] = [readable for raw in updates if (readable := parseable(raw)) is not None]
            self.intake.taken(len(decoded["result"]))
            self._received.extend(
                (update["update_id"], json.dumps(update))  # ASCII: a lone surrogate stays escaped
                for update in decoded["result"]
                if len(update) > 1  # an update read, not the id of one that could not be
            )
        return decoded


def parseable(raw: Any) -> dict[str, Any] | None:
    """Return raw if it parses as an Update, else {"update_id": its id} (None if it has none)."""
    try:
        Update.de_json(raw, None)
        return raw  # type: ignore[no-any-return]
    except Exception as error:  # whatever the parser raises, on whatever a client sent
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        reason = " ".join(str(error).split())[:REASON_CHARS]
        logger.warning(
            "update %s could not be read and is skipped (%s: %s)", update_id, type(error).__name__, reason
        )
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            return {"update_id": update_id}
        return None
