"""The state store's interface (why it is the bot's own: this package's docstring), and what it
keeps of one chat or forum topic: ChatKey, ChatState and their JSON form.

A ChatState is plain data: the conversation the engine reads follow-ups from, and whether the
chat was already refused by the allow-list. The answers a reply can follow up on are kept per
message (StateStore.remember_answer), not here, so that a chat's row stays a few hundred bytes
however long the chat has been talking.

JSON, never pickle: whoever can write the state file must not be able to run code as the bot.
A row that does not decode into today's types (damaged, or written by an older version whose
Turn had other fields) is read as a fresh conversation rather than stopping the chat.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ...index.model import Conversation, Turn

logger = logging.getLogger(__name__)

ANSWERS_REMEMBERED = 200  # per chat: the latest answers a reply can still follow up on


@dataclass(frozen=True)
class ChatKey:
    """A chat, or one forum topic in it (topic 0: the chat itself, or a group without topics)."""

    chat_id: int
    topic: int = 0


@dataclass
class ChatState:
    """The conversation in one chat or topic, and whether the allow-list refused the chat."""

    conversation: Conversation = field(default_factory=Conversation)
    refused: bool = False


def state_to_json(state: ChatState) -> str:
    """Return the compact JSON a ChatState is stored as."""
    data = {"turns": [asdict(turn) for turn in state.conversation.turns], "refused": state.refused}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def state_from_json(text: str | None) -> ChatState:
    """Return the ChatState stored as text (a fresh one for None or an unreadable row)."""
    if text is None:
        return ChatState()
    try:
        data = json.loads(text)
        turns = [turn_from_data(turn) for turn in data.get("turns", [])]
        return ChatState(Conversation(turns=turns), refused=bool(data.get("refused", False)))
    except (ValueError, TypeError, AttributeError) as error:
        logger.warning("a conversation could not be read and starts afresh (%s)", type(error).__name__)
        return ChatState()


def turn_to_json(turn: Turn) -> str:
    """Return the JSON a Turn (what a reply may follow up on) is stored as."""
    return json.dumps(asdict(turn), ensure_ascii=False, separators=(",", ":"))


def turn_from_json(text: str | None) -> Turn | None:
    """Return the Turn stored as text, or None for None or an unreadable one."""
    if text is None:
        return None
    try:
        return turn_from_data(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return None


def turn_from_data(data: Any) -> Turn:
    """Return a Turn from its decoded JSON object; raise TypeError if it is not one."""
    if not isinstance(data, dict):
        raise TypeError("a turn is a JSON object")
    turn = Turn(**data)
    words = (turn.terms, turn.entities, turn.names)
    if not all(isinstance(w, list) and all(isinstance(x, str) for x in w) for w in words):
        raise TypeError("a turn's terms, entities and names are lists of strings")
    if not isinstance(turn.article, str):
        raise TypeError("a turn's article is a string")
    return turn


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
