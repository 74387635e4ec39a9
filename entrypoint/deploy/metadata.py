"""The Worker upload: the metadata that attaches the assets (and the script), and its form.

The metadata is what the newest wrangler sends (4.164, recorded per route in
``tests/fixtures/wrangler_parity.json``), key for key. An assets-only Worker is a form with a
single ``metadata`` part: ``{assets: {jwt, config}, compatibility_date, compatibility_flags}``
(flags sent even when empty), ``config`` holding only the options that were set
(``html_handling``, ``not_found_handling``, ``base_path`` as the user wrote it,
``run_worker_first``, and the raw texts of the root ``_headers`` / ``_redirects``). A script
Worker adds ``main_module``, ``bindings`` (an ``assets`` binding when asked; a list even when
empty), one part per module, and as wrangler does:

- ``keep_bindings: ["secret_text", "secret_key"]``: Cloudflare carries those bindings over from
  the previous version, so secrets set with ``wrangler secret put`` or the dashboard survive the
  deploy (without it they are dropped);
- ``code_update_strategy: {"mode": "deferred", "max_delay": 300}`` (how Durable Objects pick up
  new code); the versions route moves it to the deployment (``release.py``).

The user's ``metadata`` JSON is the base; our fields win only where the user set the matching
input. Merge rules for what the inputs have no name for: a ``keep_bindings`` the user set is sent
as given (``[]`` drops secrets on purpose); ``keep_vars: true`` (wrangler's config key, read from
a wrangler config or given in ``metadata``; not an API field, so never sent) keeps the variables
set outside the deploy as wrangler does: ``plain_text`` and ``json`` go in front of
``keep_bindings``. A ``code_update_strategy`` the user set wins. An assets-only Worker carries no
``keep_bindings`` unless the user set it, as with wrangler (its no-op script reads no secret).

Variables (input ``vars``, wrangler-action's, sent as ``wrangler deploy --var NAME:value`` sends
them) are ``plain_text`` bindings: one replaces a ``plain_text`` var of the same name in place, a
``json`` one by a ``plain_text`` at the end of the ``plain_text`` run (wrangler keeps the var's
place among the config's vars; that order is not known here), and a new one goes at the end of that
run. A name any other binding has is refused (wrangler would silently replace that binding).

Secrets (inputs ``secrets`` / ``secrets-file``) are ``secret_text`` bindings of this same upload,
after the variables, where wrangler's form puts them (its order: ``inherit``, ``plain_text``,
``json``, ``secret_text``, then the other types), as ``wrangler deploy --secrets-file`` (4.164)
sends them: the version
that runs the new code has them from its first request, and nothing else changes at another
moment (wrangler-action's ``secrets`` run ``wrangler secret bulk`` first instead: a ``PATCH
…/secrets-bulk`` that deploys the old code with the new values, or a draft Worker).
``keep_bindings`` still keeps the secrets set elsewhere; one we send replaces the kept one of the
same name. A secret may not share its name with another binding.

``annotations`` (inputs ``message``, ``tag``, ``preview-alias``) go in as wrangler 4.164 sends
``--message`` / ``--tag``: only when one is set, the unset keys left out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Final

from entrypoint.cloudflare.multipart import BytesPart, FilePart, MultipartBody, Part
from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.model import WorkerModules, WorkerSpec

#: The binding types wrangler keeps in every upload with a script (secrets set elsewhere).
KEEP_SECRETS: Final = ("secret_text", "secret_key")
#: What ``keep_vars`` adds in front (variables set elsewhere).
KEEP_VARS: Final = ("plain_text", "json")
#: wrangler's default for Durable Objects' code updates, sent with every script Worker.
CODE_UPDATE_STRATEGY: Final = {"mode": "deferred", "max_delay": 300}


def check_spec(spec: WorkerSpec) -> None:
    """Refuse what the API refuses for an assets-only Worker, and metadata that fights inputs."""
    if spec.modules is None:
        if spec.run_worker_first not in (None, False):
            msg = "Invalid input 'run-worker-first': it needs a Worker script (set main-module)."
            raise ConfigurationError(msg)
        if spec.assets_binding is not None:
            msg = "Invalid input 'assets-binding': it needs a Worker script (set main-module)."
            raise ConfigurationError(msg)
    if spec.keep_assets and spec.base_path is not None:
        msg = (
            "Invalid input 'base-path': keep-assets sends no assets config (the Worker keeps the "
            "assets and the base path it has); unset one of them."
        )
        raise ConfigurationError(msg)
    for key in ("main_module", "body_part", "assets", "keep_assets"):
        if key in spec.extra:
            msg = f"Invalid input 'metadata': '{key}' is set by cf-assets; use the inputs instead."
            raise ConfigurationError(msg)
    if not isinstance(spec.extra.get("keep_vars", False), bool):
        msg = "Invalid input 'metadata': 'keep_vars' must be true or false."
        raise ConfigurationError(msg)
    listed = spec.extra.get("bindings")
    for binding in listed if isinstance(listed, list) else []:
        same = isinstance(binding, dict) and binding.get("name") == spec.assets_binding
        if spec.assets_binding is not None and same and binding.get("type") != "assets":
            msg = (
                f"Invalid input 'assets-binding': '{spec.assets_binding}' is already the name of "
                f"a {binding.get('type')} binding (from the wrangler config or 'metadata')."
            )
            raise ConfigurationError(msg)
    keep = spec.extra.get("keep_bindings", [])
    if not (isinstance(keep, list) and all(isinstance(kind, str) for kind in keep)):
        msg = "Invalid input 'metadata': 'keep_bindings' must be a list of binding types."
        raise ConfigurationError(msg)
    _check_vars(spec)
    _check_secrets(spec)


def _check_vars(spec: WorkerSpec) -> None:
    """Variables need a Worker script, and names no binding but a variable has."""
    if not spec.vars:
        return
    if spec.modules is None:
        msg = "Invalid input 'vars': variables need a Worker script (set main-module)."
        raise ConfigurationError(msg)
    listed = spec.extra.get("bindings")
    taken = {
        str(b.get("name")): str(b.get("type"))
        for b in (listed if isinstance(listed, list) else [])
        if isinstance(b, dict) and b.get("type") not in KEEP_VARS
    }
    taken.update({secret.name: "secret_text" for secret in spec.secrets})
    if spec.assets_binding is not None:
        taken[spec.assets_binding] = "assets"
    for name, _ in spec.vars:
        if name in taken:
            msg = (
                f"Invalid input 'vars': '{name}' is already the name of another binding (type "
                f"{taken[name]}); every binding of a Worker needs its own name."
            )
            raise ConfigurationError(msg)


def _check_secrets(spec: WorkerSpec) -> None:
    """Secrets need a Worker script, and names no other binding has."""
    if not spec.secrets:
        return
    if spec.modules is None:
        msg = "Invalid input 'secrets': secrets need a Worker script (set main-module)."
        raise ConfigurationError(msg)
    sent = [
        {"type": "secret_text", "name": secret.name, "text": secret.value}
        for secret in spec.secrets
    ]
    # Every other binding the upload carries, wherever it comes from (metadata, the inputs).
    bindings = _bindings(spec, dict(spec.extra)) or []
    taken = {
        str(b.get("name")): str(b.get("type"))
        for b in bindings
        if isinstance(b, dict) and b not in sent
    }
    if spec.assets_binding is not None:
        taken[spec.assets_binding] = "assets"
    for secret in spec.secrets:
        if secret.name in taken:
            msg = (
                f"Invalid input 'secrets': '{secret.name}' is already the name of another "
                f"binding (type {taken[secret.name]}); every binding of a Worker needs its own "
                "name."
            )
            raise ConfigurationError(msg)


def assets_config(spec: WorkerSpec) -> dict[str, Any]:
    """``assets.config``: only the keys that were set."""
    rwf = spec.run_worker_first
    candidates: dict[str, Any] = {
        "html_handling": spec.html_handling,
        "not_found_handling": spec.not_found_handling,
        "base_path": spec.base_path,
        "run_worker_first": list(rwf) if isinstance(rwf, tuple) else rwf,
        "_headers": spec.headers,
        "_redirects": spec.redirects,
    }
    return {key: value for key, value in candidates.items() if value is not None}


def _after_leading(bindings: list[Any], types: tuple[str, ...], new: list[Any]) -> list[Any]:
    """``new`` placed after the leading bindings of ``types`` (wrangler's form groups by type)."""
    at = 0
    while at < len(bindings) and isinstance(bindings[at], dict):
        if bindings[at].get("type") not in types:
            break
        at += 1
    return [*bindings[:at], *new, *bindings[at:]]


def _with_vars(bindings: list[Any], given: tuple[tuple[str, str], ...]) -> list[Any]:
    """``bindings`` with input ``vars``: same-named variables replaced (a ``plain_text`` one in
    place), the rest added at the end of the leading ``plain_text`` run."""
    values = dict(given)
    kept: list[Any] = []
    for binding in bindings:
        name = binding.get("name") if isinstance(binding, dict) else None
        kind = binding.get("type") if isinstance(binding, dict) else None
        if name in values and kind == "plain_text":
            kept.append({"name": name, "type": "plain_text", "text": values.pop(name)})
        elif not (name in values and kind == "json"):  # a json one is re-added as plain_text
            kept.append(binding)
    added = [{"name": name, "type": "plain_text", "text": text} for name, text in values.items()]
    return _after_leading(kept, ("inherit", "plain_text"), added)


def _bindings(spec: WorkerSpec, metadata: Mapping[str, Any]) -> list[Any] | None:
    bindings = _with_vars(list(metadata.get("bindings") or []), spec.vars)
    secrets = [
        {"type": "secret_text", "name": secret.name, "text": secret.value}
        for secret in spec.secrets
    ]
    bindings = _after_leading(bindings, ("inherit", *KEEP_VARS), secrets)
    if spec.assets_binding is None:
        return bindings if bindings or spec.modules is not None else None
    kept = [
        b for b in bindings if not (isinstance(b, dict) and b.get("name") == spec.assets_binding)
    ]
    return [*kept, {"type": "assets", "name": spec.assets_binding}]


def _keep_bindings(user: object, keep_vars: bool) -> list[Any]:
    kinds = list(user) if isinstance(user, list) else list(KEEP_SECRETS)
    if keep_vars:
        kinds = [*(kind for kind in KEEP_VARS if kind not in kinds), *kinds]
    return kinds


def worker_metadata(spec: WorkerSpec, completion_token: str | None) -> dict[str, Any]:
    """The ``metadata`` part (as a PUT sends it): the user's JSON, then our fields."""
    metadata: dict[str, Any] = copy.deepcopy(dict(spec.extra))
    keep_vars = metadata.pop("keep_vars", False) is True
    if completion_token is not None:
        metadata["assets"] = {"jwt": completion_token, "config": assets_config(spec)}
    elif spec.keep_assets:
        metadata["keep_assets"] = True
    if spec.modules is not None:
        metadata["main_module"] = spec.modules.main.name
        metadata.setdefault("code_update_strategy", dict(CODE_UPDATE_STRATEGY))
        metadata["keep_bindings"] = _keep_bindings(metadata.get("keep_bindings"), keep_vars)
    ours = "compatibility_date" in spec.explicit
    if ours or "compatibility_date" not in metadata:
        metadata["compatibility_date"] = spec.compatibility_date
    if "compatibility_flags" in spec.explicit or "compatibility_flags" not in metadata:
        metadata["compatibility_flags"] = list(spec.compatibility_flags)
    bindings = _bindings(spec, metadata)
    if bindings is not None:
        metadata["bindings"] = bindings
    if spec.tags:  # a user Worker's tags (input tags): they win over metadata's
        metadata["tags"] = list(spec.tags)
    if spec.annotations:  # as wrangler --message / --tag (/ --preview-alias): inputs win
        given = metadata.get("annotations")
        metadata["annotations"] = {
            **(given if isinstance(given, dict) else {}),
            **spec.annotations,
        }
    return metadata


def worker_body(metadata: dict[str, Any], modules: WorkerModules | None = None) -> MultipartBody:
    """The multipart form: ``metadata`` then each module, named as ``main_module`` refers to it
    (each opened when sent as every asset is: no link followed, only a regular file read).

    Raises:
        ContentError: a module cannot be read any more.
    """
    data = json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    parts: list[Part] = [BytesPart("metadata", None, "application/json", data)]
    if modules is not None:
        for module in (modules.main, *modules.others):
            try:
                size = module.path.stat().st_size
            except OSError as exc:
                msg = f"Cannot read module '{module.name}' ({exc.strerror or exc})."
                raise ContentError(msg) from None
            parts.append(
                FilePart(module.name, module.name, module.content_type, str(module.path), size)
            )
    return MultipartBody(parts)
