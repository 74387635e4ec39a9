"""Account resources wrangler looks up before a deploy binds them: queues, R2 buckets, dispatch
namespaces."""

from __future__ import annotations

import httpx

from entrypoint.emulator import EmulatorThread
from tests.emulator.apiclient import ACCOUNT, error_of

BASE = f"/accounts/{ACCOUNT}"


def test_queues_are_listed_by_name(api: httpx.Client):
    answer = api.get(f"{BASE}/queues", params=[("name", "jobs"), ("name", "later"), ("page", "1")])
    assert answer.status_code == 200
    body = answer.json()
    assert [q["queue_name"] for q in body["result"]] == ["jobs", "later"]
    assert body["result_info"]["total_count"] == 2
    assert api.get(f"{BASE}/queues").json()["result"] == []
    bad = api.get(f"{BASE}/queues", params={"name": "Not_A_Queue"})
    assert bad.status_code == 400


def test_buckets_exist_with_their_jurisdiction(api: httpx.Client):
    answer = api.get(f"{BASE}/r2/buckets/sink-eu", headers={"cf-r2-jurisdiction": "eu"})
    assert answer.status_code == 200
    assert answer.json()["result"]["jurisdiction"] == "eu"
    assert api.get(f"{BASE}/r2/buckets/-bad-").status_code == 400
    wrong = api.get(f"{BASE}/r2/buckets/ok-name", headers={"cf-r2-jurisdiction": "mars"})
    assert wrong.status_code == 400


def test_namespaces_are_created_once_and_listed(api: httpx.Client, inspect: httpx.Client):
    path = f"{BASE}/workers/dispatch/namespaces"
    assert api.get(path).json()["result"] == []
    assert api.post(path, json={"name": "tenants"}).status_code == 200
    again = api.post(path, json={"name": "tenants"})
    assert again.status_code == 400
    assert "already exists" in error_of(again)[1]
    assert api.post(path, json={"name": "x", "extra": 1}).status_code == 400
    assert [n["namespace_name"] for n in api.get(path).json()["result"]] == ["tenants"]
    inspect.post("/reset").raise_for_status()
    assert api.get(path).json()["result"] == []


def test_resources_need_credentials(emulator_server: EmulatorThread):
    answer = httpx.get(f"{emulator_server.base_url}{BASE}/queues")
    assert answer.status_code == 401
