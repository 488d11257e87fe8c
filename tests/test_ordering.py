"""No chat holds up another (issue 22), through the real Application and the loopback Bot API: a
chat that floods the bot, a busy group, commands and inline queries all count against a limit,
and a quiet chat is answered meanwhile."""

from __future__ import annotations

from typing import Any

from bot_api_server import ALICE, BOB, inline_query, text_message

from article_bot.bot.application import DROPPED
from article_bot.bot.ordering import CHAT_QUEUE_LIMIT
from article_bot.bot.texts import say

QUIET = {"id": 5005, "is_bot": False, "first_name": "Quiet"}
BUSY_GROUP = {"id": -1005550001, "type": "supergroup", "title": "Busy"}


def texts(api, chat_id: int) -> list[str]:
    return [c.result["text"] for c in api.sent(chat_id)]


def ask_quietly_during(api, flood: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Push the flood, then one question from a quiet chat; return how many messages the flooding
    chat had received when the quiet chat was answered, and the quiet chat's messages."""
    flooding = flood[0]["chat"]["id"]
    for message in flood:
        api.push("message", message)
    api.push("message", text_message("What share of the vote did Carlos Mesa get?", user=QUIET))
    quiet = api.wait_sent(QUIET["id"], 1, timeout=30)
    answered_by_then = len([c for c in api.sent(flooding) if c.at <= quiet[0].at])
    return answered_by_then, [c.result["text"] for c in quiet]


def test_a_chat_flooding_the_bot_does_not_hold_up_a_quiet_one(api, start_bot):
    # No per-sender limit: everything the flooding chat sends would be answered, one message a
    # second (Telegram's limit per chat), if it were all kept.
    start_bot(RATE_LIMIT_PER_MINUTE="0", ADMIN_USER_IDS=str(QUIET["id"]))
    flood = [text_message("Who is Luis Arce?" if n % 2 else "/help", user=ALICE) for n in range(300)]
    answered_by_then, quiet = ask_quietly_during(api, flood)
    assert "31.5" in quiet[0]
    assert answered_by_then < 5  # the burst Telegram allows a chat, not the flood's 300 seconds

    api.wait_for(lambda: DROPPED in texts(api, ALICE["id"]), timeout=30)
    stats = ask_stats(api)
    dropped = int(stats.split("Dropped: ")[1].split()[0])
    assert 300 - CHAT_QUEUE_LIMIT - 5 <= dropped < 300
    api.wait_sent(ALICE["id"], 300 - dropped + 1, timeout=60)  # what was kept is answered
    assert texts(api, ALICE["id"]).count(DROPPED) == 1


def test_a_busy_group_does_not_hold_up_a_quiet_chat(api, start_bot):
    # Six members, 18 questions each: every one within the default limit of 20 a minute, 108 in
    # all where the group may be sent 20 messages a minute.
    start_bot()
    members = [{"id": 6000 + n, "is_bot": False, "first_name": f"Member {n}"} for n in range(6)]
    flood = [text_message("/ask Who won the election?", BUSY_GROUP, user=members[n % 6]) for n in range(108)]
    answered_by_then, quiet = ask_quietly_during(api, flood)
    assert "31.5" in quiet[0]
    assert answered_by_then < 20
    api.wait_for(lambda: DROPPED in texts(api, BUSY_GROUP["id"]), timeout=30)
    assert texts(api, BUSY_GROUP["id"]).count(DROPPED) == 1


def test_inline_queries_count_against_the_rate_limit(api, start_bot):
    start_bot(RATE_LIMIT_PER_MINUTE="3")
    for _ in range(CHAT_QUEUE_LIMIT):  # as many as one user may have waiting: none dropped
        api.push("inline_query", inline_query("What share of the vote did Carlos Mesa get?", user=BOB))
    answers = api.wait_for(
        lambda: len(api.calls("answerInlineQuery")) >= CHAT_QUEUE_LIMIT and api.calls("answerInlineQuery")
    )
    with_results = [a for a in answers if a.params.get("results")]
    refused = [a for a in answers if not a.params.get("results")]
    assert len(with_results) == 3 and len(refused) == CHAT_QUEUE_LIMIT - 3
    assert all(a.params["button"]["text"] == say("slow_down_short") for a in refused)


def ask_stats(api) -> str:
    before = len(api.sent(QUIET["id"]))
    api.push("message", text_message("/stats", user=QUIET))
    return str(api.wait_sent(QUIET["id"], before + 1, timeout=30)[before].result["text"])
