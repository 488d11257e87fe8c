"""The SQLite state store: JSON rows, update ids claimed once, TTL pruning, damaged files moved aside."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from article_bot.bot.delivery.sqlite import SqliteStateStore
from article_bot.bot.delivery.store import ANSWERS_REMEMBERED, ChatKey, ChatState
from article_bot.index.errors import ConfigError
from article_bot.index.model import Conversation, Turn

WEEK = 7 * 24 * 3600.0


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def state_with(*entities: str, refused: bool = False) -> ChatState:
    turns = [Turn(terms=["vote"], entities=[entity]) for entity in entities]
    return ChatState(Conversation(turns=turns), refused=refused)


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


def test_conversations_and_answers_survive_reopening(path):
    store = SqliteStateStore(path, WEEK)

    async def write() -> None:
        await store.save(ChatKey(-100, 7), state_with("mesa", "arce"))
        await store.save(ChatKey(-100), state_with(refused=True))
        await store.remember_answer(-100, [41, 42], Turn(terms=["won"], entities=["arce"]))

    run(write())
    store.close()
    again = SqliteStateStore(path, WEEK)
    try:
        topic = run(again.chat(ChatKey(-100, 7)))
        assert [turn.entities for turn in topic.conversation.turns] == [["mesa"], ["arce"]]
        assert run(again.chat(ChatKey(-100))).refused is True
        assert run(again.chat(ChatKey(-100, 8))) == ChatState()  # never written: fresh
        assert run(again.answer(-100, 42)) == Turn(terms=["won"], entities=["arce"])
        assert run(again.answer(-100, 43)) is None
    finally:
        again.close()


def test_rows_are_json_not_pickle_and_the_files_are_private(path):
    store = SqliteStateStore(path, WEEK)
    run(store.save(ChatKey(5), state_with("mesa")))
    try:
        [(text,)] = sqlite3.connect(path).execute("SELECT state FROM chats").fetchall()
        turn = '{"terms":["vote"],"entities":["mesa"],"article":"","names":[]}'
        assert text == '{"turns":[' + turn + '],"refused":false}'
        for file in (path, path.with_name(path.name + "-wal")):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        store.close()


def test_an_update_is_claimed_once_even_across_restarts(path):
    store = SqliteStateStore(path, WEEK)

    async def claim_twice() -> list[bool]:
        return list(await asyncio.gather(store.claim(7), store.claim(7), store.claim(8)))

    assert sorted(run(claim_twice())) == [False, True, True]
    store.close()
    again = SqliteStateStore(path, WEEK)
    try:
        assert run(again.claim(7)) is False and run(again.claim(9)) is True
    finally:
        again.close()


def test_a_conversation_saved_with_its_update_claims_it_once_even_across_restarts(path):
    store = SqliteStateStore(path, WEEK)

    async def save_twice() -> tuple[bool, bool]:
        first = await store.save(ChatKey(5), state_with("mesa"), claim=7)
        again = await store.save(ChatKey(5), state_with("arce"), claim=7)  # re-delivered
        return first, again

    assert run(save_twice()) == (True, False)
    store.close()
    reopened = SqliteStateStore(path, WEEK)
    try:
        turns = run(reopened.chat(ChatKey(5))).conversation.turns
        assert [turn.entities for turn in turns] == [["mesa"]]  # the re-delivered one wrote nothing
        assert run(reopened.claim(7)) is False
        assert run(reopened.save(ChatKey(6), state_with("añez"), claim=7)) is False
        assert run(reopened.chat(ChatKey(6))) == ChatState()
        assert run(reopened.save(ChatKey(6), state_with("añez"), claim=8)) is True
    finally:
        reopened.close()


def test_idle_conversations_are_pruned_after_the_ttl_and_the_file_shrinks(path):
    clock = Clock()
    store = SqliteStateStore(path, 3600, clock=clock)

    async def fill() -> None:
        for chat in range(2000):
            await store.save(ChatKey(chat), state_with("mesa", "arce", "añez"))
            await store.remember_answer(chat, [chat], Turn(terms=["won"], entities=["arce"]))
            await store.claim(chat)

    run(fill())
    store.close()
    full = path.stat().st_size
    clock.now += 1800
    recent = SqliteStateStore(path, 3600, clock=clock)
    run(recent.save(ChatKey(-1), state_with("mesa")))  # one chat still talking
    recent.close()
    clock.now += 1801  # the 2,000 chats have been idle for more than an hour now
    pruned = SqliteStateStore(path, 3600, clock=clock)  # prunes at start-up
    try:
        assert run(pruned.chat(ChatKey(5))) == ChatState()
        assert run(pruned.answer(5, 5)) is None
        assert run(pruned.claim(5)) is True  # its id was forgotten with it
        assert run(pruned.chat(ChatKey(-1))).conversation.turns  # still within the TTL
        assert size_on_disk(path) < full / 5
    finally:
        pruned.close()


def test_each_chat_keeps_its_latest_answers_only(path):
    store = SqliteStateStore(path, WEEK)
    turn = Turn(terms=["won"], entities=[])

    async def answer_many() -> None:
        for message_id in range(ANSWERS_REMEMBERED + 50):
            await store.remember_answer(3, [message_id], turn)

    run(answer_many())
    store.close()
    again = SqliteStateStore(path, WEEK)
    try:
        assert run(again.answer(3, 49)) is None
        assert run(again.answer(3, 50)) == turn
        assert run(again.answer(3, ANSWERS_REMEMBERED + 49)) == turn
    finally:
        again.close()


@pytest.mark.parametrize(
    "content",
    [b"garbage that is not a database" * 100, b"\x80\x04\x95 a pickle", "truncated"],
    ids=["garbage", "pickle", "truncated"],
)
def test_a_damaged_database_is_moved_aside_with_one_log_line(path, content, caplog):
    if content == "truncated":
        store = SqliteStateStore(path, WEEK)
        run(store.save(ChatKey(1), state_with("mesa")))
        store.close()
        content = path.read_bytes()[:1500]
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="article_bot.bot.delivery.sqlite_file"):
        store = SqliteStateStore(path, WEEK)
    try:
        [line] = [r.getMessage() for r in caplog.records]
        assert line.startswith(f"state database {path} is unreadable (")
        [aside] = path.parent.glob("state.sqlite3.damaged-*")
        assert line.endswith(f"moved it to {aside}, starting afresh")
        assert aside.read_bytes() == content
        assert run(store.chat(ChatKey(1))) == ChatState()
        assert run(store.claim(1)) is True
    finally:
        store.close()


def test_an_empty_file_is_a_fresh_database(path):
    path.write_bytes(b"")
    store = SqliteStateStore(path, WEEK)
    try:
        assert run(store.claim(1)) is True
        assert not list(path.parent.glob("*.damaged-*"))
    finally:
        store.close()


def test_a_state_file_that_cannot_be_created_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"ARTICLE_BOT_STATE .*missing.*: cannot create it"):
        SqliteStateStore(tmp_path / "missing" / "state.sqlite3", WEEK)


def test_a_row_of_another_shape_reads_as_a_fresh_conversation(path):
    store = SqliteStateStore(path, WEEK)
    run(store.save(ChatKey(1), state_with("mesa")))
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute("""UPDATE chats SET state = '{"turns": [{"old_field": 1}]}'""")
    again = SqliteStateStore(path, WEEK)
    try:
        assert run(again.chat(ChatKey(1))) == ChatState()
    finally:
        again.close()


def test_a_write_that_fails_fails_alone_and_the_writer_goes_on(path):
    store = SqliteStateStore(path, WEEK)

    async def together():
        # Submitted in one turn of the event loop: one batch, one transaction at first.
        return await asyncio.gather(
            store.save(ChatKey(1), state_with("mesa")),
            store.claim(2**63),  # SQLite cannot store it
            store.save(ChatKey(2), state_with("arce"), claim=7),
            return_exceptions=True,
        )

    try:
        saved, refused, claimed = run(together())
        assert saved is True and claimed is True
        assert isinstance(refused, OverflowError)
        assert run(store.chat(ChatKey(1))) == state_with("mesa")
        assert run(store.chat(ChatKey(2))) == state_with("arce")
        assert run(store.claim(7)) is False  # committed with its conversation
        assert run(store.claim(8)) is True and store.healthy()
    finally:
        store.close()


def test_a_symbolic_link_is_refused_and_its_target_left_alone(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("not the bot's")
    target.chmod(0o644)
    link = tmp_path / "state.sqlite3"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match=r"ARTICLE_BOT_STATE .* is a symbolic link"):
        SqliteStateStore(link, WEEK)
    assert target.read_text() == "not the bot's" and stat.S_IMODE(target.stat().st_mode) == 0o644


def size_on_disk(path: Path) -> int:
    """Return the bytes a state database takes on disk, its WAL included."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists())
