"""Opening the state database's file: created private, never through a symbolic link, checked.

A damaged file (not a database, or failing SQLite's integrity check) is moved aside with one log
line and the bot starts afresh: losing conversations is better than a bot that cannot start.
Nothing else moves it aside: a database locked by another process is waited for
(LOCK_WAIT_SECONDS), then refused with one line, and so is one the bot may not write (a read-only
file or folder); the conversations and the answered update ids in it are kept. The file is
opened without following a symbolic link, so that the bot never creates or chmods a file
somewhere else.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from pathlib import Path

from ...index.errors import ConfigError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# How long opening waits for a database another process holds locked (a backup, say).
LOCK_WAIT_SECONDS = 10.0
LOCK_RETRY_SECONDS = 0.2
BUSY_TIMEOUT_MS = 5000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER NOT NULL, topic INTEGER NOT NULL, state TEXT NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (chat_id, topic)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chats_updated_at ON chats (updated_at);
CREATE TABLE IF NOT EXISTS answers (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, turn TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
CREATE TABLE IF NOT EXISTS updates (update_id INTEGER PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS updates_at ON updates (at);
CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY, raw TEXT NOT NULL, at REAL NOT NULL);
"""


def open_database(path: Path) -> sqlite3.Connection:
    """Return the writer's connection to a checked database at path; move a damaged one aside,
    wait for a locked one (LOCK_WAIT_SECONDS), refuse one that cannot be written."""
    _create_private(path)
    try:
        return _connect_waiting(path)
    except sqlite3.DatabaseError as error:
        if not _is_damage(error):
            raise ConfigError(_unusable(path, error)) from None
        try:
            aside = _move_aside(path)
        except OSError as move_error:
            raise ConfigError(
                f"ARTICLE_BOT_STATE {path} is damaged ({error}) and cannot be moved aside "
                f"({move_error.strerror}): move or delete it"
            ) from None
        logger.warning(
            "state database %s is unreadable (%s): moved it to %s, starting afresh", path, error, aside
        )
        _create_private(path)
        try:
            return _connect_checked(path)
        except sqlite3.DatabaseError as again:
            raise ConfigError(f"ARTICLE_BOT_STATE {path}: cannot use it ({again})") from None


class _Damaged(sqlite3.DatabaseError):
    """The file is a database that fails SQLite's integrity check."""


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    """Say whether error means the file itself is damaged (not locked, not read-only)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return isinstance(error, _Damaged) or name == "SQLITE_NOTADB" or name.startswith("SQLITE_CORRUPT")


def _is_locked(error: sqlite3.DatabaseError) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def _connect_waiting(path: Path) -> sqlite3.Connection:
    """Connect as _connect_checked, waiting up to LOCK_WAIT_SECONDS while another process holds
    the database locked."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    logged = False
    while True:
        try:
            return _connect_checked(path)
        except sqlite3.DatabaseError as error:
            if not _is_locked(error) or time.monotonic() >= deadline:
                raise
            if not logged:
                logger.warning(
                    "state database %s is locked by another process: waiting up to %g s",
                    path,
                    LOCK_WAIT_SECONDS,
                )
                logged = True
            time.sleep(LOCK_RETRY_SECONDS)


def _unusable(path: Path, error: sqlite3.DatabaseError) -> str:
    """Return the one line that says why the database at path cannot be used, and what to do."""
    if _is_locked(error):
        return (
            f"ARTICLE_BOT_STATE {path} is locked by another process (waited {LOCK_WAIT_SECONDS:g} s): "
            "is another article-bot running on it? Stop it, or give this one another file"
        )
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return (
            f"ARTICLE_BOT_STATE {path}: cannot write it ({error}); the file and its folder must be "
            "writable by the bot (SQLite adds -wal and -shm files beside it)"
        )
    return f"ARTICLE_BOT_STATE {path}: cannot use it ({error})"


def _create_private(path: Path) -> None:
    """Create path readable by its owner only (SQLite gives its WAL the same mode), never
    following a symbolic link."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ConfigError(
                f"ARTICLE_BOT_STATE {path} is a symbolic link: set ARTICLE_BOT_STATE to the file itself"
            ) from None
        raise ConfigError(f"ARTICLE_BOT_STATE {path}: cannot create it ({error.strerror})") from None
    try:
        os.fchmod(descriptor, 0o600)  # a file an earlier version created may be readable by all
    except OSError as error:
        raise ConfigError(f"ARTICLE_BOT_STATE {path}: cannot make it private ({error.strerror})") from None
    finally:
        os.close(descriptor)


def _connect_checked(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Must precede the first table: afterwards incremental_vacuum can give pages back.
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.DatabaseError("cannot use write-ahead logging")
        connection.execute("PRAGMA synchronous = NORMAL")
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise _Damaged("damaged")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"written by another version (schema {version})")
        connection.executescript(_SCHEMA)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.DatabaseError:
        connection.close()
        raise
    connection.isolation_level = "DEFERRED"  # `with connection` then wraps a transaction
    return connection


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    return aside
