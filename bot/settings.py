"""Configuration: the environment (and, for the Telegram bot, .env) read once into frozen values.

ContentSettings is what both front ends load their content with; Settings is the Telegram bot's
whole configuration, its content settings included.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from ..index.content import DEFAULT_MAX_ARTICLE_BYTES
from ..index.errors import ConfigError
from ..index.vectors import cache_folder

ENV_FILE = ".env"
DEFAULT_STATE_FILE = "article-bot-state.sqlite3"
DEFAULT_CONVERSATION_TTL_HOURS = 24 * 7

# BotFather tokens are "<bot id>:<35 url-safe characters>"; allow some slack on the length.
_TOKEN_SHAPE = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,50}")
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret_token.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

TOKEN_HELP = (
    "get one from @BotFather in Telegram (/newbot) and set TELEGRAM_BOT_TOKEN in the environment "
    "or in .env; `article-bot console` works without one"
)


@dataclass(frozen=True)
class ContentSettings:
    """What the engine is built from, in the console and in Telegram alike."""

    content: str | None = None  # --content, else ARTICLE_BOT_CONTENT; None: the bundled article
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    cache_folder: Path = Path("~/.cache/article-bot")  # where sentence vectors are cached


@dataclass(frozen=True)
class Settings:
    """Everything the Telegram front end is configured with, validated at start-up."""

    token: str
    content: str | None = None
    base_url: str | None = None
    base_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Loopback: the webhook is served behind a TLS reverse proxy on the same host (docs/telegram.md).
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rate_limit_per_minute: int = 20
    state_path: Path = Path(DEFAULT_STATE_FILE)
    conversation_ttl_hours: float = DEFAULT_CONVERSATION_TTL_HOURS
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    cache_folder: Path = Path("~/.cache/article-bot")  # where sentence vectors are cached
    log_level: str = "INFO"
    admin_user_ids: frozenset[int] = frozenset()
    allowed_chat_ids: frozenset[int] = frozenset()
    flood_limits: bool = True
    request_timeout: float = 10.0

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """Return the path the webhook server listens on: the path of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def content_settings(self) -> ContentSettings:
        """Return what the engine is built from."""
        return ContentSettings(self.content, self.max_article_bytes, self.cache_folder)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the values no log line may show: the token and the webhook secret."""
        return tuple(secret for secret in (self.token, self.webhook_secret) if secret)

    def __repr__(self) -> str:
        # The token must not end up in a log line or a traceback through repr().
        return f"Settings(token='<redacted>', webhook_mode={self.webhook_mode}, ...)"


def load_settings(
    content: str | None = None,
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(ENV_FILE),
) -> Settings:
    """Build Settings from the environment over .env; content (--content) wins over both."""
    values = dict(read_env_file(env_file)) if env_file is not None else {}
    environment = os.environ if environ is None else environ
    # An empty variable (as compose files often pass through) does not hide the .env value.
    values.update({name: value for name, value in environment.items() if value.strip()})
    return settings_from(values, content)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a .env file with python-dotenv ({} if it is absent); raise ConfigError on a bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read ({error})") from None
    # python-dotenv only logs a line it cannot parse and goes on; a setting silently dropped
    # (the token, say) would be reported as missing, so the line is named here instead.
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ConfigError(f"{path} line {binding.original.line}: expected NAME=value")
    values = dotenv_values(stream=io.StringIO(text))
    return {name: value for name, value in values.items() if value is not None}


def settings_from(values: Mapping[str, str], content: str | None = None) -> Settings:
    """Validate raw NAME -> value pairs into Settings; raise ConfigError naming the bad one."""

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    token = _token(get("TELEGRAM_BOT_TOKEN"))
    base_url, base_file_url = _base_urls(get("TELEGRAM_BASE_URL"))
    webhook_url = _webhook_url(get("WEBHOOK_URL"))
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_url and not webhook_secret:
        raise ConfigError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    if webhook_secret and not _SECRET_SHAPE.fullmatch(webhook_secret):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    loading = content_settings(values, content)
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {log_level!r}")
    return Settings(
        token=token,
        content=loading.content,
        base_url=base_url,
        base_file_url=base_file_url,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=_integer("WEBHOOK_PORT", get("WEBHOOK_PORT"), 8443, low=1, high=65535),
        rate_limit_per_minute=_integer(
            "RATE_LIMIT_PER_MINUTE", get("RATE_LIMIT_PER_MINUTE"), 20, low=0, high=10_000
        ),
        state_path=Path(get("ARTICLE_BOT_STATE") or DEFAULT_STATE_FILE).expanduser(),
        conversation_ttl_hours=_hours("CONVERSATION_TTL_HOURS", get("CONVERSATION_TTL_HOURS")),
        max_article_bytes=loading.max_article_bytes,
        cache_folder=loading.cache_folder,
        log_level=log_level,
        admin_user_ids=_ids("ADMIN_USER_IDS", get("ADMIN_USER_IDS")),
        allowed_chat_ids=_ids("ALLOWED_CHAT_IDS", get("ALLOWED_CHAT_IDS")),
        flood_limits=_switch("FLOOD_LIMITS", get("FLOOD_LIMITS"), default=True),
        request_timeout=_integer("TELEGRAM_TIMEOUT", get("TELEGRAM_TIMEOUT"), 10, low=1, high=300),
    )


def content_settings(values: Mapping[str, str], content: str | None = None) -> ContentSettings:
    """Read --content (content), ARTICLE_BOT_CONTENT, MAX_ARTICLE_BYTES and ARTICLE_BOT_CACHE (else
    the XDG cache folder) from values; raise ConfigError naming a bad one."""
    given = {name: value.strip() for name, value in values.items() if value.strip()}
    return ContentSettings(
        content=content or given.get("ARTICLE_BOT_CONTENT"),
        max_article_bytes=_integer(
            "MAX_ARTICLE_BYTES", given.get("MAX_ARTICLE_BYTES"), DEFAULT_MAX_ARTICLE_BYTES, low=1, high=2**40
        ),
        cache_folder=cache_folder(given),
    )


def log_level_number(settings: Settings) -> int:
    """Return the logging module's number for settings.log_level."""
    return logging.getLevelName(settings.log_level)  # type: ignore[no-any-return]


