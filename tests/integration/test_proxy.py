"""Behind a proxy: the real CLI, with ``HTTP_PROXY`` / ``HTTPS_PROXY`` set, against the emulator
through a forward proxy on loopback that counts every request and wants credentials.

Every request the emulator counts must have gone through the proxy (the emulator is plain http,
so each one crosses the proxy in absolute form and is counted there), in bulk and in single-asset
mode, for deploy and for images; ``NO_PROXY`` naming the emulator's host sends none through it; a
dead proxy fails with exit 6, naming the proxy, never its password.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from entrypoint.emulator.image_form import account_hash
from tests.support.action import (
    ACCOUNT,
    TOKEN,
    ActionRun,
    deploy_inputs,
    run_action,
    served,
)
from tests.support.forward_proxy import ForwardProxy
from tests.support.imagegen import image_tree
from tests.support.sitegen import Site, generate_site

pytestmark = pytest.mark.integration

USER, PASSWORD = "deployer", "pr0xy-pa55word-7f7f"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    workspace = tmp_path_factory.mktemp("workspace")
    return generate_site(workspace / "public", 300, big_mib=1)


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=(USER, PASSWORD)) as server:
        yield server


def _proxy_env(url: str, **more: str) -> dict[str, str]:
    with_credentials = url.replace("http://", f"http://{USER}:{PASSWORD}@")
    return {"HTTP_PROXY": with_credentials, "HTTPS_PROXY": with_credentials, **more}


def _emulator_counts(emulator: EmulatorThread) -> tuple[int, int, int]:
    """Every request the emulator counted, its asset upload requests, the files they carried."""
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats", trust_env=False).json()
    return sum(stats["requests"].values()), stats["upload_requests"], stats["files_received"]


def _emulator_host(emulator: EmulatorThread) -> str:
    parts = urlsplit(emulator.root_url)
    return f"{parts.hostname}:{parts.port}"


def _set_mode(emulator: EmulatorThread, *, single: bool) -> None:
    httpx.post(
        f"{emulator.root_url}/__emulator/config",
        json={"single_asset_uploads": single},
        trust_env=False,
    ).raise_for_status()


def _assert_clean(run: ActionRun) -> None:
    for text in (run.stdout, run.stderr, run.summary):
        assert PASSWORD not in text
        assert TOKEN not in text


def _assert_served(emulator: EmulatorThread, site: Site, script: str) -> None:
    wrong = [
        key
        for key, (data, _) in site.expected.items()
        if (answer := served(emulator, script, key)).status_code != 200 or answer.content != data
    ]
    assert wrong == []


@pytest.mark.parametrize("mode", ["bulk", "single-asset"])
def test_every_request_of_a_deploy_goes_through_the_proxy(
    emulator: EmulatorThread, proxy: ForwardProxy, site: Site, tmp_path: Path, mode: str
) -> None:
    _set_mode(emulator, single=mode == "single-asset")
    inputs = deploy_inputs(emulator, "proxied", "public")
    run = run_action(site.root.parent, tmp_path, inputs, _proxy_env(proxy.url))
    assert run.returncode == 0, run.stdout + run.stderr
    total, uploads, files = _emulator_counts(emulator)
    seen = proxy.seen()
    host = _emulator_host(emulator)
    assert {where for _, where in seen} == {host}
    assert proxy.total() == total
    assert proxy.refused == 0  # every request carried the proxy's credentials
    assert seen[("POST", host)] >= uploads + 1  # the session and every upload at least
    assert files > 250  # the site's distinct files (identical ones are one asset)
    assert uploads == files if mode == "single-asset" else uploads < files
    assert run.outputs["files-uploaded"] == str(len(site.expected))
    _assert_served(emulator, site, "proxied")
    _assert_clean(run)


def test_no_proxy_naming_the_host_sends_nothing_through_it(
    emulator: EmulatorThread, proxy: ForwardProxy, site: Site, tmp_path: Path
) -> None:
    _set_mode(emulator, single=True)
    host = urlsplit(emulator.root_url).hostname or ""
    env = _proxy_env(proxy.url, no_proxy=f"example.com, {host}")
    run = run_action(site.root.parent, tmp_path, deploy_inputs(emulator, "direct", "public"), env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert proxy.total() == 0
    _, uploads, files = _emulator_counts(emulator)
    assert uploads == files > 250
    _assert_served(emulator, site, "direct")


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed: nothing listens there


def test_a_dead_proxy_fails_with_exit_6_naming_it(
    emulator: EmulatorThread, site: Site, tmp_path: Path
) -> None:
    port = _dead_port()
    env = {"http_proxy": f"http://{USER}:{PASSWORD}@127.0.0.1:{port}"}
    inputs = deploy_inputs(emulator, "unreachable", "public") | {"max-retries": "1"}
    run = run_action(site.root.parent, tmp_path, inputs, env)
    assert run.returncode == 6, run.stdout + run.stderr
    assert f"through proxy 127.0.0.1:{port} set by http_proxy" in run.stdout
    assert "ConnectError" in run.stdout
    assert _emulator_counts(emulator)[0] == 0
    _assert_clean(run)


def test_a_socks_proxy_is_refused_before_anything_is_sent(
    emulator: EmulatorThread, site: Site, tmp_path: Path
) -> None:
    env = {"ALL_PROXY": f"socks5://{USER}:{PASSWORD}@127.0.0.1:1080"}
    run = run_action(site.root.parent, tmp_path, deploy_inputs(emulator, "x", "public"), env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "ALL_PROXY names a socks5:// proxy" in run.stdout
    assert _emulator_counts(emulator)[0] == 0
    _assert_clean(run)


def test_images_sync_goes_through_the_proxy(
    emulator: EmulatorThread, proxy: ForwardProxy, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    written = image_tree(workspace / "public", 24)
    inputs = {
        "mode": "sync",
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "directory": "public",
        "account-hash": account_hash(ACCOUNT),
    }
    run = run_action(workspace, tmp_path / "gh", inputs, _proxy_env(proxy.url), command="images")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["images-uploaded"] == str(len(written))
    total = _emulator_counts(emulator)[0]
    assert proxy.total() == total
    assert proxy.refused == 0
    assert {where for _, where in proxy.seen()} == {_emulator_host(emulator)}
    # each image: its details, a direct upload URL, the upload to that URL
    assert total >= 3 * len(written)
    _assert_clean(run)
