"""Logging for the bot: the level from the settings, and the token kept out of every record."""

from __future__ import annotations

import logging

from .settings import Settings, log_level_number


class TokenRedactor(logging.Filter):
    """Replace the bot token in any log record (message, arguments, traceback) with <token>."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def configure_logging(settings: Settings) -> None:
    """Apply LOG_LEVEL, quieten httpx (it logs URLs, which hold the token) and redact the token."""
    root = logging.getLogger()
    root.setLevel(min(root.level or logging.WARNING, log_level_number(settings)))
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, TokenRedactor) and f.token == settings.token for f in handler.filters):
            handler.addFilter(TokenRedactor(settings.token))
