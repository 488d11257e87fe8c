"""The README and docs/ stay true to the repository: links resolve, named paths exist, the README
stays short, its test command is the one CI runs, and the settings table covers bot/settings.py.

Each check is a function that returns what is wrong, tried on the real files and on a small
broken example, so that a check that could never fail would show.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from article_bot.index.vectors import cache_folder

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
CI_RUN = ROOT / ".ci" / "run"
SETTINGS_MODULE = ROOT / "bot" / "settings.py"
MAX_README_LINES = 200
DOC_PAGES = (
    "how-it-answers.md",
    "quality.md",
    "speed.md",
    "telegram.md",
    "deployment.md",
    "operations.md",
    "configuration.md",
    "experiments.md",
)

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
# [text](target): images too; the target stops at a space (a title) or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")
# A script run with python, or a path under one of the repository's folders of runnable things.
PYTHON_SCRIPT = re.compile(r"\bpython3?\s+(?:-\S+\s+)*([\w./-]+\.py)\b")
REPOSITORY_PATH = re.compile(r"(?<![\w./$-])((?:tools|bench|eval|deploy|tests)/[\w./*-]*[\w*])")
SETTING_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def documents() -> list[Path]:
    """Return the Markdown files a reader is sent to: the README, docs/ and the eval README."""
    return [README, *sorted(DOCS.glob("*.md")), ROOT / "eval" / "README.md"]


def anchor(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces as -."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Return the anchors of a Markdown file's headings (outside code blocks)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {anchor(match) for match in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def broken_links(path: Path) -> list[str]:
    """Return the relative links of a Markdown file whose file (or heading) does not exist."""
    broken = []
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not a file here
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{path.name}: {target} (no such file)")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{path.name}: {target} (no such heading)")
    return broken


def named_paths(text: str) -> Iterator[str]:
    """Yield the repository paths named in a Markdown text's code: blocks and inline spans."""
    blocks = FENCE.findall(text)
    spans = INLINE_CODE.findall(FENCE.sub("", text))
    for code in [*blocks, *spans]:
        yield from PYTHON_SCRIPT.findall(code)
        yield from REPOSITORY_PATH.findall(code)


def missing_paths(path: Path, root: Path = ROOT) -> list[str]:
    """Return the paths a document's code names that do not exist from the repository's root."""
    missing = set()
    for named in named_paths(path.read_text(encoding="utf-8")):
        found = list(root.glob(named)) if "*" in named else [root / named]
        if not any(candidate.exists() for candidate in found):
            missing.add(f"{path.name}: {named}")
    return sorted(missing)


def readme_test_command(readme: Path) -> str:
    """Return the one line of the first code block after "**Run the tests**" in the README."""
    text = readme.read_text(encoding="utf-8")
    heading = re.search(r"^\*\*Run the tests\*\*", text, re.MULTILINE)
    assert heading is not None, "no **Run the tests** line"
    block = FENCE.search(text, heading.end())
    assert block is not None, "no code block after **Run the tests**"
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, f"the test command is {len(lines)} lines, not one: {lines}"
    return lines[0]


