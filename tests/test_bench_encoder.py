"""Smoke test of the encoder benchmark on a tiny corpus: every corpus and batch size reported."""

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
