"""The Telegram front end: thin handlers over the engine, and the `run` and `check` commands."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from ..index.content import default_content_path
from ..index.engine import Engine
from ..index.errors import ArticleBotError, ContentError
from ..index.model import Answer, Conversation, Turn

from . import telegram_render as render
from .delivery import DeliveryLimiter
from .logs import configure_logging
from .ordering import PerChatOrder
from .serving import Service
from .settings import TOKEN_HELP, Settings, load_settings
from .stats import Stats
from .throttle import QuestionThrottle, Verdict

logger = logging.getLogger(__name__)

# Only what the handlers below use: Telegram then does not even send the rest.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
ANSWERS_REMEMBERED = 200  # per chat: the answers a reply can still follow up on
STATE_SAVE_SECONDS = 30
# Measured with bench/bench_load.py: chats answered side by side keep the bot busy while replies
# are on the wire, but every Bot API request makes httpcore scan all pooled connections, so a
# few connections shared by many updates do best (burst run: 8 connections ~290 updates/s, 32 ~235).
CONCURRENT_UPDATES = 64
CONNECTIONS = 8
NON_TEXT_HINT = "I can only read text. Send me your question about the article as a message."
SLOW_DOWN = "You're asking faster than I can keep up with. Please wait a minute, then ask again."
FAILED = "Sorry, something went wrong while answering. Please try again."
NOT_SERVED = "Sorry, this bot only answers in the chats it was set up for."
ADMINS_ONLY = "Sorry, {command} is for the bot's administrators."
RELOADED = "Reloaded: {articles} article(s), {passages} passages."
RELOAD_FAILED = "Reload failed; still serving the previous content. {error}"
PRIVATE_COMMANDS = [
    BotCommand("start", "What I know and how to ask"),
    BotCommand("help", "How to ask, and the commands"),
    BotCommand("ask", "Ask a question about the article"),
    BotCommand("about", "Which article I know"),
    BotCommand("source", "The full text of passage N"),
    BotCommand("reset", "Start a new conversation"),
]
GROUP_COMMANDS = [c for c in PRIVATE_COMMANDS if c.command != "start"]


TYPING_SECONDS = 5.0  # how long Telegram shows "typing…" after one chat action
TYPING_CHATS_KEPT = 10_000


@dataclass
class Runtime:
    """What the handlers share; kept in bot_data, which is deliberately not persisted."""

    engine: Engine  # replaced whole by /reload: a handler reads it once per update
    settings: Settings
    throttle: QuestionThrottle = field(init=False)
    stats: Stats = field(default_factory=Stats)
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)
    typing_shown: dict[tuple[int, int], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.throttle = QuestionThrottle(self.settings.rate_limit_per_minute)

    def typing_due(self, chat_id: int, topic: int) -> bool:
        """Say whether the chat should be shown "typing…" now (and note that it was).

        Telegram shows the status for five seconds or until the bot's next message, so one
        action per chat in that time is enough; one per question cost about 40% of the bot's
        CPU under load (measured with bench/bench_load.py).
        """
        now = time.monotonic()
        key = (chat_id, topic)
        if now - self.typing_shown.get(key, -TYPING_SECONDS) < TYPING_SECONDS:
            return False
        if len(self.typing_shown) >= TYPING_CHATS_KEPT:
            self.typing_shown.clear()
        self.typing_shown[key] = now
        return True

    def is_admin(self, user: User | None) -> bool:
        """Say whether user is listed in ADMIN_USER_IDS."""
        return user is not None and user.id in self.settings.admin_user_ids

    def is_allowed(self, update: Update) -> bool:
        """Say whether to serve update: ALLOWED_CHAT_IDS unset, a listed chat, or an admin's own."""
        allowed = self.settings.allowed_chat_ids
        if not allowed:
            return True
        chat, user = update.effective_chat, update.effective_user
        if chat is not None:
            return chat.id in allowed or (chat.type == chat.PRIVATE and self.is_admin(user))
        # Inline queries have no chat: the user's private chat with the bot stands for them.
        return user is not None and (user.id in allowed or self.is_admin(user))


def _runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.bot_data["runtime"]  # type: ignore[no-any-return]


def _message(update: Update) -> Message:
    # Every handler that calls this is registered for updates that carry a message.
    assert update.effective_message is not None
    return update.effective_message


def _chat_data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    assert context.chat_data is not None  # there is one for every update with a chat
    return context.chat_data


