"""How a deployment split between two versions shares its traffic, as the emulator serves it.

Which version answers a request is deterministic: :func:`traffic_bucket` maps the request path
with its query (``/index.html?n=17``) to one of 10,000 buckets (the first 8 bytes of its SHA-256,
big-endian, modulo 10,000); the versions take consecutive ranges of buckets in the order the
deployment lists them, ``percentage * 100`` buckets each (:func:`pick_version`). So a test can
check the shares by requesting many query strings, and the same request always gets the same
version. Serving by host is :mod:`entrypoint.emulator.hosts`'s.
"""

from __future__ import annotations

import hashlib
from typing import Final

from entrypoint.emulator.records import Deployment

BUCKETS: Final = 10_000
VERSION_HEADER: Final = "x-emulator-version-id"


def traffic_bucket(request_target: str) -> int:
    """The bucket (0 to 9,999) of a request path with its query."""
    digest = hashlib.sha256(request_target.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def pick_version(deployment: Deployment, request_target: str) -> str:
    """The version of ``deployment`` that serves ``request_target``."""
    bucket, edge = traffic_bucket(request_target), 0.0
    for version_id, percentage in deployment.versions:
        edge += percentage * BUCKETS / 100
        if bucket < edge:
            return version_id
    return deployment.versions[-1][0]
