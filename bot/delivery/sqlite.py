"""The state store in one SQLite file (stdlib sqlite3, WAL): a row of JSON per chat or topic.

Writes go through one writer thread that commits whatever has queued up in one transaction
(group commit), so the event loop never waits on the disk and a burst of answers costs a few
transactions, not one each. Each time the thread wakes it takes the GIL from the event loop,
which waits meanwhile; so writes are handed to it together (those of one turn of the event loop,
or of 20 ms while earlier ones are outstanding: `_hand_over`), and an answer's conversation and
its update's claim are one write (this package's docstring says why).

Reads are point lookups by primary key on a second connection, which WAL lets run beside the
writer; they take microseconds. synchronous=NORMAL: a committed transaction survives the bot
being killed (it is in the WAL, in the OS's page cache), though not a power cut, which may lose
the last moments of conversations but never corrupts the file.

Rows idle for longer than the TTL are deleted (at start-up and then regularly), and the freed
pages are given back to the file system, so the file shrinks back when chats go quiet. How the
file is opened (a damaged one moved aside, a locked one waited for) is sqlite_file.py's.

The writer thread survives whatever a write raises: a batch that fails is written again one write
at a time, so the write at fault fails alone and the others commit. Should the thread ever stop,
`healthy()` says so, every write waiting or to come fails at once instead of waiting for ever,
and the serving loop (serving.py) stops the bot with an error, for its supervisor to restart it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...index.errors import ArticleBotError
from ...index.model import Turn
from .sqlite_file import BUSY_TIMEOUT_MS, open_database
from .store import (
    ANSWERS_REMEMBERED,
    ChatKey,
    ChatState,
    state_from_json,
    state_to_json,
    turn_from_json,
    turn_to_json,
)

logger = logging.getLogger(__name__)

# Telegram keeps an update for re-delivery 24 hours at most: its id is not needed longer.
UPDATE_IDS_KEPT_SECONDS = 24 * 3600
BATCH_LIMIT = 1000  # writes committed together at most
# While writes are outstanding, the writer thread is woken at most this often (_hand_over).
# Measured with bench_load.py's burst, 3,000 questions, four rounds interleaved with the bare bot
# (medians): woken once per event-loop turn, 259 answered a second against the bare bot's 289
# (0.89), CPU 4.24 against 3.63 ms an update; at most every 20 ms while busy, 297 (1.03), 3.71 ms.
HAND_OVER_INTERVAL_SECONDS = 0.02
MAX_PRUNE_INTERVAL_SECONDS = 3600.0


class StateStoreStopped(ArticleBotError):
    """The state store's writer stopped: nothing can be saved or claimed any more."""


@dataclass
class _Write:
    """One queued write: run(connection) inside the batch's transaction, its result to future."""

    run: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]


