"""A Worker whose import names no module is refused on upload, as Cloudflare refuses it
(400, code 10021, "No such module"), on the PUT and on the versions route, and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.apiclient import error_of, put_worker, script_path
from tests.emulator.workers_api import create_worker, post_version

ESM = "application/javascript+module"
ENTRY = ("index.js", b'import { helper } from "./lib/helper.js";\nexport default {}', ESM)
HELPER = ("lib/helper.js", b'export { shared as helper } from "../shared.js"', ESM)
SHARED = ("shared.js", b"export const shared = 1", ESM)


def _no_such_module(response: httpx.Response, specifier: str, importer: str) -> None:
    assert response.status_code == 400, response.text
    code, message = error_of(response)
    assert code == 10021
    assert f'No such module "{specifier}"' in message
    assert f'imported from "{importer}"' in message


def test_relative_imports_across_folders_load(api: httpx.Client) -> None:
    response = put_worker(api, {"main_module": "index.js"}, [ENTRY, HELPER, SHARED])
    assert response.status_code == 200, response.text


def test_a_missing_module_is_refused_and_nothing_is_stored(api: httpx.Client) -> None:
    response = put_worker(api, {"main_module": "index.js"}, [ENTRY, HELPER])
    _no_such_module(response, "../shared.js", "lib/helper.js")
    assert api.get(f"{script_path()}/versions").status_code == 404  # no Worker was made


def test_the_versions_route_refuses_it_too(api: httpx.Client) -> None:
    create_worker(api)
    response = post_version(api, {"main_module": "index.js"}, [ENTRY])
    _no_such_module(response, "./lib/helper.js", "index.js")


@pytest.mark.parametrize(
    ("source", "flags", "loads"),
    [
        (b'import "cloudflare:workers"', [], True),
        (b'import "node:buffer"', [], False),
        (b'import "node:buffer"', ["nodejs_compat"], True),
        (b'import "buffer"', ["nodejs_compat"], True),  # v2 from 2024-09-23
        (b'import "buffer"', ["nodejs_compat", "no_nodejs_compat_v2"], False),
        (b'import "lodash"', ["nodejs_compat"], False),
        (b'const m = await import("./later.js")', [], False),
        (b'// import "./gone.js"\nconst s = "import \'./gone.js\'"', [], True),
    ],
)
def test_built_in_and_bare_specifiers(
    api: httpx.Client, source: bytes, flags: list[str], loads: bool
) -> None:
    metadata = {"main_module": "index.js", "compatibility_date": "2025-06-01"}
    metadata["compatibility_flags"] = flags  # type: ignore[assignment]
    response = put_worker(api, metadata, [("index.js", source, ESM)])
    assert (response.status_code == 200) is loads, response.text
    if not loads:
        assert error_of(response)[0] == 10021


def test_text_modules_are_not_read_as_code(api: httpx.Client) -> None:
    modules = [("index.js", b"export default {}", ESM), ("a.txt", b'import "./x.js"', "text/plain")]
    assert put_worker(api, {"main_module": "index.js"}, modules).status_code == 200
