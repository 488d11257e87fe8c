"""Running the bot: `article-bot run` and `article-bot check`, and the Service that runs the
Application until stopped: connect with backoff, poll or serve the webhook, stop cleanly.

python-telegram-bot's run_polling and run_webhook give up when the Bot API cannot be reached at
start-up (initialize() asks getMe once), which under systemd or Docker means a crash loop. Here
start-up retries with exponential backoff instead, and the webhook server is ours (bot/webhook.py)
so that it can also answer health checks.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from telegram import Bot, User
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application
from telegram.request import HTTPXRequest

from ..index.errors import ArticleBotError, ConfigError
from .application import ALLOWED_UPDATES, build_application
from .delivery.sqlite import StateStoreStopped
from .loading import load_engine, load_engine_with_progress
from .logs import configure_logging
from .settings import TOKEN_HELP, Settings, load_settings
from .webhook import WebhookServer

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
HEALTH_CHECK_SECONDS = 1.0  # how often the state store is checked while serving
MAX_RETRY_SECONDS = 30.0
TELEGRAM_API = "https://api.telegram.org"
REJECTED_TOKEN = f"Telegram rejected TELEGRAM_BOT_TOKEN: {TOKEN_HELP}"


def run(content: str | None) -> int:
    """Run the Telegram bot until it is stopped; raise ConfigError on bad configuration."""
    settings = load_settings(content)
    configure_logging(settings)
    application = build_application(settings, load_engine_with_progress(settings.content_settings))
    try:
        service(application, settings).run()
    except InvalidToken:
        # PTB's message quotes the token; the exit code says "fix the configuration" (2), so
        # that systemd's Restart=on-failure is not fed the same token over and over in vain.
        raise ConfigError(REJECTED_TOKEN) from None
    return 0


def check(content: str | None) -> int:
    """Check the settings, the content and the token (getMe); print one line; return 0 or 1."""
    try:
        settings = load_settings(content)
        configure_logging(settings)
        engine = load_engine(settings.content_settings)
        me = asyncio.run(_get_me(settings))
    except ArticleBotError as error:
        print(f"article-bot: {error}", file=sys.stderr)
        return 1
    except InvalidToken:
        print(f"article-bot: {REJECTED_TOKEN}", file=sys.stderr)
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


class Service:
    """The bot, served on its own event loop until stop() or a stop signal."""

    def __init__(
        self,
        application: Application,
        settings: Settings,
        *,
        allowed_updates: Sequence[str],
        poll_timeout: float = 10,
        stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
        first_retry: float = FIRST_RETRY_SECONDS,
    ):
        """Serve application as settings say (webhook if WEBHOOK_URL is set, else polling)."""
        self.application = application
        self.settings = settings
        self.allowed_updates = list(allowed_updates)
        self.poll_timeout = poll_timeout
        self.stop_signals = stop_signals
        self.first_retry = first_retry
        self.webhook: WebhookServer | None = None
        self.health_check_seconds = HEALTH_CHECK_SECONDS
        self.failure: str | None = None  # why the service stopped by itself
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def run(self) -> None:
        """Serve until stopped (blocks); what was fetched before the stop is still answered.
        Raise StateStoreStopped if the bot stopped because its state store could not write."""
        asyncio.run(self._run())
        if self.failure is not None:
            raise StateStoreStopped(f"{self.failure}; the bot stopped, for its supervisor to restart it")

    def stop(self) -> None:
        """Ask the service to stop; safe to call from any thread."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        for number in self.stop_signals:
            self._loop.add_signal_handler(number, self._stopping.set)
        try:
            if await self._connect():
                await self.application.start()
                logger.info("serving (%s)", "webhook" if self.settings.webhook_mode else "polling")
                await self._serve_while_healthy()
        finally:
            await self._shut_down()

    async def _serve_while_healthy(self) -> None:
        """Wait for a stop; stop of itself if the state store can no longer write, since nothing
        could then be answered (a supervisor restarts the bot: Restart=on-failure)."""
        assert self._stopping is not None
        store = self.application.bot_data["runtime"].store
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self.health_check_seconds)
            except TimeoutError:
                if not store.healthy():
                    self.failure = "the state database's writer stopped"
                    logger.critical("%s: stopping the bot", self.failure)
                    return

    async def _connect(self) -> bool:
        """Initialize and start receiving updates, retrying while the Bot API is unreachable."""
        assert self._stopping is not None
        delay = self.first_retry
        while not self._stopping.is_set():
            try:
                await self._start_receiving()
                return True
            except (InvalidToken, BadRequest):  # retrying cannot fix these
                raise
            except NetworkError as error:  # connection refused, time-outs, 5xx
                reason = str(error).replace(self.settings.token, "<token>")
                logger.warning(
                    "Bot API unreachable at %s (%s), retrying in %g s",
                    self._api_host(),
                    reason,
                    delay,
                )
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
            except TimeoutError:
                delay = min(delay * 2, MAX_RETRY_SECONDS)
        return False

    async def _start_receiving(self) -> None:
        application, settings = self.application, self.settings
        await application.initialize()  # getMe
        if application.post_init is not None:
            await application.post_init(application)
        if not settings.webhook_mode:
            assert application.updater is not None
            # drop_pending_updates=False: what was sent while the bot was down still gets
            # answered; polling confirms each update (offset), so none is answered twice.
            await application.updater.start_polling(
                timeout=int(self.poll_timeout),
                allowed_updates=self.allowed_updates,
                drop_pending_updates=False,
            )
            return
        if self.webhook is None:
            self.webhook = WebhookServer(
                application, path=settings.webhook_path, secret=settings.webhook_secret
            )
            self.webhook.start(settings.webhook_listen, settings.webhook_port)
        await application.bot.set_webhook(
            url=settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=self.allowed_updates,
            drop_pending_updates=False,
        )

    async def _shut_down(self) -> None:
        # Stop taking updates first, then answer what was taken, then close the state store.
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if self.webhook is not None:
            await self.webhook.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:  # as PTB's run_polling does
            await application.post_shutdown(application)

    def _api_host(self) -> str:
        # The base URL without the token (PTB appends it); never log the full request URL.
        base = self.settings.base_url or TELEGRAM_API
        return base.replace("{token}", "").rstrip("/")
