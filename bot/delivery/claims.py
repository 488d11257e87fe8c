"""Taking each update in the state store once: with its conversation, or before its first reply.

An update is claimed (its id committed as taken, StateStore.claim) before anything is sent for it,
so that a re-delivered update is answered once. A question that adds to its conversation
commits that conversation before its answer goes out anyway, so there the claim rides in the
same transaction (`save_claiming`): one commit per answer instead of two. Every other path
claims first, as before: the handlers that save nothing are wrapped in `claimed_first`, and the
question's own paths that send without saving (a throttled sender, "typing…", an abstention)
call `claim_first`. Updates no handler takes are claimed last (`claim_left`), so that none is
left in the inbox to be answered again after a restart.

Until it is claimed, an update's id is in Runtime.unclaimed (`defer_claim`, the first handler
of all); `claim_first` on an update claimed already costs nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ..shared import runtime_of
from .store import ChatKey, ChatState

logger = logging.getLogger(__name__)

UpdateType = TypeVar("UpdateType", bound=object)
Callback = Callable[[UpdateType, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


async def defer_claim(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Note the update as begun and not yet claimed (the first handler of every update)."""
    if isinstance(update, Update):
        runtime_of(context).unclaimed.add(update.update_id)


async def claim_first(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Claim the update now unless it is claimed already; stop it if it was taken before."""
    if not isinstance(update, Update):
        return
    runtime = runtime_of(context)
    if update.update_id not in runtime.unclaimed:
        return
    runtime.unclaimed.discard(update.update_id)
    if not await runtime.store.claim(update.update_id):
        _drop(update)


async def save_claiming(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: ChatKey, state: ChatState
) -> None:
    """Save the chat's state, claiming the update in the same transaction if it is not claimed
    yet; stop the update (nothing written) if it was taken before."""
    runtime = runtime_of(context)
    claim = update.update_id if update.update_id in runtime.unclaimed else None
    runtime.unclaimed.discard(update.update_id)
    if not await runtime.store.save(key, state, claim=claim):
        _drop(update)


async def claim_left(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Claim an update that no handler claimed (none took it, or one sent and saved nothing)."""
    await claim_first(update, context)


def claimed_first(callback: Callback[UpdateType]) -> Callback[UpdateType]:
    """Return callback, run once its update is claimed (for handlers that save nothing)."""

    @functools.wraps(callback)
    async def claimed(update: UpdateType, context: ContextTypes.DEFAULT_TYPE) -> None:
        await claim_first(update, context)
        await callback(update, context)

    return claimed


def _drop(update: Update) -> None:
    logger.info("update %d was answered before (re-delivered): not answered again", update.update_id)
    raise ApplicationHandlerStop
