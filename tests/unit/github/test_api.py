"""GitHub's REST calls of the integration, on answers a stand-in server does not easily give:
a comment on the second page, answers without an id or not JSON, a network failure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
import respx

from entrypoint.errors import GitHubError
from entrypoint.github.api import GitHubApi

BASE = "https://api.github.test"
T = TypeVar("T")


def _run(call: Callable[[GitHubApi], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient(base_url=BASE) as http:
            return await call(GitHubApi(http, "org/site"))

    return asyncio.run(main())


def test_our_comment_is_found_on_a_later_page() -> None:
    others = [{"id": n, "body": "lgtm"} for n in range(100)]
    with respx.mock(base_url=BASE) as router:
        route = router.get("/repos/org/site/issues/7/comments")
        route.side_effect = [
            httpx.Response(200, json=others),
            httpx.Response(200, json=[{"id": 555, "body": "<!-- cf-assets:s -->\nold"}]),
        ]
        assert _run(lambda api: api.find_comment(7, "<!-- cf-assets:s -->")) == 555
        assert [call.request.url.params["page"] for call in route.calls] == ["1", "2"]


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(201, json={"url": "x"}), "has no id"),
        (httpx.Response(201, json={"id": True}), "has no id"),
        (httpx.Response(201, text="<html>"), "not JSON"),
        (httpx.Response(422, json={"message": "ref is required"}), "422: ref is required"),
    ],
)
def test_an_unusable_answer_is_a_github_error(answer: httpx.Response, fragment: str) -> None:
    with respx.mock(base_url=BASE) as router:
        router.post("/repos/org/site/deployments").mock(return_value=answer)
        with pytest.raises(GitHubError, match=fragment):
            _run(lambda api: api.create_deployment({"ref": "a", "environment": "p"}))


def test_a_network_failure_is_a_github_error() -> None:
    with respx.mock(base_url=BASE) as router:
        router.post("/repos/org/site/deployments").mock(side_effect=httpx.ConnectError("down"))
        with pytest.raises(
            GitHubError, match="Could not create the GitHub deployment: ConnectError"
        ):
            _run(lambda api: api.create_deployment({"ref": "a", "environment": "p"}))