def ci_test_command(readme: Path) -> str:
    """Return the command .ci/run would run, found in the README by .ci/run's own awk program."""
    script = CI_RUN.read_text(encoding="utf-8")
    found = re.search(r"^test_command=\$\((awk .*) README\.md\)$", script, re.MULTILINE)
    assert found is not None, ".ci/run no longer finds the command with awk"
    result = subprocess.run(
        ["bash", "-c", f'{found.group(1)} "$0"', str(readme)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def settings_names() -> set[str]:
    """Return every variable bot/settings.py reads: its names, and those the cache folder reads."""
    tree = ast.parse(SETTINGS_MODULE.read_text(encoding="utf-8"))
    names = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ENV_NAME.fullmatch(node.value)
    }
    # settings_from hands every value to index.vectors.cache_folder, which picks its own names.
    asked: set[str] = set()

    class Recording(dict[str, str]):
        def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
            asked.add(name)
            return default

    cache_folder(Recording())
    return names | asked


def table_problems(configuration: Path, names: set[str]) -> list[str]:
    """Return the settings the configuration table leaves out or lists twice."""
    text = configuration.read_text(encoding="utf-8")
    rows = SETTING_ROW.findall(text)
    table = "\n".join(line for line in text.splitlines() if line.startswith("|"))
    problems = []
    for name in sorted(set(rows)):
        if rows.count(name) > 1:
            problems.append(f"{name} is in the table {rows.count(name)} times")
        if name not in names:
            problems.append(f"{name} has a row but bot/settings.py does not read it")
    for name in sorted(names):
        if not re.search(rf"\b{name}\b", table):
            problems.append(f"{name} is not in the table")
    return problems


# The real files ------------------------------------------------------------------------------


def test_docs_has_one_page_per_concern():
    assert sorted(path.name for path in DOCS.glob("*.md")) == sorted(DOC_PAGES)


def test_readme_links_every_docs_page():
    text = README.read_text(encoding="utf-8")

    assert [page for page in DOC_PAGES if f"(docs/{page})" not in text] == []


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_path_named_in_code_exists(path):
    assert missing_paths(path) == []


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_reaches_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")

    assert re.findall(r"\.\./shared\S*|\bshared/eval\S*", text) == []


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")

    assert lines <= MAX_README_LINES


def test_readme_test_command_is_the_one_ci_runs():
    command = readme_test_command(README)

    assert ci_test_command(README) == command
    assert "pip install -e '.[test]'" in command
    assert command.endswith("python -m pytest -q")


def test_readme_names_the_licences():
    text = README.read_text(encoding="utf-8")

    assert "(LICENSE)" in text
    assert "(NOTICE.md)" in text


def test_configuration_table_lists_every_setting_once():
    names = settings_names()

    assert {"TELEGRAM_BOT_TOKEN", "ARTICLE_BOT_CACHE", "ALLOWED_CHAT_IDS"} <= names
    assert table_problems(CONFIGURATION, names) == []


# The checks themselves, on broken examples -----------------------------------------------------


def test_a_link_to_a_missing_file_or_heading_is_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Health checks\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[fine](other.md#health-checks) [gone](missing.md) [no heading](other.md#health) "
        "[web](https://example.org/x.md)\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )

    assert broken_links(page) == [
        "page.md: missing.md (no such file)",
        "page.md: other.md#health (no such heading)",
    ]


def test_a_path_named_in_code_that_does_not_exist_is_reported(tmp_path):
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "real.py").write_text("", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "Run `tools/real.py` or `tools/gone.py`.\n\n```sh\npython tools/real.py\n"
        "python ../shared/eval/score.py x -- y\nnice python -u bench/slow.py --json\n```\n",
        encoding="utf-8",
    )

    assert missing_paths(page, root=tmp_path) == [
        "page.md: ../shared/eval/score.py",
        "page.md: bench/slow.py",
        "page.md: tools/gone.py",
    ]


def test_a_test_command_ci_would_not_find_is_reported(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "**Run the tests**:\n\n```sh\npython3 -m venv .venv && .venv/bin/pip install -e '.[test]'\n"
        ".venv/bin/python -m pytest -q\n```\n",
        encoding="utf-8",
    )

    with pytest.raises(AssertionError, match="2 lines"):
        readme_test_command(readme)
    assert ci_test_command(readme) == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]'"


def test_a_setting_missing_from_the_table_or_listed_twice_is_reported(tmp_path):
    page = tmp_path / "configuration.md"
    page.write_text(
        "| Variable | Default |\n|---|---|\n| `LOG_LEVEL` | `INFO` |\n| `LOG_LEVEL` | again |\n"
        "| `STALE_NAME` | gone |\n| `ARTICLE_BOT_CACHE` | `$XDG_CACHE_HOME/article-bot` |\n",
        encoding="utf-8",
    )

    names = {"LOG_LEVEL", "ARTICLE_BOT_CACHE", "XDG_CACHE_HOME", "WEBHOOK_URL"}

    assert table_problems(page, names) == [
        "LOG_LEVEL is in the table 2 times",
        "STALE_NAME has a row but bot/settings.py does not read it",
        "WEBHOOK_URL is not in the table",
    ]
