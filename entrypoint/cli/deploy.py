"""``cf-assets deploy`` and ``cf-assets plan``: settings (inputs, then a wrangler config's
defaults) → the single-target or the many-target run, in one command session, and the run's
outcome handed to the reporter (outputs, summary).

A wrangler config (its ``environment`` resolved as wrangler does) supplies only what no input
set, and a config key we do not translate refuses the deploy (unless ``metadata`` is given):
never a Worker that silently lacks what its config says. wrangler's warnings about the config
are logged as warnings. The runs are imported only when they run (``--help`` and start-up stay
fast); the many-target run's hand-over is :mod:`entrypoint.cli.targets`'s. With
``health-check-path``, the deployed Worker is checked after the outputs are written
(:mod:`entrypoint.release.after_deploy`: a failed check restores the previous deployment).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entrypoint.cli.session import CommandSession
from entrypoint.config.deploy import DeploySettings, apply_defaults, load_settings
from entrypoint.config.inputs import NO_ENV, input_name
from entrypoint.errors import ConfigurationError, GitHubError
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import deferred
from entrypoint.model import Triggers
from entrypoint.report import Reporter, plan_outputs, result_outputs

if TYPE_CHECKING:
    from entrypoint.config.network import Network
    from entrypoint.github.publish import GitHubRun


def _project_settings(
    values: dict[str, Any], env: Mapping[str, str], session: CommandSession, *, plan: bool
) -> tuple[DeploySettings, list[str], list[str], Triggers]:
    """Settings from flags and env, then defaults from a wrangler config (its environment
    resolved); the lines saying so, wrangler's warnings about the config, and the config's
    routes, crons, preview URLs and migrations.

    ``plan``: ``cf-assets plan``, which needs ``targets`` and ``shards``.
    """
    from entrypoint.config.redirect import find_redirect  # noqa: PLC0415
    from entrypoint.config.wrangler import find_config, read_config  # noqa: PLC0415
    from entrypoint.config.wrangler_keys.refusals import describe  # noqa: PLC0415

    inputs = DeploySettings.given(values, env)  # by field: each flag, else its env spelling
    settings = load_settings(inputs)
    if settings.working_directory is not None:
        session.enter(settings.working_directory, outside=settings.allow_outside_workspace)
    if plan and (settings.targets is None or settings.shards is None):
        msg = "cf-assets plan needs inputs 'targets' and 'shards' (--targets FILE --shards N)."
        raise ConfigurationError(msg)
    if settings.targets is not None:  # each target is described by the targets file
        return settings, [], [], Triggers()
    workspace = Workspace.at(session.workspace, outside=settings.allow_outside_workspace)
    # A build's redirect to its generated config, unless input 'config' names one (as wrangler).
    redirect = find_redirect(session.cwd, workspace) if settings.config is None else None
    path = redirect.config if redirect else find_config(settings.config, session.cwd)
    if path is None:
        if settings.environment:
            msg = "Invalid input 'environment': there is no wrangler configuration to read it from."
            raise ConfigurationError(msg, hint="Set input 'config' to the wrangler file.")
        return settings, [], [], Triggers()
    config = read_config(path, workspace, settings.environment, redirected=redirect is not None)
    user_metadata = settings.metadata is not None
    settings, used = apply_defaults(settings, inputs, config.values, path.name)
    if config.untranslated and not user_metadata:
        keys = describe(config.untranslated)
        msg = f"Invalid input 'config': {path.name} sets keys cf-assets does not translate: {keys}."
        hint = (
            "Put each where the arrow says (metadata: the 'metadata' input, which then replaces "
            "every binding and setting read from the config), or deploy with wrangler; cf-assets "
            "will not deploy a Worker that silently lacks them."
        )
        raise ConfigurationError(msg, hint=hint)
    names = ", ".join(input_name(name) for name in used) or "nothing: inputs set everything"
    where = f" (environment {config.environment})" if config.environment else ""
    lines = [redirect.notice(session.cwd)] if redirect else []
    lines.append(f"Read wrangler configuration {path}{where}; it supplied {names}.")
    return settings, lines, list(config.warnings), config.triggers


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
        settings, project, warnings, triggers = _project_settings(values, env, session, plan=plan)
        network = read_network(env)  # proxies and CA certificates
    except ConfigurationError as error:
        return session.refuse(error)
    reporter = session.reporter(
        session.dotenv_path(settings.dotenv_file), outside=settings.allow_outside_workspace
    )
    session.secrets((settings.api_token, settings.api_key, settings.github_token, *network.secrets))
    for line in project:
        reporter.info(line)
    for warning in warnings:
        reporter.warning(warning)
    if _needs_credentials(settings):
        refused = _fork_refusal(session)
        if not settings.fails_without_credentials:
            why = refused.message if refused else "No API token or key is set."
            reporter.notice(f"{why} The deploy is skipped (fails-without-credentials: false).")
            return 0
        if refused is not None:
            reporter.error(refused)
            return refused.exit_code
    workspace, temp = session.workspace, session.scratch
    many = settings.targets is not None
    flow = _deploy_flow(many_targets=many)
    extra: dict[str, Any] = (
        {} if many else {"triggers": triggers, "github": _github_run(settings, session)}
    )
    if many and settings.github_token is not None:
        reporter.warning("github-token is not used with targets: no GitHub deployment or comment.")
    return session.run(
        reporter,
        lambda: flow(
            settings,
            reporter,
            workspace=workspace,
            cwd=session.cwd,
            runner_temp=temp,
            network=network,
            **extra,
            env=env,
        ),
    )


def _github_run(settings: DeploySettings, session: CommandSession) -> GitHubRun | None:
    """The GitHub integration's run, when it is asked for (input github-token)."""
    from entrypoint.github.publish import GitHubRun as Run  # noqa: PLC0415 - only when asked

    if settings.github_token is None:
        return None
    ci = session.ci
    return Run(
        repo=ci.github_repository,
        server_url=ci.github_server_url,
        run_id=ci.github_run_id,
        sha=ci.github_sha,
        pull=ci.pull_request(),
        environment=settings.github_environment,
        deployment=settings.github_deployment,
        api_url=ci.github_api_url or "https://api.github.com",
    )


