# The cf-assets image: what action.yml runs on GitHub (entrypoint `cf-assets`, args `deploy`), and
# the CLI for GitLab (`entrypoint: [""]` + `cf-assets deploy` in a shell) and any other CI.
#
# Two stages on one base. `build` installs the hash-locked runtime dependencies
# (requirements/runtime.txt, from scripts/lock.sh) into the venv /opt/cf-assets, builds our wheel
# with the hash-locked backend (requirements/build.txt) and adds it with --no-deps; the runtime
# stage copies only that venv. Both stages must share the base: the venv links to its python3.
#
# The base is the official Python slim image pinned by digest (bump tag and digest together).
# A machine without a registry passes its own, e.g.
#   podman build --network=host --build-arg BASE_IMAGE=localhost/python-base:bookworm .
# No USER (the runner needs root in the mounted workspace) and no WORKDIR (the runner sets
# /github/workspace); /bin/sh comes with the base, for GitLab job scripts.
ARG BASE_IMAGE=python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_PROGRESS_BAR=off \
    PIP_ROOT_USER_ACTION=ignore
COPY requirements/build.txt requirements/runtime.txt /tmp/requirements/
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --no-deps --only-binary=:all: \
        -r /tmp/requirements/build.txt \
    && python3 -m venv /opt/cf-assets \
    && /opt/cf-assets/bin/pip install --no-cache-dir --require-hashes --no-deps --only-binary=:all: \
        -r /tmp/requirements/runtime.txt
COPY pyproject.toml README.md /src/
COPY entrypoint /src/entrypoint
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /tmp/dist /src \
    && /opt/cf-assets/bin/pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && /opt/cf-assets/bin/pip check \
    && /opt/cf-assets/bin/pip uninstall --yes --quiet pip setuptools

FROM ${BASE_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="cf-assets-action" \
      org.opencontainers.image.description="Deploy a folder of static assets to Cloudflare Workers through the direct-upload API, from GitHub Actions, GitLab CI or any CI." \
      org.opencontainers.image.source="https://github.com/org/cf-assets-action" \
      org.opencontainers.image.documentation="https://github.com/org/cf-assets-action#readme" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV PATH=/opt/cf-assets/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/cf-assets /opt/cf-assets
RUN ["/opt/cf-assets/bin/cf-assets", "--version"]
# Absolute, so a workflow that overrides PATH (the runner passes `env:` into the container) still
# starts us; `cf-assets` is on PATH as well for shells.
ENTRYPOINT ["/opt/cf-assets/bin/cf-assets"]
