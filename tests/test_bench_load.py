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
         "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]

    assert [r["run"] for r in reports] == ["flood", "unlimited", "burst"]
    for report in reports:
        assert report["updates"] == 3
        assert report["lost"] == 0 and report["duplicated"] == 0
        assert report["answered_per_second"] > 0 and report["p99_ms"] >= report["p50_ms"] > 0
        assert report["peak_rss_mb"] > 0
