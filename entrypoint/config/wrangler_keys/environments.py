"""``env.<name>``: the effective configuration of one environment, resolved as wrangler 4.164 does
(``normalizeAndValidateConfig`` / ``normalizeAndValidateEnvironment``).

- Inherited from the top level when the environment does not set them (:data:`INHERITABLE`):
  ``name`` (as ``<name>-<env>``), ``main``, ``compatibility_*``, ``assets``, ``limits``,
  ``placement``, ``observability``, ``logpush``, ``routes``, ``triggers``, ``migrations``, ``build``
  … A value the environment sets replaces the top level's whole (objects are not merged).
- Not inherited (:data:`NOT_INHERITABLE`): ``vars`` and every binding, ``tail_consumers``,
  ``unsafe``, ``define``, ``containers`` … Each one set at the top level but missing in the
  environment is a warning (wrangler's text); within a list the environment does set, each
  top-level ``binding`` name it lacks is one too, and each missing var.
- Top level only (:data:`TOP_LEVEL_ONLY`): ``keep_vars``, ``site``, ``wasm_modules`` … whatever
  the environment is.
- No environment chosen in a file that defines some: the top level, and wrangler's warning.
- An environment the file does not define: refused, listing those it does; in a file that defines
  none, wrangler goes on with the top level under the name ``<name>-<env>``, and warns; so do we.
- ``legacy_env``: refused with wrangler's message (service environments were removed; every
  environment is its own Worker, which is what ``legacy_env = true`` meant).

The result is a plain mapping (:class:`Resolved.effective`), what every reader of the config uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from entrypoint.errors import ConfigurationError

#: Keys a named environment takes from the top level when it does not set them (wrangler's order).
INHERITABLE: Final = (
    "account_id",
    "compatibility_date",
    "compatibility_flags",
    "jsx_factory",
    "jsx_fragment",
    "tsconfig",
    "rules",
    "name",
    "main",
    "find_additional_modules",
    "preserve_file_names",
    "base_dir",
    "route",
    "routes",
    "triggers",
    "assets",
    "limits",
    "placement",
    "build",
    "workers_dev",
    "preview_urls",
    "migrations",
    "exports",
    "logfwdr",
    "no_bundle",
    "minify",
    "keep_names",
    "first_party_worker",
    "logpush",
    "upload_source_maps",
    "observability",
    "access",
    "cache",
    "compliance_region",
    "python_modules",
    "previews",
)
#: Keys an environment has only if it sets them itself (wrangler's order, which its warnings keep).
NOT_INHERITABLE: Final = (
    "vars",
    "secrets",
    "define",
    "durable_objects",
    "workflows",
    "kv_namespaces",
    "cloudchamber",
    "containers",
    "send_email",
    "queues",
    "connect",
    "r2_buckets",
    "d1_databases",
    "vectorize",
    "ai_search_namespaces",
    "ai_search",
    "agent_memory",
    "hyperdrive",
    "services",
    "analytics_engine_datasets",
    "dispatch_namespaces",
    "mtls_certificates",
    "tail_consumers",
    "streaming_tail_consumers",
    "unsafe",
    "browser",
    "analytics",
    "ai",
    "images",
    "stream",
    "media",
    "pipelines",
    "k2",
    "secrets_store_secrets",
    "artifacts",
    "unsafe_hello_world",
    "flagship",
    "worker_loaders",
    "ratelimits",
    "vpc_services",
    "vpc_networks",
    "version_metadata",
)
#: Keys read from the top level whatever the environment.
TOP_LEVEL_ONLY: Final = (
    "keep_vars",
    "send_metrics",
    "dependencies_instrumentation",
    "addresses",
    "pages_build_output_dir",
    "dev",
    "site",
    "alias",
    "wasm_modules",
    "text_blobs",
    "data_blobs",
)
#: The binding lists whose top-level ``binding`` names wrangler checks one by one (those a
#: ``validateBindingArray`` validates).
_NAMED_LISTS: Final = frozenset(
    {
        "workflows",
        "kv_namespaces",
        "send_email",
        "r2_buckets",
        "d1_databases",
        "vectorize",
        "ai_search_namespaces",
        "ai_search",
        "agent_memory",
        "hyperdrive",
        "services",
        "analytics_engine_datasets",
        "dispatch_namespaces",
        "mtls_certificates",
        "pipelines",
        "k2",
        "secrets_store_secrets",
        "artifacts",
        "unsafe_hello_world",
        "flagship",
        "worker_loaders",
        "ratelimits",
        "vpc_services",
        "vpc_networks",
    }
)
LEGACY_ENV: Final = (
    'The "legacy_env" field is no longer supported, so please remove it from your configuration '
    "file. Service environments have been removed, and each environment is now deployed as its "
    'own Worker named "<name>-<environment>".'
)
NO_ENVIRONMENT_CHOSEN: Final = (
    "Multiple environments are defined in the Wrangler configuration file, but no target "
    "environment was specified. To avoid unintentional changes to the wrong environment, it is "
    "recommended to explicitly specify the target environment with input 'environment' "
    "(wrangler: -e|--env). This deploy uses the top-level configuration."
)


@dataclass(frozen=True)
class Resolved:
    """One environment of a wrangler config: its effective keys and what wrangler warns about.

    ``effective`` is the configuration as wrangler deploys it (``env`` removed); ``top_level_name``
    the top level's ``name`` (wrangler's service tag); ``environment`` the chosen one (None: the
    top level); ``defined`` the environments the file has."""

    effective: Mapping[str, Any]
    warnings: tuple[str, ...] = ()
    environment: str | None = None
    top_level_name: str | None = None
    defined: tuple[str, ...] = ()


def _environments(raw: Mapping[str, Any], file_name: str) -> dict[str, Any]:
    envs = raw.get("env")
    if envs is None:
        return {}
    if not isinstance(envs, dict) or not all(isinstance(v, dict) for v in envs.values()):
        msg = f"Invalid input 'config': 'env' in '{file_name}' must map names to tables/objects."
        raise ConfigurationError(msg)
    return envs


def _missing_names(key: str, top: object, env_value: object, env: str) -> list[str]:
    """wrangler's warnings for the top-level names a list or ``vars`` in the environment lacks."""
    if key == "vars":
        if not (isinstance(top, dict) and top and isinstance(env_value, dict)):
            return []
        missing = [name for name in top if name not in env_value]
        if not missing:
            return []
        names = " ".join(f"- {name}" for name in missing)
        return [
            f'The following vars exist at the top level, but not on "env.{env}.vars". This is '
            'probably not what you want, since "vars" configuration is not inherited by '
            f'environments. Please add these vars to "env.{env}.vars": {names}'
        ]
    if key not in _NAMED_LISTS or not isinstance(top, list) or not isinstance(env_value, list):
        return []
    have = {_binding_name(item) for item in env_value}
    return [
        f'There is a {key} binding with name "{name}" at the top level, but not on "env.{env}". '
        f'This is not what you probably want, since "{key}" configuration is not inherited by '
        f'environments. Please add a binding for "{name}" to "env.{env}.{key}.bindings".'
        for name in (_binding_name(item) for item in top)
        if name not in have
    ]


