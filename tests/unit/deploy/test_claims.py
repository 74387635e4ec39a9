"""The upload JWT's claims, read as wrangler reads them: ``Number(edge_kv_upload_concurrency)``.

The table is JavaScript's own answers (Node 22: ``String(Number(v))`` and wrangler 4.164's
``getEdgeKvUploadConcurrency``, ``value > 0 ? Math.floor(value) : 50``) for each JSON value.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from entrypoint.deploy.claims import MOST_IN_FLIGHT, js_number, single_asset_concurrency
from entrypoint.deploy.upload import jwt_claims
from tests.support.apiclient import make_jwt

# (claim, String(Number(claim)) in Node, wrangler's concurrency; None: Infinity)
NODE: list[tuple[Any, str, int | None]] = [
    (8, "8", 8),
    ("8", "8", 8),
    (" 8 ", "8", 8),
    ("\t8\n", "8", 8),
    ("\u00a08\u3000", "8", 8),
    ("\ufeff8", "8", 8),
    ("\x1c8", "NaN", 50),  # white space to Python, not to JavaScript
    ("0x10", "16", 16),
    ("0X1f", "31", 31),
    ("0o17", "15", 15),
    ("0b101", "5", 5),
    ("-0x10", "NaN", 50),
    ("1e1", "10", 10),
    ("1.9", "1.9", 1),
    ("8.", "8", 8),
    ("0.5", "0.5", 0),
    (".5", "0.5", 0),
    ("+8", "8", 8),
    ("-3", "-3", 50),
    ("0", "0", 50),
    ("", "0", 50),
    ("   ", "0", 50),
    ("lots", "NaN", 50),
    ("8 threads", "NaN", 50),
    ("1_000", "NaN", 50),  # Python's float() would take it
    ("Infinity", "Infinity", None),
    ("-Infinity", "-Infinity", 50),
    ("+Infinity", "Infinity", None),
    ("infinity", "NaN", 50),
    ("1e400", "Infinity", None),
    (None, "0", 50),
    (True, "1", 1),
    (False, "0", 50),
    ([8], "8", 8),
    (["8"], "8", 8),
    ([[3]], "3", 3),
    ([1, 2], "NaN", 50),
    ([], "0", 50),
    ([None], "0", 50),
    ({}, "NaN", 50),
    ("0012", "12", 12),
    ("1e-1", "0.1", 0),
    ("NaN", "NaN", 50),
]


def _javascript(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return str(int(number)) if number.is_integer() else repr(number)


@pytest.mark.parametrize(("claim", "node", "wrangler"), NODE)
def test_number_as_javascript_computes_it(claim: Any, node: str, wrangler: int | None) -> None:
    assert _javascript(js_number(claim)) == node


@pytest.mark.parametrize(("claim", "node", "wrangler"), NODE)
def test_concurrency_as_wrangler_reads_it(claim: Any, node: str, wrangler: int | None) -> None:
    claims = {"wrangler_single_asset_uploads": True, "edge_kv_upload_concurrency": claim}
    ours = single_asset_concurrency(claims)
    if wrangler is None:  # wrangler's queue would take Infinity: ours stops at a bound
        assert ours == MOST_IN_FLIGHT
    elif wrangler == 0:  # wrangler's queue throws on 0: ours keeps one in flight
        assert ours == 1
    else:
        assert ours == min(wrangler, MOST_IN_FLIGHT)


def test_a_huge_integer_is_infinity() -> None:
    assert js_number(10**400) == math.inf
    claims = {"wrangler_single_asset_uploads": True, "edge_kv_upload_concurrency": 10**400}
    assert single_asset_concurrency(claims) == MOST_IN_FLIGHT


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"wrangler_single_asset_uploads": True}, 50),  # undefined: NaN
        ({"wrangler_single_asset_uploads": True, "edge_kv_upload_concurrency": 300}, 256),
        ({"wrangler_single_asset_uploads": "true", "edge_kv_upload_concurrency": 8}, None),
        ({"edge_kv_upload_concurrency": 8}, None),
    ],
)
def test_single_asset_mode_needs_the_true_claim(
    claims: dict[str, Any], expected: int | None
) -> None:
    assert single_asset_concurrency(claims) == expected


def test_nan_is_not_json() -> None:
    """wrangler's ``JSON.parse`` refuses the payload: no claims, bulk uploads."""
    jwt = make_jwt(wrangler_single_asset_uploads=True, edge_kv_upload_concurrency=math.nan)
    assert jwt_claims(jwt) == {}
