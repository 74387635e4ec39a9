#!/usr/bin/env bash
# Creates .venv with the project and its dev tools; a second call returns at once unless
# pyproject.toml or the lock changed. Used by scripts/demo.sh, scripts/test.sh and .ci/run.
# The runtime dependencies come from the hash-locked requirements/runtime.txt (scripts/lock.sh),
# the same files the container image installs; then the project and its dev extra.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt requirements/runtime.txt ] \
  && [ "$stamp" -nt requirements/tools.txt ] && [ -x .venv/bin/cf-assets ] \
  && [ -x .venv-tools/bin/lint-imports ]; then
  exit 0
fi
say() { echo "bootstrap: $*" >&2; }
say "first run (or the dependencies changed): setting up .venv, about a minute"
python3 -m venv .venv
pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
say "installing the runtime dependencies (hash-locked: requirements/runtime.txt)"
"${pip[@]}" install --require-hashes --no-deps -r requirements/runtime.txt
say "installing cf-assets and its dev tools (pytest, ruff, mypy …)"
# The distribution was named cf-assets-action before issue 18: drop it from a venv made then
# (first: its RECORD lists bin/cf-assets, which the new one installs too).
"${pip[@]}" uninstall --yes cf-assets-action 2>/dev/null || true
"${pip[@]}" install -e '.[dev]'
# Tools kept out of .venv (requirements/tools.txt says why).
say "installing import-linter into .venv-tools"
python3 -m venv .venv-tools
.venv-tools/bin/python -m pip --quiet --disable-pip-version-check install -r requirements/tools.txt
touch "$stamp"
say "done"
