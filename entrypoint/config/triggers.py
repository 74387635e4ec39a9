"""Read what ``wrangler deploy`` does besides the Worker upload from a wrangler config's mapping.

Owns ``route`` / ``routes`` (zone routes and custom domains, checked as wrangler 4.164 checks them:
``isValidRouteValue`` and the custom-domain rules of ``validateRoutes``; the host a route's zone is
found by, as ``getHostFromRoute`` reads it), ``triggers.crons`` (each cron checked against the
syntax Cloudflare's cron triggers take, before any request), ``preview_urls`` and Durable Object
``migrations``, and what wrangler patches into ``script-settings`` (``tail_consumers``,
``logpush``, ``observability``; the service and environment tags). :func:`read_triggers` takes a
plain mapping (the resolved environment's keys), so which mapping is passed is the caller's
business. ``workers_dev``'s default (false when there are routes, as wrangler's) is
:func:`workers_dev_default`; wrangler's warning for zone routes with a path on a Worker with
assets is :func:`mounted_assets_warning`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any, Final, NoReturn
from urllib.parse import urlsplit

from entrypoint.errors import ConfigurationError
from entrypoint.model import RouteSpec, Triggers

_ROUTE_FLAGS: Final = ("zone_id", "zone_name")
_ROUTE_BOOLS: Final = ("custom_domain", "enabled", "previews_enabled")
_MIGRATION_STEPS: Final = frozenset(
    {
        "new_classes",
        "new_sqlite_classes",
        "renamed_classes",
        "deleted_classes",
        "transferred_classes",
    }
)
_MONTHS: Final = (
    *("JAN", "FEB", "MAR", "APR", "MAY", "JUN"),
    *("JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
)
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
#: (field name, lowest, highest, names numbered from ``lowest``).
_CRON_FIELDS: Final[tuple[tuple[str, int, int, tuple[str, ...]], ...]] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 1, 7, _DAYS),
)
SERVICE_TAG: Final = "cf:service="
ENVIRONMENT_TAG: Final = "cf:environment="
_STEP: Final = re.compile(r"(?P<base>[^/]+)(?:/(?P<step>\d+))?")


def _bad(key: str, what: str, source: str) -> NoReturn:
    msg = f"Invalid input 'config': '{key}' in '{source}' {what}."
    raise ConfigurationError(msg)


def host_of(pattern: str) -> str | None:
    """The host of a route pattern as wrangler reads it (``getHostFromUrl``): None for ``*/…``,
    wildcards dropped, the scheme optional."""
    if pattern.startswith(("*/", "http://*/", "https://*/")):
        return None
    text = re.sub(r"\*(\.)?", "", pattern)
    if not text.startswith(("http://", "https://")):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host}:{port}" if port is not None else host


def _route(value: object, key: str, source: str) -> RouteSpec:
    """One route, valid as wrangler's ``isValidRouteValue`` has it."""
    if isinstance(value, str) and value:
        host = host_of(value)
        if host is None:
            _bad(key, f"has route '{value}' with no host to find its zone by", source)
        return RouteSpec(pattern=value, body={"pattern": value}, host=host)
    shape = (
        "must be a string or an object { pattern, custom_domain, zone_id | zone_name, enabled, "
        "previews_enabled }"
    )
    if not isinstance(value, dict) or not isinstance(value.get("pattern"), str):
        _bad(key, shape, source)
    pattern: str = value["pattern"]
    unknown = set(value) - {"pattern", *_ROUTE_FLAGS, *_ROUTE_BOOLS}
    wrong = [k for k in _ROUTE_FLAGS if k in value and not isinstance(value[k], str)]
    wrong += [k for k in _ROUTE_BOOLS if k in value and not isinstance(value[k], bool)]
    if unknown or wrong:
        odd = sorted(unknown | set(wrong))[0]
        _bad(key, f"has route '{pattern}' with {odd!r}: it {shape}", source)
    if "zone_id" in value and "zone_name" in value:
        _bad(key, f"has route '{pattern}' with both zone_id and zone_name", source)
    custom = value.get("custom_domain") is True
    if ("enabled" in value or "previews_enabled" in value) and "custom_domain" not in value:
        what = "enabled/previews_enabled but no custom_domain"
        _bad(key, f"has route '{pattern}' with {what}", source)
    if not ({"zone_id", "zone_name", "custom_domain"} & set(value)):
        _bad(key, f"has route '{pattern}' that needs zone_id, zone_name or custom_domain", source)
    if custom and ("*" in pattern or "/" in pattern):
        what = "wildcard operators (*)" if "*" in pattern else "paths"
        what += " are not allowed in Custom Domains"
        _bad(key, f"has custom domain '{pattern}': {what}", source)
    host = host_of(pattern) or (host_of(value["zone_name"]) if "zone_name" in value else None)
    if host is None and "zone_id" not in value:
        _bad(key, f"has route '{pattern}' with no host to find its zone by", source)
    return RouteSpec(
        pattern=pattern,
        body=dict(value),
        zone_id=value.get("zone_id"),
        zone_name=value.get("zone_name"),
        host=host,
        custom_domain=custom,
    )