def _token(token: str | None) -> str:
    if token is None:
        raise ConfigError(f"TELEGRAM_BOT_TOKEN is not set: {TOKEN_HELP}")
    if not _TOKEN_SHAPE.fullmatch(token):
        raise ConfigError(
            f"TELEGRAM_BOT_TOKEN does not look like a bot token (123456789:AAE...): {TOKEN_HELP}"
        )
    return token


def _base_urls(base_url: str | None) -> tuple[str | None, str | None]:
    """Return (base_url, base_file_url): files live under /file/bot<token> next to /bot<token>."""
    if base_url is None:
        return None, None
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise ConfigError(f"TELEGRAM_BASE_URL must be an http(s) URL, not {base_url!r}")
    if "/bot{token}" in base_url:
        return base_url, base_url.replace("/bot{token}", "/file/bot{token}")
    base_url = base_url.rstrip("/")
    if not base_url.endswith("/bot"):
        raise ConfigError(
            f"TELEGRAM_BASE_URL must end with /bot, e.g. http://127.0.0.1:8081/bot, not {base_url!r}"
        )
    return base_url, base_url[: -len("/bot")] + "/file/bot"


def _webhook_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(f"WEBHOOK_URL must be an https:// URL (Telegram requires it), not {url!r}")
    return url


def _integer(name: str, value: str | None, default: int, *, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _hours(name: str, value: str | None) -> float:
    if value is None:
        return DEFAULT_CONVERSATION_TTL_HOURS
    try:
        hours = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of hours, not {value!r}") from None
    # A year at most; fractions of an hour are for tests and benchmarks.
    if not 0 < hours <= 24 * 366:
        raise ConfigError(f"{name} must be more than 0 and at most 8784 hours, not {value}")
    return hours


def _switch(name: str, value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in ("on", "true", "yes", "1"):
        return True
    if value.lower() in ("off", "false", "no", "0"):
        return False
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _ids(name: str, value: str | None) -> frozenset[int]:
    if value is None:
        return frozenset()
    ids = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d{1,20}", part):
            raise ConfigError(f"{name} must be comma-separated Telegram ids (integers), not {part!r}")
        ids.add(int(part))
    return frozenset(ids)
