#!/usr/bin/env bash
# The test suite. Installs what it needs (scripts/bootstrap.sh), then lint, format, types and the
# import-layering contract, then the tests:
#   scripts/test.sh           every tier: unit, wire, emulator, integration (the README's command)
#   scripts/test.sh --fast    unit, wire and emulator tiers only (no CLI processes)
# Arguments after the options go to pytest (e.g. `scripts/test.sh --fast -k ignore`).
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
.venv/bin/pytest "${tiers[@]}" "$@"