def read_routes(config: Mapping[str, Any], source: str) -> tuple[RouteSpec, ...]:
    """``routes``, or ``route`` as a list of one (wrangler refuses both at once)."""
    routes, route = config.get("routes"), config.get("route")
    if routes is not None and route not in (None, ""):
        _bad("route", "cannot be set together with 'routes'", source)
    if routes is None:
        return () if route in (None, "") else (_route(route, "route", source),)
    if not isinstance(routes, list):
        _bad("routes", "must be an array", source)
    return tuple(_route(item, "routes", source) for item in routes)


def _cron_value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + low if upper in names else None


def _cron_field(text: str, spec: tuple[str, int, int, tuple[str, ...]]) -> str | None:
    """What is wrong with one field of a cron expression (None: nothing)."""
    name, low, high, names = spec
    for item in text.split(","):
        match = _STEP.fullmatch(item)
        if match is None:
            return f"{name} '{item}' is not a value, range or step"
        base, step = match["base"], match["step"]
        if step is not None and int(step) < 1:
            return f"{name} step '{item}' must be at least 1"
        if base == "*" or (name == "day of month" and base in ("L", "LW")):
            continue
        if name == "day of week" and re.fullmatch(r"[1-7A-Za-z]{1,3}(?:#[1-5]|L)", base):
            base = base.rstrip("L").split("#")[0]
        if name == "day of month" and re.fullmatch(r"\d{1,2}W", base):
            base = base[:-1]
        bounds = base.split("-")
        if len(bounds) > 2:
            return f"{name} '{item}' is not a value or a range"
        values = [_cron_value(bound, low, names) for bound in bounds]
        if any(value is None or not low <= value <= high for value in values):
            return f"{name} '{item}' is out of range {low}-{high}"
    return None


def cron_problem(cron: str) -> str | None:
    """Why Cloudflare's cron triggers would refuse ``cron`` (None: it is valid): five fields,
    minute hour day-of-month month day-of-week, with ``* , - /``, month and day names, and
    ``L`` / ``W`` / ``#`` where Cloudflare allows them."""
    fields = cron.split()
    if len(fields) != len(_CRON_FIELDS):
        return f"has {len(fields)} fields, not 5 (minute hour day-of-month month day-of-week)"
    for text, spec in zip(fields, _CRON_FIELDS, strict=True):
        problem = _cron_field(text, spec)
        if problem is not None:
            return problem
    return None


def read_crons(config: Mapping[str, Any], source: str) -> tuple[str, ...] | None:
    """``triggers.crons`` (None: no ``triggers`` key, so wrangler sends no schedules)."""
    triggers = config.get("triggers")
    if triggers is None:
        return None
    if not isinstance(triggers, dict):
        _bad("triggers", "must be an object { crons }", source)
    crons = triggers.get("crons")
    if crons is None:
        return None
    if not isinstance(crons, list) or not all(isinstance(cron, str) for cron in crons):
        _bad("triggers.crons", "must be an array of strings", source)
    for cron in crons:
        problem = cron_problem(cron)
        if problem is not None:
            _bad("triggers.crons", f"has cron '{cron}' that Cloudflare refuses: {problem}", source)
    return tuple(crons)


def read_migrations(config: Mapping[str, Any], source: str) -> tuple[Mapping[str, Any], ...]:
    """``migrations``: objects each with a unique string ``tag`` and only known steps."""
    migrations = config.get("migrations")
    if migrations is None:
        return ()
    if not isinstance(migrations, list):
        _bad("migrations", "must be an array", source)
    tags: set[str] = set()
    for migration in migrations:
        if not isinstance(migration, dict) or not isinstance(migration.get("tag"), str):
            _bad("migrations", "must hold objects, each with a string 'tag'", source)
        tag = migration["tag"]
        if tag in tags:
            _bad("migrations", f"has tag '{tag}' twice", source)
        tags.add(tag)
        unknown = set(migration) - {"tag", *_MIGRATION_STEPS}
        if unknown:
            _bad("migrations", f"has tag '{tag}' with unknown step {sorted(unknown)[0]!r}", source)
    return tuple(migrations)


