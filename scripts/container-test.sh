#!/usr/bin/env bash
# The container test: prepares podman and the local base image (../shared/tools/container-setup.sh,
# idempotent), builds the image from the Dockerfile, then runs tests/action against it: the image
# run as the GitHub runner, a GitLab job (the example's and the components' templates/*.yml, rendered
# as GitLab renders them) and plain docker run it, against the emulator on the host.
# Extra arguments go to pytest. BASE_IMAGE and CONTAINER_TEST_IMAGE override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
setup=../shared/tools/container-setup.sh
[ -f "$setup" ] || { echo "container-test: $setup is missing" >&2; exit 1; }
bash "$setup"
export CONTAINER_TEST_IMAGE=${CONTAINER_TEST_IMAGE:-localhost/cf-assets-action:test}
version=$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
started=$SECONDS
podman build --network=host \
  --build-arg BASE_IMAGE="${BASE_IMAGE:-localhost/python-base:bookworm}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -t "$CONTAINER_TEST_IMAGE" .
echo "container-test: built $CONTAINER_TEST_IMAGE in $((SECONDS - started)) s"
.venv/bin/pytest -m container tests/action "$@"
