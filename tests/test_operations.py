"""Operations: /stats and /reload for admins, the chat allow-list, and `article-bot check`."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from bot_api_server import ALICE, BOB, GROUP, TOKEN, callback_query, inline_query, text_message
from running_bot import ask_and_wait, free_port

from article_bot.bot import loading, serving
from article_bot.bot.access import NOT_SERVED
from article_bot.index.engine import Engine

ADMIN = str(ALICE["id"])
NORTHTOWN = """# Northtown re-elects its mayor

Alice Smith, the mayor of Northtown, was re-elected on Sunday with 61 percent of the vote.

Bob Jones, a former banker, came second with 27 percent of the vote.
"""
SOUTHTOWN = """# Southtown gets a new library

Carol White, the head librarian, opened the new Southtown library on Friday morning.

The library cost four million euros and holds sixty thousand books.

Carol White said the reading room would stay open until midnight.
"""


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "northtown.md").write_text(NORTHTOWN, encoding="utf-8")
    return folder


def test_stats_show_questions_abstentions_and_chats_to_admins_only(api, start_bot):
    start_bot(ADMIN_USER_IDS=ADMIN)
    ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))
    ask_and_wait(api, text_message("What is the capital of France?"))
    ask_and_wait(api, text_message("/ask Who is Luis Arce?", GROUP, user=BOB))

    lines = ask_and_wait(api, text_message("/stats"))["text"].splitlines()
    assert lines[0] == "Stats" and lines[1].startswith("Uptime: ")
    assert lines[2] == "Questions: 3 (2 answered, 1 abstained)"
    assert lines[3].startswith("Answer time: p50 ") and " ms, p99 " in lines[3]
    assert lines[4] == "Chats: 2"
    refusal = ask_and_wait(api, text_message("/stats", user=BOB))["text"]
    assert refusal == "Sorry, /stats is for the bot's administrators."


def test_reload_swaps_in_new_content_and_keeps_the_old_when_the_new_is_broken(api, start_bot, articles):
    start_bot(Engine.from_path(articles), ARTICLE_BOT_CONTENT=str(articles), ADMIN_USER_IDS=ADMIN)
    assert (
        "27 percent" in ask_and_wait(api, text_message("What share of the vote did Bob Jones get?"))["text"]
    )

    (articles / "broken.md").write_text("", encoding="utf-8")
    failed = ask_and_wait(api, text_message("/reload"))["text"]
    assert failed == (
        f"Reload failed; still serving the previous content. {articles / 'broken.md'}: file is empty"
    )
    assert (
        "27 percent" in ask_and_wait(api, text_message("What share of the vote did Bob Jones get?"))["text"]
    )

    (articles / "broken.md").unlink()
    (articles / "northtown.md").unlink()
    (articles / "southtown.md").write_text(SOUTHTOWN, encoding="utf-8")
    refused = ask_and_wait(api, text_message("/reload", user=BOB))["text"]
    assert refused == "Sorry, /reload is for the bot's administrators."
    assert (
        "27 percent" in ask_and_wait(api, text_message("What share of the vote did Bob Jones get?"))["text"]
    )

    reloaded = ask_and_wait(api, text_message("/reload"))["text"]
    assert reloaded == "Reloaded: 1 article(s), 3 passages."
    answer = ask_and_wait(api, text_message("Who opened the library?"))["text"]
    assert "Carol White" in answer and "[1]" in answer
    assert ask_and_wait(api, text_message("What share of the vote did Bob Jones get?"))["text"].startswith(
        "The article doesn't say."
    )


def handled_so_far(api, user: dict) -> None:
    """Wait until the bot has handled everything user sent so far in their private chat.

    One chat's updates are handled in order, and a button press is always answered (even from a
    refused chat), so the answer to a press pushed last marks the end of what came before."""
    press = callback_query(text_message("(a message of the bot's)", user=user), "src:1:1", user=user)
    api.push("callback_query", press)
    api.wait_for(
        lambda: any(c.params["callback_query_id"] == press["id"] for c in api.calls("answerCallbackQuery"))
    )


def test_chats_off_the_allow_list_are_refused_once_then_ignored_even_after_a_restart(api, start_bot):
    allowed = {"ALLOWED_CHAT_IDS": str(GROUP["id"]), "ADMIN_USER_IDS": ADMIN}
    first = start_bot(**allowed)
    assert (
        "Mesa"
        in ask_and_wait(api, text_message("/ask What share of the vote did Carlos Mesa get?", GROUP))["text"]
    )
    refusal = ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?", user=BOB))
    assert refusal["text"] == NOT_SERVED
    api.push("message", text_message("Who is Luis Arce?", user=BOB))
    api.push("message", text_message("/help", user=BOB))
    handled_so_far(api, BOB)
    assert len(api.sent(BOB["id"])) == 1
    first.stop()

    start_bot(**allowed)
    api.push("message", text_message("Hello?", user=BOB))
    # The admin's own private chat is served although it is not on the list.
    assert "Sources" in ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))["text"]
    handled_so_far(api, BOB)
    assert len(api.sent(BOB["id"])) == 1


def test_inline_queries_from_users_off_the_allow_list_get_no_results(api, start_bot):
    start_bot(ALLOWED_CHAT_IDS=f"{GROUP['id']},{ALICE['id']}")
    api.push("inline_query", inline_query("What share of the vote did Carlos Mesa get?", user=BOB))
    api.push("inline_query", inline_query("What share of the vote did Carlos Mesa get?", user=ALICE))
    calls = api.wait_for(lambda: len(api.calls("answerInlineQuery")) == 2 and api.calls("answerInlineQuery"))
    by_user = {c.params["inline_query_id"]: c.params for c in calls}
    answers = sorted(by_user.values(), key=lambda params: len(params["results"]))
    assert answers[0]["results"] == [] and answers[0]["button"]["start_parameter"] == "private"
    assert "31.5" in answers[1]["results"][0]["input_message_content"]["message_text"]


# article-bot check: what the Docker HEALTHCHECK runs.


@pytest.fixture(autouse=True)
def root_logging_restored():
    """check() configures logging as an entry point does; undo it for the tests that follow."""
    root = logging.getLogger()
    level, filters = root.level, {handler: list(handler.filters) for handler in root.handlers}
    yield
    root.setLevel(level)
    for handler, kept in filters.items():
        handler.filters = kept


def test_check_fails_on_broken_content_naming_the_file(api, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ARTICLE_BOT_CONTENT", str(tmp_path / "missing"))

    assert serving.check(None) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"article-bot: {tmp_path / 'missing'}: no such file or folder\n"
    assert not api.calls("getMe")


def test_check_fails_when_the_bot_api_is_unreachable_without_printing_the_token(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{free_port()}/bot")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("ARTICLE_BOT_CONTENT", raising=False)

    assert serving.check(None) == 1
    error = capsys.readouterr().err
    assert error.startswith("article-bot: Telegram did not answer getMe: ")
    assert len(error.splitlines()) == 1 and TOKEN not in error


def test_the_content_limits_and_cache_folder_reach_the_loader(monkeypatch, tmp_path):
    from article_bot.bot.settings import settings_from

    seen: dict[str, object] = {}
    real_load = loading.load_articles

    def load_articles(path, max_bytes=None):
        seen["max_bytes"] = max_bytes
        return real_load(path)

    monkeypatch.setattr(loading, "load_articles", load_articles)
    settings = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "MAX_ARTICLE_BYTES": "123456",
            "ARTICLE_BOT_CACHE": str(tmp_path / "vectors"),
            "ARTICLE_BOT_CONTENT": str(tmp_path / "articles"),
        }
    )
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "north.md").write_text(NORTHTOWN, encoding="utf-8")
    engine = loading.load_engine(settings.content_settings)
    assert seen["max_bytes"] == 123456
    assert len(engine.passages) == 2
    assert len(list((tmp_path / "vectors").glob("*.npy"))) == 1


def test_reload_indexes_off_the_event_loop_while_the_old_content_answers(
    api, start_bot, articles, monkeypatch, caplog
):
    start_bot(Engine.from_path(articles), ARTICLE_BOT_CONTENT=str(articles), ADMIN_USER_IDS=ADMIN)
    indexing, release = threading.Event(), threading.Event()
    load_engine = loading.load_engine

    def slow_load(settings):
        indexing.set()
        release.wait(30)  # as long as a big article takes to index
        return load_engine(settings)

    monkeypatch.setattr(loading, "load_engine", slow_load)
    monkeypatch.setattr(loading, "PROGRESS_SECONDS", 0.05)
    (articles / "northtown.md").unlink()
    (articles / "southtown.md").write_text(SOUTHTOWN, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="article_bot.bot.loading"):
        api.push("message", text_message("/reload"))
        assert indexing.wait(10)
        # Meanwhile another chat is answered, from the content being replaced.
        assert (
            "27 percent"
            in ask_and_wait(api, text_message("What share of the vote did Bob Jones get?", user=BOB))["text"]
        )
        deadline = time.monotonic() + 10
        while not any("indexing the content:" in r.getMessage() for r in caplog.records):  # progress
            assert time.monotonic() < deadline
            time.sleep(0.02)
        release.set()
        [reloaded] = api.wait_sent(ALICE["id"], 1)
    assert reloaded.result["text"] == "Reloaded: 1 article(s), 3 passages."
    assert "Carol White" in ask_and_wait(api, text_message("Who opened the library?", user=BOB))["text"]
