"""``cf-assets emulator``: its flags, and serving the local Cloudflare API until interrupted.

Owns turning the command line into an :class:`~entrypoint.emulator.EmulatorConfig` and telling
the caller where it listens (a line with the base URL, then ``port=N`` for scripts). The emulator
itself is imported only when this command runs, so the other commands never load it.
"""

from __future__ import annotations

import argparse
import gc
import json
from typing import Any, Final, TextIO

#: New objects between two collections of the emulator process (Python's default: 700).
_GC_THRESHOLD: Final = 100_000


def add_emulator_parser(commands: Any) -> None:
    """``cf-assets emulator`` and its flags."""
    emulator = commands.add_parser(
        "emulator",
        help="run the local Cloudflare API emulator",
        description="Serve the Workers assets upload API on loopback (no Cloudflare account).",
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    emulator.add_argument("--single-asset-uploads", action="store_true")
    emulator.add_argument("--bucket-max-files", type=int, default=1000)
    emulator.add_argument("--jwt-ttl", type=float, default=3600.0, help="seconds")
    emulator.add_argument("--api-token", action="append", help="accepted token (default: any)")
    emulator.add_argument(
        "--subdomain",
        default="cf-assets-emulator",
        help="the account's workers.dev subdomain ('' = none registered)",
    )
    emulator.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API answer"
    )
    emulator.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="answer 429 + Retry-After past N API requests per --rate-limit-window (0: no limit)",
    )
    emulator.add_argument("--rate-limit-window", type=float, default=300.0, help="seconds")
    emulator.add_argument(
        "--refuse-script",
        action="append",
        default=[],
        metavar="NAME",
        help="refuse this Worker's upload with a 400 (repeatable)",
    )
    emulator.add_argument(
        "--trusting",
        action="store_true",
        help="store uploads without checking their content against the hash, as Cloudflare does",
    )
    emulator.add_argument(
        "--faults",
        metavar="JSON",
        help='fault injection, e.g. \'{"rate_429": 0.1, "rate_5xx": 0.05, "seed": 1}\'',
    )


def run_emulator_command(args: argparse.Namespace, stream: TextIO) -> int:
    """``cf-assets emulator``: serve until interrupted."""
    from entrypoint.emulator import EmulatorConfig, FaultPlan, run_emulator  # noqa: PLC0415

    try:
        faults = FaultPlan.from_mapping(json.loads(args.faults)) if args.faults else None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        stream.write(f"error: invalid --faults: {exc}\n")
        return 2
    config = EmulatorConfig(
        faults=faults,
        latency_seconds=args.latency,
        host=args.host,
        port=args.port,
        single_asset_uploads=args.single_asset_uploads,
        bucket_max_files=args.bucket_max_files,
        jwt_ttl_seconds=args.jwt_ttl,
        api_tokens=frozenset(args.api_token) if args.api_token else None,
        subdomain=args.subdomain,
        rate_limit_requests=args.rate_limit,
        rate_limit_window_seconds=args.rate_limit_window,
        refuse_scripts=frozenset(args.refuse_script),
        verify_hashes=not args.trusting,
    )

    # A long-lived process holding every stored asset: at the default threshold (700 new
    # objects) a 100,000-entry session request sets off hundreds of collections, some over that
    # whole heap; rarer ones keep such a request near its parsing time (measured: 0.45 -> 0.28 s).
    gc.set_threshold(_GC_THRESHOLD)

    def ready(base_url: str) -> None:
        stream.write(f"cf-assets emulator listening on {base_url}\n")
        stream.write(f"port={base_url.split(':')[2].split('/', maxsplit=1)[0]}\n")
        stream.flush()

    try:
        run_emulator(config, ready)
    except KeyboardInterrupt:
        return 0
    return 0
