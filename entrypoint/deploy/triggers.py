"""What a deploy does besides the Worker upload, in wrangler's order: routes, custom domains, cron
schedules; and the Durable Object migrations the upload carries.

- Before anything is uploaded (:func:`check_routes`): each zone route's zone is found as wrangler
  finds it (``zone_id``; else ``GET /zones?name=…`` for ``zone_name`` or the pattern's host,
  walking up its labels), and each zone's routes are read: a route held by another Worker refuses
  the deploy (exit 5, naming the route and the Worker), a route whose zone cannot be found too
  (exit 2, naming it). wrangler 4.164 finds both only after the upload; here nothing is sent.
- After the Worker is deployed (:func:`publish`): ``PUT …/routes`` with every zone route, the
  custom domains' changeset, ``PUT …/schedules`` when the config has ``triggers.crons`` (an
  empty list clears them), the custom domains' records.
- Migrations (:func:`pending_migrations`): the Worker's migration tag read as wrangler reads it
  (the service record), and the steps after it, as ``{old_tag, new_tag, steps}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from entrypoint.cloudflare.triggers import TriggersApi, ZoneRoute
from entrypoint.errors import CloudflareRefusedError, ConfigurationError
from entrypoint.events import Events
from entrypoint.model import DeployMode, DeploySpec, RouteSpec, Triggers

T = TypeVar("T")
Run = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]


def deploys_triggers(spec: DeploySpec) -> bool:
    """Whether this deploy publishes routes and schedules (a plain Worker, deployed)."""
    return spec.destination.namespace is None and spec.mode is DeployMode.WORKER


def ignored_warning(spec: DeploySpec) -> str | None:
    """What is said when the config's routes or crons do not apply to this deploy."""
    triggers = spec.triggers
    if not triggers.routes and not triggers.crons:
        return None
    if spec.destination.namespace is not None:
        return "routes and cron triggers are not deployed into a dispatch namespace; ignored."
    if spec.mode is not DeployMode.WORKER:
        mode = f"'deploy: {spec.mode}'"
        return f"routes and cron triggers apply with 'deploy: worker', not {mode}; ignored."
    return None


async def _zone_of(
    api: TriggersApi, route: RouteSpec, run: Run[Any], cache: dict[str, str | None]
) -> str:
    if route.zone_id is not None:
        return route.zone_id
    host = route.zone_name or route.host
    assert host is not None  # read_routes insists on one
    labels = host.split(":")[0].split(".")
    tried = []
    while len(labels) > 1:
        name = ".".join(labels)
        tried.append(name)
        if name not in cache:
            cache[name] = await run(partial(api.zone_id, name))
        if cache[name] is not None:
            return str(cache[name])
        labels.pop(0)
    msg = (
        f"Invalid input 'config': route '{route.pattern}' has no zone on the account "
        f"(looked up {', '.join(tried) or host})."
    )
    hint = "Add the domain to Cloudflare (proxied), or set the route's zone_id or zone_name."
    raise ConfigurationError(msg, hint=hint)


async def check_routes(api: TriggersApi, spec: DeploySpec, run: Run[Any]) -> None:
    """Find every zone route's zone and refuse routes other Workers hold (before any upload)."""
    if not deploys_triggers(spec):
        return
    script = spec.destination.script
    cache: dict[str, str | None] = {}
    by_zone: dict[str, list[ZoneRoute]] = {}
    held: list[tuple[str, str]] = []
    for route in spec.triggers.zone_routes:
        zone = await _zone_of(api, route, run, cache)
        if zone not in by_zone:
            by_zone[zone] = await run(partial(api.zone_routes, zone))
        held += [
            (route.pattern, existing.script)
            for existing in by_zone[zone]
            if existing.pattern == route.pattern and existing.script not in (None, script)
        ]
    if held:
        pattern, other = held[0]
        more = f" (and {len(held) - 1} more)" if len(held) > 1 else ""
        msg = f"Route '{pattern}' is already assigned to another Worker, '{other}'{more}."
        hint = "Unassign it from that Worker (dashboard → Workers Routes), then deploy again."
        raise CloudflareRefusedError(msg, status=409, hint=hint)


async def publish(api: TriggersApi, spec: DeploySpec, run: Run[Any], events: Events) -> list[str]:
    """Routes, custom domains, schedules, in the order wrangler's requests arrive (it sends them
    at once: the routes, the domains' changeset, the schedules, then the domains' records);
    returns what was published."""
    triggers, script = spec.triggers, spec.destination.script
    targets: list[str] = []
    domains = [route.body for route in triggers.custom_domains]
    if triggers.zone_routes:
        bodies = [route.body for route in triggers.zone_routes]
        await run(lambda: api.put_routes(script, bodies))
        targets += [route.pattern for route in triggers.zone_routes]
    if domains:
        await run(lambda: api.domains_changeset(script, domains))
    if triggers.crons is not None:
        crons = triggers.crons
        await run(lambda: api.put_schedules(script, crons))
        targets += [f"schedule: {cron}" for cron in crons]
    if domains:
        await run(lambda: api.put_custom_domains(script, domains))
        targets += [f"{route.pattern} (custom domain)" for route in triggers.custom_domains]
    for target in targets:
        events.info(f"{spec.destination.name}: published {target}")
    return targets


def migrations_after(
    migrations: tuple[Mapping[str, Any], ...], tag: str | None
) -> tuple[dict[str, Any] | None, bool]:
    """The ``migrations`` metadata wrangler sends for a Worker at ``tag`` (None: nothing to
    apply), and whether ``tag`` is unknown to the config (wrangler warns, then applies all)."""
    if not migrations:
        return None, False
    steps = [{k: v for k, v in m.items() if k != "tag"} for m in migrations]
    new_tag = migrations[-1]["tag"]
    if tag is None:
        return {"new_tag": new_tag, "steps": steps}, False
    tags = [m["tag"] for m in migrations]
    if tag not in tags:
        return {"old_tag": tag, "new_tag": new_tag, "steps": steps}, True
    index = tags.index(tag)
    if index == len(tags) - 1:
        return None, False
    return {"old_tag": tag, "new_tag": new_tag, "steps": steps[index + 1 :]}, False


async def pending_migrations(
    api: TriggersApi, spec: DeploySpec, run: Run[Any], events: Events
) -> dict[str, Any] | None:
    """The migrations the upload carries (None: none to apply, or none in the config)."""
    triggers: Triggers = spec.triggers
    if not triggers.migrations or spec.destination.namespace is not None:
        return None
    script = spec.destination.script
    tag = await run(lambda: api.migration_tag(script))
    migrations, unknown = migrations_after(triggers.migrations, tag)
    if unknown:
        events.warning(
            f"The Worker {script} has migration tag '{tag}', which the config's migrations do "
            "not list; applying all of them.",
            target=spec.destination,
        )
    return migrations
