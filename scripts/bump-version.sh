#!/usr/bin/env bash
# Prepares the release commit of version X.Y.Z: sets it in pyproject.toml and entrypoint/__init__.py,
# points the README and the GitLab example at the image vX.Y.Z, and regenerates action.yml, which
# then runs docker://ghcr.io/org/cf-assets-action:vX.Y.Z. Then: commit, merge, and start
# .github/workflows/release.yml on that branch (`gh workflow run release.yml -f version=X.Y.Z`): it
# checks the three agree, pushes and attests the image, tags vX.Y.Z on a commit whose action.yml
# runs the image by digest, publishes cf-assets to PyPI and moves the vX tag last.
set -euo pipefail
cd "$(dirname "$0")/.."
new=${1:?usage: scripts/bump-version.sh X.Y.Z}
[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "bump-version: not X.Y.Z: $new" >&2; exit 2; }
scripts/bootstrap.sh
old=$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
pattern=${old//./\\.}
sed -i "s/^version = \"$pattern\"$/version = \"$new\"/" pyproject.toml
sed -i "s/^__version__ = \"$pattern\"$/__version__ = \"$new\"/" entrypoint/__init__.py
sed -i "s#cf-assets-action\([:@]\)v$pattern\b#cf-assets-action\1v$new#g" README.md examples/gitlab/.gitlab-ci.yml
.venv/bin/python scripts/gen_action_yml.py
echo "bump-version: $old -> $new; review the diff, commit and merge, then: gh workflow run release.yml -f version=$new"
