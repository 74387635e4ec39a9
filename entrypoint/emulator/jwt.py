"""HS256 JSON Web Tokens for upload sessions: signing and strict verification.

The secret is random per process unless given, so tokens never outlive the emulator that issued
them. Only what the emulator needs is here: no ``nbf``, no key rotation, no other algorithms.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Final

_HEADER: Final = {"alg": "HS256", "typ": "JWT"}
MALFORMED: Final = "malformed"
BAD_SIGNATURE: Final = "invalid signature"
EXPIRED: Final = "expired"
_VERIFIED_CACHE_SIZE: Final = 4096


class JwtError(Exception):
    """A token was refused; ``reason`` is a short phrase such as ``"expired"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not text or "=" in text:
        raise JwtError(MALFORMED)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwtError(MALFORMED) from exc


class JwtSigner:
    """Signs claims and verifies tokens with one HMAC-SHA256 secret.

    ``clock`` returns Unix seconds; tests inject one to move time.
    """

    def __init__(
        self, secret: bytes | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock
        self._encoded_header = _b64url_encode(_compact_json(_HEADER))
        self._verified: dict[str, dict[str, object]] = {}

    def now(self) -> float:
        """The signer's current time in Unix seconds."""
        return self._clock()

    def sign(self, claims: Mapping[str, object]) -> str:
        """Return ``header.payload.signature`` for ``claims`` (which should hold ``exp``)."""
        signing_input = f"{self._encoded_header}.{_b64url_encode(_compact_json(claims))}"
        return f"{signing_input}.{_b64url_encode(self._mac(signing_input))}"

    def verify(self, token: str) -> dict[str, object]:
        """Return the claims of a token this signer issued and that has not expired.

        Tokens already verified are remembered (the expiry is still checked on every call), so
        thousands of single-asset uploads under one session token cost one HMAC.

        Raises:
            JwtError: ``malformed``, ``invalid signature`` or ``expired``.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._check(token)
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        expires = claims["exp"]
        if not isinstance(expires, int | float) or self._clock() >= expires:
            raise JwtError(EXPIRED)
        return dict(claims)

    def _check(self, token: str) -> dict[str, object]:
        pieces = token.split(".")
        if len(pieces) != 3 or not token.isascii():
            raise JwtError(MALFORMED)
        header_text, payload_text, signature_text = pieces
        expected = self._mac(f"{header_text}.{payload_text}")
        if not hmac.compare_digest(expected, _b64url_decode(signature_text)):
            raise JwtError(BAD_SIGNATURE)
        if _load_object(_b64url_decode(header_text)) != _HEADER:
            raise JwtError(MALFORMED)
        claims = _load_object(_b64url_decode(payload_text))
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise JwtError(MALFORMED)
        return claims

    def _mac(self, signing_input: str) -> bytes:
        return hmac.new(self._secret, signing_input.encode("ascii"), hashlib.sha256).digest()


def _compact_json(value: Mapping[str, object]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _load_object(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise JwtError(MALFORMED) from exc
    if not isinstance(value, dict):
        raise JwtError(MALFORMED)
    return value
