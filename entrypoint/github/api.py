"""GitHub's REST calls of the integration: deployments, deployment statuses, issue comments.

Owns each request as GitHub documents it (``Accept: application/vnd.github+json``,
``X-GitHub-Api-Version: 2022-11-28``, the token as a Bearer credential) and what an answer must
hold to be used (an object with an integer ``id``; a list of comments, paged 100 at a time, at
most :data:`MAX_PAGES` pages). Any other answer, a status that is not 2xx, or a network failure
is a :class:`~entrypoint.errors.GitHubError` naming the call and the status (and GitHub's
``message``, shortened), never the token.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from entrypoint.errors import GitHubError

#: The media type and API version every call sends.
HEADERS: Final = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
#: Comments read per page, and pages read at most (10,000 comments) when finding ours.
PER_PAGE: Final = 100
MAX_PAGES: Final = 100
_SHOWN: Final = 200


def _fail(what: str, answer: httpx.Response) -> GitHubError:
    try:
        message = answer.json().get("message", "")
    except (ValueError, AttributeError):
        message = ""
    said = f": {str(message)[:_SHOWN]}" if message else ""
    hint = ""
    if answer.status_code in (401, 403, 404):
        hint = (
            "Give the job's token the permissions the integration needs (deployments: write, "
            "pull-requests: write)."
        )
    return GitHubError(f"Could not {what}: GitHub answered {answer.status_code}{said}.", hint=hint)


class GitHubApi:
    """The calls, on ``http`` (based at ``GITHUB_API_URL``) for repository ``repo``
    (``owner/name``)."""

    def __init__(self, http: httpx.AsyncClient, repo: str) -> None:
        self.http = http
        self.repo = repo

    async def _call(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            answer = await self.http.request(method, f"/repos/{self.repo}{path}", **kwargs)
        except httpx.HTTPError as exc:
            msg = f"Could not {what}: {type(exc).__name__}."
            raise GitHubError(msg) from None
        if not answer.is_success:
            raise _fail(what, answer)
        try:
            return answer.json()
        except ValueError:
            msg = f"Could not {what}: GitHub's answer is not JSON."
            raise GitHubError(msg) from None

    async def _created(self, what: str, path: str, body: dict[str, Any]) -> int:
        answer = await self._call(what, "POST", path, json=body)
        ident = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(ident, int) or isinstance(ident, bool):
            msg = f"Could not {what}: GitHub's answer has no id."
            raise GitHubError(msg)
        return ident

    async def create_deployment(self, body: dict[str, Any]) -> int:
        """``POST /repos/{repo}/deployments``; the deployment's id."""
        return await self._created("create the GitHub deployment", "/deployments", body)

    async def create_status(self, deployment: int, body: dict[str, Any]) -> int:
        """``POST /repos/{repo}/deployments/{id}/statuses``; the status's id."""
        path = f"/deployments/{deployment}/statuses"
        return await self._created("set the GitHub deployment's status", path, body)

    async def find_comment(self, issue: int, marker: str) -> int | None:
        """The id of the pull request's first comment holding ``marker`` (None: none)."""
        for page in range(1, MAX_PAGES + 1):
            params = {"per_page": PER_PAGE, "page": page}
            what = "read the pull request's comments"
            listed = await self._call(what, "GET", f"/issues/{issue}/comments", params=params)
            if not isinstance(listed, list):
                msg = f"Could not {what}: GitHub's answer is not a list."
                raise GitHubError(msg)
            for comment in listed:
                body = comment.get("body") if isinstance(comment, dict) else None
                ident = comment.get("id") if isinstance(comment, dict) else None
                if isinstance(body, str) and marker in body and isinstance(ident, int):
                    return ident
            if len(listed) < PER_PAGE:
                return None
        return None

    async def create_comment(self, issue: int, body: str) -> int:
        """``POST /repos/{repo}/issues/{n}/comments``; the comment's id."""
        what = "comment on the pull request"
        return await self._created(what, f"/issues/{issue}/comments", {"body": body})

    async def update_comment(self, comment: int, body: str) -> None:
        """``PATCH /repos/{repo}/issues/comments/{id}``."""
        what = "edit the pull request comment"
        await self._call(what, "PATCH", f"/issues/comments/{comment}", json={"body": body})
