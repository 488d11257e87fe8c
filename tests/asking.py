"""Asking the engine within a conversation, as the console and Telegram do."""

from __future__ import annotations

from article_bot.index.engine import Engine
from article_bot.index.model import Answer, Conversation


def ask_within(engine: Engine, question: str, conversation: Conversation) -> Answer:
    """Answer question as a follow-up of the conversation, and keep the turn it adds there."""
    reply = engine.ask(question, conversation.last)
    conversation.remember(reply.turn)
    return reply.answer
