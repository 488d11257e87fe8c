"""Building the Application: token and server, limits and retries, the state store, the handlers
and which update goes to which. Running it is serving.py's."""

from __future__ import annotations

import functools
import json
import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from ..index.engine import Engine
from . import handlers
from . import telegram_render as render
from .access import allow_list, rate_limited
from .commands import COMMANDS
from .delivery.claims import claim_left, claimed_first, defer_claim
from .delivery.receiving import Intake, UpdateQueue, UpdatesRequest
from .delivery.sqlite import SqliteStateStore
from .delivery.store import StateStore
from .ordering import PerChatOrder
from .sending import DeliveryLimiter
from .settings import Settings
from .shared import Runtime

logger = logging.getLogger(__name__)

# Only what the handlers below use: Telegram then does not even send the rest.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# Chats answered side by side keep the bot busy while replies are on the wire, but every Bot API
# request makes httpcore scan all pooled connections, so a few connections shared by many updates
# do best (bench/bench_load.py's burst run; docs/operations.md, "Load").
CONCURRENT_UPDATES = 64
CONNECTIONS = 8
DROPPED = (
    "You're sending more than I can answer: I've skipped your latest messages. "
    "Please wait for my answers, then ask again."
)
PRIVATE_COMMANDS = [BotCommand(c.name, c.menu) for c in COMMANDS]
GROUP_COMMANDS = [BotCommand(c.name, c.menu) for c in COMMANDS if c.in_groups]


def build_application(settings: Settings, engine: Engine, store: StateStore | None = None) -> Application:
    """Build the Application: token, server, limits and retries, state store, handlers."""
    timeout = settings.request_timeout
    if store is None:
        store = SqliteStateStore(settings.state_path, ttl_seconds=settings.conversation_ttl_hours * 3600)
    intake = Intake()
    order = PerChatOrder(CONCURRENT_UPDATES, intake)
    updates_request = getupdates_request(intake, store, timeout)
    builder = (
        Application.builder()
        .token(settings.token)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .get_updates_request(updates_request)
        .update_queue(UpdateQueue(updates_request.parsed))
        .concurrent_updates(order)
        .connection_pool_size(CONNECTIONS)
        .defaults(
            Defaults(
                allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(DeliveryLimiter(flood_limits=settings.flood_limits))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url).base_file_url(settings.base_file_url or "")
    application = builder.build()
    updates_request.bot = application.bot
    application.bot_data["runtime"] = Runtime(engine, settings, store)
    order.on_drop = functools.partial(drop_update, application)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Register the handlers: each update noted as unclaimed first (group -2), then the
    allow-list (-1), then the handlers (0), each claiming the update before it sends anything
    (delivery/claims.py); what none of them claimed is claimed last (group 1)."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    first = claimed_first  # for the handlers that save nothing: claim, then answer
    limited = rate_limited  # every question, command, button and inline query counts
    application.add_handler(TypeHandler(Update, defer_claim), group=-2)
    if application.bot_data["runtime"].settings.allowed_chat_ids:
        application.add_handler(TypeHandler(Update, allow_list), group=-1)
    application.add_handlers(
        [
            # /ask first: the question is by far the most frequent update in groups, and PTB
            # tries the handlers of a group in order.
            CommandHandler("ask", limited(handlers.ask)),
            CommandHandler("reload", first(limited(handlers.reload_content))),
            CommandHandler("stats", first(limited(handlers.stats_command))),
            CommandHandler(["start", "help", "about", "source"], first(limited(handlers.command))),
            CommandHandler("reset", limited(handlers.reset)),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, limited(handlers.private_message)),
            # Counted only when it is addressed to the bot: group chatter is not a question.
            MessageHandler(groups & filters.TEXT & ~filters.COMMAND, handlers.group_message),
            MessageHandler(private & filters.COMMAND, first(limited(handlers.command))),
            MessageHandler(
                private & ~filters.TEXT & ~filters.StatusUpdate.ALL, first(limited(handlers.non_text))
            ),
            CallbackQueryHandler(
                first(limited(handlers.source_button)), pattern=rf"^{render.SOURCE_CALLBACK}:"
            ),
            CallbackQueryHandler(first(handlers.other_button)),
            InlineQueryHandler(first(limited(handlers.inline_query))),
        ]
    )
    application.add_handler(TypeHandler(Update, claim_left), group=1)
    application.add_error_handler(handlers.error_handler)


def drop_update(application: Application, update: object, first: bool) -> None:
    """Count an update its chat sent beyond its queue (ordering.py), claim it so that it is never
    answered, and tell the chat if it is the first dropped since the chat's queue was empty."""
    application.create_task(_dropped(application, update, first), name="drop-update")


async def _dropped(application: Application, update: object, first: bool) -> None:
    runtime: Runtime = application.bot_data["runtime"]
    runtime.stats.record_drop()
    if not isinstance(update, Update) or not await runtime.store.claim(update.update_id):
        return  # nothing to claim, or answered before (re-delivered)
    message, chat = update.message, update.effective_chat
    if not first or message is None or chat is None:
        return  # a button or an inline query is simply not answered
    thread = message.message_thread_id if message.is_topic_message else None
    try:
        await application.bot.send_message(chat.id, DROPPED, message_thread_id=thread)
    except TelegramError as error:
        logger.warning("could not tell chat %s of its dropped messages: %s", chat.id, error)


async def post_init(application: Application) -> None:
    """Register the command menus with Telegram, separately for private chats and groups; queue
    the updates an earlier run received and never began to answer, ahead of any new one."""
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    logger.info("running as @%s", application.bot.username)
    await queue_unstarted(application)


async def queue_unstarted(application: Application) -> None:
    """Put the updates received but never claimed (the inbox, delivery/) on the update queue."""
    kept = application.bot_data["runtime"].store.unstarted()
    queued = 0
    for raw in kept:
        try:
            update = Update.de_json(json.loads(raw), application.bot)
        except Exception as error:  # what was stored parsed once; a damaged row is skipped
            logger.warning("a kept update could not be read and is skipped (%s)", type(error).__name__)
            continue
        await application.update_queue.put(update)
        queued += 1
    if queued:
        logger.info("answering %d update(s) received before the restart and not yet answered", queued)


def getupdates_request(intake: Intake, store: StateStore, timeout: float) -> UpdatesRequest:
    """The connection getUpdates goes through (delivery/receiving.py), with room for two connections.

    Stopping cancels the long poll, and a poll cancelled just after its connection was opened
    leaves httpcore's pool holding that connection for good (never sent on, never closed). With
    room for one, the last getUpdates, which confirms the batch taken, then waited the whole
    request time-out and failed: a stop took over 10 s (CI saw it once in about 100 stops).
    """
    return UpdatesRequest(
        intake,
        store,
        connection_pool_size=2,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
    )


async def post_shutdown(application: Application) -> None:
    """Finish the state store's writes and close it, once nothing is answered any more."""
    runtime: Runtime = application.bot_data["runtime"]
    runtime.answering.shutdown(wait=True)
    runtime.store.close()