def _binding_name(item: object) -> str:
    """``binding`` as wrangler reads it (``undefined`` when an entry has none)."""
    value = item.get("binding") if isinstance(item, dict) else None
    return value if isinstance(value, str) else "undefined"


def _named(raw: Mapping[str, Any], section: Mapping[str, Any], env: str) -> Resolved:
    effective: dict[str, Any] = {k: raw[k] for k in TOP_LEVEL_ONLY if k in raw}
    warnings: list[str] = []
    for key in INHERITABLE:
        if key in section:
            effective[key] = section[key]
        elif key == "name":
            if isinstance(raw.get("name"), str) and raw["name"]:
                effective["name"] = f"{raw['name']}-{env}"
        elif key in raw:
            effective[key] = raw[key]
    for key in NOT_INHERITABLE:
        if key in section:
            effective[key] = section[key]
            warnings += _missing_names(key, raw.get(key), section[key], env)
        elif raw.get(key) is not None:
            warnings.append(
                f'"{key}" exists at the top level, but not on "env.{env}". This is not what you '
                f'probably want, since "{key}" is not inherited by environments. Please add '
                f'"{key}" to "env.{env}".'
            )
    known = {*INHERITABLE, *NOT_INHERITABLE}
    effective.update({k: v for k, v in section.items() if k not in known})  # refused later
    return Resolved(effective, tuple(warnings), env, raw.get("name"), ())


