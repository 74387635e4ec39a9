#!/usr/bin/env bash
# The test suite. Installs what it needs (scripts/bootstrap.sh), then lint, format, types and the
# import-layering contract, then the tests:
#   scripts/test.sh           every tier: unit, wire, emulator, integration (the README's command)
#   scripts/test.sh --fast    unit, wire and emulator tiers only (no CLI processes)
# The tests run on every core (pytest-xdist, `-n auto`); arguments after the options go to pytest
# and win (e.g. `scripts/test.sh --fast -k ignore`, or `-n 0` to run in one process).
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=(tests)
if [ "${1:-}" = "--fast" ]; then
  shift
  tiers=(tests/unit tests/wire tests/emulator)
fi
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
lint_imports=(env PYTHONPATH=. .venv-tools/bin/lint-imports --no-cache)
"${lint_imports[@]}" >/dev/null || "${lint_imports[@]}"
.venv/bin/pytest -n auto "${tiers[@]}" "$@"
