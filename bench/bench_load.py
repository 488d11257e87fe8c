"""Load benchmark: many chats asking at once, through the loopback Bot API, against `article-bot run`.

The bot runs as a real subprocess (`article-bot run`, long polling) with TELEGRAM_BASE_URL pointing
at the fake Bot API server of tests/bot_api_server.py, which runs here. Group chats ask with /ask;
group replies quote the question, which pairs every reply with its update. The runs:

  flood       --chats chats ask --questions each, one every --interval seconds, start times spread
              over one interval (200 chats at 1 s: 200 updates a second offered); the fake enforces
              Telegram's flood limits (429 + retry_after) and so does the bot: the ceiling is ~30/s;
  unlimited   the same with the limits lifted on both sides (FLOOD_LIMITS=off): the bot's own speed;
  burst       as unlimited, but every update pushed at once: the most the bot answers per second;
  chats       --many-chats distinct chats (10,000) ask once each at the unlimited run's offered
              rate: p99 against twice unlimited's, peak RSS, the database's size after the run, and
              after the bot was restarted with CONVERSATION_TTL_HOURS past (pruned at start-up);
  kill        the same chats, SIGKILL when half the questions are in, restart at once: every
              conversation answered before the kill must be in the database, no update answered
              twice; updates the killed bot had begun but not answered are counted as lost;
  yardstick   --burst group questions from as many chats pushed at once, to our bot and to
              bench/bare_bot.py (the plainest PTB bot around the same Engine, same transport),
              --rounds times, alternating which goes first: answered per second, ours / bare
              (target >= 0.9);
  fair        flood limits on (the fake's and the bot's): --flood questions from one group pushed
              at once, then one question from each of --chats other groups; the other groups' p99
              against their p99 without the flood, on a fresh bot (target <= 2);
  slow        webhook mode, the bot's open files limited to 1,024 (a common default): --slow-clients
              connections held open, each having sent half its headers; meanwhile --chats updates
              posted (50 a second) and as many /healthz asked, each on a new connection: p99 of
              both (target < 1 s), against the same without the slow clients.
Every run's peak RSS is also shown against the unlimited run's (target <= 1.5), when both ran.

Per run: updates answered per second (first update to last reply), p50/p99 from update to reply,
replies lost and duplicated, 429s received, the bot's peak RSS (VmHWM), its CPU per update.

    python bench/bench_load.py [--chats 200] [--questions 5] [--interval 1.0] [--many-chats 10000]
                               [--burst 4000] [--rounds 4] [--flood 300] [--slow-clients 1000]
                               [--json] [--runs flood,unlimited,burst,chats,kill,yardstick,fair,slow]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import logging
import math
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bot_api_server import TOKEN, FakeBotApi, text_message  # noqa: E402

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
BARE_BOT = Path(__file__).resolve().with_name("bare_bot.py")
STATE_FILE = "state.sqlite3"
QUESTIONS = [
    "Who is Carlos Mesa?",
    "Who is Luis Arce?",
    "Who won the election?",
    "What did the exit polls show?",
    "What is the capital of France?",  # the article doesn't say: an abstention
]
PAIRED_RUNS = {  # name: (fake enforces flood limits, bot's FLOOD_LIMITS, push everything at once)
    "flood": (True, "on", False),
    "unlimited": (False, "off", False),
    "burst": (False, "off", True),
}
ALL_RUNS = [*PAIRED_RUNS, "chats", "kill", "yardstick", "fair", "slow"]
WEBHOOK_SECRET = "bench-secret"
SLOW_RUN_OPEN_FILES = 1024
UPDATES_PER_SECOND = 50  # of the slow run: a busy bot's webhook traffic


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
    figures: dict[str, Any] = field(default_factory=dict)  # what only this run measures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one row per run, then each run's own figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="per chat")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a chat's questions")
    parser.add_argument("--many-chats", type=int, default=10_000, help="chats of the chats and kill runs")
    parser.add_argument("--burst", type=int, default=4000, help="questions of the yardstick run")
    parser.add_argument("--rounds", type=int, default=4, help="yardstick rounds (ours and the bare bot)")
    parser.add_argument("--ttl-seconds", type=float, default=3.0, help="CONVERSATION_TTL_HOURS, in seconds")
    parser.add_argument("--flood", type=int, default=300, help="questions from one chat in the fair run")
    parser.add_argument("--slow-clients", type=int, default=1000, help="connections held in the slow run")
    parser.add_argument("--runs", default=",".join(ALL_RUNS), help=f"comma-separated: {','.join(ALL_RUNS)}")
    parser.add_argument("--json", action="store_true", help="one JSON object per run")
    args = parser.parse_args(argv)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)  # the 429s are counted instead
    rate = args.chats / args.interval  # updates offered a second in the paired runs
    reports = []
    for name in args.runs.split(","):
        if name in PAIRED_RUNS:
            reports.append(run_paired(name, args.chats, args.questions, args.interval))
        elif name == "chats":
            unlimited = next((r for r in reports if r.run == "unlimited"), None)
            reports.append(run_many_chats(args.many_chats, rate, args.ttl_seconds, unlimited))
        elif name == "kill":
            reports.append(run_kill(args.many_chats, rate))
        elif name == "yardstick":
            reports.append(run_yardstick(args.burst, args.rounds))
        elif name == "fair":
            reports.append(run_fair(args.flood, args.chats))
        elif name == "slow":
            reports.append(run_slow_clients(args.slow_clients, args.chats))
        else:
            parser.error(f"unknown run {name!r}")
    unlimited = next((r for r in reports if r.run == "unlimited"), None)
    if unlimited is not None:
        for report in reports:
            report.figures["rss_over_unlimited"] = round(report.peak_rss_mb / unlimited.peak_rss_mb, 2)
    if args.json:
        for report in reports:
            print(json.dumps(asdict(report)))
    else:
        print_table(reports)
    return 0


# The runs.


def run_paired(name: str, chats: int, questions: int, interval: float) -> Report:
    """Start the fake server and the bot, drive the load, stop the bot, measure."""
    server_limits, bot_limits, burst = PAIRED_RUNS[name]
    api = FakeBotApi(TOKEN, flood_limits=server_limits).start()
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(api, Path(folder), FLOOD_LIMITS=bot_limits)
        try:
            messages = drive(api, schedule(chats, questions, 0 if burst else interval))
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            stop(bot)
            api.stop()
    return measure(name, api, messages, peak_rss_mb, cpu_seconds)


def run_many_chats(chats: int, rate: float, ttl_seconds: float, unlimited: Report | None) -> Report:
    """One question from each of many chats at rate a second; then the database before and after
    the TTL has passed."""
    api = FakeBotApi(TOKEN).start()
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(api, Path(folder))
        try:
            messages = drive(api, schedule(chats, 1, chats / rate))
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            stop(bot)
        state = Path(folder) / STATE_FILE
        figures: dict[str, Any] = {
            "conversations_stored": count_rows(state, "chats"),
            "db_kb_after_run": round(database_bytes(state) / 1024, 1),
        }
        time.sleep(ttl_seconds + 0.5)  # every conversation is now idle for longer than the TTL
        bot = start_bot(api, Path(folder), CONVERSATION_TTL_HOURS=str(ttl_seconds / 3600))
        try:
            figures["db_kb_after_ttl"] = round(database_bytes(state) / 1024, 1)
            figures["conversations_after_ttl"] = count_rows(state, "chats")
        finally:
            stop(bot)
            api.stop()
    report = measure("chats", api, messages, peak_rss_mb, cpu_seconds)
    if unlimited is not None:
        figures["p99_over_unlimited_p99"] = round(report.p99_ms / unlimited.p99_ms, 2)
    report.figures = figures
    return report


def run_kill(chats: int, rate: float) -> Report:
    """Ask from many chats, SIGKILL the bot halfway, restart it, and check the database."""
    api = FakeBotApi(TOKEN).start()
    plan = schedule(chats, 1, chats / rate)
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / STATE_FILE
        bot = start_bot(api, Path(folder))
        try:
            messages = drive(api, plan[: len(plan) // 2])
            bot.send_signal(signal.SIGKILL)
            bot.wait(30)
            killed_at = time.monotonic()
            answered_before = {c.params["chat_id"] for c in api.sent() if c.at < killed_at}
            bot = start_bot(api, Path(folder))
            messages += drive(api, plan[len(plan) // 2 :])
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            stop(bot)
            api.stop()
        stored = chats_with_conversations(state)
    report = measure("kill", api, messages, peak_rss_mb, cpu_seconds)
    report.figures = {
        "answered_before_kill": len(answered_before),
        "their_conversations_kept": len(answered_before & stored),
        "lost_at_kill": report.lost,  # begun by the killed bot, not answered: never twice instead
    }
    return report


def run_yardstick(questions: int, rounds: int = 4) -> Report:
    """A burst of group questions to our bot and to the bare bot, rounds times, which goes first
    alternating from one round to the next (other work on the machine comes and goes, and the
    second of two back-to-back runs may meet a warmer or a busier machine); ours / bare answered
    per second, over all rounds."""
    runs: dict[str, list[Report]] = {"ours": [], "bare": []}
    for number in range(rounds):
        for name in ("ours", "bare") if number % 2 == 0 else ("bare", "ours"):
            command = None if name == "ours" else [sys.executable, str(BARE_BOT)]
            runs[name].append(burst_once(name, questions, command))
    ours, bare = runs["ours"], runs["bare"]
    report = ours[-1]
    report.run = "yardstick"
    report.figures = {
        "ours_answered_per_second": [r.answered_per_second for r in ours],
        "bare_answered_per_second": [r.answered_per_second for r in bare],
        "ours_cpu_ms_per_update": [r.bot_cpu_ms_per_update for r in ours],
        "bare_cpu_ms_per_update": [r.bot_cpu_ms_per_update for r in bare],
        "bare_lost": sum(r.lost for r in bare),
        "ours_over_bare": round(_total_rate(ours) / _total_rate(bare), 2),
    }
    return report


def burst_once(name: str, questions: int, command: list[str] | None) -> Report:
    """Push questions from as many group chats at once to a fresh bot; measure it."""
    api = FakeBotApi(TOKEN).start()
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(api, Path(folder), command=command)
        try:
            messages = drive(api, schedule(questions, 1, 0))
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            stop(bot)
            api.stop()
    return measure(name, api, messages, peak_rss_mb, cpu_seconds)


def run_fair(flood: int, chats: int) -> Report:
    """One group pushes flood questions at once, then chats other groups ask one each, flood
    limits on; the same chats alone on a fresh bot; the other groups' p99 with and without."""
    alone = _fair_once(0, chats)
    report = _fair_once(flood, chats)
    report.figures = {
        "others_p99_ms_alone": alone.p99_ms,
        "others_p99_ms_with_flood": report.p99_ms,
        "p99_over_alone": round(report.p99_ms / alone.p99_ms, 2),
        **report.figures,
    }
    return report


