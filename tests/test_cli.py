"""Console transcripts through the real `article-bot` entry point, run as a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
TITLE = "Coup regime in Bolivia concedes electoral victory to MAS"
KEYS = {"reply", "answer", "abstained", "citations"}
CITATION_KEYS = {"ref", "article", "passage", "text"}

pytestmark = pytest.mark.skipif(not ARTICLE_BOT.exists(), reason=f"{ARTICLE_BOT} is not installed")


def article_bot(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARTICLE_BOT_CONTENT"}
    return subprocess.run(
        [str(ARTICLE_BOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture(scope="module")
def transcript() -> list[dict]:
    lines = [
        "Who was the MAS presidential candidate?",
        "/help",
        "/about",
        "/source 3",
        "",
        "What is the capital of France?",
        "/source 999",
        "/reset",
        "/nonsense",
    ]
    result = article_bot("console", "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == len(lines)
    return objects


def test_every_line_gets_one_json_object_with_the_documented_keys(transcript):
    for reply in transcript:
        assert set(reply) == KEYS
        assert isinstance(reply["reply"], str) and reply["reply"]
        for citation in reply["citations"]:
            assert set(citation) == CITATION_KEYS


def test_an_answer_quotes_the_article_and_cites_its_passage(transcript):
    answer = transcript[0]

    assert answer["abstained"] is False
    assert "Luis Arce" in answer["answer"]
    assert re.search(r"\[\d\]$", answer["answer"])
    citations = answer["citations"]
    assert [citation["ref"] for citation in citations] == list(range(1, len(citations) + 1))
    assert all(citation["article"] == TITLE for citation in citations)
    assert "¶2" in [citation["passage"] for citation in citations]  # the sentence naming Arce's
    # Quoted verbatim: each sentence, without its marker, is a sentence of the passage it cites.
    quoted = re.findall(r"(.+?) \[(\d)\](?: |$)", answer["answer"])
    assert [int(ref) for _, ref in quoted] == [citation["ref"] for citation in citations]
    for sentence, ref in quoted:
        assert sentence in citations[int(ref) - 1]["text"]
    assert "Sources:" in answer["reply"] and "¶2:" in answer["reply"]


def test_help_about_and_source(transcript):
    help_reply, about, source = (transcript[i]["reply"] for i in (1, 2, 3))

    assert "/source N" in help_reply and "/reset" in help_reply
    assert TITLE in about and "Andrea Lobo" in about and "19 October 2020" in about
    assert source.startswith("¶3\nMesa has already conceded defeat")
    for notice in transcript[1:4]:
        assert notice["answer"] == "" and notice["citations"] == [] and notice["abstained"] is False


def test_empty_line_gets_a_prompt_not_an_answer(transcript):
    assert transcript[4]["reply"] == "Ask a question about the article, or /help."
    assert transcript[4]["citations"] == []


def test_unanswerable_question_abstains(transcript):
    reply = transcript[5]

    assert reply["abstained"] is True
    assert reply["answer"] == ""
    assert reply["reply"].startswith("The article doesn't say.")
    assert reply["citations"] == []


def test_bad_source_number_and_unknown_command_explain_themselves(transcript):
    assert "no passage 999" in transcript[6]["reply"]
    assert transcript[7]["reply"] == "Starting a new conversation."
    assert transcript[8]["reply"] == "I don't know /nonsense. Try /help, or just ask a question."


def test_reset_forgets_the_conversation():
    question = "Who is Camacho?"
    follow_up = "What share of the vote did he get?"

    kept = article_bot("console", "--json", stdin=f"{question}\n{follow_up}\n")
    reset = article_bot("console", "--json", stdin=f"{question}\n/reset\n{follow_up}\n")
    fresh = article_bot("console", "--json", stdin=f"{follow_up}\n")

    with_context = json.loads(kept.stdout.splitlines()[1])
    after_reset = json.loads(reset.stdout.splitlines()[2])
    assert "14 percent" in with_context["answer"] and not with_context["abstained"]
    assert after_reset == json.loads(fresh.stdout)
    assert after_reset != with_context


def test_ask_prints_the_plain_reply(tmp_path):
    result = article_bot("ask", "What percentage of the vote did Camacho get?", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "14 percent of the vote. [1]" in result.stdout
    assert "Sources:\n[1] ¶2:" in result.stdout


def test_ask_json():
    result = article_bot("ask", "--json", "Who was the MAS presidential candidate?")

    reply = json.loads(result.stdout)
    assert set(reply) == KEYS
    assert "Luis Arce" in reply["answer"]


def test_plain_console_from_a_pipe_separates_replies_and_stops_at_quit():
    result = article_bot("console", stdin="/about\nWhat is the capital of France?\n/quit\n/help\n")

    assert result.returncode == 0
    replies = result.stdout.rstrip("\n").split("\n\n")
    assert replies[0].startswith(f"“{TITLE}”")
    assert replies[1].startswith("The article doesn't say.")
    assert len(replies) == 2  # nothing after /quit
    assert not result.stdout.lstrip().startswith("{")


def test_content_option_serves_another_article(tmp_path):
    article = tmp_path / "lithium.md"
    article.write_text(
        "# Lithium in Bolivia\n\nBolivia holds large lithium reserves in the Uyuni salt flat.\n",
        encoding="utf-8",
    )

    result = article_bot("ask", "--json", "--content", str(article), "Where are the lithium reserves?")

    reply = json.loads(result.stdout)
    assert "Uyuni salt flat" in reply["answer"]
    assert reply["citations"][0]["article"] == "Lithium in Bolivia"


def _bad_content(tmp_path: Path, case: str) -> Path:
    if case == "missing":
        return tmp_path / "missing.md"
    if case == "empty folder":
        (tmp_path / "folder").mkdir()
        return tmp_path / "folder"
    path = tmp_path / "article.md"
    if case == "empty":
        path.write_text("\n \n", encoding="utf-8")
    elif case == "not utf-8":
        path.write_bytes("# Título\n\nAñez ganó.\n".encode("cp1252"))
    elif case == "no paragraphs":
        path.write_text("# A title and nothing else\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["missing", "empty", "not utf-8", "no paragraphs", "empty folder"])
@pytest.mark.parametrize("command", [["ask", "Who won?"], ["console", "--json"]])
def test_bad_content_is_one_line_on_stderr_naming_the_file(tmp_path, case, command):
    path = _bad_content(tmp_path, case)

    result = article_bot(*command, "--content", str(path), stdin="Who won?\n")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("article-bot: ")
    assert str(path) in line


def test_a_byte_that_is_not_utf8_on_a_piped_console_is_read_as_a_replacement_character():
    env = {k: v for k, v in os.environ.items() if k != "ARTICLE_BOT_CONTENT"}
    result = subprocess.run(
        [str(ARTICLE_BOT), "console", "--json"],
        input=b"Who is Carlos \xff Mesa?\n\xfe\xff\n/about\n",
        capture_output=True,
        env=env,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    replies = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(replies) == 3
    assert TITLE in replies[2]["reply"]


def test_max_article_bytes_and_the_cache_folder_come_from_the_environment(tmp_path):
    article = tmp_path / "lithium.md"
    article.write_text("# Lithium\n\nBolivia holds large lithium reserves in the Uyuni salt flat.\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ARTICLE_BOT_CONTENT"}
    command = [str(ARTICLE_BOT), "ask", "--content", str(article), "Where is the lithium?"]

    bad = subprocess.run(command, env={**env, "MAX_ARTICLE_BYTES": "lots"}, capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == "article-bot: MAX_ARTICLE_BYTES must be a whole number, not 'lots'\n"

    cache = tmp_path / "cache"
    good = subprocess.run(
        command, env={**env, "ARTICLE_BOT_CACHE": str(cache)}, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert "Uyuni" in good.stdout
    assert len(list(cache.glob("*.npy"))) == 1  # the new article's vectors were cached there
