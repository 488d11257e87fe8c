#!/usr/bin/env bash
# Lint, format check and type check, as a change should pass them:
#   tools/check.sh            (needs the dev extra: .venv/bin/pip install -e '.[dev]')
# mypy is given the installed package names (article_bot.index, article_bot.bot) through a
# temporary folder of links: the editable install maps them with an import hook mypy cannot read.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin=.venv/bin
[ -x "$bin/ruff" ] || bin=$(dirname "$(command -v ruff)")
"$bin/ruff" check .
"$bin/ruff" format --check .
links=$(mktemp -d)
trap 'rm -rf "$links"' EXIT
mkdir "$links/article_bot"
ln -s "$repo/index" "$links/article_bot/index"
ln -s "$repo/bot" "$links/article_bot/bot"
(cd "$links" && MYPYPATH="$links" "$repo/$bin/mypy" --config-file "$repo/pyproject.toml" \
    -p article_bot.index -p article_bot.bot)