def resolve_environment(raw: Mapping[str, Any], env: str | None, file_name: str) -> Resolved:
    """The configuration of environment ``env`` (None or "": the top level) of the parsed file
    ``raw`` (named ``file_name`` in messages).

    Raises:
        ConfigurationError: ``legacy_env``, an environment the file does not define, a bad ``env``.
    """
    if "legacy_env" in raw:
        msg = f"Invalid input 'config': {file_name}: {LEGACY_ENV}"
        raise ConfigurationError(msg, hint="Remove 'legacy_env' from the configuration.")
    envs = _environments(raw, file_name)
    defined = tuple(envs)
    top = {k: v for k, v in raw.items() if k != "env"}
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    if not env:
        warnings = (NO_ENVIRONMENT_CHOSEN,) if envs else ()
        return Resolved(top, warnings, None, name, defined)
    if env in envs:
        resolved = _named(raw, envs[env], env)
        return Resolved(resolved.effective, resolved.warnings, env, name, defined)
    if envs:
        listed = ", ".join(defined)
        msg = (
            f"Invalid input 'environment': no environment '{env}' in {file_name} "
            f"(it defines: {listed})."
        )
        raise ConfigurationError(msg)
    warning = (
        f'No environment found in configuration with name "{env}". Before using '
        f"`--env={env}` there should be an equivalent environment section in the configuration. "
        f"Deploying the top-level configuration as the Worker '{name}-{env}'."
    )
    if name:
        top["name"] = f"{name}-{env}"
    return Resolved(top, (warning,), env, name, defined)


def resolve_generated(raw: Mapping[str, Any], env: str | None, file_name: str) -> Resolved:
    """A build's generated config (``raw``, reached through a redirect), as wrangler reads one:
    it may not define environments; it was built for ``targetEnvironment``, which a chosen
    environment ``env`` must match; its service name and environments are those the build
    recorded (``topLevelName``, ``definedEnvironments``); ``legacy_env`` is dropped.

    Raises:
        ConfigurationError: environments in the file, or ``env`` other than the build's.
    """
    envs = raw.get("env")
    if envs is not None and (envs or not isinstance(envs, dict)):
        listed = ", ".join(envs) if isinstance(envs, dict) else "env"
        msg = (
            f"Invalid input 'config': {file_name} was generated by a build but defines "
            f"environments ({listed}); redirected configurations cannot."
        )
        raise ConfigurationError(msg, hint="Report it to the tool that generated the file.")
    target = raw.get("targetEnvironment") if isinstance(raw.get("targetEnvironment"), str) else None
    if env and target and env != target:
        msg = (
            f"Invalid input 'environment': '{env}' is not the environment '{target}' the build "
            f"in {file_name} was made for."
        )
        raise ConfigurationError(msg, hint=f"Re-run the build with '{env}' as its environment.")
    top = {k: v for k, v in raw.items() if k not in ("env", "legacy_env")}
    listed_envs = raw.get("definedEnvironments")
    defined = (
        tuple(e for e in listed_envs if isinstance(e, str)) if isinstance(listed_envs, list) else ()
    )
    name = raw.get("topLevelName") if isinstance(raw.get("topLevelName"), str) else None
    return Resolved(top, (), target, name, defined)