# Handlers: read the update, ask the engine, render, reply.


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome: which article, how to ask, three example questions."""
    await _message(update).reply_html(render.start_html(_runtime(context).engine))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask and list the commands."""
    await _message(update).reply_html(render.help_html(_runtime(context).engine))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Name the article(s) the bot knows."""
    engine = _runtime(context).engine
    await _message(update).reply_html(render.text_html(render.about_text(engine)))


async def show_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the full text of the passage named by /source N."""
    engine = _runtime(context).engine
    try:
        passage = engine.find_source(" ".join(context.args or []))
    except ArticleBotError as error:
        await _message(update).reply_html(render.text_html(str(error)))
        return
    await _reply_html(_message(update), render.source_html(engine, passage))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation in this chat (or forum topic)."""
    message = _message(update)
    _chat_data(context).get("conversations", {}).pop(_topic(message), None)
    await message.reply_html("Starting a new conversation.")


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION (the way to ask in groups)."""
    question = " ".join(context.args or [])
    if not question:
        await _message(update).reply_html("Usage: /ask QUESTION, e.g. /ask Who won?")
        return
    await _answer(update, context, question)


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text in a private chat as a question."""
    await _answer(update, context, _message(update).text or "")


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer group text that mentions the bot or replies to it; ignore the rest of the chatter."""
    message = _message(update)
    mentioned = _mentions_bot(message, context.bot)
    if not (mentioned or _replies_to_bot(message, context.bot)):
        return
    text = message.text or ""
    question = _without_mention(text, context.bot.username) if mentioned else text
    if not question:
        await message.reply_html(render.text_html(render.EXAMPLE_HINT + " /ask Who won?"))
        return
    await _answer(update, context, question)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hint that only text questions are read (stickers, photos, voice...)."""
    await _message(update).reply_html(render.text_html(NON_TEXT_HINT))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help for a command the bot does not have (private chats only)."""
    command = (_message(update).text or "/").split()[0]
    await _message(update).reply_html(
        render.text_html(f"I don't know {command}. Try /help, or just ask a question.")
    )


async def source_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the full passage of a pressed "¶N" button."""
    query = update.callback_query
    assert query is not None  # the handler is registered for callback queries only
    engine = _runtime(context).engine
    try:
        passage = engine.find_source(render.parse_source_callback(query.data) or "")
    except ArticleBotError as error:
        await query.answer(str(error), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _reply_html(query.message, render.source_html(engine, passage), quote=False)
    elif update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id, render.source_html(engine, passage), parse_mode=ParseMode.HTML
        )


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the answer to "@bot question" typed in any chat as one result to send."""
    query = update.inline_query
    assert query is not None  # the handler is registered for inline queries only
    question = query.query.strip()
    if not question:
        button = InlineQueryResultsButton(text="Type a question about the article", start_parameter="inline")
        await query.answer([], button=button, cache_time=300)
        return
    logger.debug("inline question from %s: %s", query.from_user.id, question)
    runtime = _runtime(context)
    engine = runtime.engine
    answer = _timed_ask(runtime, engine, question, None, chat_id=None)
    await query.answer(render.inline_results(engine, question, answer), cache_time=300)


# Operations: the allow-list and the admin commands.


async def allow_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from chats outside ALLOWED_CHAT_IDS; refuse each such chat once, politely."""
    if _runtime(context).is_allowed(update):
        return
    if update.inline_query is not None:
        button = InlineQueryResultsButton(text="Not available to you", start_parameter="private")
        await update.inline_query.answer([], button=button, cache_time=300, is_personal=True)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None and context.chat_data is not None:
        # Remembered in the chat's persisted data: after a restart the chat stays refused.
        if not context.chat_data.get("refused"):
            context.chat_data["refused"] = True
            await update.effective_message.reply_html(render.text_html(NOT_SERVED))
    raise ApplicationHandlerStop


async def reload_content(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read the content and swap the index in; on bad content keep serving the old one."""
    runtime = _runtime(context)
    message = _message(update)
    if not runtime.is_admin(update.effective_user):
        await message.reply_html(render.text_html(ADMINS_ONLY.format(command="/reload")))
        return
    async with runtime.reloading:
        try:
            engine = await asyncio.to_thread(_engine, runtime.settings)
        except ContentError as error:
            logger.warning("reload failed: %s", error)
            reason = " ".join(str(error).split())  # one line
            await message.reply_html(render.text_html(RELOAD_FAILED.format(error=reason)))
            return
        runtime.engine = engine
    logger.info("reloaded: %d articles, %d passages", len(engine.articles), len(engine.passages))
    notice = RELOADED.format(articles=len(engine.articles), passages=len(engine.passages))
    await message.reply_html(render.text_html(notice))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show uptime, questions, abstentions, answer times and chats (admins only)."""
    runtime = _runtime(context)
    if not runtime.is_admin(update.effective_user):
        await _message(update).reply_html(render.text_html(ADMINS_ONLY.format(command="/stats")))
        return
    await _message(update).reply_html(render.stats_html(runtime.stats.snapshot()))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its traceback and, where there is a chat, say something went wrong."""
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    try:
        await context.bot.send_message(update.effective_chat.id, FAILED, message_thread_id=thread)
    except TelegramError as error:
        logger.warning("could not tell the user about the error: %s", error)


