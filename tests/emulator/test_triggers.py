"""Zones, routes, custom domains, cron schedules and migration tags: strict as the API."""

from __future__ import annotations

import httpx
import pytest

from entrypoint.emulator.schedules import valid_cron
from entrypoint.emulator.zones import zone_id
from tests.emulator.apiclient import ACCOUNT, Site, error_of, put_worker, script_path, upload_site

SITE = Site({"/index.html": b"<h1>hi</h1>"}, {"/index.html": "text/html"})
MODULE = ("index.js", b"export default {}", "application/javascript+module")


def _worker(api: httpx.Client, script: str = "site", **metadata: object) -> httpx.Response:
    token = upload_site(api, SITE, script)
    body = {"main_module": "index.js", "assets": {"jwt": token}, **metadata}
    return put_worker(api, body, [MODULE], script=script)


def test_zone_lookup_by_exact_name(api: httpx.Client) -> None:
    found = api.get("/zones", params={"name": "example.com", "account.id": ACCOUNT}).json()
    assert [z["id"] for z in found["result"]] == [zone_id("example.com")]
    assert found["result_info"]["total_pages"] == 1
    none = api.get("/zones", params={"name": "shop.example.com"}).json()
    assert none["result"] == []


def test_script_routes_replace_the_workers_and_refuse_anothers(api: httpx.Client) -> None:
    assert _worker(api).status_code == 200
    assert _worker(api, "other").status_code == 200
    routes = [
        {"pattern": "a.example.com/*"},
        {"pattern": "b.example.org/x", "zone_name": "example.org"},
    ]
    answer = api.put(f"{script_path()}/routes", json=routes)
    assert answer.status_code == 200, answer.text
    zone = zone_id("example.com")
    listed = api.get(f"/zones/{zone}/workers/routes").json()["result"]
    assert [(r["pattern"], r["script"]) for r in listed] == [("a.example.com/*", "site")]
    taken = api.put(f"{script_path('other')}/routes", json=[{"pattern": "a.example.com/*"}])
    assert taken.status_code == 409
    assert error_of(taken)[0] == 10020
    api.put(f"{script_path()}/routes", json=[])
    assert api.get(f"/zones/{zone}/workers/routes").json()["result"] == []


@pytest.mark.parametrize(
    "route",
    [
        {"pattern": "a.example.net/*"},
        {"pattern": "a.example.com/*", "zone_id": "0" * 32},
        {"pattern": "a.example.com/*", "zone": "example.com"},
        "a.example.com/*",
    ],
)
def test_script_routes_refuse_a_route_without_a_zone(api: httpx.Client, route: object) -> None:
    assert _worker(api).status_code == 200
    answer = api.put(f"{script_path()}/routes", json=[route])
    assert answer.status_code in {400, 404}, answer.text


def test_zone_routes_post_refuses_a_duplicate(api: httpx.Client) -> None:
    zone = zone_id("example.com")
    first = api.post(
        f"/zones/{zone}/workers/routes", json={"pattern": "x.example.com/*", "script": "a"}
    )
    assert first.status_code == 200
    again = api.post(f"/zones/{zone}/workers/routes", json={"pattern": "x.example.com/*"})
    assert again.status_code == 409
    assert api.get(f"/zones/{'f' * 32}/workers/routes").status_code == 404


def test_custom_domains_changeset_and_records(api: httpx.Client) -> None:
    assert _worker(api).status_code == 200
    assert _worker(api, "other").status_code == 200
    origins = [{"hostname": "app.example.com"}]
    changes = api.post(
        f"{script_path()}/domains/changeset", params={"replace_state": "true"}, json=origins
    ).json()["result"]
    assert [d["hostname"] for d in changes["added"]] == ["app.example.com"]
    options = {"override_scope": True, "override_existing_origin": False}
    put = api.put(f"{script_path()}/domains/records", json={**options, "origins": origins})
    assert put.status_code == 200, put.text
    taken = api.put(f"{script_path('other')}/domains/records", json={**options, "origins": origins})
    assert taken.status_code == 409
    moved = api.put(
        f"{script_path('other')}/domains/records",
        json={**options, "override_existing_origin": True, "origins": origins},
    )
    assert moved.status_code == 200
    (record,) = moved.json()["result"]
    read = api.get(f"/accounts/{ACCOUNT}/workers/domains/records/{record['id']}").json()
    assert (read["result"]["hostname"], read["result"]["service"]) == ("app.example.com", "other")
    assert api.get(f"/accounts/{ACCOUNT}/workers/domains/records/nope").status_code == 404
    for bad in ({"hostname": "*.example.com"}, {"hostname": "a.example.net"}, {"host": "x"}):
        refused = api.put(f"{script_path()}/domains/records", json={"origins": [bad]})
        assert refused.status_code in {400, 404}, bad


@pytest.mark.parametrize(
    ("cron", "valid"),
    [
        ("*/15 * * * *", True),
        ("0 3 * * MON", True),
        ("0 0 L * *", True),
        ("0 0 * * 6#3", True),
        ("0 0 1,15 JAN-MAR 2-6", True),
        ("61 * * * *", False),
        ("* * * *", False),
        ("* * * * 8", False),
        ("*/0 * * * *", False),
        ("@daily", False),
    ],
)
def test_cron_syntax(cron: str, valid: bool) -> None:
    assert valid_cron(cron) is valid


def test_schedules_replace_and_refuse_a_bad_cron(api: httpx.Client) -> None:
    assert _worker(api).status_code == 200
    url = f"{script_path()}/schedules"
    assert api.put(url, json=[{"cron": "0 3 * * MON"}]).status_code == 200
    assert api.get(url).json()["result"] == {"schedules": [{"cron": "0 3 * * MON"}]}
    bad = api.put(url, json=[{"cron": "0 3 * * MON"}, {"cron": "61 * * * *"}])
    assert bad.status_code == 400
    assert error_of(bad)[0] == 10100
    assert api.get(url).json()["result"] == {"schedules": [{"cron": "0 3 * * MON"}]}
    assert api.put(url, json={"cron": "* * * * *"}).status_code == 400
    assert api.put(url, json=[]).status_code == 200
    assert api.get(url).json()["result"] == {"schedules": []}
    assert api.put(f"{script_path('ghost')}/schedules", json=[]).status_code == 404


def _tag(api: httpx.Client) -> object:
    service = api.get(f"/accounts/{ACCOUNT}/workers/services/site").json()["result"]
    return service["default_environment"]["script"]["migration_tag"]


def test_migrations_apply_only_from_the_workers_tag(api: httpx.Client) -> None:
    v1 = {"new_tag": "v1", "steps": [{"new_sqlite_classes": ["Counter"]}]}
    assert _worker(api, migrations=v1).status_code == 200
    assert _tag(api) == "v1"
    stale = _worker(api, migrations={"old_tag": "v0", "new_tag": "v2", "steps": []})
    assert stale.status_code == 400
    assert error_of(stale)[0] == 10079
    again = _worker(api, migrations=v1)  # no old_tag, but the Worker has one
    assert again.status_code == 400
    v2 = {"old_tag": "v1", "new_tag": "v2", "steps": [{"deleted_classes": ["Counter"]}]}
    assert _worker(api, migrations=v2).status_code == 200
    assert _tag(api) == "v2"
    assert _worker(api).status_code == 200  # no migrations: the tag stays
    assert _tag(api) == "v2"
    odd = _worker(api, migrations={"old_tag": "v2", "new_tag": "v3", "steps": [{"new_tables": []}]})
    assert odd.status_code == 400