def _fair_once(flood: int, chats: int) -> Report:
    api = FakeBotApi(TOKEN, flood_limits=True).start()
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(api, Path(folder), FLOOD_LIMITS="on")
        try:
            flooding = {"id": -1008000000, "type": "supergroup", "title": "Flooding"}
            reader = {"id": 690000, "is_bot": False, "first_name": "Flooder"}
            for number in range(flood):
                api.push("message", text_message(f"/ask {QUESTIONS[number % 4]}", flooding, user=reader))
            messages = drive(api, schedule(chats, 1, 0))
            settle_replies(api, messages, timeout=60 + len(messages) / 20)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            stop(bot)
            api.stop()
    report = measure("fair", api, messages, peak_rss_mb, cpu_seconds)
    if flood:
        flood_replies = api.sent(flooding["id"])
        report.figures = {"flood_questions": flood, "flood_chat_messages": len(flood_replies)}
    return report


def run_slow_clients(clients: int, updates: int) -> Report:
    """Webhook mode with SLOW_RUN_OPEN_FILES open files: hold clients slow connections open, then
    post updates (UPDATES_PER_SECOND) and ask /healthz, each on a new connection; p99 of both,
    against the same without the slow clients."""
    alone = _slow_once(0, updates)
    report = _slow_once(clients, updates)
    report.figures = {
        **report.figures,
        "updates_p99_ms_without_slow_clients": alone.p99_ms,
        "health_p99_ms_without_slow_clients": alone.figures["health_p99_ms"],
    }
    return report