def read_settings(config: Mapping[str, Any], source: str) -> dict[str, Any]:
    """What wrangler patches into ``script-settings`` on the versions path: ``tail_consumers`` and
    ``logpush`` when set, ``observability`` (``{"enabled": false}`` when unset)."""
    settings: dict[str, Any] = {}
    consumers = config.get("tail_consumers")
    if consumers is not None:
        if not isinstance(consumers, list) or not all(
            isinstance(c, dict) and isinstance(c.get("service"), str) for c in consumers
        ):
            _bad("tail_consumers", "must be an array of objects, each with a 'service'", source)
        settings["tail_consumers"] = consumers
    if config.get("logpush") is not None:
        if not isinstance(config["logpush"], bool):
            _bad("logpush", "must be true or false", source)
        settings["logpush"] = config["logpush"]
    observability = config.get("observability")
    if observability is not None and not isinstance(observability, dict):
        _bad("observability", "must be an object", source)
    settings["observability"] = observability or {"enabled": False}
    return settings


def service_tags(
    name: str | None, defined: tuple[str, ...], environment: str | None = None
) -> tuple[str, ...]:
    """wrangler's ``cf:service=<name>`` (and ``cf:environment=<env>`` when one is deployed) for
    a config that defines environments (``defined``) and has a top-level ``name``; none
    otherwise (``applyServiceAndEnvironmentTags``)."""
    if not name or not defined:
        return ()
    tags = (f"{SERVICE_TAG}{name}",)
    return (*tags, f"{ENVIRONMENT_TAG}{environment}") if environment else tags


def next_tags(existing: tuple[str, ...], wanted: tuple[str, ...]) -> list[str]:
    """The Worker's tags after a deploy: its own, with the service and environment tags
    replaced by ``wanted`` (wrangler's ``applyServiceAndEnvironmentTags``)."""
    kept = [tag for tag in existing if not tag.startswith((SERVICE_TAG, ENVIRONMENT_TAG))]
    return [*kept, *wanted]


def read_triggers(
    config: Mapping[str, Any], source: str, *, tags: tuple[str, ...] = ()
) -> Triggers:
    """Routes, crons, preview URLs, migrations and script settings of ``config`` (``source``:
    the file's name, for messages; ``tags``: :func:`service_tags`).

    Raises:
        ConfigurationError: naming the key, before any request.
    """
    preview = config.get("preview_urls")
    if preview is not None and not isinstance(preview, bool):
        _bad("preview_urls", "must be true or false", source)
    return Triggers(
        routes=read_routes(config, source),
        crons=read_crons(config, source),
        preview_urls=preview,
        migrations=read_migrations(config, source),
        settings=read_settings(config, source),
        service_tags=tags,
    )


def workers_dev_default(config: Mapping[str, Any], triggers: Triggers) -> bool | None:
    """``workers_dev`` as wrangler defaults it when unset: false with routes (None: the config
    sets it, or has no routes, so the input's default, true, stands)."""
    if config.get("workers_dev") is not None or not triggers.routes:
        return None
    return False


def mounted_assets_warning(config: Mapping[str, Any], triggers: Triggers) -> tuple[str, ...]:
    """wrangler's warning (``validateRoutes``) when a zone route has a path and the Worker serves
    its assets before its code: that path serves the assets under the same path of the folder
    (the folder as the config names it). Empty: no such route."""
    assets = config.get("assets")
    if not isinstance(assets, dict) or not isinstance(assets.get("directory"), str):
        return ()
    if assets.get("run_worker_first") is True:
        return ()
    folder = assets["directory"]
    matched: list[str] = []
    for route in triggers.zone_routes:
        parts = route.pattern.split("/")
        if len(parts) == 2 and parts[1] == "*":
            continue
        bare = re.sub(r"https?://", "", route.pattern)
        path = bare[bare.index("/") :] if "/" in bare else bare
        assets_path = posixpath.normpath(f"{folder}/{path}")
        matched.append(f"\u2022 {route.pattern} (Will match assets: {assets_path})")
    if not matched:
        return ()
    listed = " ".join(matched)  # wrangler's lines, on one
    warning = f"The following routes will attempt to serve Assets on a configured path: {listed}"
    if config.get("main") is not None:
        warning += " Requests not matching an asset will be forwarded to the Worker's code."
    return (warning,)
