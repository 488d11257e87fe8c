"""Deployment files: the systemd unit verifies and is sandboxed, the Dockerfile and compose file
run the bot as a non-root user with a health check, and .env.example lists every setting.

The slow test (RUN_SLOW=1) installs the package as the Dockerfile does, in a fresh virtualenv.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "article-bot.service"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_MODULE = ROOT / "bot" / "settings.py"
ARTICLE_BOT = Path(sys.executable).with_name("article-bot")

SETTINGS = {
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "ARTICLE_BOT_CONTENT",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "RATE_LIMIT_PER_MINUTE",
    "ARTICLE_BOT_STATE",
    "ARTICLE_BOT_CACHE",
    "CONVERSATION_TTL_HOURS",
    "MAX_ARTICLE_BYTES",
    "LOG_LEVEL",
    "ADMIN_USER_IDS",
    "ALLOWED_CHAT_IDS",
    "TELEGRAM_TIMEOUT",
    "FLOOD_LIMITS",
}


def unit_directives(text: str) -> dict[str, list[str]]:
    """Return "Section.Key" → values, in order (a key may repeat)."""
    directives: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        directives.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return directives


def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """Return the stages, each a list of (INSTRUCTION, arguments) with continuations joined."""
    joined = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), " ".join(arguments.split())))
    return stages


# systemd unit -------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path):
    # verify insists that ExecStart's program exists: point it at this venv's article-bot,
    # keeping every other line of the unit as shipped.
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/article-bot/bin/article-bot run" in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace("/opt/article-bot/bin/article-bot", str(ARTICLE_BOT)), encoding="utf-8")

    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )

    complaints = [line for line in result.stderr.splitlines() if UNIT.name in line]
    assert result.returncode == 0, result.stderr
    assert complaints == []


def test_unit_is_sandboxed_and_restarts_on_failure():
    directives = unit_directives(UNIT.read_text(encoding="utf-8"))
    service = {key.removeprefix("Service."): values for key, values in directives.items()}

    assert service.get("DynamicUser") == ["yes"] or service.get("User", ["root"])[0] not in (
        "root",
        "0",
    )
    assert service["ProtectSystem"] == ["strict"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["PrivateTmp"] == ["yes"]
    assert service["Restart"] == ["on-failure"]
    assert service["EnvironmentFile"] and not service["EnvironmentFile"][0].startswith("-")
    assert directives["Install.WantedBy"] == ["multi-user.target"]


def test_unit_persists_state_in_its_state_directory():
    service = unit_directives(UNIT.read_text(encoding="utf-8"))

    assert service["Service.StateDirectory"] == ["article-bot"]
    assert service["Service.WorkingDirectory"] == ["/var/lib/article-bot"]
    environment = " ".join(service["Service.Environment"]).split()
    assert "ARTICLE_BOT_STATE=/var/lib/article-bot/state.sqlite3" in environment


def test_unit_caches_sentence_vectors_in_its_cache_directory():
    service = unit_directives(UNIT.read_text(encoding="utf-8"))

    assert service["Service.CacheDirectory"] == ["article-bot"]
    environment = " ".join(service["Service.Environment"]).split()
    assert "ARTICLE_BOT_CACHE=/var/cache/article-bot" in environment


# Docker -------------------------------------------------------------------------------------


def test_dockerfile_runs_a_slim_image_as_a_non_root_user():
    stages = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
    final = stages[-1]

    bases = {stage[0][1].split()[0] for stage in stages}
    # One base for all stages: the copied virtualenv links to the base image's python.
    (base,) = bases
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users, "the final stage sets no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert final[-1] == ("CMD", '["article-bot", "run"]')


def test_dockerfile_health_check_uses_article_bot_check():
    final = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]

    (health,) = [arguments for instruction, arguments in final if instruction == "HEALTHCHECK"]
    assert health.endswith('CMD ["article-bot", "check"]')
    assert "--interval=" in health


def test_dockerfile_installs_the_locked_versions_then_the_package_alone():
    stages = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
    build = stages[0]
    installs = [a for i, a in build if i == "RUN" and "pip install" in a]

    assert installs == [
        "/opt/article-bot/bin/pip install --no-cache-dir --require-hashes -r /src/requirements.lock",
        "/opt/article-bot/bin/pip install --no-cache-dir --no-deps /src",
    ]
    copies = [a for i, a in build if i == "COPY"]
    assert copies[0] == "requirements.lock ./", "the lock is installed before the sources are copied"
    # Building the wheel fails without the licence files pyproject.toml names.
    sources = {source for arguments in copies for source in arguments.split()[:-1]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence_files = project["license-files"]
    assert {pattern.split("/")[0] for pattern in licence_files} <= sources
    final = stages[-1]
    assert not any(i == "RUN" and "pip" in a for i, a in final), "pip runs in the runtime image"
    assert ("COPY", "--from=build /opt/article-bot /opt/article-bot") in final


def test_content_is_baked_in_and_overridable_by_a_mounted_folder():
    final = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
    environment = " ".join(a for i, a in final if i == "ENV").split()

    assert ("COPY", "content /content") in final
    assert "ARTICLE_BOT_CONTENT=/content" in environment
    assert "ARTICLE_BOT_STATE=/var/lib/article-bot/state.sqlite3" in environment
    assert ("VOLUME", '["/var/lib/article-bot"]') in final
    for instruction, arguments in dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[0]:
        if instruction == "COPY":
            for source in arguments.split()[:-1]:
                assert list(ROOT.glob(source)) or source == "README.m[d]", f"{source} not in the repository"


def test_compose_reads_the_token_from_an_env_file_and_restarts():
    text = COMPOSE.read_text(encoding="utf-8")

    assert re.search(r"^    restart: (unless-stopped|always|on-failure)$", text, re.MULTILINE)
    assert re.search(r"^    env_file:\n      - \.\./\.env$", text, re.MULTILINE)
    assert re.search(r"^      dockerfile: deploy/Dockerfile$", text, re.MULTILINE)
    assert "TELEGRAM_BOT_TOKEN" not in text, "the token belongs in the env file, not compose"
    assert "- article-bot-state:/var/lib/article-bot" in text


def test_deploy_files_point_to_env_example():
    for path in (DOCKERFILE, COMPOSE, UNIT):
        assert ".env.example" in path.read_text(encoding="utf-8"), path


# .env.example -------------------------------------------------------------------------------


def env_example_names() -> list[str]:
    """Return the setting names in .env.example, set or commented out."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return pattern.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))