def _slow_once(clients: int, updates: int) -> Report:
    api = FakeBotApi(TOKEN).start()
    port = _free_port()
    slow: list[socket.socket] = []
    with tempfile.TemporaryDirectory() as folder:
        bot = start_bot(
            api,
            Path(folder),
            preexec_fn=_limit_open_files,
            ready="setWebhook",
            WEBHOOK_URL="https://bot.example.test/hook",
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_PORT=str(port),
        )
        try:
            baseline_rss = peak_rss(bot.pid)
            for _ in range(clients):
                slow.append(_slow_client(port))
            health = [_timed_health(port) for _ in range(updates)]
            messages, posted_at = _post_updates(api, port, updates)
            settle(api, len(messages), timeout=60 + len(messages) / 20)
            still_open = sum(_still_open(client) for client in slow)
            peak_rss_mb, cpu_seconds = peak_rss(bot.pid), cpu_time(bot.pid)
        finally:
            for client in slow:
                client.close()
            stop(bot)
            api.stop()
    api.pushed_at.update(posted_at)
    report = measure("slow", api, messages, peak_rss_mb, cpu_seconds)
    health_seconds = sorted(seconds for seconds, _ in health)
    report.figures = {
        "slow_clients": clients,
        "slow_clients_still_open": still_open,
        "health_ok": sum(1 for _, ok in health if ok),
        "health_p50_ms": round(percentile(health_seconds, 50) * 1000, 1),
        "health_p99_ms": round(percentile(health_seconds, 99) * 1000, 1),
        "rss_mb_before_clients": round(baseline_rss, 1),
    }
    return report


