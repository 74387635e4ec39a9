"""A tiny hand-written client for the emulator's API, for these tests only.

It hashes the way wrangler does (written here independently of the emulator's own code) and
speaks each endpoint with plain httpx calls, so tests read as the deploy steps they exercise.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterable, Mapping

import httpx
from blake3 import blake3

ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"
WORKERS = f"/accounts/{ACCOUNT}/workers"


def extension_of(key: str) -> str:
    """Node's ``path.extname`` of the basename, without the dot."""
    name = key.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot + 1 :] if dot > 0 else ""


def asset_hash(data: bytes, key: str) -> str:
    """wrangler's asset hash: BLAKE3 of base64(data) + extension, first 32 hex characters."""
    return blake3(base64.b64encode(data) + extension_of(key).encode()).hexdigest()[:32]


@dataclasses.dataclass
class Site:
    """Files to deploy: manifest key → bytes, and the type each is served with."""

    files: dict[str, bytes]
    types: dict[str, str] = dataclasses.field(default_factory=dict)

    def hash_of(self, key: str) -> str:
        return asset_hash(self.files[key], key)

    def manifest(self) -> dict[str, dict[str, object]]:
        return {k: {"hash": self.hash_of(k), "size": len(v)} for k, v in self.files.items()}

    def key_of(self, digest: str) -> str:
        return next(key for key in self.files if self.hash_of(key) == digest)

    def type_of(self, key: str) -> str:
        return self.types.get(key, "text/plain; charset=utf-8")


def jwt_claims(token: str) -> dict[str, object]:
    """The payload of a JWT, unverified."""
    payload = token.split(".")[1]
    claims: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def error_of(response: httpx.Response) -> tuple[int, str]:
    """The (code, message) of a Cloudflare error envelope, checking its shape."""
    body = response.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["messages"] == []
    assert len(body["errors"]) == 1
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cf-ray"].endswith("-EMU")
    return body["errors"][0]["code"], body["errors"][0]["message"]


def session_path(script: str = "site", namespace: str | None = None) -> str:
    prefix = f"/dispatch/namespaces/{namespace}" if namespace is not None else ""
    return f"{WORKERS}{prefix}/scripts/{script}/assets-upload-session"


def script_path(script: str = "site", namespace: str | None = None) -> str:
    prefix = f"/dispatch/namespaces/{namespace}" if namespace is not None else ""
    return f"{WORKERS}{prefix}/scripts/{script}"


def open_session(
    api: httpx.Client, site: Site, script: str = "site", namespace: str | None = None
) -> httpx.Response:
    return api.post(session_path(script, namespace), json={"manifest": site.manifest()})


def upload_bucket(
    api: httpx.Client,
    jwt: str,
    site: Site,
    hashes: Iterable[str],
    *,
    account: str = ACCOUNT,
) -> httpx.Response:
    parts = []
    for digest in hashes:
        key = site.key_of(digest)
        encoded = base64.b64encode(site.files[key])
        parts.append((digest, (digest, encoded, site.type_of(key))))
    return api.post(
        f"/accounts/{account}/workers/assets/upload",
        params={"base64": "true"},
        files=parts,
        headers={"Authorization": f"Bearer {jwt}"},
    )


def upload_single(api: httpx.Client, jwt: str, site: Site, digest: str) -> httpx.Response:
    key = site.key_of(digest)
    return api.post(
        f"{WORKERS}/assets/upload/{digest}",
        content=site.files[key],
        headers={"Authorization": f"Bearer {jwt}", "Content-Type": site.type_of(key)},
    )


def upload_site(
    api: httpx.Client, site: Site, script: str = "site", namespace: str | None = None
) -> str:
    """Open a session, upload every bucket, and return the completion token."""
    result = open_session(api, site, script, namespace).json()["result"]
    token: str = result["jwt"]
    for bucket in result["buckets"]:
        response = upload_bucket(api, token, site, bucket)
        assert response.status_code in {201, 202}, response.text
        token = response.json()["result"].get("jwt", token)
    return token


def put_worker(
    api: httpx.Client,
    metadata: Mapping[str, object],
    modules: Iterable[tuple[str, bytes, str]] = (),
    *,
    script: str = "site",
    namespace: str | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    files: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("metadata", (None, json.dumps(metadata).encode(), "application/json"))
    ]
    files += [("files", (name, data, kind)) for name, data, kind in modules]
    return api.put(script_path(script, namespace), files=files, params=params)
