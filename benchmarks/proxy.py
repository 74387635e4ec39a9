"""Single-asset deploys direct and through a forward proxy on loopback, for both ways the
single-asset uploads can cross a proxy.

    .venv/bin/python benchmarks/proxy.py                 # 3,000 files, 3 rounds
    .venv/bin/python benchmarks/proxy.py --files 1000 --rounds 1

Rows: ``direct`` (no proxy), ``lean`` (what ships: the lean h11 client through the proxy, in
absolute form for the http API, in a ``CONNECT`` tunnel for the https one) and ``pooled`` (the
alternative: single-asset uploads through the pooled httpx path, which crosses the proxy the same
ways). Each for the emulator over plain http and behind a TLS front (a loopback relay with a
self-signed certificate the CLI trusts through ``SSL_CERT_FILE``). The ``pooled`` row runs the CLI
with the lean client switched off in-process; nothing else differs. Figures only: nothing here
asserts. The proxy (``tests/support/forward_proxy.py``) and the TLS front run in this process, the
emulator and the CLI in their own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

if __package__ in {None, ""}:  # run as a script: make ``benchmarks`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.sitegen import SiteSpec, write_site
from benchmarks.tools import OurCli
from tests.support.forward_proxy import ForwardProxy

#: Each scheme's API base URL and the environment its runs add.
Scenes = dict[str, tuple[str, dict[str, str]]]

#: Runs the CLI with single-asset uploads on the pooled httpx path (the alternative measured).
_POOLED: Final = (
    "import sys, entrypoint.cloudflare.client as c; c._poster = lambda *a, **k: None; "
    "from entrypoint.launch import main; sys.exit(main())"
)


@contextlib.contextmanager
def tls_front(target_port: int, work: Path) -> Iterator[tuple[int, Path]]:
    """A TLS relay on loopback to ``target_port``: its port and the certificate to trust."""
    cert, key = work / "front.pem", work / "front.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()

    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def start() -> asyncio.Server:
        return await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start(), loop).result()
    try:
        yield server.sockets[0].getsockname()[1], cert
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def one_run(
    cli: OurCli, base_url: str, site: Path, extra: dict[str, str], *, pooled: bool
) -> tuple[float, bool]:
    """Seconds of one deploy, and whether it succeeded."""
    env = cli.env(base_url, site) | extra
    command = [sys.executable, "-c", _POOLED, "deploy"] if pooled else cli.command
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cli.work, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout.decode()[-2000:], done.stderr.decode()[-2000:], file=sys.stderr)
    return seconds, done.returncode == 0


def measure(
    cli: OurCli, site: Path, emulator: EmulatorProcess, proxy: ForwardProxy, scenes: Scenes
) -> dict[str, float]:
    """One round: every row once; seconds by row (failed runs left out)."""
    seconds_of: dict[str, float] = {}
    for scheme, (base, env) in scenes.items():
        proxied = env | {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url}
        for name, extra, pooled in (
            ("direct", env, False),
            ("lean through the proxy", proxied, False),
            ("pooled through the proxy", proxied, True),
        ):
            emulator.reset(single_asset_uploads=True)
            proxy.reset()
            seconds, ok = one_run(cli, base, site, extra, pooled=pooled)
            uploads = emulator.stats()["upload_requests"]
            label = f"{scheme:5} {name}"
            if ok:
                seconds_of[label] = seconds
            print(
                f"{label:32} {seconds:6.2f} s  ok={ok}  uploads={uploads}  "
                f"through proxy={proxy.total()}",
                flush=True,
            )
    return seconds_of


def main() -> int:
    """Run every row ``--rounds`` times; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cf-assets-proxy-bench-"))
    rows: dict[str, list[float]] = {}
    try:
        site = work / "site"
        write_site(site, SiteSpec(files=args.files, size_mib=args.files / 200, big_files=0))
        cli = OurCli(work, sys.executable)
        with (
            EmulatorProcess() as emulator,
            ForwardProxy() as proxy,
            tls_front(emulator.port, work) as (front, cert),
        ):
            scenes: Scenes = {
                "http": (emulator.base_url, {}),
                "https": (f"https://localhost:{front}/client/v4", {"SSL_CERT_FILE": str(cert)}),
            }
            for _ in range(args.rounds):
                for label, seconds in measure(cli, site, emulator, proxy, scenes).items():
                    rows.setdefault(label, []).append(seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nmedians, {args.files} files, single-asset mode, {args.rounds} round(s):")
    for label, values in rows.items():
        print(f"  {label:32} {statistics.median(values):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
