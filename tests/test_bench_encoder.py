"""Smoke test of the encoder benchmark on a tiny corpus: every corpus and batch size reported;
and of its latency mode on a few questions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_encoder.py"


def test_every_corpus_and_batch_size_gets_a_rate():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--articles", "2", "--batches", "1", "4", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    rows = [(row["corpus"], row["batch"]) for row in report["results"]]
    assert rows == [("article", 1), ("article", 4), ("2 articles", 1), ("2 articles", 4)]
    assert report["results"][0]["sentences"] == 44  # the bundled article's
    assert all(row["sentences_per_second"] > 0 for row in report["results"])


def test_the_latency_mode_reports_its_latency_batch_time_and_load():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--latency", "--questions", "12", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["questions"] == 12 and report["sentences"] == 150
    assert 0 < report["question_ms_p50"] <= report["question_ms_p99"]
    assert report["sentences_seconds"] > 0 and report["load_seconds"] > 0
