"""`article-bot eval` scores a question file the way the shared scorer does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_questions_in_other_words_get_a_right_answer_or_an_honest_no(engine):
    """eval/phrasings.jsonl: what the bot misses there it must miss by abstaining, never by
    quoting a sentence that does not answer."""
    rows = read_questions(PHRASINGS)

    for row in rows:
        answer = engine.ask(row["question"])
        if row["kind"] == "unanswerable" or answer.abstained:
            assert answer.abstained and answer.citations == (), row["question"]
        else:
            assert correct(row, answer), row["question"]
    assert sum(row["kind"] == "answerable" for row in rows) == 40


def test_metrics_count_right_answers_abstentions_and_citations():
    engine = Engine.from_path(default_content_path(environ={}))

    metrics, misses = evaluate(engine, ROWS)

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
