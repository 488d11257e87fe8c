"""Settings: environment over .env, validation into one-line ConfigErrors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from article_bot.bot.settings import load_settings, read_env_file, settings_from
from article_bot.index.errors import ConfigError

TOKEN = "4839574812:AAFD39kkdpWt3ywyRZergyOLMaJhac60qcA"


def test_defaults_with_only_a_token():
    settings = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.webhook_mode is False and settings.base_url is None
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)  # behind a proxy
    assert settings.rate_limit_per_minute == 20 and settings.log_level == "INFO"
    assert settings.state_path == Path("article-bot-state.sqlite3")
    assert settings.admin_user_ids == frozenset() == settings.allowed_chat_ids
    assert settings.flood_limits is True and settings.request_timeout == 10


def test_every_setting_is_read():
    settings = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "ARTICLE_BOT_CONTENT": "articles/",
            "WEBHOOK_URL": "https://bot.example.org/hook/path",
            "WEBHOOK_SECRET": "abc_DEF-123",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "8080",
            "RATE_LIMIT_PER_MINUTE": "5",
            "ARTICLE_BOT_STATE": "/var/lib/bot/state.sqlite3",
            "LOG_LEVEL": "debug",
            "ADMIN_USER_IDS": "12, 34",
            "ALLOWED_CHAT_IDS": "-1001234567890,56,",
            "FLOOD_LIMITS": "off",
            "TELEGRAM_TIMEOUT": "3",
        }
    )
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.content == "articles/"
    assert settings.webhook_mode and settings.webhook_path == "hook/path"
    assert settings.webhook_secret == "abc_DEF-123"
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8080)
    assert settings.rate_limit_per_minute == 5 and settings.log_level == "DEBUG"
    assert settings.state_path == Path("/var/lib/bot/state.sqlite3")
    assert settings.admin_user_ids == {12, 34}
    assert settings.allowed_chat_ids == {-1001234567890, 56}
    assert settings.flood_limits is False and settings.request_timeout == 3


def test_content_option_wins_over_the_environment():
    settings = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "ARTICLE_BOT_CONTENT": "a.md"}, "b.md")
    assert settings.content == "b.md"


def test_the_token_is_not_in_repr():
    assert TOKEN not in repr(settings_from({"TELEGRAM_BOT_TOKEN": TOKEN}))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "abc"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": "123456:has spaces in it and is long enough!!"}, "does not look"),
        ({"WEBHOOK_PORT": "https"}, "WEBHOOK_PORT must be a whole number, not 'https'"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be between 1 and 65535"),
        ({"RATE_LIMIT_PER_MINUTE": "-1"}, "RATE_LIMIT_PER_MINUTE must be between 0"),
        ({"ADMIN_USER_IDS": "12,bob"}, "ADMIN_USER_IDS must be comma-separated Telegram ids"),
        ({"ALLOWED_CHAT_IDS": "1.5"}, "ALLOWED_CHAT_IDS must be comma-separated"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is required"),
        ({"WEBHOOK_URL": "http://bot.example.org/", "WEBHOOK_SECRET": "s"}, "must be an https://"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET must be 1-256 characters"),
        ({"TELEGRAM_BASE_URL": "127.0.0.1:8081"}, "TELEGRAM_BASE_URL must be an http(s) URL"),
        ({"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/"}, "TELEGRAM_BASE_URL must end with /bot"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"FLOOD_LIMITS": "maybe"}, "FLOOD_LIMITS must be on or off, not 'maybe'"),
        ({"TELEGRAM_TIMEOUT": "0"}, "TELEGRAM_TIMEOUT must be between 1 and 300"),
    ],
)
def test_bad_values_give_one_line_config_errors(values, expected):
    environment = {"TELEGRAM_BOT_TOKEN": TOKEN, **values} if values else {}
    with pytest.raises(ConfigError) as raised:
        settings_from(environment)
    message = str(raised.value)
    assert expected in message and "\n" not in message
    assert raised.value.exit_code == 2


def test_token_errors_say_how_to_get_one():
    with pytest.raises(ConfigError, match="BotFather.*article-bot console"):
        settings_from({})


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\n"
        f"export TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "\n"
        "LOG_LEVEL='WARNING'\n"
        'WEBHOOK_LISTEN="127.0.0.1"\n'
        "RATE_LIMIT_PER_MINUTE=7  # a comment after the value\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={"LOG_LEVEL": "ERROR", "WEBHOOK_LISTEN": ""}, env_file=env_file)
    assert settings.token == TOKEN
    assert settings.log_level == "ERROR"  # the real environment wins
    assert settings.webhook_listen == "127.0.0.1"  # an empty variable does not hide .env
    assert settings.rate_limit_per_minute == 7


def test_a_missing_env_file_is_fine_and_a_broken_line_is_named(tmp_path):
    assert read_env_file(tmp_path / "absent") == {}
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=INFO\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env line 2: expected NAME=value"):
        read_env_file(env_file)


def test_the_new_settings_have_defaults_and_are_read():
    defaults = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert defaults.conversation_ttl_hours == 168
    assert defaults.max_article_bytes == 5 * 1024 * 1024
    assert defaults.cache_folder.name == "article-bot"
    settings = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "CONVERSATION_TTL_HOURS": "0.5",
            "MAX_ARTICLE_BYTES": "1000",
            "ARTICLE_BOT_CACHE": "/srv/cache",
        }
    )
    assert settings.conversation_ttl_hours == 0.5 and settings.max_article_bytes == 1000
    assert settings.cache_folder == Path("/srv/cache")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"CONVERSATION_TTL_HOURS": "0"}, "CONVERSATION_TTL_HOURS must be more than 0"),
        ({"CONVERSATION_TTL_HOURS": "a week"}, "CONVERSATION_TTL_HOURS must be a number of hours"),
        ({"MAX_ARTICLE_BYTES": "5MB"}, "MAX_ARTICLE_BYTES must be a whole number, not '5MB'"),
        ({"MAX_ARTICLE_BYTES": "0"}, "MAX_ARTICLE_BYTES must be between 1"),
    ],
)
def test_bad_new_settings_are_config_errors(values, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, **values})


def test_the_cache_folder_in_env_file_counts(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nARTICLE_BOT_CACHE={tmp_path}/vectors\n", "utf-8")
    assert load_settings(environ={}, env_file=env_file).cache_folder == tmp_path / "vectors"
    from_environment = load_settings(environ={"ARTICLE_BOT_CACHE": "/elsewhere"}, env_file=env_file)
    assert from_environment.cache_folder == Path("/elsewhere")


# .env parsing: the cases python-dotenv's documentation lists.


def parse(tmp_path: Path, text: str) -> dict[str, str]:
    env_file = tmp_path / ".env"
    env_file.write_text(text, encoding="utf-8")
    return read_env_file(env_file)


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('A="abc" # note', "abc"),  # a comment after a quoted value, quotes removed
        ("A='abc' # note", "abc"),
        ("A=abc # note", "abc"),
        ("A=abc#not-a-comment", "abc#not-a-comment"),  # '#' starts a comment only after a space
        ("export A=abc", "abc"),
        ("A = abc", "abc"),
        ('A="a \\"quoted\\" word"', 'a "quoted" word'),  # escapes in double quotes
        ("A='single \\' quote'", "single ' quote"),
        ('A="line one\\nline two"', "line one\nline two"),  # \n in double quotes is a newline
        ("A='line one\\nline two'", "line one\\nline two"),  # ...and literal in single quotes
        ("A=", ""),
        ('A=""', ""),
        ("A=${OTHER}-x", "other-x"),  # expanded from the file (and the environment)
    ],
)
def test_env_file_values_as_python_dotenv_documents_them(tmp_path, line, value):
    assert parse(tmp_path, f"OTHER=other\n{line}\n")["A"] == value


def test_env_file_multi_line_values_comments_and_blank_lines(tmp_path):
    values = parse(tmp_path, '# a comment\n\nKEY="first\nsecond"\n  # indented comment\nNEXT=2\n')
    assert values == {"KEY": "first\nsecond", "NEXT": "2"}


def test_a_name_without_a_value_is_ignored(tmp_path):
    assert parse(tmp_path, "LONELY\nA=1\n") == {"A": "1"}
