"""The webhook server: Telegram POSTs updates to WEBHOOK_URL's path; GET /healthz says "ok".

python-telegram-bot's own webhook server (Updater.start_webhook) builds a tornado Application
with one route and no way to add another, answers malformed JSON with a 500 and a traceback,
and has no body limit of its own. This server is the same few lines of tornado with the
health route added, and it refuses bad requests (403 wrong secret, 400 malformed, 413 or 400
oversized) without disturbing the updates being answered: accepted updates go to the
Application's update_queue exactly as PTB's server puts them there.

No client can exhaust it (issue 22). Headers must arrive within HEADER_TIMEOUT_SECONDS and a
body within BODY_TIMEOUT_SECONDS (tornado's defaults keep a silent connection for an hour); the
secret is checked from the headers, before the body is read, so a client without it cannot make
the bot buffer a megabyte. Open connections are capped below the process's limit on open files
(`connection_cap`): at the cap, the oldest connection that is not delivering an update (one still
sending its headers, say) is closed to make room, so a crowd of slow clients cannot keep Telegram
or the health check out. And connections are accepted here rather than by tornado, which logs a
traceback for every failed accept (out of file descriptors: hundreds a second); here a failure
pauses accepting briefly and is logged at most once a minute.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import hmac
import json
import logging
import resource
import socket
import time
import weakref
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application

from .delivery.receiving import valid_update_id

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a megabyte leaves room for long messages and entities.
MAX_BODY_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024  # Telegram's (and a proxy's) headers are a few hundred bytes
HEADER_TIMEOUT_SECONDS = 10.0  # for a request's headers, and for the next one on a kept connection
BODY_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 10_000
# Files the rest of the bot may need open beside the webhook's connections: the state database
# and its WAL, the Bot API connections, the log, the event loop's own.
RESERVED_FILES = 64
ACCEPT_PAUSE_SECONDS = 0.1  # after a failed accept: the listening socket stays readable meanwhile
ACCEPT_LOG_INTERVAL_SECONDS = 60.0
ACCEPTS_PER_WAKE = 128


def connection_cap(open_files: int | None = None) -> int:
    """Return how many connections the webhook keeps open at most: MAX_CONNECTIONS, or fewer where
    the limit on open files (RLIMIT_NOFILE's soft limit unless open_files) leaves less room."""
    if open_files is None:
        open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if open_files == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, open_files - RESERVED_FILES))


class WebhookServer:
    """Listen on listen:port for Telegram's updates (on path) and health checks."""

    def __init__(self, application: Application, *, path: str, secret: str | None):
        """Route POST /path to the application's update queue and GET /healthz to a status."""
        self.started = time.monotonic()
        shared: dict[str, Any] = {"bot_application": application, "secret": secret or ""}
        routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
            (HEALTH_PATH, HealthHandler, {"started": self.started, "bot_application": application}),
            (rf"/{path.strip('/')}/?", UpdateHandler, shared),
        ]
        self._server = GuardedServer(
            _QuietApplication(routes),
            max_body_size=MAX_BODY_BYTES,
            max_header_size=MAX_HEADER_BYTES,
            idle_connection_timeout=HEADER_TIMEOUT_SECONDS,
            body_timeout=BODY_TIMEOUT_SECONDS,
        )
        shared["guard"] = self._server

    def start(self, listen: str, port: int) -> None:
        """Start listening (on the running event loop)."""
        self._server.listen_guarded(port, listen)
        logger.info(
            "webhook server listening on %s:%d (health: %s, at most %d connections)",
            listen,
            port,
            HEALTH_PATH,
            self._server.max_connections,
        )

    async def stop(self) -> None:
        """Stop accepting requests and close open connections."""
        await self._server.stop_guarded()


