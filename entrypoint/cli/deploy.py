"""``cf-assets deploy`` and ``cf-assets plan``: settings (inputs, then a wrangler config's
defaults) → the single-target or the many-target run, in one command session, and the run's
outcome handed to the reporter (outputs, summary).

A wrangler config supplies only what no input set, and a config key we do not translate refuses
the deploy (unless ``metadata`` is given): never a Worker that silently lacks what its config
says. The runs are imported only when they run (``--help`` and start-up stay fast); the
many-target run's hand-over is :mod:`entrypoint.cli.targets`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entrypoint.cli.session import CommandSession
from entrypoint.config.deploy import DeploySettings, apply_defaults, load_settings
from entrypoint.config.inputs import NO_ENV, input_name
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import deferred
from entrypoint.report import Reporter, plan_outputs, result_outputs

if TYPE_CHECKING:
    from entrypoint.config.network import Network


def _project_settings(
    values: dict[str, Any], env: Mapping[str, str], session: CommandSession, *, plan: bool
) -> tuple[DeploySettings, str]:
    """Settings from flags and env, then defaults from a wrangler config; and a line saying so.

    ``plan``: ``cf-assets plan``, which needs ``targets`` and ``shards``.
    """
    from entrypoint.config.wrangler import find_config, read_config  # noqa: PLC0415

    inputs = DeploySettings.given(values, env)  # by field: each flag, else its env spelling
    settings = load_settings(inputs)
    if plan and (settings.targets is None or settings.shards is None):
        msg = "cf-assets plan needs inputs 'targets' and 'shards' (--targets FILE --shards N)."
        raise ConfigurationError(msg)
    if settings.targets is not None:  # each target is described by the targets file
        return settings, ""
    path = find_config(settings.config, session.cwd)
    if path is None:
        return settings, ""
    outside = settings.allow_outside_workspace
    config = read_config(path, Workspace.at(session.workspace, outside=outside))
    user_metadata = settings.metadata is not None
    settings, used = apply_defaults(settings, inputs, config.values, path.name)
    if config.untranslated and not user_metadata:
        keys = ", ".join(config.untranslated)
        msg = f"Invalid input 'config': {path.name} sets {keys}, which cf-assets does not read."
        hint = (
            "Pass them as Worker metadata with the 'metadata' input (bindings, observability, "
            "placement …), or use wrangler for routes and triggers; cf-assets will not deploy a "
            "Worker that silently lacks them."
        )
        raise ConfigurationError(msg, hint=hint)
    names = ", ".join(input_name(name) for name in used) or "nothing: inputs set everything"
    return settings, f"Read wrangler configuration {path}; it supplied {names}."


def run_deploy(
    values: dict[str, Any],
    env: Mapping[str, str],
    stream: TextIO,
    cwd: Path,
    *,
    plan: bool = False,
) -> int:
    """``cf-assets deploy`` (and ``plan``): settings → run → report; the exit code."""
    from entrypoint.config.network import read_network  # noqa: PLC0415 - imports the client

    session = CommandSession(env, stream, cwd)
    try:
        settings, project = _project_settings(values, env, session, plan=plan)
        network = read_network(env)  # proxies and CA certificates
    except ConfigurationError as error:
        return session.refuse(error)
    reporter = session.reporter(
        session.dotenv_path(settings.dotenv_file), outside=settings.allow_outside_workspace
    )
    session.secrets((settings.api_token, settings.api_key, *network.secrets))
    if project:
        reporter.info(project)
    workspace, temp = session.workspace, session.ci.runner_temp
    flow = _deploy_flow(many_targets=settings.targets is not None)
    return session.run(
        reporter,
        lambda: flow(
            settings,
            reporter,
            workspace=workspace,
            cwd=cwd,
            runner_temp=temp,
            network=network,
            env=env,
        ),
    )


def _deploy_flow(*, many_targets: bool) -> Callable[..., int]:
    """The run of a deploy, imported only when it runs (keeps --help and start-up fast)."""
    if many_targets:
        from entrypoint.cli.targets import deploy_targets  # noqa: PLC0415

        return deploy_targets
    return deploy_one


def deploy_one(
    settings: DeploySettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
    network: Network | None = None,
    env: Mapping[str, str] = NO_ENV,
) -> int:
    """``cf-assets deploy`` of one Worker (``env``: the step's environment, for the secrets): the
    run, then its outputs and summary; 0 or raises an AssetsError."""
    from entrypoint.config.network import DIRECT  # noqa: PLC0415
    from entrypoint.deploy.run import execute  # noqa: PLC0415

    outcome = execute(
        settings,
        reporter,
        workspace=workspace,
        cwd=cwd,
        runner_temp=runner_temp,
        network=network or DIRECT,
        env=env,
    )
    manifest_file = str(outcome.manifest_file) if outcome.manifest_file else None
    with deferred():  # a signal waits: outputs and summary are written whole, or not at all
        if outcome.result is not None:
            reporter.outputs(result_outputs(outcome.result, manifest_file))
            reporter.summary(outcome.result)
        elif outcome.plan is not None:
            reporter.outputs(plan_outputs(outcome.plan, manifest_file))
    if outcome.result is None:
        reporter.info("Dry run: every input checked; nothing was sent to Cloudflare.")
    return 0
