"""The webhook server: Telegram POSTs updates to WEBHOOK_URL's path; GET /healthz says "ok".

python-telegram-bot's own webhook server (Updater.start_webhook) builds a tornado Application
with one route and no way to add another, answers malformed JSON with a 500 and a traceback,
and has no body limit of its own. This server is the same few lines of tornado with the
health route added, and it refuses bad requests (403 wrong secret, 400 malformed, 413 or 400
oversized) without disturbing the updates being answered: accepted updates go to the
Application's update_queue exactly as PTB's server puts them there.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a megabyte leaves room for long messages and entities.
MAX_BODY_BYTES = 1024 * 1024


class WebhookServer:
    """Listen on listen:port for Telegram's updates (on path) and health checks."""

    def __init__(self, application: Application, *, path: str, secret: str | None):
        """Route POST /path to the application's update queue and GET /healthz to a status."""
        self.started = time.monotonic()
        shared = {"bot_application": application, "secret": secret or ""}
        routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
            (HEALTH_PATH, HealthHandler, {"started": self.started}),
            (rf"/{path.strip('/')}/?", UpdateHandler, shared),
        ]
        self._app = _QuietApplication(routes)
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self, listen: str, port: int) -> None:
        """Start listening (on the running event loop)."""
        self._server = tornado.httpserver.HTTPServer(self._app, max_body_size=MAX_BODY_BYTES)
        self._server.listen(port, address=listen)
        logger.info("webhook server listening on %s:%d (health: %s)", listen, port, HEALTH_PATH)

    async def stop(self) -> None:
        """Stop accepting requests and close open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class _QuietApplication(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        # Telegram polls nothing here, but every update is a request: access logs would flood.
        if handler.get_status() >= 400:
            logger.info(
                "webhook: %s %s -> %d",
                handler.request.method,
                handler.request.path,
                handler.get_status(),
            )


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 {"status": "ok", "uptime_seconds": ...} while the bot is serving."""

    def initialize(self, started: float) -> None:
        self.started = started

    def get(self) -> None:
        """Report that the webhook server is up, and for how long."""
        self.write({"status": "ok", "uptime_seconds": round(time.monotonic() - self.started, 1)})


class UpdateHandler(tornado.web.RequestHandler):
    """POST from Telegram: check the secret, decode the update, queue it for the Application."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application = bot_application  # tornado's RequestHandler owns .application
        self.secret = secret

    async def post(self) -> None:
        """Queue the update; answer 200 only when it was accepted (Telegram resends otherwise)."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        update = self._update()
        # Kept before the 200: an update Telegram was told we have is answered even after a kill.
        store = self.bot_application.bot_data["runtime"].store
        await store.receive([(update.update_id, self.request.body.decode("utf-8", "replace"))])
        await self.bot_application.update_queue.put(update)
        self.write({"ok": True})

    def _update(self) -> Update:
        try:
            data: Any = json.loads(self.request.body)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            update = Update.de_json(data, self.bot_application.bot)
        except Exception as error:  # whatever PTB's parser raises ("date": 1e20 overflows)
            # Anything that is not an update shaped like Telegram's is refused, not crashed on.
            logger.warning("webhook: refused a malformed update (%s)", type(error).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        return update
