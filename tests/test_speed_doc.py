"""docs/speed.md states the figures of the benchmark runs recorded in bench/results/ (answering,
the sentence model, load, language detection): a figure written on the page must be the
recorded one, rounded as written.

The runs are recorded by the commands the page gives (`--json > bench/results/...`); timing them
again here would measure this machine, not check the page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEED = ROOT / "docs" / "speed.md"
RESULTS = ROOT / "bench" / "results"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def same(written: str, recorded: float) -> bool:
    """Return whether a figure as written ("13.58", "13,983") is the recorded one rounded as written."""
    plain = written.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    return round(recorded, decimals) == float(plain)


def row_mismatches(page: str, start: str, recorded: list[float], labels: int = 2) -> list[str]:
    """Return what is wrong with the table row that starts with start: each cell's first number,
    after the row's label cells, against the recorded figures in order."""
    rows = [line for line in page.splitlines() if line.startswith(start)]
    if len(rows) != 1:
        return [f"{len(rows)} rows start with {start!r}"]
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")][labels:]
    wrong = []
    for cell, value in zip(cells, recorded, strict=True):
        found = NUMBER.search(cell)
        if found is None or not same(found.group(), value):
            wrong.append(f"{start!r}: {cell!r} is not {value}")
    return wrong


def phrase_mismatches(page: str, pattern: str, recorded: list[float]) -> list[str]:
    """Return what is wrong with the figures a phrase of the page gives (pattern's groups)."""
    found = re.search(pattern, " ".join(page.split()))
    if found is None:
        return [f"no phrase matches {pattern!r}"]
    return [
        f"{pattern!r}: {written} is not {value}"
        for written, value in zip(found.groups(), recorded, strict=True)
        if not same(written, value)
    ]


def answering_mismatches(page: str, answers: dict) -> list[str]:
    """Compare the page's answering table and cold start with bench_answers.py's --json."""
    corpus = {"article": "| bundled article |"}
    wrong = []
    for result in answers["results"]:
        name = corpus.get(result["corpus"], f"| {result['articles']:,} articles |")
        system = "article-bot" if result["system"] == "engine" else result["system"]
        figures = [result["passages"], result["build_seconds"], result["p50_ms"], result["p99_ms"]]
        wrong += row_mismatches(page, f"{name} {system} |", figures)
    cold = answers["cold_start"]
    wrong += phrase_mismatches(
        page,
        r"`article-bot ask` from a cold start takes ([\d.]+) s \(median of (\d+), at most ([\d.]+) s\)",
        [cold["median_seconds"], cold["runs"], cold["max_seconds"]],
    )
    return wrong


def encoder_mismatches(page: str, encoder: dict) -> list[str]:
    """Compare the page's figures of the sentence model alone with bench_encoder.py --latency --json."""
    return (
        phrase_mismatches(
            page,
            r"a question's vector in ([\d.]+) ms at the median and ([\d.]+) ms at p99 over (\d+) questions",
            [encoder["question_ms_p50"], encoder["question_ms_p99"], encoder["questions"]],
        )
        + phrase_mismatches(
            page,
            r"(\d+) sentences of a SQuAD article, a new article's indexing, in ([\d.]+) s",
            [encoder["sentences"], encoder["sentences_seconds"]],
        )
        + phrase_mismatches(page, r"the model's session loads in ([\d.]+) s", [encoder["load_seconds"]])
    )


def load_mismatches(page: str, runs: list[dict]) -> list[str]:
    """Compare the page's load table and its fair and slow figures with bench_load.py's --json."""
    wrong = []
    for run in runs:
        figures = [
            run[key] for key in ("updates", "answered_per_second", "p50_ms", "p99_ms", "lost", "duplicated")
        ]
        figures += [run["peak_rss_mb"], run["figures"]["rss_over_unlimited"]]
        wrong += row_mismatches(page, f"| {run['run']} |", figures, labels=1)
    by_name = {run["run"]: run for run in runs}
    fair, slow = by_name["fair"]["figures"], by_name["slow"]["figures"]
    wrong += phrase_mismatches(
        page,
        r"p99 was ([\d,]+) ms beside the flood against ([\d,]+) ms alone: ([\d.]+) times",
        [fair["others_p99_ms_with_flood"], fair["others_p99_ms_alone"], fair["p99_over_alone"]],
    )
    wrong += phrase_mismatches(page, r"The flooding group got (\d+) messages", [fair["flood_chat_messages"]])
    wrong += phrase_mismatches(
        page,
        r"`/healthz` p99 ([\d.]+) ms \(([\d.]+) ms without them\)",
        [slow["health_p99_ms"], slow["health_p99_ms_without_slow_clients"]],
    )
    wrong += phrase_mismatches(
        page,
        r"updates p99 (\d+) ms \((\d+) ms without them\)",
        [by_name["slow"]["p99_ms"], slow["updates_p99_ms_without_slow_clients"]],
    )
    return wrong


def recorded(name: str) -> dict:
    return json.loads((RESULTS / name).read_text(encoding="utf-8"))


def test_the_answering_figures_are_the_recorded_run():
    wrong = answering_mismatches(SPEED.read_text(encoding="utf-8"), recorded("answers.json"))

    assert not wrong, "update docs/speed.md from bench/results/answers.json: " + "; ".join(wrong)


def test_the_sentence_model_figures_are_the_recorded_run():
    wrong = encoder_mismatches(SPEED.read_text(encoding="utf-8"), recorded("encoder.json"))

    assert not wrong, "update docs/speed.md from bench/results/encoder.json: " + "; ".join(wrong)


def test_the_load_figures_are_the_recorded_run():
    lines = (RESULTS / "load.jsonl").read_text(encoding="utf-8").splitlines()
    runs = [json.loads(line) for line in lines if line.strip()]

    wrong = load_mismatches(SPEED.read_text(encoding="utf-8"), runs)

    assert not wrong, "update docs/speed.md from bench/results/load.jsonl: " + "; ".join(wrong)


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| ---")]


def test_the_language_detectors_table_is_the_recorded_run():
    rows = table_rows((RESULTS / "language.md").read_text(encoding="utf-8"))
    page = table_rows(SPEED.read_text(encoding="utf-8"))

    missing = [row for row in rows if row not in page]

    assert len(rows) == 6 and not missing, "update docs/speed.md from bench/results/language.md: " + str(
        missing
    )


def test_a_figure_the_page_gets_wrong_is_reported():
    page = "| bundled article | article-bot | 28 | 0.039 s | 13.58 ms | 19.85 ms |\n"

    assert row_mismatches(page, "| bundled article | article-bot |", [28, 0.0391, 13.581, 19.849]) == []
    assert row_mismatches(page, "| bundled article | article-bot |", [28, 0.0391, 14.2, 19.849]) != []
    assert row_mismatches(page, "| 1,000 articles | article-bot |", [1, 1, 1, 1]) != []
    assert phrase_mismatches("loads in 0.16 s", r"loads in ([\d.]+) s", [0.158]) == []
    assert phrase_mismatches("loads in 0.16 s", r"loads in ([\d.]+) s", [0.21]) != []
