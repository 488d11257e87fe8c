"""Smoke test of the load benchmark: a tiny load, every run reported, nothing lost or doubled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_load.py"
ARTICLE_BOT = Path(sys.executable).with_name("article-bot")


@pytest.mark.skipif(not ARTICLE_BOT.exists(), reason="article-bot is not installed")
def test_every_run_is_reported_with_no_reply_lost_or_duplicated():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--chats", "3", "--questions", "1", "--interval", "0.1",
         "--many-chats", "30", "--burst", "10", "--rounds", "2", "--ttl-seconds", "0.5",
         "--flood", "30", "--slow-clients", "50", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reports = {r["run"]: r for r in map(json.loads, result.stdout.splitlines())}

    assert list(reports) == ["flood", "unlimited", "burst", "chats", "kill", "yardstick", "fair", "slow"]
    for name, report in reports.items():
        assert report["updates"] == {"chats": 30, "kill": 30, "yardstick": 10}.get(name, 3)
        assert report["duplicated"] == 0
        assert report["answered_per_second"] > 0 and report["p99_ms"] >= report["p50_ms"] > 0
        assert report["peak_rss_mb"] > 0
        if name != "kill":  # the killed bot may take updates it never answers
            assert report["lost"] == 0
    chats = reports["chats"]["figures"]
    assert chats["conversations_stored"] == 30 and chats["conversations_after_ttl"] == 0
    assert chats["db_kb_after_ttl"] <= chats["db_kb_after_run"]
    kill = reports["kill"]["figures"]
    assert kill["their_conversations_kept"] == kill["answered_before_kill"] > 0
    yardstick = reports["yardstick"]["figures"]
    assert yardstick["bare_lost"] == 0 and yardstick["ours_over_bare"] > 0
    assert len(yardstick["bare_answered_per_second"]) == 2
    fair = reports["fair"]["figures"]
    assert fair["p99_over_alone"] > 0 and 0 < fair["flood_chat_messages"] < 30  # the surplus dropped
    slow = reports["slow"]["figures"]
    assert slow["health_ok"] == 3 and slow["health_p99_ms"] > 0
    assert all(report["figures"]["rss_over_unlimited"] > 0 for report in reports.values())
