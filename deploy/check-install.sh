#!/usr/bin/env bash
# Repeat the Dockerfile's build stage in a fresh virtualenv, from an empty working directory,
# then answer a question from there: proves the package installs from requirements.lock with
# runtime dependencies only, under its own import names (article_bot.*, never a top-level "bot"
# or "index"), and finds its bundled article without the repository. Docker is not needed.
#   deploy/check-install.sh [PYTHON]      (default python3; run from anywhere)
set -euo pipefail

# The question asked of the bundled article, and what its answer must hold: one sentence of the
# article holds all its words ("Luis Arce, the MAS presidential candidate"), so it is answered
# for a reason, not by luck. tests/test_deploy.py asks it of the installed bot too.
question="Who was the MAS presidential candidate?"
expected="Luis Arce"

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

# Its RUN lines, with the image's paths moved into the temporary folder, run from an empty
# folder: the install must not depend on the working directory.
elsewhere="$work/elsewhere"
mkdir -p "$elsewhere"
cd "$elsewhere"
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
"$venv/bin/python" -m pip check
# Every installed distribution (but the venv's own pip and setuptools) at a version of the lock.
"$venv/bin/python" - "$src/requirements.lock" <<'PYTHON'
import importlib.metadata, re, sys

def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()

lock = open(sys.argv[1], encoding="utf-8").read()
pins = {(normalise(n), v) for n, v in re.findall(r"(?m)^([A-Za-z0-9][\w.-]*)==([^\s;\\]+)", lock)}
installed = {(normalise(d.metadata["Name"]), d.version) for d in importlib.metadata.distributions()}
installed = {(n, v) for n, v in installed if n not in ("pip", "setuptools", "article-bot")}
stray = sorted(f"{n}=={v}" for n, v in installed - pins)
if stray:
    sys.exit("FAIL: installed but not in requirements.lock: " + ", ".join(stray))
print(f"ok: all {len(installed)} dependencies installed are the lock's versions")
PYTHON

echo "== import names: article_bot.index and article_bot.bot only"
for name in bot index; do
    if "$venv/bin/python" -c "import $name" 2>/dev/null; then
        echo "FAIL: 'import $name' works: the package claims a generic top-level name" >&2
        exit 1
    fi
done
"$venv/bin/python" -c "import article_bot.index.engine, article_bot.bot.cli"
ls "$venv"/lib/python*/site-packages/article_bot-*.dist-info/licenses/{LICENSE,NOTICE.md} >/dev/null
echo "ok: import bot and import index fail, article_bot.* imports; LICENSE and NOTICE.md installed"

echo "== article-bot ask \"$question\" from an empty folder, bundled article"
started=$EPOCHREALTIME
reply=$(env -u ARTICLE_BOT_CONTENT "$venv/bin/article-bot" ask "$question")
finished=$EPOCHREALTIME
echo "$reply"
grep -qF "$expected" <<<"$reply" || { echo "FAIL: the reply does not name $expected" >&2; exit 1; }
awk -v a="$started" -v b="$finished" 'BEGIN { printf "ok: answered in %.2f s (first run, cold)\n", b - a }'

echo "== the same with ARTICLE_BOT_CONTENT pointing at the copied content (as /content in Docker)"
ARTICLE_BOT_CONTENT="$src/content" "$venv/bin/article-bot" ask --json "$question" \
    | grep -qF "$expected" || { echo "FAIL: no answer from ARTICLE_BOT_CONTENT" >&2; exit 1; }
echo "ok"
echo "check-install: PASS"
