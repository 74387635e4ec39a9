"""The Images client over respx: exact requests, the upload URL kept secret, errors classified."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from entrypoint.cloudflare.images import (
    DirectUpload,
    DirectUploadRequest,
    ImagesClient,
    StoredImage,
)
from entrypoint.cloudflare.multipart import FilePart
from entrypoint.errors import CloudflareRefusedError, RetryableError, UploadUrlRefusedError
from tests.support.apiclient import ACCOUNT_URL, TOKEN, envelope, failure, form_fields, run_images
from tests.support.imagegen import png

UPLOAD_URL = "https://upload.imagedelivery.net/Vi7wi5KSItxGFsWRG2Us6Q/one-time-Zk2"
IMAGES = f"{ACCOUNT_URL}/images"


def _refused(status: int, code: int, message: str) -> httpx.Response:
    return failure(status, [{"code": code, "message": message}])


def test_direct_upload_sends_every_field_as_multipart() -> None:
    router = respx.Router(assert_all_called=True)
    route = router.post(f"{IMAGES}/v2/direct_upload").mock(
        return_value=envelope({"id": "avatars/42", "uploadURL": UPLOAD_URL})
    )
    request = DirectUploadRequest(
        image_id="avatars/42",
        creator="user-42",
        expiry="2030-01-02T03:04:05Z",
        metadata={"k": "ü"},
        require_signed_urls=False,
    )
    draft = run_images(router, lambda client: client.create_direct_upload(request))
    assert draft == DirectUpload("avatars/42", UPLOAD_URL)
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    fields = form_fields(sent)
    assert fields["id"][1] == b"avatars/42"
    assert fields["creator"][1] == b"user-42"
    assert fields["expiry"][1] == b"2030-01-02T03:04:05Z"
    assert fields["metadata"] == ("application/json", '{"k":"ü"}'.encode())
    assert "requireSignedURLs" not in fields
    assert int(sent.headers["content-length"]) == len(sent.content)


def test_direct_upload_with_nothing_but_signed_urls() -> None:
    router = respx.Router()
    route = router.post(f"{IMAGES}/v2/direct_upload").mock(
        return_value=envelope(
            {"id": "e22e9e6b-c02b-42fd-c405-6c32af5fe600", "uploadURL": UPLOAD_URL}
        )
    )
    request = DirectUploadRequest(require_signed_urls=True)
    run_images(router, lambda client: client.create_direct_upload(request))
    assert set(form_fields(route.calls.last.request)) == {"requireSignedURLs"}


@pytest.mark.parametrize(
    ("result", "named"),
    [
        ({"id": "x"}, "result.uploadURL: Field required"),
        ({"uploadURL": UPLOAD_URL}, "result.id: Field required"),
        ({"id": "x", "uploadURL": "/relative"}, "result.uploadURL: not an http(s) URL"),
        ({"id": "x", "uploadURL": "http://[::1"}, "result.uploadURL: not an http(s) URL"),
        ({"id": "x", "uploadURL": "https://u:p@h/x"}, "result.uploadURL: not an http(s) URL"),
        ({"id": "x", "uploadURL": ["https://h/x"]}, "result.uploadURL: Input should be a valid"),
        ({"id": 42, "uploadURL": UPLOAD_URL}, "result.id: Input should be a valid string"),
        ({"id": "a\nb", "uploadURL": UPLOAD_URL}, "result.id: String should match"),
        ([], "result is an array, not an object"),
        (None, "result is null, not an object"),
    ],
)
def test_a_direct_upload_answer_of_the_wrong_shape_is_retryable(result: Any, named: str) -> None:
    router = respx.Router()
    router.post(f"{IMAGES}/v2/direct_upload").mock(return_value=envelope(result))
    with pytest.raises(RetryableError) as caught:
        run_images(router, lambda client: client.create_direct_upload(DirectUploadRequest()))
    message = str(caught.value)
    assert message.startswith("Could not create a direct upload URL: malformed answer (")
    assert named in message
    assert "[::1" not in message
    assert "u:p@" not in message


@pytest.mark.parametrize(
    ("result", "named"),
    [
        ({"id": "a", "draft": "yes"}, "result.draft: Input should be a valid boolean"),
        ({"id": 7}, "result.id: Input should be a valid string"),
        ("a", "result is a string, not an object"),
    ],
)
def test_image_details_of_the_wrong_shape_are_retryable(result: Any, named: str) -> None:
    router = respx.Router()
    router.get(f"{IMAGES}/v1/a").mock(return_value=envelope(result))
    with pytest.raises(RetryableError, match=re.escape(named)):
        run_images(router, lambda client: client.details("a"))


def _part(tmp_path: Path) -> FilePart:
    path = tmp_path / "shoe.png"
    path.write_bytes(png(4, 4, "shoe"))
    return FilePart("file", "shoe.png", "image/png", str(path), path.stat().st_size)


def test_upload_goes_to_the_url_without_credentials(tmp_path: Path) -> None:
    router = respx.Router(assert_all_called=True)
    route = router.post(UPLOAD_URL).mock(return_value=envelope({"id": "shop/shoe.png"}))
    part = _part(tmp_path)
    run_images(router, lambda client: client.upload(UPLOAD_URL, part, "shoe.png"))
    sent = route.calls.last.request
    assert "authorization" not in sent.headers
    assert "x-auth-key" not in sent.headers
    fields = form_fields(sent)
    assert fields == {"file": ("image/png", png(4, 4, "shoe"))}
    assert b'filename="shoe.png"' in sent.content


@pytest.mark.parametrize("status", [400, 403, 404, 409, 410])
def test_a_refused_url_is_told_apart_and_never_shown(tmp_path: Path, status: int) -> None:
    router = respx.Router()
    router.post(UPLOAD_URL).mock(return_value=_refused(status, 5410, f"bad URL {UPLOAD_URL}"))
    part = _part(tmp_path)
    with pytest.raises(UploadUrlRefusedError) as caught:
        run_images(router, lambda client: client.upload(UPLOAD_URL, part, "shoe.png"))
    assert UPLOAD_URL not in str(caught.value)
    assert "'shoe.png'" in caught.value.message
    assert caught.value.status == status


@pytest.mark.parametrize("status", [413, 415, 422])
def test_a_refused_file_is_not_a_url_problem(tmp_path: Path, status: int) -> None:
    router = respx.Router()
    router.post(UPLOAD_URL).mock(return_value=_refused(status, 5415, "Unsupported image format"))
    part = _part(tmp_path)
    with pytest.raises(CloudflareRefusedError) as caught:
        run_images(router, lambda client: client.upload(UPLOAD_URL, part, "shoe.png"))
    assert not isinstance(caught.value, UploadUrlRefusedError)
    assert caught.value.exit_code == 5


def test_transient_upload_failure_without_the_url(tmp_path: Path) -> None:
    router = respx.Router()
    router.post(UPLOAD_URL).mock(side_effect=httpx.ConnectError(f"cannot reach {UPLOAD_URL}"))
    part = _part(tmp_path)
    with pytest.raises(RetryableError) as caught:
        run_images(router, lambda client: client.upload(UPLOAD_URL, part, "shoe.png"))
    assert UPLOAD_URL not in str(caught.value)


def test_details_encode_the_id_and_read_the_draft_flag() -> None:
    router = respx.Router(assert_all_called=True)
    route = router.get(url__regex=r".*/images/v1/shop%2Fshoe\.png$").mock(
        return_value=envelope({"id": "shop/shoe.png", "draft": True})
    )
    found = run_images(router, lambda client: client.details("shop/shoe.png"))
    assert found == StoredImage("shop/shoe.png", draft=True)
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


def test_details_of_a_stored_image_and_of_none() -> None:
    router = respx.Router()
    router.get(f"{IMAGES}/v1/a").mock(return_value=envelope({"id": "a", "variants": []}))
    router.get(f"{IMAGES}/v1/b").mock(return_value=_refused(404, 5404, "Image not found"))

    async def scenario(client: ImagesClient) -> tuple[StoredImage | None, StoredImage | None]:
        return await client.details("a"), await client.details("b")

    assert run_images(router, scenario) == (StoredImage("a", draft=False), None)


def test_refused_credentials_get_the_images_hint() -> None:
    router = respx.Router()
    router.get(f"{IMAGES}/v1/a").mock(return_value=_refused(403, 10000, "Authentication error"))
    with pytest.raises(CloudflareRefusedError) as caught:
        run_images(router, lambda client: client.details("a"))
    assert "Cloudflare Images: Edit" in caught.value.hint
