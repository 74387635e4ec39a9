"""A target's fingerprint changes with anything its deploy would send or where, and only then."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest

from entrypoint.errors import ContentError
from entrypoint.model import (
    Asset,
    DeployMode,
    DeploySpec,
    Destination,
    ModuleFile,
    Plan,
    RouteSpec,
    Triggers,
    WorkerModules,
    WorkerSecret,
    WorkerSpec,
)
from entrypoint.targets.fingerprint import fingerprint

BASE = "https://api.example.test/client/v4"
ACCOUNT = "0123456789abcdef0123456789abcdef"


def _plan(*hashes: str) -> Plan:
    assets = tuple(
        Asset(f"/f{n}.html", f"/x/f{n}.html", 10, digest, "text/html", 0, 0, 0)
        for n, digest in enumerate(hashes)
    )
    return Plan(directory=Path("/x"), assets=assets)


def _at(script: str = "site-a", namespace: str | None = "customers") -> Destination:
    return Destination(script=script, namespace=namespace)


def _target(spec: WorkerSpec | None = None, **changes: object) -> DeploySpec:
    target = DeploySpec(
        destination=_at(),
        mode=DeployMode.WORKER,
        worker=spec or WorkerSpec(compatibility_date="2025-06-01"),
    )
    return dataclasses.replace(target, **changes)  # type: ignore[arg-type]


def _print(target: DeploySpec, plan: Plan | None, base: str = BASE, account: str = ACCOUNT) -> str:
    return fingerprint(target, plan, api_base_url=base, account=account)


def test_equal_inputs_give_equal_fingerprints() -> None:
    first = _print(_target(), _plan("a" * 32, "b" * 32))

    assert first == _print(_target(), _plan("a" * 32, "b" * 32))
    assert first == _print(_target(), _plan("a" * 32, "b" * 32), base=BASE + "/")
    assert len(first) == 64


@pytest.mark.parametrize(
    ("target", "plan", "base", "account"),
    [
        (_target(), _plan("a" * 32, "c" * 32), BASE, ACCOUNT),  # a file's content
        (_target(), _plan("a" * 32), BASE, ACCOUNT),  # a file fewer
        (
            _target(WorkerSpec(compatibility_date="2025-06-01", headers="/*\n  X-A: 1\n")),
            _plan("a" * 32, "b" * 32),
            BASE,
            ACCOUNT,
        ),
        (_target(), None, BASE, ACCOUNT),  # no assets
        (_target(destination=_at("other")), _plan("a" * 32, "b" * 32), BASE, ACCOUNT),
        (_target(destination=_at(namespace="staging")), _plan("a" * 32, "b" * 32), BASE, ACCOUNT),
        (_target(destination=_at(namespace=None)), _plan("a" * 32, "b" * 32), BASE, ACCOUNT),
        (_target(workers_dev=False), _plan("a" * 32, "b" * 32), BASE, ACCOUNT),
        (_target(mode=DeployMode.VERSION), _plan("a" * 32, "b" * 32), BASE, ACCOUNT),
        (
            _target(WorkerSpec(compatibility_date="2025-06-02")),
            _plan("a" * 32, "b" * 32),
            BASE,
            ACCOUNT,
        ),
        (
            _target(WorkerSpec(compatibility_date="2025-06-01", not_found_handling="404-page")),
            _plan("a" * 32, "b" * 32),
            BASE,
            ACCOUNT,
        ),
        (
            _target(WorkerSpec(compatibility_date="2025-06-01", base_path="/docs")),
            _plan("a" * 32, "b" * 32),
            BASE,
            ACCOUNT,
        ),
        (
            _target(WorkerSpec(compatibility_date="2025-06-01", extra={"tags": ["gold"]})),
            _plan("a" * 32, "b" * 32),
            BASE,
            ACCOUNT,
        ),
        *(
            (_target(triggers=triggers), _plan("a" * 32, "b" * 32), BASE, ACCOUNT)
            for triggers in (  # what a wrangler config adds to the deploy
                Triggers(crons=("0 3 * * MON",)),
                Triggers(crons=()),  # clears the schedules
                Triggers(routes=(RouteSpec(pattern="a.example.com/*", body={"pattern": "x"}),)),
                Triggers(preview_urls=False),
                Triggers(migrations=({"tag": "v1", "new_sqlite_classes": ["Ledger"]},)),
                Triggers(settings={"logpush": True}),
                Triggers(service_tags=("cf:service=sink",)),
            )
        ),
        (_target(), _plan("a" * 32, "b" * 32), "http://127.0.0.1:9/client/v4", ACCOUNT),
        (_target(), _plan("a" * 32, "b" * 32), BASE, "f" * 32),
    ],
)
def test_anything_sent_or_where_changes_it(
    target: DeploySpec, plan: Plan | None, base: str, account: str
) -> None:
    assert _print(target, plan, base, account) != _print(_target(), _plan("a" * 32, "b" * 32))


def _with_modules(tmp_path: Path, main: bytes, helper: bytes) -> DeploySpec:
    (tmp_path / "index.js").write_bytes(main)
    (tmp_path / "lib.js").write_bytes(helper)
    kind = "application/javascript+module"
    modules = WorkerModules(
        main=ModuleFile(name="index.js", path=tmp_path / "index.js", content_type=kind),
        others=(ModuleFile(name="lib.js", path=tmp_path / "lib.js", content_type=kind),),
    )
    return _target(WorkerSpec(compatibility_date="2025-06-01", modules=modules))


def test_module_bytes_are_covered(tmp_path: Path) -> None:
    before = _print(_with_modules(tmp_path, b"export default {}", b"x"), None)

    assert before == _print(_with_modules(tmp_path, b"export default {}", b"x"), None)
    assert before != _print(_with_modules(tmp_path, b"export default {}", b"y"), None)


def test_an_unreadable_module_is_a_content_error(tmp_path: Path) -> None:
    target = _with_modules(tmp_path, b"export default {}", b"x")
    (tmp_path / "lib.js").unlink()

    with pytest.raises(ContentError, match=r"Cannot read module .*lib\.js"):
        _print(target, None)


def test_a_change_of_base_path_redeploys() -> None:
    plan = _plan("a" * 32, "b" * 32)
    docs = _print(_target(WorkerSpec(compatibility_date="2025-06-01", base_path="/docs")), plan)
    guide = _print(_target(WorkerSpec(compatibility_date="2025-06-01", base_path="/guide")), plan)

    assert docs != guide
    assert docs == _print(
        _target(WorkerSpec(compatibility_date="2025-06-01", base_path="/docs")), plan
    )


def _with_secret(tmp_path: Path, value: str) -> DeploySpec:
    spec = _with_modules(tmp_path, b"export default {}", b"x")
    worker = dataclasses.replace(spec.worker, secrets=(WorkerSecret("API_KEY", value),))
    return dataclasses.replace(spec, worker=worker)


def test_a_secret_is_covered_by_a_digest_keyed_with_the_credential(tmp_path: Path) -> None:
    def keyed(value: str, key: str | None = "api-token-1") -> str:
        target = _with_secret(tmp_path, value)
        return fingerprint(target, None, api_base_url=BASE, account=ACCOUNT, secret_key=key)

    assert keyed("value-1") == keyed("value-1")
    assert keyed("value-1") != keyed("value-2")  # a changed secret deploys again
    assert keyed("value-1") != keyed("value-1", "api-token-2")  # keyed: not a plain hash
    assert keyed("value-1", None) != keyed("value-1", None)  # no credential: never unchanged


def test_the_secret_value_never_reaches_the_digested_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    real = hashlib.sha256

    def spy(data: bytes = b"", **kwargs: object) -> Any:
        seen.append(bytes(data))
        return real(data)

    monkeypatch.setattr("entrypoint.targets.fingerprint.hashlib.sha256", spy)
    fingerprint(
        _with_secret(tmp_path, "value-never-seen"),
        None,
        api_base_url=BASE,
        account=ACCOUNT,
        secret_key="k",
    )
    document = b"".join(seen)
    assert b"secret_text" in document
    assert b"value-never-seen" not in document
