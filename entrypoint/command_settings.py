"""What every command's settings share: how a setting is named, read and checked.

Owns the one name spelled four ways (action input ``account-id``, env ``INPUT_ACCOUNT-ID`` or
``INPUT_ACCOUNT_ID``, env ``CF_ASSETS_ACCOUNT_ID``, CLI flag ``--account-id``, plus the
``CLOUDFLARE_*`` names wrangler reads), CLI values over the environment, blank values as unset,
values trimmed as ``@actions/core`` trims them, the value types both commands use, and errors that
name the input and never echo its value. Each command's model derives from
:class:`CommandSettings` (``settings.py`` for deploy, ``images/settings.py`` for images).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from entrypoint.errors import ConfigurationError
from entrypoint.values import parse_bool, parse_json_object, parse_lines

DEFAULT_API_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
ACCOUNT_ID_RE: Final = re.compile(r"[0-9a-f]{32}")

# Cloudflare's own environment names, read the way wrangler reads them.
_CLOUDFLARE_ENV: Final[Mapping[str, tuple[str, ...]]] = {
    "api_token": ("CLOUDFLARE_API_TOKEN",),
    "api_key": ("CLOUDFLARE_API_KEY",),
    "api_email": ("CLOUDFLARE_EMAIL",),
    "account_id": ("CLOUDFLARE_ACCOUNT_ID",),
    "api_base_url": ("CLOUDFLARE_API_BASE_URL", "CF_API_BASE_URL"),
}


StrictBool = Annotated[bool, BeforeValidator(parse_bool)]
Lines = Annotated[tuple[str, ...], NoDecode, BeforeValidator(parse_lines)]
JsonObject = Annotated[dict[str, Any] | None, NoDecode, BeforeValidator(parse_json_object)]


def setting(default: Any = None, *, doc: str) -> Any:
    """A field with its description; the env aliases are attached by ``attach_aliases``."""
    return Field(default=default, description=doc)


class BlankIsUnsetEnv(EnvSettingsSource):
    """The environment, where a blank value (only whitespace) counts as unset, like an empty one."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        loaded = super()._load_env_vars()
        return {key: value for key, value in loaded.items() if value is None or value.strip()}


class CommandSettings(BaseSettings):
    """What every command's settings share: frozen, CLI values over the environment (blank =
    unset), errors that never echo a value, single values trimmed; ``line_fields`` name the
    newline lists, which keep their leading whitespace."""

    line_fields: ClassVar[tuple[str, ...]] = ()

    model_config = SettingsConfigDict(
        frozen=True,
        env_ignore_empty=True,
        hide_input_in_errors=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        case_sensitive=False,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """CLI values (init), then the environment; no dotenv or secrets files."""
        return init_settings, BlankIsUnsetEnv(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, data: Any) -> Any:
        """Trim single values as ``@actions/core`` does (a token pasted with a newline still works);
        newline lists keep their leading whitespace."""
        if not isinstance(data, dict):
            return data
        lists = {name.lower() for f in cls.line_fields for name in (f, *env_names(f))}
        return {
            key: value.strip() if isinstance(value, str) and key.lower() not in lists else value
            for key, value in data.items()
        }

    @classmethod
    def from_values(cls, cli_values: Mapping[str, Any]) -> Self:
        """Build from CLI values (by field name; blank ones unset) over the environment.

        Raises:
            ConfigurationError: naming every invalid input, never echoing a value.
        """
        given = {k: v for k, v in cli_values.items() if not is_blank(v)}
        try:
            return cls(**given)
        except ValidationError as exc:
            raise ConfigurationError(cls.describe_error(exc)) from None

    @classmethod
    def describe_error(cls, exc: ValidationError) -> str:
        """One line naming every invalid input by its input name, never echoing a value."""
        by_alias = {env.lower(): field for field in cls.model_fields for env in env_names(field)}
        parts = []
        for error in exc.errors(include_input=False, include_url=False, include_context=False):
            loc = str(error["loc"][0]) if error["loc"] else ""
            field = by_alias.get(loc.lower(), loc)
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"input '{input_name(field)}': {message}")
        return "Invalid " + "; ".join(parts) + "."


def env_names(field: str) -> tuple[str, ...]:
    upper = field.upper()
    names = (f"INPUT_{upper.replace('_', '-')}", f"INPUT_{upper}", f"CF_ASSETS_{upper}")
    return names + _CLOUDFLARE_ENV.get(field, ())


def input_name(field: str) -> str:
    """The action input name of a field: ``account_id`` → ``account-id``."""
    return field.replace("_", "-")


def attach_aliases(model: type[BaseSettings]) -> None:
    for name, info in model.model_fields.items():
        info.validation_alias = AliasChoices(*env_names(name))
    model.model_rebuild(force=True)


def is_blank(value: object) -> bool:
    """An unset CLI value: None, an empty list, or only whitespace."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value in ((), [])
