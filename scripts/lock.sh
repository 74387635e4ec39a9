#!/usr/bin/env bash
# Re-locks what the container image installs, with a sha256 for every file:
#   requirements/runtime.txt  the runtime dependencies of pyproject.toml (no dev tools, not the
#                             project itself: the Dockerfile adds our wheel with --no-deps)
#   requirements/build.txt    the wheel's build backend (requirements/build.in)
# Resolved "universal" (every platform, Python >= 3.11), so one file serves the amd64 and arm64
# images. Pins already in the files are kept unless pyproject.toml rules them out; pass --upgrade
# (or --upgrade-package NAME) to move. Uses uv from a throw-away venv; needs only python3.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
compile() {
  "$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --no-header --no-emit-index-url "$@"
}
header() {
  printf '# Hash-locked by scripts/lock.sh (uv %s pip compile --universal --generate-hashes) from %s.\n' \
    "$UV_VERSION" "$1"
  printf '# Do not edit: change %s and run scripts/lock.sh.\n' "$1"
}
for pair in "pyproject.toml:runtime" "requirements/build.in:build"; do
  source=${pair%%:*}
  out=requirements/${pair##*:}.txt
  body=$(mktemp)
  if [ -f "$out" ]; then grep -v '^#' "$out" >"$body" || true; fi  # keep the current pins
  compile "$source" -o "$body" "$@"
  { header "$source"; cat "$body"; } >"$out"
  rm -f "$body"
  echo "lock: wrote $out ($(grep -c '^[a-z]' "$out") packages)"
done
