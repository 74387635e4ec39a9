"""The deploy command's settings, frozen once built from the CLI values and the environment
mapping the CLI passes in.

Owns the deploy inputs and their defaults; every check of a value's format or range that can run
before a request is :mod:`entrypoint.config.deploy_checks`'s, called whenever settings are built.
How a setting is named, looked up in the CLI values and the environment and reported when invalid
is :mod:`entrypoint.config.inputs`'s, shared with the images command.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Final

from pydantic import BeforeValidator, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from entrypoint.config.base_path import check_base_path
from entrypoint.config.credentials import CloudflareInputs
from entrypoint.config.deploy_checks import check_formats
from entrypoint.config.health import (
    RETRIES_DOC,
    STATUS_DOC,
    TIMEOUT_DOC,
)
from entrypoint.config.inputs import (
    NO_ENV,
    JsonObject,
    Lines,
    StrictBool,
    setting,
)
from entrypoint.config.values import parse_run_worker_first
from entrypoint.config.workers_plan import WorkersPlan
from entrypoint.errors import ConfigurationError
from entrypoint.model import DeployMode

#: Cloudflare allows 1,200 API requests per 5 minutes per user; leave room for other clients.
DEFAULT_RATE_LIMIT: Final = 1000
DEFAULT_REPORT_FILE: Final = "cf-assets-report.json"


class HtmlHandling(StrEnum):
    """``assets.config.html_handling`` values the API accepts."""

    AUTO_TRAILING_SLASH = "auto-trailing-slash"
    FORCE_TRAILING_SLASH = "force-trailing-slash"
    DROP_TRAILING_SLASH = "drop-trailing-slash"
    NONE = "none"


class NotFoundHandling(StrEnum):
    """``assets.config.not_found_handling`` values the API accepts."""

    SINGLE_PAGE_APPLICATION = "single-page-application"
    PAGE_404 = "404-page"
    NONE = "none"


BasePath = Annotated[str | None, BeforeValidator(check_base_path)]
RunWorkerFirst = Annotated[bool | tuple[str, ...] | None, BeforeValidator(parse_run_worker_first)]


class DeploySettings(CloudflareInputs):
    """Inputs of ``cf-assets deploy``; field ``account_id`` is input ``account-id``."""

    line_fields: ClassVar[tuple[str, ...]] = (
        "include",
        "exclude",
        "modules",
        "secrets",
        "vars",
    )
    line_fields += ("compatibility_flags", "run_worker_first", "tags")

    fails_without_credentials: StrictBool = setting(
        True,
        doc="false: a run without an API token or key (a pull request from a fork gets no "
        "secrets) is skipped with a notice, exit 0 and no outputs, instead of failing.",
    )
    script_name: str | None = setting(doc="Name of the Worker (script) to deploy to.")
    dispatch_namespace: str | None = setting(
        doc="Workers for Platforms dispatch namespace; deploys the script into it."
    )
    directory: Path | None = setting(doc="Folder of static assets to deploy.")
    include: Lines = setting(
        (), doc="Newline list of gitignore-style patterns; only matching files deploy."
    )
    exclude: Lines = setting((), doc="Newline list of gitignore-style patterns to leave out.")
    max_files: int | None = setting(
        doc="Refuse to deploy more files than this; unset: the limit of workers-plan (of "
        "Workers for Platforms with dispatch-namespace), else 100,000."
    )
    workers_plan: WorkersPlan | None = setting(
        doc="The account's Workers plan, free or paid: more files than it allows per Worker "
        "version (Free 20,000; Paid 100,000) are refused before any request."
    )
    deploy: DeployMode = setting(
        DeployMode.WORKER,
        doc="worker: upload the assets and deploy the Worker; version: upload a new version of "
        "an existing Worker without deploying it (deployment-url is its preview URL); none: "
        "upload the assets only.",
    )
    preview_alias: str | None = setting(
        doc="With deploy: version, a stable name for the version's preview URL, "
        "https://<alias>-<script>.<subdomain>.workers.dev (e.g. pr-42); a later version that "
        "claims it takes it over. Letters, digits and '-', starting with a letter and not "
        "ending with '-'; '<alias>-<script-name>' at most 63 characters (a DNS label), as "
        "wrangler versions upload --preview-alias checks it. Output preview-alias-url."
    )
    message: str | None = setting(
        doc="Version message (annotation workers/message, at most 1000 bytes), as wrangler "
        "--message: on the uploaded version, and with deploy: worker on its deployment too."
    )
    tag: str | None = setting(
        doc="Version tag (annotation workers/tag, at most 100 bytes), as wrangler --tag."
    )
    tags: Lines = setting(
        (),
        doc="With dispatch-namespace: newline list of the user Worker's tags (at most 8, none "
        "with ',' or '&'), replacing those it has: sent in the Worker upload, or with deploy: "
        "version as PUT …/tags.",
    )
    main_module: str | None = setting(
        doc="The Worker's built ES module entry (.js/.mjs); unset: an assets-only Worker."
    )
    modules: Lines = setting(
        (),
        doc="Newline list of globs of further modules (.js, .mjs, .wasm, .txt, .bin, .map …), "
        "named relative to main-module's folder.",
    )
    compatibility_date: str | None = setting(
        doc="Worker compatibility date (YYYY-MM-DD); today's UTC date when unset."
    )
    compatibility_flags: Lines = setting((), doc="Newline list of compatibility flags.")
    html_handling: HtmlHandling | None = setting(
        doc="How paths map to HTML files: auto-trailing-slash, force-trailing-slash, "
        "drop-trailing-slash or none."
    )
    not_found_handling: NotFoundHandling | None = setting(
        doc="What a path without an asset serves: single-page-application, 404-page or none."
    )
    base_path: BasePath = setting(
        doc="URL path the assets are served under (e.g. /docs: /docs/index.html serves "
        "index.html); a pathname without ?, #, % or backslashes. Unset: the root."
    )
    run_worker_first: RunWorkerFirst = setting(
        doc="true, false, or a newline list of route rules (/… or !/…, as written: at most 100, "
        "each at most 100 characters, unique, none covered by a '*' rule)."
    )
    assets_binding: str | None = setting(
        doc="Name of the assets binding the Worker script gets (e.g. ASSETS)."
    )
    keep_assets: StrictBool = setting(
        False, doc="Keep the assets the Worker has; upload none (script-only update)."
    )
    secrets: Lines = setting(
        (),
        doc="Newline list of Worker secret names (wrangler-action's secrets): each value is the "
        "step's environment variable of that name (unset or empty: refused). Sent as "
        "secret_text bindings in the Worker upload itself, masked at once, never printed.",
    )
    secrets_file: Path | None = setting(
        doc="A .dev.vars-style file of Worker secrets (NAME=value lines, or a JSON object), read "
        "as wrangler deploy --secrets-file reads it; sent like 'secrets'."
    )
    vars: Lines = setting(
        (),
        doc="Newline list of Worker variable names (wrangler-action's vars): each value is the "
        "step's environment variable of that name (unset or empty: refused). Sent as plain_text "
        "bindings, replacing a config var of the same name, as wrangler deploy --var NAME:value.",
    )
    metadata: JsonObject = setting(
        doc="JSON object merged into the Worker metadata (bindings, observability, tags, "
        "placement, keep_bindings …); inputs you set win."
    )
    workers_dev: StrictBool = setting(
        True, doc="Serve the Worker on its workers.dev URL (false switches it off)."
    )
    working_directory: Path | None = setting(
        doc="The folder to run in (wrangler-action's workingDirectory): relative inputs and the "
        "wrangler config are found from there. Default: the workspace."
    )
    config: Path | None = setting(
        doc="wrangler.toml / wrangler.json / wrangler.jsonc to read defaults from; by default "
        "the config a build's .wrangler/deploy/config.json points to (as wrangler follows it), "
        "else the first of wrangler.json, wrangler.jsonc, wrangler.toml in the working directory."
    )
    environment: str | None = setting(
        doc="The wrangler config's environment to deploy (env.<name>, as wrangler --env): its "
        "Worker <name>-<environment> unless it sets a name, its vars and bindings."
    )
    concurrency: int = setting(
        8,
        doc="Bulk upload requests in flight at once (with targets: for all of them together, "
        "and the targets deployed at once).",
    )
    max_retries: int = setting(5, doc="Retries per request for transient failures.")
    timeout: float = setting(
        60.0,
        doc="Seconds a request may take to connect or stall; a whole request may take at "
        "most twice this, plus 1 s per 16 KiB sent or received (a server that dribbles its "
        "answer is cut off).",
    )
    rate_limit: int = setting(
        DEFAULT_RATE_LIMIT,
        doc="Most Cloudflare API requests made with the API token per 5 minutes, for the whole "
        "run and all its shards together (each of N shards takes 1/N); Cloudflare allows 1,200 "
        "per user. Asset uploads use their upload token and are not counted. 0: no limit.",
    )
    dry_run: StrictBool = setting(
        False, doc="Build the manifest and stop; checks every input but the credentials."
    )
    manifest_file: Path | None = setting(doc="Write the manifest JSON here.")
    dotenv_file: Path | None = setting(
        doc="Also write the outputs here as a dotenv report (CF_ASSETS_<OUTPUT>=value, no "
        "secrets); on GitLab cf-assets.env unless set."
    )
    targets: Path | None = setting(
        doc="YAML or JSON file of many deploy targets: top-level keys are defaults "
        "for every target, named like these inputs; 'targets' lists them. All are deployed "
        "concurrently."
    )
    shard: str | None = setting(
        doc="i/N: with targets, deploy only shard i of N, as 'shards' planned it (pass the "
        "matrix's value, i/N@plan, to have the plan checked)."
    )
    shards: int | None = setting(
        doc="With targets: plan only. Split the targets into this many shards balanced by "
        "bytes and write the matrix output; nothing is deployed."
    )
    fail_fast: StrictBool = setting(
        False, doc="With targets: stop at the first failing target (others are cancelled)."
    )
    report_file: Path | None = setting(
        doc="With targets: write the JSON report of every target here "
        f"(default {DEFAULT_REPORT_FILE})."
    )
    previous_report: Path | None = setting(
        doc="With targets: the report file of an earlier run (restore it from a cache). Targets "
        "it shows deployed with the same fingerprint (same files, Worker, settings, account) "
        "are not sent again; their status is 'unchanged'. A missing file deploys every target."
    )
    github_token: SecretStr | None = setting(
        doc="The job's token (${{ github.token }}), to opt in to the GitHub integration: a GitHub "
        "Deployment with the URL, and on a pull request one comment edited on every push. Needs "
        "permissions deployments: write and pull-requests: write. Unset: GitHub is not called."
    )
    github_environment: str | None = setting(
        doc="The GitHub Deployment's environment (with github-token). Default: preview on a pull "
        "request, else production."
    )
    github_deployment: StrictBool = setting(
        True,
        doc="With github-token: create the GitHub Deployment (false: only the pull request "
        "comment, for a job whose environment: already makes GitHub record one).",
    )
    health_check_path: str | None = setting(
        doc="With deploy: worker, after the deploy request this path (e.g. /healthz) on the "
        "Worker's workers.dev URL; if it never answers health-check-status, the previous "
        "deployment is restored and the run fails (exit 7). Not with targets or a namespace."
    )
    health_check_status: int = setting(200, doc=STATUS_DOC)
    health_check_timeout: float = setting(10.0, doc=TIMEOUT_DOC)
    health_check_retries: int = setting(3, doc=RETRIES_DOC)
    health_check_base_url: str | None = setting(
        doc="Request health-check-path on this URL instead of the workers.dev URL (e.g. a "
        "route of the Worker)."
    )
    allow_outside_workspace: StrictBool = setting(
        False,
        doc="Let the paths inputs name (directory, config, main-module, modules, secrets-file, "
        "targets and their folders, previous-report; manifest-file, dotenv-file, report-file) "
        "lie outside the workspace. Links among the assets still may not leave the workspace "
        "(or the directory), files are still written through no link, and no .git folder is "
        "ever read.",
    )


def fields() -> Mapping[str, FieldInfo]:
    """The settings fields in declaration order (CLI flags, action.yml and docs derive from it)."""
    return DeploySettings.model_fields


def load_settings(cli_values: Mapping[str, Any], env: Mapping[str, str] = NO_ENV) -> DeploySettings:
    """Build settings from CLI values (by field name) over the environment mapping ``env``.

    Raises:
        ConfigurationError: naming every invalid input, never echoing a value.
    """
    settings = DeploySettings.from_values(cli_values, env)
    check_formats(settings)
    return settings


def apply_defaults(
    settings: DeploySettings,
    inputs: Mapping[str, Any],
    defaults: Mapping[str, Any],
    source: str,
) -> tuple[DeploySettings, tuple[str, ...]]:
    """``settings`` with ``defaults`` (by field name) for every field no input set; ``inputs``
    are the given values ``settings`` was built from (:meth:`DeploySettings.given`).

    Returns the new settings and the fields the defaults supplied.

    Raises:
        ConfigurationError: a default is invalid; the message names ``source``.
    """
    used = tuple(name for name in defaults if name not in settings.model_fields_set)
    if not used:
        return settings, ()
    try:
        supplied = {name: defaults[name] for name in used}
        merged = DeploySettings.model_validate({**supplied, **inputs})
    except ValidationError as exc:
        msg = f"{DeploySettings.describe_error(exc)} (set in {source})"
        raise ConfigurationError(msg) from None
    try:
        check_formats(merged)
    except ConfigurationError as error:
        msg = f"{error.message} (set in {source})"
        raise ConfigurationError(msg, hint=error.hint, details=error.details) from None
    return merged, used


def settings_from_values(values: Mapping[str, Any]) -> DeploySettings:
    """Settings from ``values`` (by field name) only, with no environment: one entry of a targets
    file.

    Raises:
        ConfigurationError: naming every invalid value by its input name (``'max-files'``),
            never echoing a value.
    """
    return load_settings(values, NO_ENV)