def test_env_example_lists_every_setting_once():
    names = env_example_names()

    assert sorted(names) == sorted(SETTINGS)


def test_env_example_sets_only_the_token_and_explains_every_setting():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    setting = re.compile(r"^#?\s*[A-Z][A-Z0-9_]*=")

    assert [line for line in lines if re.match(r"[A-Z]", line)] == ["TELEGRAM_BOT_TOKEN="]
    for number, line in enumerate(lines):
        if setting.match(line):
            above = number - 1
            while setting.match(lines[above]):  # a group of settings shares its comment
                above -= 1
            assert re.match(r"# \S+ \S+", lines[above]), f"no comment explains {line}"


@pytest.mark.skipif(not SETTINGS_MODULE.exists(), reason="bot/settings.py is not written yet")
def test_env_example_lists_every_name_bot_settings_reads():
    tree = ast.parse(SETTINGS_MODULE.read_text(encoding="utf-8"))
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    env_names = {name for name in literals if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+", name)}

    assert env_names, "bot/settings.py names no environment variables"
    assert env_names <= set(env_example_names())


# The Dockerfile's install steps, for real ---------------------------------------------------


def check_install_question() -> tuple[str, str]:
    """Return the question check-install.sh asks of the installed bot and what its answer holds."""
    text = (DEPLOY / "check-install.sh").read_text(encoding="utf-8")
    values = dict(re.findall(r'^(question|expected)="([^"$`\\]+)"$', text, re.MULTILINE))
    assert set(values) == {"question", "expected"}, "check-install.sh sets question= and expected="
    return values["question"], values["expected"]


@pytest.mark.parametrize("content", ["bundled", "ARTICLE_BOT_CONTENT"])
def test_check_install_question_is_answered_by_the_installed_bot(content, tmp_path):
    # The question path of check-install.sh, without its fresh install: this virtualenv's
    # article-bot, from an empty folder, on the bundled article or on the repository's content.
    question, expected = check_install_question()
    environment = {k: v for k, v in os.environ.items() if k != "ARTICLE_BOT_CONTENT"}
    if content == "ARTICLE_BOT_CONTENT":
        environment["ARTICLE_BOT_CONTENT"] = str(ROOT / "content")

    result = subprocess.run(
        [str(ARTICLE_BOT), "ask", question],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert "[1]" in result.stdout and "doesn't say" not in result.stdout


@pytest.mark.skipif(os.environ.get("RUN_SLOW") != "1", reason="slow (package index, 86 s here): RUN_SLOW=1")
def test_check_install_script_installs_and_answers():
    result = subprocess.run(
        ["bash", str(DEPLOY / "check-install.sh"), sys.executable],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "check-install: PASS" in result.stdout
    assert check_install_question()[1] in result.stdout
