#!/usr/bin/env bash
# The whole test suite: lint, types, unit, emulator and integration tests. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