def _needs_credentials(settings: DeploySettings) -> bool:
    """A run that would talk to Cloudflare with neither an API token nor a key."""
    return not settings.dry_run and settings.api_token is None and settings.api_key is None


def _fork_refusal(session: CommandSession) -> ConfigurationError | None:
    """On a GitHub pull request from a fork (which gets no secrets), the refusal that says so
    and how to guard the step; None elsewhere (the run's own check says what is missing)."""
    fork = session.ci.fork_pull_request()
    if fork is None:
        return None
    msg = (
        f"Missing input 'api-token': this pull request comes from the fork {fork}, and GitHub "
        "gives such runs no secrets."
    )
    hint = (
        "Guard the step with `if: github.event.pull_request.head.repo.full_name == "
        "github.repository`, or set fails-without-credentials: false to skip it with a notice."
    )
    return ConfigurationError(msg, hint=hint)


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
    triggers: Triggers | None = None,
    env: Mapping[str, str] = NO_ENV,
    github: GitHubRun | None = None,
) -> int:
    """``cf-assets deploy`` of one Worker (``env``: the step's environment, for the secrets): the
    run, then its outputs and summary, then (``github``: asked for) the GitHub deployment and
    comment; 0 or raises an AssetsError."""
    from entrypoint.config.network import DIRECT  # noqa: PLC0415
    from entrypoint.deploy.run import execute  # noqa: PLC0415

    outcome = execute(
        settings,
        reporter,
        workspace=workspace,
        cwd=cwd,
        runner_temp=runner_temp,
        network=network or DIRECT,
        triggers=triggers or Triggers(),
        env=env,
    )
    manifest_file = str(outcome.manifest_file) if outcome.manifest_file else None
    outputs: dict[str, str] = {}
    with deferred():  # a signal waits: outputs and summary are written whole, or not at all
        if outcome.result is not None:
            outputs = result_outputs(outcome.result, manifest_file)
            reporter.outputs(outputs)
            reporter.summary(outcome.result)
        elif outcome.plan is not None:
            reporter.outputs(plan_outputs(outcome.plan, manifest_file))
    if outcome.result is None:
        reporter.info("Dry run: every input checked; nothing was sent to Cloudflare.")
    else:
        if settings.health_check_path is not None:  # restores the previous deployment on failure
            from entrypoint.release.after_deploy import check_deployed  # noqa: PLC0415

            result = outcome.result
            url, deployment = result.deployment_url, result.deployment_id
            check_deployed(
                settings, reporter, url=url, deployment_id=deployment, network=network or DIRECT
            )
        if github is not None:  # after a health check that passed
            _publish_on_github(settings, reporter, network or DIRECT, github, outputs)
    return 0


def _publish_on_github(
    settings: DeploySettings,
    reporter: Reporter,
    network: Network,
    github: GitHubRun,
    outputs: Mapping[str, str],
) -> None:
    """The GitHub deployment and comment; a failure is a warning (the deploy is done). A signal
    waits until they are sent (a few requests, each bounded by the timeout)."""
    from entrypoint.github.run import publish_deploy  # noqa: PLC0415 - only when asked
    from entrypoint.interrupts import run_task  # noqa: PLC0415

    token = settings.github_token
    assert token is not None  # github is only set with a token
    script = settings.script_name or ""
    if settings.dispatch_namespace:
        script = f"{settings.dispatch_namespace}/{script}"
    try:
        lines = run_task(
            lambda: publish_deploy(
                settings, network, github, token=token, script=script, outputs=outputs
            )
        )
    except GitHubError as error:
        reporter.warning(f"{error} The deploy itself succeeded.")
        return
    for line in lines:
        reporter.info(line)