# What the handlers share.


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    runtime = _runtime(context)
    message = _message(update)
    verdict = runtime.throttle.check(update.effective_user.id if update.effective_user else 0)
    if verdict is not Verdict.ANSWER:
        if verdict is Verdict.WARN:
            await message.reply_html(render.text_html(SLOW_DOWN))
        return
    if message.chat.type == message.chat.PRIVATE and runtime.typing_due(message.chat_id, _topic(message)):
        await _show_typing(message)
    logger.debug("question in chat %s: %s", message.chat_id, question)
    engine = runtime.engine  # one engine for the whole answer, even if /reload swaps it now
    answer, turn = _ask_engine(runtime, engine, context, message, question)
    keyboard = render.source_keyboard(engine, answer.citations)
    sent = await _reply_html(message, render.answer_html(engine, answer), keyboard)
    if turn is not None:
        _remember_answer(context, [m.message_id for m in sent], turn)


async def _show_typing(message: Message) -> None:
    """Show "typing…" in the message's chat (and topic); a failure only costs the indicator."""
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as error:
        logger.debug("typing action not shown: %s", error)


def _ask_engine(
    runtime: Runtime,
    engine: Engine,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    question: str,
) -> tuple[Answer, Turn | None]:
    """Ask in the chat's conversation, or in the context of the answer the message replies to."""
    conversation = _conversation(context, message)
    earlier = _replied_answer(context, message)
    # A reply follows up on the answer it replies to, not on whatever was asked last.
    working = Conversation(turns=[earlier]) if earlier is not None else conversation
    before = working.last
    answer = _timed_ask(runtime, engine, question, working, chat_id=message.chat_id)
    turn = working.last if working.last is not before else None
    if earlier is not None and turn is not None:
        conversation.remember(turn)
    return answer, turn


def _timed_ask(
    runtime: Runtime,
    engine: Engine,
    question: str,
    conversation: Conversation | None,
    chat_id: int | None,
) -> Answer:
    started = time.perf_counter()
    answer = engine.ask(question, conversation)
    runtime.stats.record(time.perf_counter() - started, abstained=answer.abstained, chat_id=chat_id)
    return answer


def _conversation(context: ContextTypes.DEFAULT_TYPE, message: Message) -> Conversation:
    conversations = _chat_data(context).setdefault("conversations", {})
    return conversations.setdefault(_topic(message), Conversation())  # type: ignore[no-any-return]


def _topic(message: Message) -> int:
    # In supergroups every reply chain has a message_thread_id too; only forum topics count.
    if message.is_topic_message and message.message_thread_id is not None:
        return message.message_thread_id
    return 0


def _replied_answer(context: ContextTypes.DEFAULT_TYPE, message: Message) -> Turn | None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return _chat_data(context).get("answers", {}).get(replied.message_id)  # type: ignore[no-any-return]


def _remember_answer(context: ContextTypes.DEFAULT_TYPE, message_ids: Sequence[int], turn: Turn) -> None:
    answers: dict[int, Turn] = _chat_data(context).setdefault("answers", {})
    for message_id in message_ids:
        answers[message_id] = turn
    for oldest in list(answers)[: max(0, len(answers) - ANSWERS_REMEMBERED)]:
        del answers[oldest]


def _mentions_bot(message: Message, bot: Bot) -> bool:
    handle = f"@{bot.username}".lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if text.lower() == handle or (entity.user is not None and entity.user.id == bot.id):
            return True
    return False


def _replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot.id


def _without_mention(text: str, username: str) -> str:
    words = [word for word in text.split() if word.lower().strip(",:") != f"@{username}".lower()]
    return " ".join(words).strip()


