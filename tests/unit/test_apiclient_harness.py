"""The respx harness itself (tests/support/apiclient.py): it fails a test whose routes were not all
called or whose requests matched no route, and lets a scenario's own exception through."""

from __future__ import annotations

import contextlib

import httpx
import pytest
import respx

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.images import ImagesClient, StoredImage
from entrypoint.cloudflare.workers import ScriptApi
from entrypoint.errors import RetryableError
from tests.support.apiclient import ACCOUNT_URL, envelope, run_client, run_images

SERVICE = f"{ACCOUNT_URL}/workers/services/site"
SUBDOMAIN = f"{ACCOUNT_URL}/workers/subdomain"


class ScenarioError(Exception):
    """What a scenario raises on its own."""


async def _exists(client: CloudflareClient) -> bool:
    return await ScriptApi(client).exists("site")


def _two_routes(*, assert_all_called: bool = True) -> respx.Router:
    """A route the scenarios below call (the Worker lookup) and one they never do."""
    router = respx.Router(assert_all_called=assert_all_called)
    router.get(SERVICE).mock(return_value=envelope({"id": "site"}))
    router.get(SUBDOMAIN, name="uncalled").mock(return_value=envelope({"subdomain": "acme"}))
    return router


def test_a_scenario_that_calls_every_route_gives_its_result() -> None:
    router = respx.Router()
    route = router.get(SERVICE).mock(return_value=envelope({"id": "site"}))
    assert run_client(router, _exists) is True
    assert route.call_count == 1


def test_a_route_never_called_fails_the_test() -> None:
    with pytest.raises(AssertionError, match="some routes were not called") as caught:
        run_client(_two_routes(), _exists)
    assert any("name='uncalled'" in note for note in caught.value.__notes__)


def test_the_explicit_flag_is_checked_too() -> None:
    with pytest.raises(AssertionError, match="some routes were not called"):
        run_client(_two_routes(assert_all_called=True), _exists)


def test_routes_that_may_be_called_are_not_checked() -> None:
    assert run_client(_two_routes(assert_all_called=False), _exists) is True


def test_a_route_called_in_an_earlier_run_of_the_same_router_counts() -> None:
    router = _two_routes()

    async def subdomain(client: CloudflareClient) -> str | None:
        return await ScriptApi(client).account_subdomain()

    with pytest.raises(AssertionError):
        run_client(router, _exists)
    assert run_client(router, subdomain) == "acme"


def test_a_request_that_matches_no_route_fails_the_test() -> None:
    router = respx.Router()
    router.get(SUBDOMAIN).mock(return_value=envelope({"subdomain": "acme"}))
    with pytest.raises(AssertionError, match="not mocked"):
        run_client(router, _exists)


def test_a_request_that_matches_no_route_fails_even_when_the_code_swallows_it() -> None:
    router = respx.Router(assert_all_called=False)

    async def swallowing(client: CloudflareClient) -> str:
        with contextlib.suppress(AssertionError):
            await _exists(client)
        return "done"

    with pytest.raises(AssertionError, match=r"matched no route: GET https://\S+/services/site"):
        run_client(router, swallowing)


def test_unmatched_requests_are_allowed_where_the_router_says_so() -> None:
    router = respx.Router(assert_all_mocked=False)  # respx answers them 200, empty
    with pytest.raises(RetryableError, match="malformed answer"):
        run_client(router, _exists)
    assert len(router.calls) == 1


def test_the_scenarios_own_exception_surfaces_not_the_route_check() -> None:
    async def failing(client: CloudflareClient) -> bool:
        await _exists(client)
        msg = "the scenario's own failure"
        raise ScenarioError(msg)

    with pytest.raises(ScenarioError, match="own failure") as caught:
        run_client(_two_routes(), failing)
    assert not getattr(caught.value, "__notes__", [])


def test_a_scenario_exception_names_the_requests_no_route_matched() -> None:
    router = respx.Router()

    async def failing(client: CloudflareClient) -> bool:
        with contextlib.suppress(AssertionError):
            await _exists(client)
        msg = "the scenario's own failure"
        raise ScenarioError(msg)

    with pytest.raises(ScenarioError) as caught:
        run_client(router, failing)
    (note,) = caught.value.__notes__
    assert "matched no route: GET" in note
    assert "/services/site" in note


def test_the_images_client_is_checked_the_same_way() -> None:
    router = respx.Router()
    router.get(f"{ACCOUNT_URL}/images/v1/a").mock(return_value=envelope({"id": "a"}))
    router.get(f"{ACCOUNT_URL}/images/v1/b").mock(return_value=envelope({"id": "b"}))

    async def first(client: ImagesClient) -> StoredImage | None:
        return await client.details("a")

    with pytest.raises(AssertionError, match="some routes were not called"):
        run_images(router, first)


def test_a_transport_failure_from_a_route_is_the_codes_to_handle() -> None:
    """A route may raise (a side effect): that is a call, and the client maps what it raised."""
    router = respx.Router()
    router.get(SERVICE).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(RetryableError, match="ConnectError"):
        run_client(router, _exists)
