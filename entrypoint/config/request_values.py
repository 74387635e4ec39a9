"""The credentials a request carries, by input name, and what a credential is told when it
cannot travel in a header (``api-token``, ``api-key``, ``api-email``: printable ASCII without
spaces, the rule of :func:`entrypoint.cloudflare.urls.header_safe`). The URL rules live beside the
client, in :mod:`entrypoint.cloudflare.urls`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from pydantic import SecretStr

#: What a credential that fails :func:`header_safe` is told.
HEADER_SAFE_RULE: Final = (
    "must be printable ASCII without spaces or control characters (check that it was "
    "copied exactly)"
)


def credential_values(
    token: SecretStr | None, key: SecretStr | None, email: str | None
) -> Iterator[tuple[str, str]]:
    """The credentials that are set, by input name, revealed for checking only."""
    if token is not None:
        yield "api-token", token.get_secret_value()
    if key is not None:
        yield "api-key", key.get_secret_value()
    if email is not None:
        yield "api-email", email
