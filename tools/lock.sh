#!/usr/bin/env bash
# Regenerate requirements.lock, the exact versions and sha256 hashes that the Dockerfile and
# deploy/check-install.sh install, from pyproject.toml's runtime dependencies (its ranges stay
# for library users); then refresh the dependency licences in NOTICE.md (tools/licences.py).
# Run it after changing the dependencies in pyproject.toml: pins that still fit are kept, and
# `tools/lock.sh --upgrade` moves every pin to the newest version allowed.
# Needs uv (`pip install uv`) and access to PyPI.
#   tools/lock.sh [more options for uv pip compile]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
uv=$(command -v uv || true)
if [ -z "$uv" ] && [ -x .venv/bin/uv ]; then uv=.venv/bin/uv; fi
[ -n "$uv" ] || { echo "lock: uv not found; install it with: pip install uv" >&2; exit 1; }
# --universal: one lock for every platform (what one platform alone needs carries a marker).
# Python 3.11: the Docker image's.
"$uv" pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet \
    --custom-compile-command tools/lock.sh -o requirements.lock "$@"
echo "lock: wrote requirements.lock ($(grep -c '^[A-Za-z0-9]' requirements.lock) packages)"
python=python3
if [ -x .venv/bin/python ]; then python=.venv/bin/python; fi
"$python" tools/licences.py --write
