#!/usr/bin/env bash
# Repeat the Dockerfile's build stage in a fresh virtualenv, then answer a question from another
# working directory: proves the package installs with runtime dependencies only and finds its
# bundled article without the repository. Docker itself is not needed.
#   deploy/check-install.sh [PYTHON]      (default python3; run from anywhere)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dockerfile="$repo/deploy/Dockerfile"
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/src"
venv="$work/opt/article-bot"

# The build stage: from its FROM line to the next FROM.
build_stage=$(awk '/^FROM /{n++} n==1' "$dockerfile")

# Its COPY lines, against the repository as build context (globs may match nothing).
mkdir -p "$src"
shopt -s nullglob
while read -r _ line; do
    read -r -a words <<<"$line"
    dest=${words[-1]}
    unset 'words[-1]'
    target="$src/${dest#./}"
    mkdir -p "$target"
    for pattern in "${words[@]}"; do
        for path in "$repo"/$pattern; do
            if [ -d "$path" ]; then  # like COPY: a folder's contents, not the folder
                cp -R "$path"/. "$target"/
            else
                cp "$path" "$target"/
            fi
        done
    done
done < <(grep '^COPY ' <<<"$build_stage")
shopt -u nullglob
find "$src" -name __pycache__ -prune -exec rm -rf {} +

# Its RUN lines, with the image's paths moved into the temporary folder.
echo "== virtualenv and pip install ($("$python" --version))"
while read -r _ command; do
    command=${command//\/opt\/article-bot/$venv}
    command=${command//\/src/$src}
    command=${command//python -m venv/$python -m venv}
    echo "+ $command"
    eval "$command"
done < <(grep '^RUN ' <<<"$build_stage")

echo "== runtime dependencies only"
for extra in pytest hypothesis ruff mypy; do
    if "$venv/bin/python" -m pip show -q "$extra" >/dev/null 2>&1; then
        echo "FAIL: $extra is installed" >&2
        exit 1
    fi
done
echo "ok: no test or dev tools installed"

echo "== article-bot ask \"Who won?\" from an empty folder, bundled article"
elsewhere="$work/elsewhere"
mkdir -p "$elsewhere"
cd "$elsewhere"
started=$EPOCHREALTIME
reply=$(env -u ARTICLE_BOT_CONTENT "$venv/bin/article-bot" ask "Who won?")
finished=$EPOCHREALTIME
echo "$reply"
grep -q "Bolivia" <<<"$reply" || { echo "FAIL: the reply does not come from the article" >&2; exit 1; }
awk -v a="$started" -v b="$finished" 'BEGIN { printf "ok: answered in %.2f s (first run, cold)\n", b - a }'

echo "== the same with ARTICLE_BOT_CONTENT pointing at the copied content (as /content in Docker)"
ARTICLE_BOT_CONTENT="$src/content" "$venv/bin/article-bot" ask --json "Who was the MAS presidential candidate?" \
    | grep -q "Luis Arce" || { echo "FAIL: no answer from ARTICLE_BOT_CONTENT" >&2; exit 1; }
echo "ok"
echo "check-install: PASS"
