"""Load benchmark: many chats asking at once, through the loopback Bot API, against `article-bot run`.

The bot runs as a real subprocess (`article-bot run`, long polling) with TELEGRAM_BASE_URL pointing
at the fake Bot API server of tests/bot_api_server.py, which runs here. Each of --chats group chats
asks --questions questions with /ask, one every --interval seconds, the chats' start times spread
evenly over one interval: 200 chats at 1 s is 200 updates a second offered. Group replies quote
the question, which pairs every reply with its update. Three runs:

  flood       the fake enforces Telegram's flood limits (429 + retry_after beyond ~30 messages/s
              overall or 1/s per chat) and the bot's own limiter is on: the ceiling is ~30/s;
  unlimited   limits lifted on both sides (FLOOD_LIMITS=off): the bot's own speed, at the offered
              rate; targets: >= 200 updates/s answered, p99 <= 250 ms, peak RSS <= 150 MB;
  burst       as unlimited, but every update pushed at once: the most the bot answers per second.

For each: updates answered per second (first update to last reply), p50/p99 from update to
reply, replies lost and duplicated (both must be 0), 429s received, the bot's peak RSS (VmHWM).

    python bench/bench_load.py [--chats 200] [--questions 5] [--interval 1.0] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bot_api_server import TOKEN, FakeBotApi, text_message  # noqa: E402

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
QUESTIONS = [
    "Who is Carlos Mesa?",
    "Who is Luis Arce?",
    "Who won the election?",
    "What did the exit polls show?",
    "What is the capital of France?",  # the article doesn't say: an abstention
]
RUNS = {  # name: (fake enforces flood limits, bot's FLOOD_LIMITS, push everything at once)
    "flood": (True, "on", False),
    "unlimited": (False, "off", False),
    "burst": (False, "off", True),
}


@dataclass
class Report:
    run: str
    updates: int
    answered_per_second: float
    p50_ms: float
    p99_ms: float
    lost: int
    duplicated: int
    flood_429s: int
    peak_rss_mb: float
    bot_cpu_ms_per_update: float  # start-up included: small runs overstate it


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one row per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="per chat")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a chat's questions")
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated: flood,unlimited,burst")
    parser.add_argument("--json", action="store_true", help="one JSON object per run")
    args = parser.parse_args(argv)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)  # the 429s are counted instead
    reports = [run_load(name, args.chats, args.questions, args.interval) for name in args.runs.split(",")]
    if args.json:
        for report in reports:
            print(json.dumps(asdict(report)))
    else:
        print_table(reports)
    return 0


def run_load(name: str, chats: int, questions: int, interval: float) -> Report:
    """Start the fake server and the bot, drive the load, stop the bot, measure."""
    server_limits, bot_limits, burst = RUNS[name]
    api = FakeBotApi(TOKEN, flood_limits=server_limits).start()
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(api, Path(folder), bot_limits)
        try:
            messages = drive(api, chats, questions, 0 if burst else interval)
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            peak_rss_mb = peak_rss(bot.pid)
            cpu_seconds = cpu_time(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(30)
            api.stop()
    return measure(name, api, messages, peak_rss_mb, cpu_seconds)


def start_bot(api: FakeBotApi, folder: Path, flood_limits: str) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "FLOOD_LIMITS": flood_limits,
        "RATE_LIMIT_PER_MINUTE": "0",  # the per-user question limit would only get in the way
        "LOG_LEVEL": "WARNING",
    }
    bot = subprocess.Popen([str(ARTICLE_BOT), "run"], cwd=folder, env=env)
    # deleteWebhook comes just before polling starts (a getUpdates is recorded only when it returns).
    api.wait_for(lambda: api.calls("deleteWebhook"), timeout=30, message="for the bot to start")
    return bot


def drive(api: FakeBotApi, chats: int, questions: int, interval: float) -> list[dict]:
    """Push every chat's questions on schedule; return the messages pushed."""
    schedule = sorted(
        (round_ * interval + chat * interval / chats, chat, round_)
        for chat in range(chats)
        for round_ in range(questions)
    )
    pushed = []
    started = time.monotonic()
    for at, chat, round_ in schedule:
        delay = started + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        group = {"id": -1009000000 - chat, "type": "supergroup", "title": f"Chat {chat}"}
        reader = {"id": 700000 + chat, "is_bot": False, "first_name": f"Reader {chat}"}
        question = QUESTIONS[(chat + round_) % len(QUESTIONS)]
        message = text_message(f"/ask {question}", group, user=reader)
        api.push("message", message)
        pushed.append(message)
    return pushed


def settle(api: FakeBotApi, expected: int, timeout: float) -> None:
    """Wait until every update was answered (or timeout), then a moment more for duplicates."""
    deadline = time.monotonic() + timeout
    while len(api.sent()) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)


def peak_rss(pid: int) -> float:
    """Return the process's peak resident set size in MB (VmHWM in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def cpu_time(pid: int) -> float:
    """Return the CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str, api: FakeBotApi, messages: list[dict], peak_rss_mb: float, cpu_seconds: float
) -> Report:
    replies = api.replies()
    latencies, last_reply = [], 0.0
    for message in messages:
        answers = replies.get(message["message_id"], [])
        if answers:
            latencies.append(answers[0].at - api.pushed_at[message["message_id"]])
            last_reply = max(last_reply, answers[0].at)
    first_push = min(api.pushed_at[m["message_id"]] for m in messages)
    latencies.sort()
    answered = len(latencies)
    refused = [c for c in api.calls("sendMessage") if not c.ok and "Too Many" in str(c.result)]
    return Report(
        run=name,
        updates=len(messages),
        answered_per_second=round(answered / max(last_reply - first_push, 1e-9), 1),
        p50_ms=round(percentile(latencies, 50) * 1000, 1),
        p99_ms=round(percentile(latencies, 99) * 1000, 1),
        lost=len(messages) - answered,
        duplicated=sum(
            len(replies.get(m["message_id"], [])) - 1 for m in messages if replies.get(m["message_id"])
        ),
        flood_429s=len(refused),
        peak_rss_mb=round(peak_rss_mb, 1),
        bot_cpu_ms_per_update=round(cpu_seconds * 1000 / max(answered, 1), 2),
    )


def percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def print_table(reports: list[Report]) -> None:
    header = (
        f"{'run':<10} {'updates':>7} {'answered/s':>10} {'p50 ms':>8} {'p99 ms':>9} "
        f"{'lost':>5} {'dup':>4} {'429s':>5} {'RSS MB':>7} {'CPU ms/upd':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in reports:
        print(
            f"{r.run:<10} {r.updates:>7} {r.answered_per_second:>10.1f} {r.p50_ms:>8.1f} "
            f"{r.p99_ms:>9.1f} {r.lost:>5} {r.duplicated:>4} {r.flood_429s:>5} {r.peak_rss_mb:>7.1f} "
            f"{r.bot_cpu_ms_per_update:>10.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
