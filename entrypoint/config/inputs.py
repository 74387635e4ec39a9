"""What every command's settings share: how a setting is named, read and checked.

Owns the one name spelled four ways (action input ``account-id``, env ``INPUT_ACCOUNT-ID`` or
``INPUT_ACCOUNT_ID``, env ``CF_ASSETS_ACCOUNT_ID``, CLI flag ``--account-id``, plus the
``CLOUDFLARE_*`` names wrangler reads), CLI values over the environment, blank values as unset,
values trimmed as ``@actions/core`` trims them, the value types both commands use, and errors that
name the input and never echo its value. Each command's model derives from
:class:`CommandSettings` (``settings.py`` for deploy, ``images/settings.py`` for images).

The environment is a mapping the CLI passes in; nothing here reads ``os.environ``. Only those
spellings are looked up in it (the prefixes in any letter case, as the runner's may differ): a
variable named like a bare field (``DEPLOY``, ``API_KEY``, ``TIMEOUT``) belongs to someone else.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from entrypoint.cloudflare.urls import CLOUDFLARE_API
from entrypoint.config.values import parse_bool, parse_json_object, parse_lines
from entrypoint.errors import ConfigurationError

DEFAULT_API_BASE_URL: Final = CLOUDFLARE_API
ACCOUNT_ID_RE: Final = re.compile(r"[0-9a-f]{32}")
#: An empty environment: settings from the given values alone (one target of a targets file).
NO_ENV: Final[Mapping[str, str]] = MappingProxyType({})

# Cloudflare's own environment names, read the way wrangler reads them.
_CLOUDFLARE_ENV: Final[Mapping[str, tuple[str, ...]]] = {
    "api_token": ("CLOUDFLARE_API_TOKEN",),
    "api_key": ("CLOUDFLARE_API_KEY",),
    "api_email": ("CLOUDFLARE_EMAIL",),
    "account_id": ("CLOUDFLARE_ACCOUNT_ID",),
    "api_base_url": ("CLOUDFLARE_API_BASE_URL", "CF_API_BASE_URL"),
    "environment": ("CLOUDFLARE_ENV",),
}


StrictBool = Annotated[bool, BeforeValidator(parse_bool)]
Lines = Annotated[tuple[str, ...], BeforeValidator(parse_lines)]
JsonObject = Annotated[dict[str, Any] | None, BeforeValidator(parse_json_object)]


def setting(default: Any = None, *, doc: str) -> Any:
    """A field with its description (the CLI's help and action.yml derive from it)."""
    return Field(default=default, description=doc)


class CommandSettings(BaseModel):
    """What every command's settings share: frozen, CLI values over the environment (blank =
    unset), errors that never echo a value, single values trimmed; ``line_fields`` name the
    newline lists, which keep their leading whitespace."""

    line_fields: ClassVar[tuple[str, ...]] = ()

    model_config = ConfigDict(
        frozen=True, hide_input_in_errors=True, validate_default=True, extra="forbid"
    )

    @classmethod
    def from_values(cls, cli_values: Mapping[str, Any], env: Mapping[str, str] = NO_ENV) -> Self:
        """Build from CLI values (by field name; blank ones unset) over ``env``.

        Raises:
            ConfigurationError: naming every invalid input, never echoing a value.
        """
        try:
            return cls.model_validate(cls.given(cli_values, env))
        except ValidationError as exc:
            raise ConfigurationError(cls.describe_error(exc)) from None

    @classmethod
    def given(cls, cli_values: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
        """Each field's given value by field name: its CLI value, else its first non-blank env
        spelling. Fields given neither way are left out."""
        folded = _FoldedEnv(env)
        values: dict[str, Any] = {}
        for field in cls.model_fields:
            value = cli_values.get(field)
            if is_blank(value):
                value = folded.first(env_names(field))
            if value is not None:
                values[field] = value
        return values

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, data: Any) -> Any:
        """Trim single values as ``@actions/core`` does (a token pasted with a newline still works);
        newline lists keep their leading whitespace."""
        if not isinstance(data, dict):
            return data
        return {
            key: value.strip() if isinstance(value, str) and key not in cls.line_fields else value
            for key, value in data.items()
        }

    @classmethod
    def describe_error(cls, exc: ValidationError) -> str:
        """One line naming every invalid input by its input name, never echoing a value."""
        parts = []
        for error in exc.errors(include_input=False, include_url=False, include_context=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"input '{input_name(field)}': {message}")
        return "Invalid " + "; ".join(parts) + "."


class _FoldedEnv:
    """Look-ups of the documented names in ``env``: the exact name first, then the same name in
    another letter case (``input_image-id``); blank values count as unset."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self._folded: dict[str, str] | None = None

    def first(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            value = self._env.get(name)
            if value is None:
                value = self._by_folded_name().get(name.lower())
            if value is not None and value.strip():
                return value
        return None

    def _by_folded_name(self) -> dict[str, str]:
        if self._folded is None:
            folded: dict[str, str] = {}
            for key, value in self._env.items():
                if value.strip():
                    folded.setdefault(key.lower(), value)
            self._folded = folded
        return self._folded


def env_names(field: str) -> tuple[str, ...]:
    """The env names a field is read from, in priority order."""
    upper = field.upper()
    names = (f"INPUT_{upper.replace('_', '-')}", f"INPUT_{upper}", f"CF_ASSETS_{upper}")
    return names + cloudflare_env_names(field)


def cloudflare_env_names(field: str) -> tuple[str, ...]:
    """Cloudflare's own env names that also set ``field`` (as wrangler reads them); often none."""
    return _CLOUDFLARE_ENV.get(field, ())


def input_name(field: str) -> str:
    """The action input name of a field: ``account_id`` → ``account-id``."""
    return field.replace("_", "-")


def is_blank(value: object) -> bool:
    """An unset CLI value: None, an empty list, or only whitespace."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value in ((), [])


def input_default(default: Any) -> str | None:
    """A setting's default as an input's text (action.yml, ``--help``), or None for none."""
    if default is None or default == ():
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, Enum):
        return str(default.value)
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, tuple):
        return "\n".join(str(item) for item in default)
    return str(default)


def allowed_values(annotation: object) -> tuple[str, ...]:
    """The values a setting of type ``annotation`` takes, when it is a choice (an Enum, or one
    that may be unset); empty otherwise."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(str(member.value) for member in annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        found = [
            allowed_values(arg) for arg in typing.get_args(annotation) if arg is not type(None)
        ]
        return found[0] if len(found) == 1 else ()
    return ()