class SqliteStateStore:
    """The StateStore in an SQLite file, created 0600; idle rows pruned after ttl_seconds."""

    def __init__(self, path: Path, ttl_seconds: float, clock: Callable[[], float] = time.time):
        """Open (or create) the database at path, moving a damaged one aside; start the writer."""
        self.path = path
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.prune_interval = min(MAX_PRUNE_INTERVAL_SECONDS, max(ttl_seconds / 4, 1.0))
        writer = open_database(path)
        self._reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._queue: queue.SimpleQueue[list[_Write] | None] = queue.SimpleQueue()
        self._pending: list[_Write] = []  # submitted on the event loop, not yet handed over
        self._last_hand_over = -HAND_OVER_INTERVAL_SECONDS
        self._unsettled = 0  # writes submitted and not yet committed (or failed)
        self._writing: list[_Write] = []  # the batch the writer thread is committing
        self._stopped: str | None = None  # why the writer thread stopped, if it did unasked
        self._closing = False
        self._prune_quietly(writer)
        self._thread = threading.Thread(target=self._run_writer, args=(writer,), name="state-writer")
        self._thread.daemon = True
        self._thread.start()

    # StateStore.

    async def receive(self, updates: Sequence[tuple[int, str]]) -> None:
        """Keep the updates (id, raw JSON) just received, durably, until they are claimed."""
        now = self.clock()
        rows = [(update_id, raw, now) for update_id, raw in updates]

        def run(connection: sqlite3.Connection) -> None:
            # Handlers may claim a batch before it is written here: a claimed update is not kept.
            connection.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, raw, at) SELECT ?, ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM updates WHERE update_id = ?1)",
                rows,
            )

        if rows:
            await self._submit(run)

    def unstarted(self) -> list[str]:
        """Return the raw JSON of the updates received and never claimed, oldest first."""
        rows = self._reader.execute(
            "SELECT raw FROM inbox WHERE update_id NOT IN (SELECT update_id FROM updates) ORDER BY update_id"
        ).fetchall()
        return [raw for (raw,) in rows]

    async def claim(self, update_id: int) -> bool:
        """Record update_id as taken, durably; return False if it was taken before."""
        now = self.clock()
        return bool(await self._submit(lambda connection: _claim(connection, update_id, now)))

    async def chat(self, key: ChatKey) -> ChatState:
        """Return the chat's (or topic's) state: a fresh one if none is stored."""
        # fetchall, not fetchone: a statement left unfinished would hold a read transaction open
        # and keep the WAL from ever being checkpointed.
        rows = self._reader.execute(
            "SELECT state FROM chats WHERE chat_id = ? AND topic = ?", (key.chat_id, key.topic)
        ).fetchall()
        return state_from_json(rows[0][0] if rows else None)

    async def save(self, key: ChatKey, state: ChatState, claim: int | None = None) -> bool:
        """Write the chat's (or topic's) state, durably, and take update claim in the same
        transaction; if claim was taken before, write nothing and return False."""
        now = self.clock()
        row = (key.chat_id, key.topic, state_to_json(state), now)

        def run(connection: sqlite3.Connection) -> bool:
            if claim is not None and not _claim(connection, claim, now):
                return False
            connection.execute(
                "INSERT INTO chats (chat_id, topic, state, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chat_id, topic) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                row,
            )
            return True

        return bool(await self._submit(run))

    async def answer(self, chat_id: int, message_id: int) -> Turn | None:
        """Return what the bot's message message_id in chat_id answered, if it is remembered."""
        rows = self._reader.execute(
            "SELECT turn FROM answers WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ).fetchall()
        return turn_from_json(rows[0][0] if rows else None)

    async def remember_answer(self, chat_id: int, message_ids: Sequence[int], turn: Turn) -> None:
        """Remember that the bot's messages message_ids (one answer) answered turn."""
        encoded, now = turn_to_json(turn), self.clock()
        rows = [(chat_id, message_id, encoded, now) for message_id in message_ids]

        def run(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "INSERT OR REPLACE INTO answers (chat_id, message_id, turn, at) VALUES (?, ?, ?, ?)", rows
            )

        await self._submit(run)

    def healthy(self) -> bool:
        """Say whether writes can be made: False once the writer thread stopped unasked."""
        return self._stopped is None

    def close(self) -> None:
        """Finish pending writes, fold the WAL back into the file and release the database."""
        self._closing = True
        if self._thread.is_alive():
            self._hand_over()
            self._queue.put(None)
            self._thread.join()
        self._reader.close()

    # Maintenance.

    def prune(self, connection: sqlite3.Connection) -> None:
        """Delete chats and answers idle longer than the TTL, old update ids and updates received
        more than a day ago and never started; shrink the file."""
        now = self.clock()
        with connection:
            connection.execute("DELETE FROM chats WHERE updated_at < ?", (now - self.ttl_seconds,))
            connection.execute("DELETE FROM answers WHERE at < ?", (now - self.ttl_seconds,))
            kept = min(self.ttl_seconds, UPDATE_IDS_KEPT_SECONDS)
            connection.execute("DELETE FROM updates WHERE at < ?", (now - kept,))
            connection.execute("DELETE FROM inbox WHERE at < ?", (now - UPDATE_IDS_KEPT_SECONDS,))
            connection.execute(
                "DELETE FROM answers WHERE (chat_id, message_id) IN (SELECT chat_id, message_id FROM "
                "(SELECT chat_id, message_id, ROW_NUMBER() OVER (PARTITION BY chat_id "
                "ORDER BY message_id DESC) AS newer FROM answers) WHERE newer > ?)",
                (ANSWERS_REMEMBERED,),
            )
        # executescript steps it to the end: execute() would free one page per call.
        connection.executescript("PRAGMA incremental_vacuum;")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    # The writer thread.

    async def _submit(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._stopped is not None:
            raise StateStoreStopped(self._stopped)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            # Writes still being committed mean a busy bot: wait for more to join them.
            busy = self._unsettled > 0
            wait = self._last_hand_over + HAND_OVER_INTERVAL_SECONDS - time.monotonic() if busy else 0.0
            if wait > 0:
                loop.call_later(wait, self._hand_over)
            else:
                loop.call_soon(self._hand_over)
        self._pending.append(_Write(run, future))
        self._unsettled += 1
        try:
            return await future
        finally:
            self._unsettled -= 1

    def _hand_over(self) -> None:
        """Queue the writes submitted since the last hand-over, as one item.

        While earlier writes are still being committed, the writer thread is woken at most once
        per HAND_OVER_INTERVAL_SECONDS: each wake-up takes the GIL from the event loop, which then
        waits for it back, more so on a busy machine. A write submitted when none is outstanding
        is handed over at once, so a lone question's answer, or writes made one after the other,
        wait for nothing; under a burst the writes of 20 ms go in one batch."""
        if self._pending:
            pending, self._pending = self._pending, []
            self._last_hand_over = time.monotonic()
            if self._stopped is not None:  # nobody would take them
                _report([(w.future, None, StateStoreStopped(self._stopped)) for w in pending])
                return
            self._queue.put(pending)

    def _run_writer(self, connection: sqlite3.Connection) -> None:
        try:
            self._write_loop(connection)
        except BaseException as error:
            self._stopped = f"the state database's writer stopped ({type(error).__name__}: {error})"
            logger.critical("state database: %s", self._stopped, exc_info=error)
        finally:
            if self._stopped is None and not self._closing:
                self._stopped = "the state database's writer stopped"
            if self._stopped is not None:
                self._fail_waiting()

    def _fail_waiting(self) -> None:
        """Fail the writes the stopped writer thread held or had queued: none waits for ever."""
        failed = StateStoreStopped(self._stopped or "")
        waiting, self._writing = self._writing, []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            waiting.extend(item or [])
        _report([(write.future, None, failed) for write in waiting])

    def _write_loop(self, connection: sqlite3.Connection) -> None:
        next_prune = time.monotonic() + self.prune_interval
        while True:
            prune_due = False
            try:
                batch = [self._queue.get(timeout=max(0.0, next_prune - time.monotonic()))]
            except queue.Empty:
                batch, prune_due = [], True
            while sum(len(item) for item in batch if item) < BATCH_LIMIT and None not in batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [write for item in batch if item for write in item]
            if writes:
                self._writing = writes
                try:
                    _commit_batch(connection, writes)
                except Exception as error:  # _commit_batch settles every write; this is a bug
                    logger.exception("state database: a batch could not be written")
                    _report([(write.future, None, error) for write in writes])
                self._writing = []
            closing = None in batch
            if prune_due or closing:
                self._prune_quietly(connection)
                next_prune = time.monotonic() + self.prune_interval
            if closing:
                connection.close()
                return

    def _prune_quietly(self, connection: sqlite3.Connection) -> None:
        try:
            self.prune(connection)
        except Exception as error:  # a failed clean-up must not stop the answers
            logger.warning("state database: pruning failed (%s)", error)


def _claim(connection: sqlite3.Connection, update_id: int, now: float) -> bool:
    """Record update_id as taken and drop its kept copy; return False if it was taken before."""
    taken = "INSERT OR IGNORE INTO updates (update_id, at) VALUES (?, ?)"
    cursor = connection.execute(taken, (update_id, now))
    connection.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
    return cursor.rowcount == 1


_Outcome = tuple["asyncio.Future[Any]", Any, "BaseException | None"]


def _commit_batch(connection: sqlite3.Connection, writes: list[_Write]) -> None:
    """Run the writes in one transaction and report each result; if the transaction fails, run
    each write in a transaction of its own, so that only the writes that fail alone fail."""
    outcomes: list[_Outcome]
    try:
        with connection:  # BEGIN ... COMMIT, or ROLLBACK on an exception
            outcomes = [(write.future, write.run(connection), None) for write in writes]
    except Exception as error:  # an sqlite3 error, or a value it cannot store (an int past 2**63)
        if len(writes) == 1:
            logger.error("state database: a write failed (%s: %s)", type(error).__name__, error)
            outcomes = [(writes[0].future, None, error)]
        else:
            outcomes = [_commit_one(connection, write) for write in writes]
    _report(outcomes)


def _commit_one(connection: sqlite3.Connection, write: _Write) -> _Outcome:
    try:
        with connection:
            return (write.future, write.run(connection), None)
    except Exception as error:
        logger.error("state database: a write failed (%s: %s)", type(error).__name__, error)
        return (write.future, None, error)


def _report(outcomes: list[_Outcome]) -> None:
    """Hand the outcomes to the event loops their futures belong to: one wake-up per loop and batch,
    not one per write (each wake-up costs the loop a turn)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
    for future, result, error in outcomes:
        by_loop.setdefault(future.get_loop(), []).append((future, result, error))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, settled)
        except RuntimeError:  # the loop closed while the writes were queued: nobody waits
            pass


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, result, error in settled:
        if future.done():  # the handler was cancelled meanwhile
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