def _limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SLOW_RUN_OPEN_FILES, SLOW_RUN_OPEN_FILES))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _slow_client(port: int) -> socket.socket:
    """A connection that sends half its headers, then nothing."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(b"POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Le")
    return client


def _still_open(client: socket.socket) -> bool:
    """Say whether the server still holds the connection."""
    client.setblocking(False)
    try:
        while client.recv(65536):  # the server's answer, if any: read past it
            pass
        return False  # the end: the server closed it
    except BlockingIOError:  # nothing more to read, and no end: still open
        return True
    except OSError:  # reset
        return False


def _timed_health(port: int) -> tuple[float, bool]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        ok = False
    finally:
        connection.close()
    return time.monotonic() - started, ok


def _post_updates(api: FakeBotApi, port: int, count: int) -> tuple[list[dict], dict[int, float]]:
    """Post count questions from as many groups to the webhook, UPDATES_PER_SECOND, on up to 8
    connections at once; return them and when each was posted."""
    plan = []
    for chat in range(count):
        group = {"id": -1009500000 - chat, "type": "supergroup", "title": f"Chat {chat}"}
        reader = {"id": 710000 + chat, "is_bot": False, "first_name": f"Reader {chat}"}
        plan.append(api.update("message", text_message(f"/ask {QUESTIONS[chat % 4]}", group, user=reader)))
    posted_at: dict[int, float] = {}

    def post(update: dict) -> None:
        posted_at[update["message"]["message_id"]] = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            connection.request("POST", "/hook", json.dumps(update), headers)
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass  # not answered: counted as lost
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        for number, update in enumerate(plan):
            delay = started + number / UPDATES_PER_SECOND - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, update)
    return [update["message"] for update in plan], posted_at


def _total_rate(reports: list[Report]) -> float:
    """Return the updates answered per second over several runs together."""
    seconds = sum(r.updates / r.answered_per_second for r in reports)
    return sum(r.updates for r in reports) / seconds


# Driving a bot.


def start_bot(
    api: FakeBotApi,
    folder: Path,
    command: list[str] | None = None,
    preexec_fn: Any = None,
    ready: str = "deleteWebhook",
    **settings: str,
) -> subprocess.Popen[bytes]:
    """Start `article-bot run` (or command) in folder against api; return once it polls (or,
    with ready="setWebhook", once its webhook is registered)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "ARTICLE_BOT_CACHE": os.environ.get("ARTICLE_BOT_CACHE", str(Path.home() / ".cache" / "article-bot")),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "ARTICLE_BOT_STATE": str(folder / STATE_FILE),
        "FLOOD_LIMITS": "off",
        "RATE_LIMIT_PER_MINUTE": "0",  # the per-sender question limit would only get in the way
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    before = len(api.calls(ready))
    bot = subprocess.Popen(command or [str(ARTICLE_BOT), "run"], cwd=folder, env=env, preexec_fn=preexec_fn)
    # deleteWebhook comes just before polling starts (a getUpdates is recorded only when it returns).
    api.wait_for(lambda: len(api.calls(ready)) > before, timeout=60, message="for the bot to start")
    return bot


