"""A local stand-in for the GitHub REST endpoints the GitHub integration calls, reached through
``GITHUB_API_URL`` as the runner sets it.

Strict as GitHub is where it matters: a Bearer token it knows (401 otherwise), a token without
the permission gets 403 (``forbidden``), the documented ``Accept`` and ``X-GitHub-Api-Version``
headers (400 otherwise), JSON bodies with the required fields and types (422 otherwise: a
deployment's ``ref`` and ``environment``, a status's ``state`` among GitHub's, a comment's
``body``), comments paged by ``per_page`` / ``page`` (at most 100 per page). It records every
request for the test to read.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

TOKEN: Final = "ghs_stand-in-token-0123456789"
STATES: Final = frozenset(
    {"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}
)


@dataclass
class GitHubState:
    """What the stand-in holds: deployments, their statuses, comments per issue, requests."""

    deployments: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)  # "deployments", "comments"
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def _handle(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        body = self._body() if method in ("POST", "PATCH") else None
        state.requests.append((method, url.path + (f"?{url.query}" if url.query else ""), body))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {"message": "Bad credentials"})
            return
        if self.headers.get("Accept") != "application/vnd.github+json" or (
            self.headers.get("X-GitHub-Api-Version") != "2022-11-28"
        ):
            self._answer(400, {"message": "Accept and X-GitHub-Api-Version are required"})
            return
        parts = url.path.strip("/").split("/")
        if len(parts) < 4 or parts[0] != "repos" or f"{parts[1]}/{parts[2]}" != self.server.repo:
            self._answer(404, {"message": "Not Found"})
            return
        rest, query = parts[3:], parse_qs(url.query)
        kind = "deployments" if rest[0] == "deployments" else "comments"
        if kind in state.forbidden:
            self._answer(403, {"message": "Resource not accessible by integration"})
            return
        self._route(method, rest, query, body)

    def _route(self, method: str, rest: list[str], query: dict[str, list[str]], body: Any) -> None:
        if method == "POST" and rest == ["deployments"]:
            self._deployment(body)
        elif method == "POST" and len(rest) == 3 and rest[::2] == ["deployments", "statuses"]:
            self._status(rest[1], body)
        elif len(rest) == 3 and rest[::2] == ["issues", "comments"] and rest[1].isdigit():
            self._comments(method, int(rest[1]), query, body)
        elif method == "PATCH" and len(rest) == 3 and rest[:2] == ["issues", "comments"]:
            self._edit(rest[2], body)
        else:
            self._answer(404, {"message": "Not Found"})

    def _deployment(self, body: Any) -> None:
        state = self.server.state
        if not isinstance(body, dict) or not isinstance(body.get("ref"), str) or not body["ref"]:
            self._answer(422, {"message": "ref is required"})
        elif not isinstance(body.get("environment"), str):
            self._answer(422, {"message": "environment must be a string"})
        else:
            deployment = {"id": state.new_id(), **body}
            state.deployments.append(deployment)
            self._answer(201, deployment)

    def _status(self, deployment: str, body: Any) -> None:
        state = self.server.state
        known = {d["id"] for d in state.deployments}
        if not deployment.isdigit() or int(deployment) not in known:
            self._answer(404, {"message": "Not Found"})
        elif not isinstance(body, dict) or body.get("state") not in STATES:
            self._answer(422, {"message": "state is invalid"})
        else:
            status = {"id": state.new_id(), **body}
            state.statuses.setdefault(int(deployment), []).append(status)
            self._answer(201, status)

    def _comments(self, method: str, number: int, query: dict[str, list[str]], body: Any) -> None:
        state = self.server.state
        issue = state.comments.setdefault(number, [])
        if method == "GET":
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            self._answer(200, issue[(page - 1) * per_page : page * per_page])
        elif method == "POST" and isinstance(body, dict) and isinstance(body.get("body"), str):
            comment = {"id": state.new_id(), "body": body["body"]}
            issue.append(comment)
            self._answer(201, comment)
        else:
            self._answer(422, {"message": "body is required"})

    def _edit(self, comment: str, body: Any) -> None:
        state = self.server.state
        found = [c for cs in state.comments.values() for c in cs if str(c["id"]) == comment]
        if not found:
            self._answer(404, {"message": "Not Found"})
        elif not isinstance(body, dict) or not isinstance(body.get("body"), str):
            self._answer(422, {"message": "body is required"})
        else:
            found[0]["body"] = body["body"]
            self._answer(200, found[0])

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, repo: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.repo = repo
        self.state = GitHubState()


class GitHubStandIn:
    """``with GitHubStandIn("org/site") as github:`` serves on ``github.url`` until the block
    ends."""

    def __init__(self, repo: str) -> None:
        self._server = _Server(repo)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def state(self) -> GitHubState:
        return self._server.state

    def __enter__(self) -> GitHubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
