"""Reading Cloudflare's answers at the boundary: status and envelope → error class, ``result`` →
typed object, and server text bounded, made one line and redacted before it reaches a message."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from entrypoint.cloudflare.answers import (
    MAX_DETAIL,
    errors_of,
    one_line,
    parse_json,
    read_answer,
    retry_after,
)
from entrypoint.cloudflare.api import SessionResult, UploadResult
from entrypoint.cloudflare.exchange import Answer
from entrypoint.errors import CloudflareRefusedError, RetryableError

NOW = 1_700_000_000.0
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uIjoxfQ.c2lnbmF0dXJlLXNlY3JldA"
HASH = "0123456789abcdef0123456789abcdef"


def _answer(status: int, body: bytes | str, **headers: str) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    return Answer(status, httpx.Headers(headers), data)


def _read(answer: Answer, model: type[SessionResult] | None = SessionResult) -> object:
    return read_answer("open the upload session", answer, model, lambda: NOW)


def _error(answer: Answer) -> RetryableError | CloudflareRefusedError:
    with pytest.raises((RetryableError, CloudflareRefusedError)) as caught:
        _read(answer)
    assert isinstance(caught.value, RetryableError | CloudflareRefusedError)
    return caught.value


def test_a_session_result_is_typed() -> None:
    body = f'{{"success": true, "result": {{"jwt": "{JWT}", "buckets": [["{HASH}"], []]}}}}'
    session = _read(_answer(200, body))
    assert session == SessionResult(jwt=JWT, buckets=[[HASH], []])


@pytest.mark.parametrize(
    ("result", "named"),
    [
        ('{"jwt": "a.b.c", "buckets": 5}', "result.buckets: Input should be a valid list"),
        ('{"jwt": "a.b.c", "buckets": [5]}', "result.buckets[0]: Input should be a valid list"),
        ('{"jwt": "a.b.c", "buckets": [[5]]}', "result.buckets[0][0]: Input should be a valid str"),
        ('{"jwt": "a.b.c", "buckets": [["../etc"]]}', "result.buckets[0][0]: String should match"),
        ('{"jwt": "a.b.c", "buckets": {"a": 1}}', "result.buckets: Input should be a valid list"),
        ('{"jwt": "a.b.c"}', "result.buckets: Field required"),
        ('{"jwt": 7, "buckets": []}', "result.jwt: Input should be a valid string"),
        ('{"jwt": "", "buckets": []}', "result.jwt: String should have at least 1 character"),
        ('{"jwt": "a.b\\r\\nX-Evil: 1", "buckets": []}', "result.jwt: String should match"),
        ('{"jwt": "t\\u00f6ken", "buckets": []}', "result.jwt: String should match"),
        ("null", "result is null, not an object"),
        ('"jwt"', "result is a string, not an object"),
        ("[]", "result is an array, not an object"),
    ],
)
def test_a_session_result_of_the_wrong_shape_is_malformed(result: str, named: str) -> None:
    error = _error(_answer(200, f'{{"success": true, "result": {result}}}', **{"cf-ray": "8f-X"}))
    assert isinstance(error, RetryableError)
    assert str(error).startswith("Could not open the upload session: malformed answer (HTTP 200, ")
    assert named in str(error)
    assert str(error).endswith("(cf-ray 8f-X).")


def test_many_problems_are_told_as_the_first_and_a_count() -> None:
    buckets = ", ".join(["[1]"] * 5000)
    error = _error(
        _answer(200, f'{{"success": true, "result": {{"jwt": 1, "buckets": [{buckets}]}}}}')
    )
    assert "result.jwt: Input should be a valid string (and 5000 more)" in str(error)
    assert len(str(error)) < 400


@pytest.mark.parametrize(
    ("answer", "told"),
    [
        (_answer(200, ""), "an empty body"),
        (
            _answer(200, "<html>portal</html>", **{"content-type": "text/html"}),
            "text/html, not JSON",
        ),
        (_answer(200, "<html>", **{"content-type": "text/html\r\nX: y"}), "not JSON"),
        (
            _answer(200, "[1, 2]", **{"content-type": "application/json"}),
            "not a JSON object but an",
        ),
        (_answer(200, '"ok"'), "not a JSON object but a string"),
        (_answer(200, "NaN"), "not JSON"),
        (_answer(200, "[" * 100_000 + "]" * 100_000), "not JSON"),
        (_answer(200, '{"a": ' + "1" * 5000 + "}"), "not JSON"),
        (_answer(200, b"\xff\xfe{}"), "not JSON"),
    ],
)
def test_an_answer_that_is_not_a_json_object_is_malformed(answer: Answer, told: str) -> None:
    error = _error(answer)
    assert isinstance(error, RetryableError)
    assert f"malformed answer (HTTP 200, {told}" in str(error)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_one_retryable_line_naming_the_input(status: int) -> None:
    error = _error(_answer(status, "", location="https://elsewhere.example/steal"))
    assert isinstance(error, RetryableError)
    assert f"redirect (HTTP {status})" in str(error)
    assert "check api-base-url" in str(error)
    assert "elsewhere" not in str(error)


def test_success_without_a_required_result_is_malformed() -> None:
    error = _error(_answer(200, '{"success": true, "errors": []}'))
    assert "result is null, not an object" in str(error)


def test_an_upload_without_a_result_has_no_token() -> None:
    answer = _answer(202, '{"success": true, "result": null}')
    assert read_answer("upload", answer, UploadResult, lambda: NOW) == UploadResult()


def test_a_result_that_is_not_read_is_not_checked() -> None:
    assert _read(_answer(200, '{"success": true, "result": [1]}'), None) is None


def test_error_messages_are_one_line_capped_and_redacted() -> None:
    errors = [
        {"code": 1000 + i, "message": f"bad\nline {i} ::error::x {JWT} " + "y" * 1000}
        for i in range(40)
    ]
    errors.append({"code": True, "message": ["not", "text"]})
    codes, lines = errors_of({"errors": errors})
    assert codes == [1000 + i for i in range(40)]
    assert len(lines) == 6
    assert lines[-1] == "and 36 more"
    for line in lines[:5]:
        assert "\n" not in line
        assert JWT not in line
        assert len(line) <= 210
    error = _error(_answer(400, httpx.Response(400, json={"errors": errors}).content))
    assert isinstance(error, CloudflareRefusedError)
    assert "\n" not in str(error)
    assert len(str(error)) < 1500


@pytest.mark.parametrize(
    "text",
    [
        "word " * 236 + JWT,  # cut before redaction (bounding its work) in the JWT
        "word " * 58 + "cfat_" + "Q" * 40 + " tail",  # cut in a long token no pattern knows
        "eyJ" * 1_000_000,
    ],
)
def test_one_line_never_shows_part_of_a_token(text: str) -> None:
    cut = one_line(text)
    assert cut.endswith("…") or not cut
    assert len(cut) <= MAX_DETAIL
    assert "eyJ" not in cut
    assert "QQQ" not in cut


def test_one_line_keeps_short_text_and_flattens_it() -> None:
    assert one_line("bad\r\n::error::x\u2028y") == "bad ::error::x y"
    assert one_line(f"token {JWT} refused") == "token *** refused"


def test_parse_json_is_strict_and_bounded() -> None:
    assert parse_json(b'{"a": [1, 2.5, null, true]}') == {"a": [1, 2.5, None, True]}
    assert parse_json(b"Infinity") is None
    assert parse_json(b"[" * 5000 + b"]" * 5000) is None
    assert parse_json(b"") is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("12", 12.0),
        ("0", 0.0),
        ("600", 60.0),
        ("9" * 400, 60.0),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW + 3600, usegmt=True), 60.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
        ("Fri, 01 Jan 99999 00:00:00 GMT", None),
        ("\u00b2", None),
        ("-5", None),
        ("1e3", None),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_is_honoured_up_to_60_seconds(value: str, seconds: float | None) -> None:
    headers = httpx.Headers({b"retry-after": value.encode("utf-8")})
    assert retry_after(headers, lambda: NOW) == (
        pytest.approx(seconds) if seconds is not None else None
    )
