"""What the bot remembers of one chat or forum topic, and its JSON form in the state store.

A ChatState is plain data: the conversation the engine reads follow-ups from, and whether the
chat was already refused by the allow-list. The answers a reply can follow up on are kept per
message (see state_store.py), not here, so that a chat's row stays a few hundred bytes however
long the chat has been talking.

JSON, never pickle: whoever can write the state file must not be able to run code as the bot.
A row that does not decode into today's types (damaged, or written by an older version whose
Turn had other fields) is read as a fresh conversation rather than stopping the chat.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from ..index.model import Conversation, Turn

logger = logging.getLogger(__name__)


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