class GuardedServer(tornado.httpserver.HTTPServer):
    """tornado's HTTPServer with timeouts, a cap on open connections and its own accept loop."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        """Set up as HTTPServer does (tornado builds it with initialize, not __init__), with at
        most connection_cap() connections."""
        super().initialize(*args, **kwargs)
        self.max_connections = connection_cap()
        self._open: collections.OrderedDict[tornado.iostream.IOStream, bool] = collections.OrderedDict()
        self._streams: weakref.WeakKeyDictionary[Any, tornado.iostream.IOStream] = weakref.WeakKeyDictionary()
        self._listening: list[socket.socket] = []
        self._failed_accepts = 0
        self._last_accept_log = -ACCEPT_LOG_INTERVAL_SECONDS

    def listen_guarded(self, port: int, address: str) -> None:
        """Bind port on address and accept connections on the running loop."""
        self._listening = tornado.netutil.bind_sockets(port, address=address)
        for sock in self._listening:
            asyncio.get_running_loop().add_reader(sock.fileno(), self._accept, sock)

    async def stop_guarded(self) -> None:
        """Stop accepting, close the listening sockets and every open connection."""
        for sock in self._listening:
            asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        self._listening = []
        await self.close_all_connections()

    def mark_delivering(self, request_connection: Any, delivering: bool) -> None:
        """Note that the connection carries an update from Telegram (not to be closed for room)."""
        stream = self._streams.get(request_connection)
        if stream is not None and stream in self._open:
            self._open[stream] = delivering

    # tornado's HTTPServerConnectionDelegate.

    def start_request(self, server_conn: Any, request_conn: Any) -> tornado.httputil.HTTPMessageDelegate:
        """Remember which stream the request comes on, then start it as HTTPServer does."""
        self._streams[request_conn] = server_conn.stream
        return super().start_request(server_conn, request_conn)

    def on_close(self, server_conn: Any) -> None:
        """Forget a closed connection."""
        self._open.pop(server_conn.stream, None)
        super().on_close(server_conn)

    # Accepting.

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(ACCEPTS_PER_WAKE):
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:  # out of file descriptors, buffers or memory
                self._accept_failed(sock, error)
                return
            self._admit(connection, address)

    def _admit(self, connection: socket.socket, address: Any) -> None:
        if len(self._open) >= self.max_connections and not self._make_room():
            connection.close()  # every connection is delivering an update: the newcomer waits
            return
        stream = tornado.iostream.IOStream(connection)
        self._open[stream] = False
        self.handle_stream(stream, address)

    def _make_room(self) -> bool:
        """Close the oldest connection not delivering an update; say whether there was one."""
        for stream, delivering in self._open.items():
            if not delivering:
                del self._open[stream]
                stream.close()
                return True
        return False

    def _accept_failed(self, sock: socket.socket, error: OSError) -> None:
        self._failed_accepts += 1
        now = time.monotonic()
        if now - self._last_accept_log >= ACCEPT_LOG_INTERVAL_SECONDS:
            reason = errno.errorcode.get(error.errno or 0, str(error))
            logger.warning(
                "webhook: cannot accept connections (%s; %d failure(s) in the last minute, %d open): "
                "raise the open-files limit (LimitNOFILE, ulimit -n)",
                reason,
                self._failed_accepts,
                len(self._open),
            )
            self._last_accept_log, self._failed_accepts = now, 0
        # The socket stays readable: without a pause the loop would retry without end.
        asyncio.get_running_loop().remove_reader(sock.fileno())
        asyncio.get_running_loop().call_later(ACCEPT_PAUSE_SECONDS, self._resume, sock)

    def _resume(self, sock: socket.socket) -> None:
        if sock in self._listening:
            asyncio.get_running_loop().add_reader(sock.fileno(), self._accept, sock)


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
    """GET /healthz: 200 {"status": "ok", "uptime_seconds": ...} while the bot is serving; 503
    {"status": "state store stopped", ...} once the state store can no longer write."""

    def initialize(self, started: float, bot_application: Application) -> None:
        self.started = started
        self.bot_application = bot_application

    def get(self) -> None:
        """Report whether the bot can answer, and for how long the webhook server has been up."""
        uptime = round(time.monotonic() - self.started, 1)
        if not self.bot_application.bot_data["runtime"].store.healthy():
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            self.write({"status": "state store stopped", "uptime_seconds": uptime})
            return
        self.write({"status": "ok", "uptime_seconds": uptime})


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST from Telegram: check the secret (before the body is read), decode the update, queue
    it for the Application."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot_application: Application, secret: str, guard: GuardedServer) -> None:
        self.bot_application = bot_application  # tornado's RequestHandler owns .application
        self.secret = secret
        self.guard = guard
        self.chunks: list[bytes] = []

    def prepare(self) -> None:
        """Refuse a request without the secret from its headers alone: its body is never kept."""
        if self.request.method != "POST":
            return  # tornado answers 405
        given = self.request.headers.get(SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        self.guard.mark_delivering(self.request.connection, True)

    def data_received(self, chunk: bytes) -> None:
        """Keep the body (tornado stops it at MAX_BODY_BYTES)."""
        self.chunks.append(chunk)

    def on_finish(self) -> None:
        """The connection may be closed for room again."""
        self.guard.mark_delivering(self.request.connection, False)

    async def post(self) -> None:
        """Queue the update; answer 200 only when it was accepted (Telegram resends otherwise)."""
        body = b"".join(self.chunks)
        update = self._update(body)
        # Kept before the 200: an update Telegram was told we have is answered even after a kill.
        store = self.bot_application.bot_data["runtime"].store
        await store.receive([(update.update_id, body.decode("utf-8", "replace"))])
        await self.bot_application.update_queue.put(update)
        self.write({"ok": True})

    def _update(self, body: bytes) -> Update:
        try:
            data: Any = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            if not valid_update_id(data.get("update_id")):
                raise ValueError("update_id is not an update id")
            update = Update.de_json(data, self.bot_application.bot)
        except Exception as error:  # whatever PTB's parser raises ("date": 1e20 overflows)
            # Anything that is not an update shaped like Telegram's is refused, not crashed on.
            logger.warning("webhook: refused a malformed update (%s)", type(error).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        return update
