"""Binding shapes in a Worker upload: what wrangler 4.164 sends passes, anything else is refused.

Every binding of ``tests/fixtures/config_parity.json`` (recorded from real wrangler) must pass;
each way a translation could go wrong (a field missing, a config field name sent as is, an unknown
type, a duplicate name) must be refused with a 400 naming the binding.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator.binding_shapes import SHAPES, check_bindings
from entrypoint.emulator.envelope import ApiError
from tests.emulator.apiclient import error_of, put_worker

FIXTURE: Final = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "config_parity.json").read_text("utf-8")
)
WRANGLER: Final[list[dict[str, Any]]] = FIXTURE["scenarios"]["top_level"]["upload"]["metadata"][
    "bindings"
]
MODULE: Final = ("index.js", b"export default {}", "application/javascript+module")


def test_every_binding_wrangler_sends_passes():
    assert len(WRANGLER) > 30
    check_bindings(copy.deepcopy(WRANGLER), set())
    assert {b["type"] for b in WRANGLER} <= set(SHAPES)


def _refused(bindings: list[Any]) -> str:
    with pytest.raises(ApiError) as caught:
        check_bindings(bindings, set())
    assert caught.value.status == 400
    return caught.value.message


@pytest.mark.parametrize("index", range(len(WRANGLER)))
def test_each_required_field_is_required(index: int):
    binding = WRANGLER[index]
    required = SHAPES[binding["type"]].required
    for key in required:
        broken = copy.deepcopy(WRANGLER)
        del broken[index][key]
        assert f"needs '{key}'" in _refused(broken)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"binding": "CACHE"}, "'binding' is not a field of a kv_namespace binding"),
        ({"id": "x"}, "'id' is not a field of a kv_namespace binding"),
        ({"type": "kv"}, "unknown binding type 'kv'"),
        ({"namespace_id": 7}, "needs 'namespace_id' (string)"),
        ({"name": ""}, "non-empty string 'name'"),
    ],
)
def test_what_a_wrong_translation_sends_is_refused(change: dict[str, Any], message: str):
    kv = {"name": "CACHE", "type": "kv_namespace", "namespace_id": "abc", **change}
    assert message in _refused([kv])


def test_a_name_used_twice_is_refused():
    twice = [
        {"name": "X", "type": "ai"},
        {"name": "X", "type": "plain_text", "text": "t"},
    ]
    assert "Binding name 'X' is used more than once" in _refused(twice)


def test_details_are_checked():
    limiter = {"name": "L", "type": "ratelimit", "namespace_id": "1", "simple": {"limit": 1}}
    assert "'limit' and 'period'" in _refused([limiter])
    pipe = {"name": "P", "type": "pipelines", "stream": "s", "pipeline": "p"}
    assert "exactly one of stream, pipeline" in _refused([pipe])
    bucket = {"name": "B", "type": "r2_bucket", "bucket_name": "b", "jurisdiction": "mars"}
    assert "jurisdiction" in _refused([bucket])
    outbound = {"name": "D", "type": "dispatch_namespace", "namespace": "n", "outbound": {}}
    assert "worker.service" in _refused([outbound])


def test_the_api_refuses_a_bad_binding(api: httpx.Client):
    metadata = {
        "main_module": "index.js",
        "compatibility_date": "2025-06-01",
        "bindings": [{"name": "Q", "type": "queue", "queue": "jobs"}],
    }
    answer = put_worker(api, metadata, [MODULE])
    assert answer.status_code == 400
    code, message = error_of(answer)
    assert code == 10021
    assert "bindings[0] (Q): a queue binding needs 'queue_name' (string)" in message
    metadata["bindings"] = copy.deepcopy(WRANGLER)
    assert put_worker(api, metadata, [MODULE]).status_code == 200
