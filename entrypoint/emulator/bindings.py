"""The bindings a Worker version runs with, and how they are shown.

Owns ``keep_bindings``: a Worker or version upload lists binding *types* to carry over from the
Worker's previous upload (its newest version); each binding of such a type whose name the upload
does not bind again is kept, after the uploaded ones. That is how secrets set with ``wrangler
secret put`` or the dashboard survive a deploy that does not know them (wrangler sends
``keep_bindings: ["secret_text", "secret_key"]``), and how ``keep_vars`` keeps dashboard variables
(``plain_text``, ``json``). An upload without ``keep_bindings`` runs with exactly the bindings it
sends. Also owns the secret bindings' public view (never a value) and the check of a secret as
``PUT …/secrets`` receives it; the endpoints live in ``worker_secrets.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, NoReturn

from entrypoint.emulator.envelope import bad_request

Binding = Mapping[str, object]

SECRET_TYPES: Final = ("secret_text", "secret_key")
#: Fields that carry a secret's value: never shown, never stored in shown metadata.
_SECRET_VALUES: Final = frozenset({"text", "key_base64", "key_jwk"})
_KEY_FORMATS: Final = ("raw", "pkcs8", "spki", "jwk")
_KEY_USAGES: Final = frozenset(
    {"encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"}
)
_MAX_NAME: Final = 1024


def _fail(message: str) -> NoReturn:
    raise bad_request(message)


def effective_bindings(
    sent: object, keep: object, previous: Iterable[Binding]
) -> tuple[Binding, ...]:
    """The uploaded bindings, then those of ``previous`` whose type ``keep`` lists and whose name
    the upload does not use (``sent`` and ``keep`` were checked by ``metadata.py``)."""
    uploaded = [dict(b) for b in sent if isinstance(b, dict)] if isinstance(sent, list) else []
    kinds = set(keep) if isinstance(keep, list) else set()
    if not kinds:
        return tuple(uploaded)
    names = {binding.get("name") for binding in uploaded}
    kept = [dict(b) for b in previous if b.get("type") in kinds and b.get("name") not in names]
    return (*uploaded, *kept)


def with_secret(bindings: Iterable[Binding], secret: Binding) -> tuple[Binding, ...]:
    """``bindings`` with ``secret`` added, replacing any binding of the same name."""
    others = [b for b in bindings if b.get("name") != secret.get("name")]
    return (*others, dict(secret))


def is_secret(binding: Binding) -> bool:
    """Whether the binding is a secret (text or key)."""
    return binding.get("type") in SECRET_TYPES


def public_binding(binding: Binding) -> dict[str, object]:
    """A binding as the API shows it: secrets without their value."""
    if not is_secret(binding):
        return dict(binding)
    return {key: value for key, value in binding.items() if key not in _SECRET_VALUES}


def public_bindings(bindings: object) -> list[object]:
    """A bindings list as the API shows it (anything but a list of objects shows as empty)."""
    if not isinstance(bindings, list | tuple):
        return []
    return [public_binding(b) if isinstance(b, Mapping) else b for b in bindings]


def secret_summary(binding: Binding) -> dict[str, object]:
    """A secret as ``GET …/secrets`` lists it: its name and type."""
    return {"name": binding.get("name"), "type": binding.get("type")}


def check_secret(body: Mapping[str, object]) -> dict[str, object]:
    """The validated body of ``PUT …/secrets``: a ``secret_text`` or ``secret_key`` binding."""
    name = body.get("name")
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        _fail("name must be a non-empty string")
    kind = body.get("type")
    if kind == "secret_text":
        _only(body, {"name", "type", "text"})
        if not isinstance(body.get("text"), str):
            _fail("text must be a string (the secret's value)")
    elif kind == "secret_key":
        _check_secret_key(body)
    else:
        _fail("type must be 'secret_text' or 'secret_key'")
    return dict(body)


def _only(body: Mapping[str, object], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        _fail(f"{unknown[0]!r} is not a field of a {body.get('type')} secret")


def _check_secret_key(body: Mapping[str, object]) -> None:
    _only(body, {"name", "type", "algorithm", "format", "usages", "key_base64", "key_jwk"})
    key_format = body.get("format")
    if key_format not in _KEY_FORMATS:
        _fail(f"format must be one of {', '.join(_KEY_FORMATS)}")
    if not isinstance(body.get("algorithm"), dict):
        _fail("algorithm must be an object (a WebCrypto algorithm)")
    usages = body.get("usages")
    if not isinstance(usages, list) or not usages or not set(usages) <= _KEY_USAGES:
        _fail(f"usages must be a non-empty list of {', '.join(sorted(_KEY_USAGES))}")
    if key_format == "jwk":
        if not isinstance(body.get("key_jwk"), dict) or "key_base64" in body:
            _fail("a jwk secret_key needs key_jwk (an object) and no key_base64")
    elif not isinstance(body.get("key_base64"), str) or "key_jwk" in body:
        _fail(f"a {key_format} secret_key needs key_base64 (a string) and no key_jwk")