async def _reply_html(
    message: Message,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
    quote: bool | None = None,
) -> list[Message]:
    """Reply in the message's chat and topic, split to fit, with buttons under the last part."""
    parts = render.split_message(html)
    sent = []
    for number, part in enumerate(parts, start=1):
        markup = keyboard if number == len(parts) else None
        sent.append(await message.reply_html(part, reply_markup=markup, do_quote=quote))
    return sent


# The application: built by `run`, and by the tests against a fake Bot API server.


def build_application(settings: Settings, engine: Engine) -> Application:
    """Build the Application: token, server, limits and retries, persistence, handlers."""
    timeout = settings.request_timeout
    builder = (
        Application.builder()
        .token(settings.token)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .get_updates_connect_timeout(timeout)
        .get_updates_read_timeout(timeout)
        .concurrent_updates(PerChatOrder(CONCURRENT_UPDATES))
        .connection_pool_size(CONNECTIONS)
        .defaults(
            Defaults(
                allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(DeliveryLimiter(flood_limits=settings.flood_limits))
        .persistence(
            PicklePersistence(
                settings.state_path,
                store_data=PersistenceInput(bot_data=False, user_data=False, callback_data=False),
                update_interval=STATE_SAVE_SECONDS,
            )
        )
        .post_init(post_init)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url).base_file_url(settings.base_file_url or "")
    application = builder.build()
    application.bot_data["runtime"] = Runtime(engine, settings)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Register the handlers, behind the allow-list (group -1) when ALLOWED_CHAT_IDS is set."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    if application.bot_data["runtime"].settings.allowed_chat_ids:
        application.add_handler(TypeHandler(Update, allow_list), group=-1)
    application.add_handlers(
        [
            CommandHandler("reload", reload_content),
            CommandHandler("stats", stats_command),
            CommandHandler("start", start),
            CommandHandler("help", help_command),
            CommandHandler("about", about),
            CommandHandler("source", show_source),
            CommandHandler("reset", reset),
            CommandHandler("ask", ask),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, private_message),
            MessageHandler(groups & filters.TEXT & ~filters.COMMAND, group_message),
            MessageHandler(private & filters.COMMAND, unknown_command),
            MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, non_text),
            CallbackQueryHandler(source_button, pattern=rf"^{render.SOURCE_CALLBACK}:"),
            InlineQueryHandler(inline_query),
        ]
    )
    application.add_error_handler(error_handler)


async def post_init(application: Application) -> None:
    """Register the command menus with Telegram, separately for private chats and groups."""
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    logger.info("running as @%s", application.bot.username)


def service(
    application: Application,
    settings: Settings,
    *,
    poll_timeout: float = 10,
    stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
) -> Service:
    """Return the Service running application: webhook if WEBHOOK_URL is set, else polling."""
    return Service(
        application,
        settings,
        allowed_updates=ALLOWED_UPDATES,
        poll_timeout=poll_timeout,
        stop_signals=stop_signals,
    )


def _engine(settings: Settings) -> Engine:
    # Settings resolved --content and ARTICLE_BOT_CONTENT already: os.environ is not read again.
    return Engine.from_path(default_content_path(settings.content, environ={}))


def run(content: str | None) -> int:
    """Run the Telegram bot until it is stopped; raise ConfigError on bad configuration."""
    settings = load_settings(content)
    configure_logging(settings)
    application = build_application(settings, _engine(settings))
    service(application, settings).run()
    return 0


def check(content: str | None) -> int:
    """Check the settings, the content and the token (getMe); print one line; return 0 or 1."""
    try:
        settings = load_settings(content)
        configure_logging(settings)
        engine = _engine(settings)
        me = asyncio.run(_get_me(settings))
    except ArticleBotError as error:
        print(f"article-bot: {error}", file=sys.stderr)
        return 1
    except InvalidToken:
        print(f"article-bot: Telegram rejected TELEGRAM_BOT_TOKEN: {TOKEN_HELP}", file=sys.stderr)
        return 1
    except TelegramError as error:
        # PTB's messages may quote the token; never print it.
        reason = str(error).replace(settings.token, "<token>")
        print(f"article-bot: Telegram did not answer getMe: {reason}", file=sys.stderr)
        return 1
    print(
        f"ok: @{me.username} answers about {len(engine.articles)} article(s), {len(engine.passages)} passages"
    )
    return 0


async def _get_me(settings: Settings) -> User:
    request = HTTPXRequest(connect_timeout=5, read_timeout=5)
    bot = Bot(
        settings.token,
        base_url=settings.base_url or "https://api.telegram.org/bot",
        base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot",
        request=request,
    )
    async with bot:
        return await bot.get_me()