def stop(bot: subprocess.Popen[bytes]) -> None:
    """Stop the bot as systemd would: SIGTERM, then SIGKILL after 30 s."""
    if bot.poll() is None:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(30)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()


def schedule(chats: int, questions: int, interval: float) -> list[tuple[float, int, int]]:
    """Return (seconds from the start, chat, round) for every question, chats spread over interval."""
    return sorted(
        (round_ * interval + chat * interval / chats, chat, round_)
        for chat in range(chats)
        for round_ in range(questions)
    )


def drive(api: FakeBotApi, plan: list[tuple[float, int, int]]) -> list[dict]:
    """Push each question of plan on time; return the messages pushed."""
    pushed = []
    started = time.monotonic() - (plan[0][0] if plan else 0)
    for at, chat, round_ in plan:
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


def settle(api: FakeBotApi, expected: int, timeout: float, quiet: float = 15.0) -> None:
    """Wait until every update was answered, or nothing was sent for quiet seconds (the kill run
    loses some), or timeout; then a moment more for duplicates."""
    deadline = time.monotonic() + timeout
    sent, last_change = len(api.sent()), time.monotonic()
    while sent < expected and time.monotonic() < min(deadline, last_change + quiet):
        time.sleep(0.1)
        if len(api.sent()) != sent:
            sent, last_change = len(api.sent()), time.monotonic()
    time.sleep(1.0)


def settle_replies(api: FakeBotApi, messages: list[dict], timeout: float, quiet: float = 15.0) -> None:
    """As settle, counting only the replies to messages (other chats' messages do not count)."""
    deadline = time.monotonic() + timeout

    def answered() -> int:
        replies = api.replies()
        return sum(1 for m in messages if replies.get(m["message_id"]))

    count, last_change = answered(), time.monotonic()
    while count < len(messages) and time.monotonic() < min(deadline, last_change + quiet):
        time.sleep(0.1)
        if answered() != count:
            count, last_change = answered(), time.monotonic()
    time.sleep(1.0)


# Measuring.


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


def database_bytes(path: Path) -> int:
    """Return the size of the SQLite database at path with its WAL."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists())


def count_rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def chats_with_conversations(path: Path) -> set[int]:
    """Return the chats whose stored conversation has at least one turn."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT chat_id, state FROM chats").fetchall()
    return {chat_id for chat_id, state in rows if json.loads(state).get("turns")}


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
    for r in reports:
        if r.figures:
            print(f"{r.run}: " + ", ".join(f"{name} {value}" for name, value in r.figures.items()))


if __name__ == "__main__":
    sys.exit(main())
