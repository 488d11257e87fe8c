"""Smoke test of the benchmark on a tiny corpus: it runs and reports every row (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_answers.py"
TINY = ["--articles", "5", "--questions", "5", "--repeat", "1", "--cold-runs", "1"]


def run_bench(*extra: str) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCH), *TINY, *extra], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_table_has_a_row_per_corpus_and_system_and_the_cold_start():
    lines = run_bench().splitlines()

    rows = [line.split()[:3] for line in lines[2:6]]
    assert lines[0].split()[:3] == ["corpus", "system", "passages"]
    assert rows == [
        ["article", "engine", "28"],
        ["article", "rank-bm25", "recipe"],
        ["5", "articles", "engine"],
        ["5", "articles", "rank-bm25"],
    ]
    assert "p99 <= 40 ms" in lines[2] and "p50 <= 50 ms" in lines[4]
    assert any(line.startswith("cold start `article-bot ask`: median") for line in lines)


def test_json_has_the_same_figures():
    report = json.loads(run_bench("--json"))

    results = report["results"]
    assert [(r["corpus"], r["system"]) for r in results] == [
        ("article", "engine"),
        ("article", "rank-bm25 recipe"),
        ("5 articles", "engine"),
        ("5 articles", "rank-bm25 recipe"),
    ]
    for result in results:
        assert result["questions"] == 5
        assert 0 < result["p50_ms"] <= result["p99_ms"]
        assert result["build_seconds"] > 0
    assert results[0]["articles"] == 1 and results[2]["articles"] == 5
    assert report["cold_start"]["runs"] == 1 and report["cold_start"]["median_seconds"] > 0
