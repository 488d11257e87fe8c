"""The real Application, built as `article-bot run` builds it, against a loopback Bot API server.

Each test starts the bot in a thread with its own event loop (polling with short timeouts, or
the webhook server), injects updates the way Telegram would deliver them, and asserts what a
user would see in the chat: the messages, their buttons, and what happens when one is pressed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from bot_api_server import (
    ALICE,
    BOB,
    BOT_USERNAME,
    FORUM,
    GROUP,
    TOKEN,
    callback_query,
    inline_query,
    sticker_message,
    text_message,
)
from running_bot import ask_and_wait, free_port, post_json

from article_bot.bot import serving
from article_bot.bot.logs import configure_logging
from article_bot.bot.texts import say
from article_bot.index.answer import abstain
from article_bot.index.engine import Engine
from article_bot.index.model import Answer, Citation, Quote, Reply, Turn

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
TOWN_ARTICLE = """# Northtown re-elects its mayor

Alice Smith, the mayor of Northtown, was re-elected on Sunday with 61 percent of the vote.

Bob Jones, a former banker, came second with 27 percent of the vote.

Alice Smith promised to build a new bridge over the river during her second term.

Bob Jones conceded defeat on Monday and congratulated the mayor on her victory.

Turnout was 48 percent, the lowest in a decade, according to the election office.
"""
PRIVATE = ALICE["id"]


@pytest.fixture
def town(tmp_path: Path) -> Engine:
    path = tmp_path / "northtown.md"
    path.write_text(TOWN_ARTICLE, encoding="utf-8")
    return Engine.from_path(path)


def article_sentence_in(text: str, engine: Engine) -> bool:
    return any(s in text for p in engine.passages for s in p.sentences if len(s) > 40)


def test_commands_are_registered_separately_for_private_chats_and_groups(api, start_bot):
    start_bot()
    calls = api.wait_for(lambda: len(api.calls("setMyCommands")) == 2 and api.calls("setMyCommands"))
    by_scope = {c.params["scope"]["type"]: [cmd["command"] for cmd in c.params["commands"]] for c in calls}
    assert by_scope["all_private_chats"] == ["start", "help", "ask", "about", "source", "reset"]
    assert by_scope["all_group_chats"] == ["help", "ask", "about", "source", "reset"]


def test_private_question_gets_a_cited_quote_and_a_button_that_shows_the_passage(api, start_bot, engine):
    start_bot()
    question = text_message("What share of the vote did Carlos Mesa get?")
    answer = ask_and_wait(api, question)

    assert "31.5 percent for the right-wing ex-president Carlos Mesa" in answer["text"]
    assert article_sentence_in(answer["text"], engine)
    cited = [
        c.passage.number for c in engine.ask("What share of the vote did Carlos Mesa get?").answer.citations
    ]
    assert "[1]" in answer["text"] and "Sources" in answer["text"]
    assert f"[1] ¶{cited[0]} " in answer["text"]
    [typing] = api.calls("sendChatAction")  # shown while answering, before the answer
    assert typing.params["action"] == "typing" and typing.params["chat_id"] == PRIVATE
    assert api.calls().index(typing) < api.calls().index(api.calls("sendMessage")[0])
    buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [f"¶{n}" for n in cited]

    press = callback_query(answer, buttons[-1]["callback_data"])
    api.push("callback_query", press)
    shown = api.wait_sent(PRIVATE, 2)[1].result["text"]
    assert shown == f"¶{cited[-1]}\n{engine.passage(cited[-1]).text}"
    answered = api.wait_for(lambda: api.calls("answerCallbackQuery"))
    assert answered[0].params["callback_query_id"] == press["id"]


def test_a_question_the_article_does_not_answer_says_so(api, start_bot):
    start_bot()
    answer = ask_and_wait(api, text_message("What is the capital of France?"))
    assert answer["text"].startswith("The article doesn't say.")
    assert "reply_markup" not in answer


def test_groups_answer_ask_ask_at_bot_mentions_and_ignore_chatter(api, start_bot):
    start_bot()
    messages = [
        text_message("/ask Who is Luis Arce?", GROUP),
        text_message(f"/ask@{BOT_USERNAME} What share of the vote did Carlos Mesa get?", GROUP),
        text_message("/ask@SomeOtherBot What share of the vote did Carlos Mesa get?", GROUP),
        text_message("Nice weather today, who is coming to lunch?", GROUP, user=BOB),
        text_message("/help@SomeOtherBot", GROUP),
        text_message(f"@{BOT_USERNAME} what share of the vote did Carlos Mesa get?", GROUP, user=BOB),
    ]
    for message in messages:
        api.push("message", message)
    sent = api.wait_sent(GROUP["id"], 3)
    sentinel = ask_and_wait(api, text_message("/about", GROUP))  # updates are handled in order

    replied_to = [c.params["reply_parameters"]["message_id"] for c in sent[:3]]
    assert replied_to == [
        messages[0]["message_id"],
        messages[1]["message_id"],
        messages[5]["message_id"],
    ]
    texts = [c.result["text"] for c in sent[:3]]
    assert all("[1]" in text and "Sources" in text for text in texts)
    assert "Arce" in texts[0] and "Mesa" in texts[1] and "Mesa" in texts[2]
    assert len(api.sent(GROUP["id"])) == 4 and "Coup regime in Bolivia" in sentinel["text"]


def test_a_reply_to_an_answer_is_a_follow_up(api, start_bot):
    start_bot()
    first = ask_and_wait(api, text_message("/ask What share of the vote did Carlos Mesa get?", GROUP))
    follow_up = ask_and_wait(api, text_message("What share of the vote did he get?", GROUP, reply_to=first))
    assert "31.5" in follow_up["text"]


class ContextSpy:
    """Wrap the real Engine.ask to record the context (the earlier turn) each question came with."""

    def __init__(self, engine: Engine, monkeypatch: pytest.MonkeyPatch):
        self.asked: dict[str, Turn | None] = {}
        self.turns: dict[str, Turn | None] = {}
        real_ask = engine.ask

        def ask(question: str, previous: Turn | None = None) -> Reply:
            reply = real_ask(question, previous)
            self.asked[question] = previous
            self.turns[question] = reply.turn
            return reply

        monkeypatch.setattr(engine, "ask", ask)


def test_a_reply_follows_up_on_the_answer_it_replies_to_not_the_latest(api, start_bot, town, monkeypatch):
    spy = ContextSpy(town, monkeypatch)
    start_bot(town)
    about_bob = ask_and_wait(api, text_message("/ask Who is Bob Jones?", GROUP))
    ask_and_wait(api, text_message("/ask Who is Alice Smith?", GROUP))
    ask_and_wait(api, text_message("What percent of the vote did he get?", GROUP, reply_to=about_bob))

    assert spy.asked["Who is Alice Smith?"] == spy.turns["Who is Bob Jones?"]
    # The reply is asked in the context of the answer it replies to, not the latest.
    assert spy.asked["What percent of the vote did he get?"] == spy.turns["Who is Bob Jones?"]


def test_forum_topics_are_answered_in_their_topic_with_their_own_context(api, start_bot, town, monkeypatch):
    spy = ContextSpy(town, monkeypatch)
    start_bot(town)
    ask_and_wait(api, text_message("/ask Who is Bob Jones?", FORUM, thread_id=11))
    ask_and_wait(api, text_message("/ask Who is Alice Smith?", FORUM, thread_id=22))
    in_topic_11 = text_message("/ask What percent of the vote did he get?", FORUM, thread_id=11)
    answer = ask_and_wait(api, in_topic_11)

    assert "Bob Jones" in answer["text"]
    assert spy.asked["Who is Alice Smith?"] is None  # topic 22 starts afresh
    assert spy.asked["What percent of the vote did he get?"] == spy.turns["Who is Bob Jones?"]
    assert api.sent(FORUM["id"])[-1].params["message_thread_id"] == 11
    assert answer["is_topic_message"] is True

    reset = ask_and_wait(api, text_message("/reset", FORUM, thread_id=11))
    assert reset["text"] == "Starting a new conversation."
    ask_and_wait(api, text_message("/ask Who won?", FORUM, thread_id=11))
    assert spy.asked["Who won?"] is None


def test_inline_query_offers_the_cited_answer_or_says_the_article_does_not_say(api, start_bot):
    start_bot()
    api.push("inline_query", inline_query("What share of the vote did Carlos Mesa get?"))
    api.push("inline_query", inline_query("What is the capital of France?"))
    calls = api.wait_for(lambda: len(api.calls("answerInlineQuery")) == 2 and api.calls("answerInlineQuery"))

    [found] = calls[0].params["results"]
    assert found["type"] == "article"
    content = found["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert "31.5" in content["message_text"] and "[1] <b>¶2</b>" in content["message_text"]
    [missing] = calls[1].params["results"]
    assert missing["title"] == "The article doesn't say."


def test_a_429_is_waited_out_and_the_reply_delivered_exactly_once(api, start_bot):
    start_bot()
    api.fail_next("sendMessage", count=1, code=429, retry_after=1)
    answer = ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))
    ask_and_wait(api, text_message("/about"))

    attempts = api.calls("sendMessage")
    assert [c.ok for c in attempts] == [False, True, True]
    assert attempts[1].at - attempts[0].at >= 1  # retry_after was respected
    assert "31.5" in answer["text"]


def test_a_refused_reply_is_logged_with_traceback_and_the_user_told(api, start_bot, caplog):
    start_bot()
    # 400 is not worth retrying (5xx is: see test_reliability.py); the error handler steps in.
    api.fail_next("sendMessage", count=1, code=400, retry_after=None)
    with caplog.at_level(logging.ERROR, logger="article_bot.bot.handlers"):
        notice = ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))
    assert notice["text"] == say("failed")
    [record] = [
        r for r in caplog.records if r.name == "article_bot.bot.handlers" and r.levelno >= logging.ERROR
    ]
    assert record.exc_info is not None


def test_non_text_messages_get_a_hint(api, start_bot):
    start_bot()
    hint = ask_and_wait(api, sticker_message())
    assert hint["text"] == say("non_text")


def test_start_names_the_article_and_three_example_questions_that_work(api, start_bot, engine):
    start_bot()
    welcome = ask_and_wait(api, text_message("/start"))["text"]
    assert "Coup regime in Bolivia concedes electoral victory to MAS" in welcome
    examples = [line[2:] for line in welcome.splitlines() if line.startswith("• ")]
    assert len(examples) == 3
    assert not any(engine.ask(example).answer.abstained for example in examples)


def test_source_command_shows_a_passage_or_says_which_exist(api, start_bot, engine):
    start_bot()
    assert ask_and_wait(api, text_message("/source 3"))["text"] == f"¶3\n{engine.passage(3).text}"
    missing = ask_and_wait(api, text_message("/source 999"))["text"]
    assert missing == f"There is no passage 999: the article has passages 1 to {len(engine.passages)}."


def test_long_replies_are_split_within_telegram_limit(api, start_bot, tmp_path):
    sentence = "The council met on Tuesday & agreed that costs < 5% <i>must</i> fall this winter. "
    path = tmp_path / "long.md"
    path.write_text(f"# Long\n\n{sentence * 80}\n\nA short closing paragraph.\n", encoding="utf-8")
    long_engine = Engine.from_path(path)
    start_bot(long_engine)
    api.push("message", text_message("/source 1"))
    api.push("message", text_message("/about"))
    sent = api.wait_sent(PRIVATE, 3)  # the fake refuses anything over 4,096 characters

    parts = [c.result["text"] for c in sent[:-1]]
    assert len(parts) == 2 and all(len(part) <= 4096 for part in parts)
    assert " ".join(parts) == f"¶1\n{long_engine.passage(1).text}"


def test_questions_and_commands_beyond_the_rate_limit_get_one_slow_down(api, start_bot):
    start_bot(RATE_LIMIT_PER_MINUTE="2")
    for question in [
        "What share of the vote did Carlos Mesa get?",
        "Who is Luis Arce?",
        "Who won?",
        "Who lost?",
    ]:
        api.push("message", text_message(f"/ask {question}", GROUP))
    for command in ["/help", "/start", "/about", "/source 1", "/reset", "/ask"]:
        api.push("message", text_message(command, GROUP))  # commands count too: all ignored
    # One group's updates are answered in order: Bob's question comes after all of Alice's.
    api.push("message", text_message("/ask Who is Luis Almagro?", GROUP, user=BOB))
    sent = api.wait_sent(GROUP["id"], 4)
    texts = [c.result["text"] for c in sent]
    assert "Sources" in texts[0] and "Sources" in texts[1]
    assert texts[2] == say("slow_down")
    assert "Almagro" in texts[3] and len(texts) == 4


def test_restart_answers_pending_updates_once_and_keeps_the_conversation(api, start_bot, town, monkeypatch):
    spy = ContextSpy(town, monkeypatch)
    first = start_bot(town)
    ask_and_wait(api, text_message("Who is Bob Jones?"))
    first.stop()
    # Sent while the bot is down: must be answered after the restart, in the same conversation.
    api.push("message", text_message("What percent of the vote did he get?"))
    start_bot(town)
    answers = api.wait_sent(PRIVATE, 2)
    ask_and_wait(api, text_message("/about"))

    assert "27 percent" in answers[1].result["text"]
    assert spy.asked["What percent of the vote did he get?"] == spy.turns["Who is Bob Jones?"]
    assert len(api.sent(PRIVATE)) == 3  # each update answered exactly once


def test_webhook_accepts_updates_with_the_secret_and_refuses_others(api, start_bot):
    port = free_port()
    start_bot(
        WEBHOOK_URL="https://bot.example.test/telegram-hook",
        WEBHOOK_SECRET="s3cret-Token_1",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    [registered] = api.wait_for(lambda: api.calls("setWebhook"))
    assert registered.params["url"] == "https://bot.example.test/telegram-hook"
    assert registered.params["secret_token"] == "s3cret-Token_1"
    url = f"http://127.0.0.1:{port}/telegram-hook"

    refused = api.update("message", text_message("/about"))
    assert post_json(url, refused, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
    assert post_json(url, refused, {}) == 403
    accepted = api.update("message", text_message("What share of the vote did Carlos Mesa get?"))
    assert post_json(url, accepted, {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) == 200

    # One chat's updates are handled in order: had the refused update been handled, its reply
    # (the articles, which do not name Carlos Mesa) would have come first.
    [answer] = api.wait_sent(PRIVATE, 1)
    assert "Carlos Mesa" in answer.result["text"]
    assert api.sent(PRIVATE) == [answer]  # the refused update was never handled


def test_the_token_never_appears_in_logs(api, start_bot, make_settings):
    records: list[str] = []
    capture = ListHandler(records)
    root = logging.getLogger()
    root.addHandler(capture)
    level = root.level
    try:
        root.setLevel(logging.INFO)
        configure_logging(make_settings())  # as `run` does
        logging.getLogger("httpx").setLevel(logging.INFO)  # as if someone turned it back on
        start_bot()
        ask_and_wait(api, text_message("Who is the Bolivian interim president?"))
        logging.getLogger("bot").warning("a careless line: %s/%s/getMe", api.base_url, TOKEN)
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(logging.WARNING)

    assert any("HTTP Request: POST" in line for line in records)  # httpx logged its URLs
    assert any("a careless line" in line for line in records)
    assert not any(TOKEN in line for line in records)
    assert not any("Bolivian interim president" in line for line in records)  # questions: DEBUG only


class ListHandler(logging.Handler):
    def __init__(self, lines: list[str]):
        super().__init__(logging.DEBUG)
        self.lines = lines
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.parametrize(
    "environment",
    [{}, {"TELEGRAM_BOT_TOKEN": "not-a-token"}, {"TELEGRAM_BOT_TOKEN": "12345:short"}],
    ids=["missing", "malformed", "too-short"],
)
def test_run_without_a_valid_token_says_how_to_get_one_and_exits_2(environment, tmp_path):
    if not ARTICLE_BOT.exists():
        pytest.skip(f"{ARTICLE_BOT} is not installed")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **environment}
    result = subprocess.run(
        [str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "BotFather" in result.stderr and "article-bot console" in result.stderr
    assert result.stdout == ""


def test_check_reports_the_bot_or_a_rejected_token(api, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert serving.check(None) == 0
    assert capsys.readouterr().out.startswith(f"ok: @{BOT_USERNAME}")

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "4839574812:" + "B" * 35)
    assert serving.check(None) == 1
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "4839574812:BBB" not in error


def test_article_bot_run_answers_and_stops_gracefully_on_sigterm(api, tmp_path):
    if not ARTICLE_BOT.exists():
        pytest.skip(f"{ARTICLE_BOT} is not installed")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "LOG_LEVEL": "DEBUG",
    }
    process = subprocess.Popen(
        [str(ARTICLE_BOT), "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        ask_and_wait(api, text_message("What share of the vote did Carlos Mesa get?"))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
    assert (tmp_path / "article-bot-state.sqlite3").exists()  # conversations saved on the way out
    assert "What share of the vote did Carlos Mesa get?" in stderr  # LOG_LEVEL=DEBUG logs questions...
    assert TOKEN not in stderr and "Traceback" not in stderr  # ...but never the token


def test_closest_passage_and_bold_span_reach_the_chat(api, start_bot, engine, monkeypatch):
    text = "Arce won 55.1 percent of the vote. [1]"
    quote = Quote("Arce won 55.1 percent of the vote.", 1, bold=(9, 21))
    answers = {
        "Where was Mesa born?": replace(abstain(engine.articles), closest=engine.passage(6)),
        "What share did Arce get?": Answer(False, (quote,), (Citation(1, engine.passage(2)),)),
    }
    monkeypatch.setattr(engine, "ask", lambda question, previous=None: Reply(answers[question]))
    start_bot()

    abstention = ask_and_wait(api, text_message("Where was Mesa born?"))
    assert abstention["text"] == (
        "The article doesn't say. The closest the article comes is ¶6.\n"
        "I can answer questions about “Coup regime in Bolivia concedes electoral victory to MAS”."
    )
    [[button]] = abstention["reply_markup"]["inline_keyboard"]
    assert button["text"] == "¶6"
    api.push("callback_query", callback_query(abstention, button["callback_data"]))
    shown = api.wait_sent(PRIVATE, 2)[1].result["text"]
    assert shown == f"¶6\n{engine.passage(6).text}"

    ask_and_wait(api, text_message("What share did Arce get?"))
    sent = api.sent(PRIVATE)[-1]
    assert sent.params["text"].startswith("Arce won <b>55.1 percent</b> of the vote. [1]\n")
    assert sent.result["text"].startswith(text)


def test_a_long_question_is_answered_off_the_event_loop_while_other_chats_are_answered(
    api, start_bot, engine, monkeypatch
):
    start_bot()
    long_question = (
        "What share of the vote did Carlos Mesa get?" + " " * 300
    )  # longer than INLINE_QUESTION_CHARS
    asking, release = threading.Event(), threading.Event()
    ask = engine.ask

    def slow_ask(question, previous=None):
        if question == long_question:
            asking.set()
            release.wait(20)  # the engine at work on a big article
        return ask(question, previous)

    monkeypatch.setattr(engine, "ask", slow_ask)
    api.push("message", text_message(long_question))
    assert asking.wait(10)
    other = ask_and_wait(api, text_message("Who is Luis Arce?", user=BOB))  # meanwhile
    release.set()
    [answer] = api.wait_sent(PRIVATE, 1)
    assert "Arce" in other["text"] and "31.5" in answer.result["text"]
