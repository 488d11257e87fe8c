"""`article-bot eval` scores a question file the way the shared scorer does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from article_bot.bot.texts import answer_text
from article_bot.index.content import default_content_path
from article_bot.index.engine import Engine
from article_bot.index.errors import ArticleBotError
from article_bot.index.evaluate import correct, evaluate, read_questions

ARTICLE_BOT = str(Path(sys.executable).with_name("article-bot"))
PHRASINGS = Path(__file__).resolve().parents[1] / "eval" / "phrasings.jsonl"
ROWS = [
    {
        "id": "a",
        "kind": "answerable",
        "question": "Who was the MAS presidential candidate?",
        "answers": ["Luis Arce"],
        "evidence": "MAS presidential candidate",
    },
    {
        "id": "b",
        "kind": "answerable",
        "question": "Who won the 1930 World Cup?",
        "answers": ["Uruguay"],
        "evidence": None,
    },
    {"id": "c", "kind": "unanswerable", "question": "What is the speed of light?"},
    {
        "id": "d",
        "kind": "followup",
        "context": ["Who is Carlos Mesa?"],
        "question": "What share of the vote did he get?",
        "answers": ["31.5"],
        "evidence": "31.5 percent",
    },
]


# Known wrong answers of eval/phrasings.jsonl (docs/quality.md, "Known misses"): the opening
# sentence, that MAS's victory was recognised (0.576), not the one naming Arce.
KNOWN_WRONG = ["Who won the Bolivian presidential vote?"]


def test_questions_in_other_words_get_a_right_answer_or_an_honest_no(engine):
    """eval/phrasings.jsonl: what the bot misses there it must miss by abstaining, never by
    quoting a sentence that does not answer (but for the known ones, listed so that a new wrong
    answer fails and so does a fixed one)."""
    rows = read_questions(PHRASINGS)
    wrong = []

    for row in rows:
        answer = engine.ask(row["question"]).answer
        if row["kind"] == "unanswerable" or answer.abstained:
            assert answer.abstained and answer.citations == (), row["question"]
        elif not correct(row, answer, answer_text):
            wrong.append(row["question"])
    assert wrong == KNOWN_WRONG
    assert sum(row["kind"] == "answerable" for row in rows) == 40


def test_metrics_count_right_answers_abstentions_and_citations():
    engine = Engine.from_path(default_content_path(environ={}))

    metrics, misses = evaluate(engine, ROWS, answer_text)

    assert metrics["answerable"] == 50.0  # the World Cup is not in the article
    assert metrics["followup"] == 100.0
    assert metrics["unanswerable_abstained"] == 100.0
    assert metrics["citation_ok"] == 100.0
    assert [miss[0] for miss in misses] == ["b"]


def test_the_eval_command_prints_the_metrics(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n")

    result = subprocess.run(
        [ARTICLE_BOT, "eval", str(questions), "--show"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("MISS | b | Who won the 1930 World Cup?")
    assert json.loads(lines[1])["questions"] == 4
    assert (
        lines[2] == "answerable 50.0% followup 100.0% abstain 100.0% cited 100.0% len " + lines[2].split()[-1]
    )


def test_a_bad_question_file_names_the_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"kind": "answerable", "question": "x"}\nnot json\n')

    with pytest.raises(ArticleBotError, match=r"q.jsonl:2: not a JSON object"):
        read_questions(questions)

    result = subprocess.run([ARTICLE_BOT, "eval", str(questions)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("q.jsonl:2: not a JSON object")
    assert "Traceback" not in result.stderr


# docs/quality.md's figures are measured, not copied: each row below is checked against what the
# bot does now (the bundled article's question sets) or what its trainer wrote (held out).

QUALITY = Path(__file__).resolve().parents[1] / "docs" / "quality.md"
EVAL = Path(__file__).resolve().parents[1] / "eval"


def table_row(text: str, start: str) -> list[str]:
    """Return the cells of the first table row of text that starts with start ([] if none)."""
    line = next((line for line in text.splitlines() if line.startswith(start)), "")
    return [cell.strip() for cell in line.strip().strip("|").split("|")] if line else []


def numbers(cells: list[str]) -> list[float]:
    """Return the numbers of the cells in order ("**77.7%** (97.3% to 100%)" is 77.7, 97.3, 100)."""
    return [float(found) for cell in cells for found in re.findall(r"\d+(?:\.\d+)?", cell)]


def figure_mismatches(text: str, start: str, expected: list[float]) -> list[str]:
    """Return what is wrong with the row of text that starts with start, against expected."""
    cells = table_row(text, start)
    if not cells:
        return [f"no row starts with {start!r}"]
    found = numbers(cells[1:])
    if found[: len(expected)] != expected:
        return [f"{start!r}: the page says {found}, measured {expected}"]
    return []


def bundled_rows() -> dict[str, list[float]]:
    """Return the figures of the bundled article's question sets, as quality.md's table orders them."""
    engine = Engine.from_path(default_content_path(environ={}))
    dev, _ = evaluate(engine, read_questions(EVAL / "dev.jsonl"), answer_text)
    phrasings, _ = evaluate(engine, read_questions(EVAL / "phrasings.jsonl"), answer_text)
    order = ("answerable", "followup", "unanswerable_abstained", "citation_ok", "mean_answer_chars")
    return {
        "| `dev.jsonl` (": [float(dev[key]) for key in order],
        "| `phrasings.jsonl` (": [float(phrasings[key]) for key in order if key != "followup"],
    }


def held_out_rows() -> dict[str, list[float]]:
    """Return the held-out figures the ranker's trainer wrote, as quality.md's table orders them."""
    from article_bot.index import manifest

    notes = json.loads(manifest.bundled().checked("ranker.json").read_text(encoding="utf-8"))["notes"]
    held = notes["cross_validated"]
    return {
        "| SQuAD 2.0, each article held out": [
            held["answerable"],
            held["unanswerable_abstained"],
            held["mean_answer_chars"],
        ],
        "| Off-topic, bundled article": [notes["bundled_offtopic_abstained"]],
        "| Off-topic, SQuAD articles, each held out": [
            held["offtopic_abstained_all"],
            held["offtopic_abstained_min"],
        ],
        "| Unstated relations, bundled article": [notes["bundled_unstated_abstained"]],
        "| Unstated relations, SQuAD articles, each held out": [
            held["unstated_abstained_all"],
            held["unstated_abstained_min"],
        ],
    }


def test_quality_figures_of_the_bundled_article_are_the_bots_now():
    text = QUALITY.read_text(encoding="utf-8")

    wrong = [m for start, row in bundled_rows().items() for m in figure_mismatches(text, start, row)]

    assert not wrong, "update docs/quality.md (python tools/figures.py): " + "; ".join(wrong)


def test_quality_held_out_figures_are_the_trainers():
    text = QUALITY.read_text(encoding="utf-8")

    wrong = [m for start, row in held_out_rows().items() for m in figure_mismatches(text, start, row)]

    assert not wrong, "update docs/quality.md from index/data/ranker.json's notes: " + "; ".join(wrong)


def test_a_figure_the_page_gets_wrong_is_reported():
    page = "| `dev.jsonl` (40 questions) | 96.0% | 80.0% | 100.0% | 100.0% | 211 chars |\n"

    assert figure_mismatches(page, "| `dev.jsonl` (", [96.0, 80.0, 100.0, 100.0, 211.0]) == []
    assert figure_mismatches(page, "| `dev.jsonl` (", [92.0, 80.0, 100.0, 100.0, 211.0]) != []
    assert figure_mismatches(page, "| `phrasings.jsonl` (", [72.5]) == [
        "no row starts with '| `phrasings.jsonl` ('"
    ]
