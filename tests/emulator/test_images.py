"""The emulator's Cloudflare Images: direct upload v2, one-time URLs, details, listing."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from entrypoint.emulator.image_form import account_hash
from tests.emulator.apiclient import ACCOUNT, OTHER_ACCOUNT, error_of
from tests.support.imagegen import gif, heic, jpeg, png, svg, webp

IMAGES = f"/accounts/{ACCOUNT}/images"
Field = tuple[str, tuple[None, bytes, str]]


def _field(name: str, value: str, kind: str = "text/plain") -> Field:
    return (name, (None, value.encode(), kind))


def _direct(api: httpx.Client, *fields: Field, account: str = ACCOUNT) -> httpx.Response:
    # An empty form still goes as multipart: httpx needs one part to choose it, so add a
    # throwaway boundary by hand when there are no fields.
    if not fields:
        body = b"--b--\r\n"
        headers = {"Content-Type": "multipart/form-data; boundary=b"}
        return api.post(
            f"/accounts/{account}/images/v2/direct_upload", content=body, headers=headers
        )
    return api.post(f"/accounts/{account}/images/v2/direct_upload", files=list(fields))


def _later(minutes: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _upload(url: str, data: bytes, name: str = "file") -> httpx.Response:
    return httpx.post(url, files={name: ("photo", data, "application/octet-stream")})


def test_direct_upload_round_trip(api: httpx.Client, inspect: httpx.Client) -> None:
    answer = _direct(
        api,
        _field("id", "shop/shoe.png"),
        _field("creator", "user-42"),
        _field("expiry", _later(60)),
        _field("metadata", '{"sku": 7}', "application/json"),
        _field("requireSignedURLs", "false"),
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert result["id"] == "shop/shoe.png"
    assert result["uploadURL"].startswith(f"http://127.0.0.1:{api.base_url.port}/images-upload/")
    details = api.get(f"{IMAGES}/v1/shop%2Fshoe.png").json()["result"]
    assert details["draft"] is True
    assert details["meta"] == {"sku": 7}
    assert details["creator"] == "user-42"
    data = png(5, 5, "shoe")
    uploaded = _upload(result["uploadURL"], data)
    assert uploaded.status_code == 200, uploaded.text
    details = api.get(f"{IMAGES}/v1/shop%2Fshoe.png").json()["result"]
    assert "draft" not in details
    assert details["variants"] == [
        f"https://imagedelivery.net/{account_hash(ACCOUNT)}/shop/shoe.png/public"
    ]
    stored = inspect.get(f"/images/{ACCOUNT}/shop/shoe.png")
    assert stored.content == data
    assert stored.headers["content-type"] == "image/png"
    again = _upload(result["uploadURL"], data)
    assert (again.status_code, error_of(again)[0]) == (409, 5410)


def test_without_an_id_cloudflare_makes_a_uuid(api: httpx.Client) -> None:
    result = _direct(api).json()["result"]
    assert len(result["id"]) == 36
    assert api.get(f"{IMAGES}/v1/{result['id']}").json()["result"]["draft"] is True


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ([_field("id", "2cdc28f0-017a-49c4-9ed7-87056c83901f")], "UUID"),
        ([_field("id", "/lead")], "start nor end"),
        ([_field("id", "x" * 1025)], "1024"),
        ([_field("id", "x"), _field("requireSignedURLs", "true")], "signed"),
        ([_field("requireSignedURLs", "yes")], "true or false"),
        ([_field("expiry", _later(1))], "between"),
        ([_field("expiry", _later(6 * 60 + 5))], "between"),
        ([_field("expiry", "2030-01-02T03:04:05")], "time zone"),
        ([_field("expiry", "soon")], "RFC 3339"),
        ([_field("metadata", "[1]")], "JSON object"),
        ([_field("metadata", json.dumps({"k": "x" * 1100}))], "1024 bytes"),
        ([_field("metadata.sku", "7")], "one field holding a JSON object"),
        ([_field("filename", "x")], "Unknown"),
        ([_field("id", "a"), _field("id", "b")], "twice"),
        ([_field("creator", "c" * 1025)], "creator"),
    ],
)
def test_direct_upload_is_strict(api: httpx.Client, fields: list[Field], words: str) -> None:
    answer = _direct(api, *fields)
    assert answer.status_code == 400
    assert words in error_of(answer)[1]


def test_a_file_part_is_refused(api: httpx.Client) -> None:
    answer = api.post(f"{IMAGES}/v2/direct_upload", files={"id": ("name.png", b"x", "image/png")})
    assert answer.status_code == 400


def test_credentials_and_account(bare: httpx.Client, api: httpx.Client) -> None:
    assert bare.post(f"{IMAGES}/v2/direct_upload", files=[_field("id", "a")]).status_code == 401
    assert bare.get(f"{IMAGES}/v1/a").status_code == 401
    assert api.get("/accounts/nope/images/v1/a").status_code == 404


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (gif(2, 2), "image/gif"),
        (jpeg(9, 9), "image/jpeg"),
        (webp(3, 3), "image/webp"),
        (svg(3, 3), "image/svg+xml"),
        (heic(3, 3), "image/heic"),
    ],
)
def test_every_format_is_stored(
    api: httpx.Client, inspect: httpx.Client, data: bytes, kind: str
) -> None:
    url = _direct(api, _field("id", "img")).json()["result"]["uploadURL"]
    assert _upload(url, data).status_code == 200
    stored = inspect.get(f"/images/{ACCOUNT}/img")
    assert (stored.content, stored.headers["content-type"]) == (data, kind)


def test_upload_refusals(api: httpx.Client, inspect: httpx.Client) -> None:
    url = _direct(api, _field("id", "a")).json()["result"]["uploadURL"]
    assert _upload(url, b"GIF? no, text").status_code == 415
    assert _upload(url, b"\x89PNG\r\n\x1a\n" + b"\x00" * 10_000_000).status_code == 413
    assert _upload(url, png(1, 1), name="image").status_code == 400
    assert _upload(url + "x", png(1, 1)).status_code == 404
    assert inspect.post("/images-expire-next", json={"count": 1}).status_code == 200
    expired = _direct(api, _field("id", "b")).json()["result"]["uploadURL"]
    answer = _upload(expired, png(1, 1))
    assert (answer.status_code, error_of(answer)[0]) == (410, 5411)
    fresh = _direct(api, _field("id", "b")).json()["result"]["uploadURL"]
    assert _upload(fresh, png(1, 1)).status_code == 200
    assert _upload(url, png(1, 1)).status_code == 200  # the refusals did not use it up


def test_a_new_url_for_a_draft_replaces_the_old_one(api: httpx.Client) -> None:
    first = _direct(api, _field("id", "a")).json()["result"]["uploadURL"]
    second = _direct(api, _field("id", "a")).json()["result"]["uploadURL"]
    assert _upload(first, png(1, 1)).status_code == 404
    assert _upload(second, png(1, 1)).status_code == 200
    taken = _direct(api, _field("id", "a"))
    assert (taken.status_code, error_of(taken)[0]) == (409, 5409)


def test_details_of_an_unknown_image(api: httpx.Client) -> None:
    answer = api.get(f"{IMAGES}/v1/nothing")
    assert (answer.status_code, error_of(answer)[0]) == (404, 5404)


def test_listing_is_paged_and_leaves_out_drafts(api: httpx.Client) -> None:
    for index in range(12):
        url = _direct(api, _field("id", f"i{index:02d}")).json()["result"]["uploadURL"]
        _upload(url, png(1, 1))
    _direct(api, _field("id", "draft"))
    _direct(api, _field("id", "elsewhere"), account=OTHER_ACCOUNT)
    everything = api.get(f"{IMAGES}/v1").json()["result"]["images"]
    assert [image["id"] for image in everything] == [f"i{index:02d}" for index in range(12)]
    page_two = api.get(f"{IMAGES}/v1", params={"page": 2, "per_page": 10}).json()["result"]
    assert [image["id"] for image in page_two["images"]] == ["i10", "i11"]
    assert api.get(f"{IMAGES}/v1", params={"per_page": 5}).status_code == 400
    assert api.get(f"{IMAGES}/v1", params={"page": 0}).status_code == 400


def test_reset_forgets_images_and_stats_count_them(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    url = _direct(api, _field("id", "a")).json()["result"]["uploadURL"]
    _upload(url, png(1, 1))
    api.get(f"{IMAGES}/v1/a")
    requests = inspect.get("/stats").json()["requests"]
    assert requests == {"images-direct-upload": 1, "images-upload": 1, "images-details": 1}
    assert [record["id"] for record in inspect.get("/images").json()] == ["a"]
    inspect.post("/reset").raise_for_status()
    assert inspect.get("/images").json() == []
    assert _upload(url, png(1, 1)).status_code == 404


def test_refused_image_ids_are_named_as_sent(api: httpx.Client, inspect: httpx.Client) -> None:
    hostile = "photos/::warning::x\r\x1b[2K##[add-mask]y.png"
    inspect.post("/config", json={"refuse_images": [hostile]}).raise_for_status()
    answer = _direct(api, _field("id", hostile))
    assert answer.status_code == 400
    assert error_of(answer) == (10021, f"Invalid image id {hostile}: refused (refuse_images)")
    assert _direct(api, _field("id", "photos/ok.png")).status_code == 200
