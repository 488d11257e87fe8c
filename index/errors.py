"""The one error type that front ends turn into a one-line message."""

from __future__ import annotations


class ArticleBotError(Exception):
    """An expected failure (bad content, bad configuration, bad input) with a message for the user."""

    exit_code = 1


class ContentError(ArticleBotError):
    """Content that cannot be loaded: the message names the file and what is wrong."""


class ConfigError(ArticleBotError):
    """Bad or missing configuration (token, settings): exit code 2."""

    exit_code = 2
