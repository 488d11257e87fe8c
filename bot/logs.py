"""Logging for the bot: the level from the settings, and the secrets kept out of every record."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .settings import Settings, log_level_number

REDACTED = "<redacted>"


class SecretRedactor(logging.Filter):
    """Replace the bot token and the webhook secret in any log record (message, arguments,
    traceback) with <redacted>, at every level: PTB logs request parameters at DEBUG."""

    def __init__(self, secrets: Sequence[str]):
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def redact(self, text: str) -> str:
        """Return text with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(settings: Settings) -> None:
    """Apply LOG_LEVEL, quieten httpx (it logs URLs, which hold the token) and redact the secrets."""
    root = logging.getLogger()
    root.setLevel(min(root.level or logging.WARNING, log_level_number(settings)))
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, SecretRedactor) and f.secrets == settings.secrets for f in handler.filters):
            handler.addFilter(SecretRedactor(settings.secrets))
