"""Where the bot keeps its conversations: a small interface, and what every handler may rely on.

Why a store of the bot's own rather than python-telegram-bot's BasePersistence: PTB flushes
persistence on a timer (`update_interval`), all changed chats at once, from the event loop, and
offers no hook per update. Measured on this project (issue 11), that flush was 18% of the bot's
CPU at 200 chats and stalled every chat for up to 41 s at 1,500; and without a per-update hook,
an update's conversation and "this update was answered" cannot be written together, which is
what makes a re-delivered update answered once across restarts. So each handler writes its own
chat's row when it answers, in one transaction with the update id, off the event loop.

The order is commit, then send. Before anything is sent for an update, its id is committed as
claimed (and the update dropped if it was claimed before): a handler that changes a
conversation commits the chat's new row and the claim in one transaction (`save` with
`claim`) before its reply goes out; every other handler claims first (claims.py). After a
SIGKILL at any moment, then, every conversation whose answer was sent is in the store and no
update is answered twice; the price is that a kill between the commit and the send loses that
one reply (Telegram re-delivers the update, and the store says it was taken). Send, then commit
would instead answer such an update twice and lose its conversation. A conversation is never
written without its update's claim, nor the claim without it: a re-delivered question cannot
extend the conversation a second time. Which bot message answered what is written just after
the send: a kill in between costs only the follow-up link of that one message.

Before that, an update is kept as it arrived (`receive`), before Telegram is told it was
received: polling confirms a batch with its next getUpdates, so the batch is written first; the
webhook writes the update before it answers 200. Claiming it deletes that copy. At start-up,
every update kept and never claimed (`unstarted`) is answered first: what a killed bot had taken
from Telegram but not yet begun is answered after the restart, not lost.

The interface is async and small (point reads by key, writes durable once awaited) so that a
server database can stand in for SQLite when several replicas serve one bot behind a webhook
load balancer: `claim` (alone or with `save`) is then an INSERT of the update id that only one
replica can win.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..index.model import Turn
from .chat_state import ChatKey, ChatState

ANSWERS_REMEMBERED = 200  # per chat: the latest answers a reply can still follow up on


class StateStore(Protocol):
    """Conversations per chat or topic, the answers replies follow up on, and the updates answered."""

    async def receive(self, updates: Sequence[tuple[int, str]]) -> None:
        """Keep the updates (id, raw JSON) just received, durably, until they are claimed: once
        awaited, Telegram may be told they arrived (polling's next offset, the webhook's 200)."""
        ...

    def unstarted(self) -> list[str]:
        """Return the raw JSON of the updates received and never claimed, oldest first: at
        start-up, what a stopped or killed bot had taken from Telegram but not begun to answer."""
        ...

    async def claim(self, update_id: int) -> bool:
        """Record update_id as taken, durably; return False if it was taken before (drop it then)."""
        ...

    async def chat(self, key: ChatKey) -> ChatState:
        """Return the chat's (or topic's) state: a fresh one if none is stored."""
        ...

    async def save(self, key: ChatKey, state: ChatState, claim: int | None = None) -> bool:
        """Write the chat's (or topic's) state, durably, before the reply that depends on it; with
        claim, take that update in the same transaction: if it was taken before, write nothing and
        return False (drop it then)."""
        ...

    async def answer(self, chat_id: int, message_id: int) -> Turn | None:
        """Return what the bot's message message_id in chat_id answered, if it is remembered."""
        ...

    async def remember_answer(self, chat_id: int, message_ids: Sequence[int], turn: Turn) -> None:
        """Remember that the bot's messages message_ids (one answer) answered turn."""
        ...

    def healthy(self) -> bool:
        """Say whether writes can still be made (False: the bot must stop, to be restarted)."""
        ...

    def close(self) -> None:
        """Finish pending writes and release the database."""
        ...
