"""Generate the action metadata and the README's Inputs / Outputs tables from the settings.

``entrypoint.config.deploy.fields()`` is the contract: every field is an input (``account_id`` →
``account-id``) with its description and default. Writes

- ``action.yml``: the published action, ``docker://`` image tagged with the project version;
- ``.github/actions/selftest/action.yml``: the same inputs and outputs, but built from the local
  ``Dockerfile``, so this repository's workflows test fresh code;
- ``images/action.yml``: ``cf-assets images`` (``uses: org/cf-assets-action/images@v1``), its
  inputs from ``entrypoint.config.images.images_fields()`` and its outputs ``IMAGES_OUTPUTS``,
  on the same image;
- ``templates/deploy.yml`` and ``templates/images.yml``: the same commands as GitLab CI/CD
  components (``scripts/gen_gitlab.py``), same inputs, defaults and descriptions, same image;
- ``schemas/*.schema.json``: JSON Schemas of the targets file and of the inputs
  (``scripts/gen_schemas.py``);
- ``release/action.yml``: ``cf-assets release`` (``uses: org/cf-assets-action/release@v1``), its
  inputs from ``entrypoint.config.release.release_fields()`` and its outputs ``RELEASE_OUTPUTS``,
  on the same image;
- the blocks between the ``<!-- BEGIN generated … -->`` / ``<!-- END generated … -->`` markers in
  ``README.md``.

Run it after changing a setting, an output or the version::

    .venv/bin/python scripts/gen_action_yml.py          # rewrite the files
    .venv/bin/python scripts/gen_action_yml.py --check  # exit 1 when a file is stale

The image is ``ghcr.io/<owner>/cf-assets-action:vX.Y.Z``; the release (``.github/workflows/
release.yml``, ``scripts/release-dry-run.sh``) passes the repository owner and the pushed index's
digest, ``--owner OWNER --digest sha256:…`` (or ``CF_ASSETS_IMAGE_OWNER`` /
``CF_ASSETS_IMAGE_DIGEST``), and the published actions then run ``…/cf-assets-action@sha256:…``
with the tag as a comment. Without them: owner ``org`` (a placeholder), no digest.

``tests/unit/test_action_yml.py`` fails while a file is stale.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "scripts"))  # the sibling generators

from gen_gitlab import render_components  # noqa: E402
from gen_schemas import render_schemas  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402

from entrypoint.config.deploy import fields  # noqa: E402
from entrypoint.config.images import images_fields  # noqa: E402
from entrypoint.config.inputs import (  # noqa: E402 - needs the path above
    cloudflare_env_names,
    input_default,
    input_name,
)
from entrypoint.config.release import release_fields  # noqa: E402

# The owner of the image's repository: the release passes the GitHub repository's owner.
DEFAULT_OWNER: Final = "org"
OWNER_ENV: Final = "CF_ASSETS_IMAGE_OWNER"
DIGEST_ENV: Final = "CF_ASSETS_IMAGE_DIGEST"
OWNER_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38})")
DIGEST_RE: Final = re.compile(r"sha256:[0-9a-f]{64}")
ACTION_YML: Final = REPO_ROOT / "action.yml"
SELFTEST_YML: Final = REPO_ROOT / ".github" / "actions" / "selftest" / "action.yml"
README: Final = REPO_ROOT / "README.md"
IMAGES_ACTION_YML: Final = REPO_ROOT / "images" / "action.yml"
TEMPLATES: Final = REPO_ROOT / "templates"
SCHEMAS: Final = REPO_ROOT / "schemas"
RELEASE_ACTION_YML: Final = REPO_ROOT / "release" / "action.yml"
README_BLOCKS: Final = (
    "inputs",
    "outputs",
    "images-inputs",
    "images-outputs",
    "release-inputs",
    "release-outputs",
)

# Inputs in the contract whose feature is not built yet: parsed and validated, not used.
NOT_IMPLEMENTED: Final[frozenset[str]] = frozenset()

# Every output the deploy command writes (entrypoint.report.result_outputs and plan_outputs;
# with targets, entrypoint.report.targets).
OUTPUTS: Final[Mapping[str, str]] = {
    "completion-token": "The assets completion token (a JWT). Masked in the log; never written "
    "to a dotenv report.",
    "files-total": "Files in the manifest.",
    "files-uploaded": "Files sent in this run.",
    "files-skipped": "Files Cloudflare already had, not sent again.",
    "bytes-total": "Bytes in the manifest.",
    "bytes-uploaded": "Bytes sent in this run.",
    "duration-seconds": "How long the deploy took, in seconds.",
    "manifest-file": "Where the manifest JSON was written (manifest-file, or a temporary file "
    "for a dry run); empty when not written.",
    "manifest-hash": "SHA-256 of the canonical manifest: equal sites, equal hash.",
    "version-id": "ID of the Worker version the upload created, when Cloudflare returns one.",
    "deployment-id": "ID of the deployment, when known.",
    "deployment-url": "URL of the deployed Worker, when known (with deploy: version, the "
    "version's preview URL when it has one).",
    "preview-alias-url": "With deploy: version and preview-alias: "
    "https://<alias>-<script>.<subdomain>.workers.dev, when Cloudflare says the version has a "
    "preview and the Worker has preview URLs (as wrangler prints it).",
    "targets-total": "With targets: the targets of this run (this shard's, when sharded; with "
    "shards, all of the file's).",
    "targets-deployed": "With targets: the targets deployed in this run.",
    "targets-unchanged": "With previous-report: the targets not sent again because that "
    "report shows them deployed with the same fingerprint.",
    "targets-failed": "With targets: the targets that failed (the report file has their errors; "
    "targets cancelled by fail-fast count as neither).",
    **{
        f"tenants-{count}": f"Alias of targets-{count}, its name before v1; kept until v1."
        for count in ("total", "deployed", "unchanged", "failed")
    },
    "report-file": "With targets: where the JSON report of every target was written.",
    "matrix": 'With shards: the matrix for the deploy jobs, {"include": [{"shard": "1/N@plan", '
    '"targets": ..., "bytes": ...}, ...]}; pass each entry\'s shard to the shard input.',
}

# Every output the images command writes (entrypoint.images.report), by mode.
IMAGES_OUTPUTS: Final[Mapping[str, str]] = {
    "image-id": "create-url: the id of the draft image (the custom id, or the one Cloudflare "
    "made up).",
    "upload-url": "create-url: the one-time upload URL; a capability, masked in the log and never "
    "written to a dotenv report.",
    "images-total": "sync: images in the folder (after include / exclude).",
    "images-uploaded": "sync: images uploaded in this run.",
    "images-skipped": "sync: images Cloudflare Images already stored (not drafts), not sent again.",
    "map-file": "sync: path of the JSON map of relative path → id (and delivery URL with "
    "account-hash).",
}

# Every output the release command writes (entrypoint.report.release.release_outputs).
RELEASE_OUTPUTS: Final[Mapping[str, str]] = {
    "deployment-id": "ID of the deployment the release created (empty for a dry run).",
    "version-id": "The version released (at percentage), or rolled back to.",
    "versions": 'What serves what now, as JSON: [{"version_id": "…", "percentage": 10}, …].',
    "previous-versions": "What served what before the release, in the same JSON form.",
}

Fields = Mapping[str, FieldInfo]

_HEADER: Final = (
    "# Generated from entrypoint/config/deploy.py by scripts/gen_action_yml.py: edit the\n"
    "# settings (or the script's OUTPUTS), then run `.venv/bin/python scripts/gen_action_yml.py`;\n"
    "# not by hand.\n"
)


def project_version() -> str:
    """``project.version`` of pyproject.toml."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def image_owner() -> str:
    """The image's owner: ``CF_ASSETS_IMAGE_OWNER`` lowercased (GHCR's names are), else ``org``.

    Raises:
        ValueError: not a GitHub owner name.
    """
    owner = os.environ.get(OWNER_ENV, "").lower() or DEFAULT_OWNER
    if not OWNER_RE.fullmatch(owner):
        msg = f"{OWNER_ENV}={owner!r} is not a GitHub owner name"
        raise ValueError(msg)
    return owner


def image_digest() -> str | None:
    """The released index's digest (``CF_ASSETS_IMAGE_DIGEST``), None before a release pins it.

    Raises:
        ValueError: not ``sha256:`` and 64 lowercase hex digits.
    """
    digest = os.environ.get(DIGEST_ENV, "")
    if digest and not DIGEST_RE.fullmatch(digest):
        msg = f"{DIGEST_ENV}={digest!r} is not sha256:<64 hex digits>"
        raise ValueError(msg)
    return digest or None


def image_repository() -> str:
    """``ghcr.io/<owner>/cf-assets-action``."""
    return f"ghcr.io/{image_owner()}/cf-assets-action"


def image_reference() -> str:
    """The published image of this version, as ``runs.image`` names it: by digest once the
    release has pushed it, else by its immutable per-release tag."""
    if digest := image_digest():
        return f"docker://{image_repository()}@{digest}"
    return f"docker://{image_repository()}:v{project_version()}"


def image_comment() -> str:
    """The comment after ``runs.image``: the tag of a digest, or why a tag passes zizmor."""
    if image_digest():
        return f"v{project_version()}"
    # An immutable per-release tag: the digest exists only after the release pushes it.
    return "zizmor: ignore[unpinned-images]"


def env_aliases(field: str, table: Fields | None = None) -> list[str]:
    """Cloudflare's own environment names that also set ``field`` (as wrangler reads them).

    ``table`` is the command's settings fields (the deploy command's when None).
    """
    if field not in (table or fields()):
        raise KeyError(field)
    return list(cloudflare_env_names(field))


def action_default(field: str, table: Fields | None = None) -> str | None:
    """The default action.yml declares: none where a ``CLOUDFLARE_*`` env name can set the input.

    On GitHub a declared default always arrives as ``INPUT_<NAME>`` and would hide the env
    name, so for those inputs the default lives in the description (and in the code).
    """
    if env_aliases(field, table):
        return None
    return input_default((table or fields())[field].default)


def input_description(field: str, table: Fields | None = None) -> str:
    """The field's description, its Cloudflare env names, and whether it is built yet.

    The env names are shown only for inputs without a default: on GitHub a declared default always
    arrives as ``INPUT_<NAME>``, which wins over the environment.
    """
    info = (table or fields())[field]
    text = (info.description or "").strip()
    if aliases := env_aliases(field, table):
        default = input_default(info.default)
        text += f" Default {default}." if default is not None else ""
        text += f" Env: {', '.join(aliases)}."
    if table is None and input_name(field) in NOT_IMPLEMENTED:
        text += " Not implemented yet (accepted and validated only)."
    return text


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_action(
    *,
    name: str,
    description: str,
    image: str,
    image_comment: str = "",
    table: Fields | None = None,
    outputs: Mapping[str, str] = OUTPUTS,
    command: str = "deploy",
) -> str:
    """An action.yml with every input and output of a command (the deploy command by default)."""
    header = _HEADER
    if command != "deploy":
        header = header.replace("config/deploy.py", f"config/{command}.py")
        header = header.replace("OUTPUTS", f"{command.upper()}_OUTPUTS")
    lines = [header.rstrip("\n"), f"name: {_quote(name)}", f"description: {_quote(description)}"]
    lines += ["author: cf-assets-action maintainers"]
    lines += ["branding:", "  icon: upload-cloud", "  color: orange", "inputs:"]
    for field in table or fields():
        described = _quote(input_description(field, table))
        lines += [f"  {input_name(field)}:", f"    description: {described}"]
        lines.append("    required: false")
        default = action_default(field, table)
        if default is not None:
            lines.append(f"    default: {_quote(default)}")
    lines.append("outputs:")
    for output, text in outputs.items():
        lines += [f"  {output}:", f"    description: {_quote(text)}"]
    comment = f"  # {image_comment}" if image_comment else ""
    lines += ["runs:", "  using: docker", f"  image: {_quote(image)}{comment}"]
    lines += ["  args:", f"    - {command}"]
    return "\n".join(lines) + "\n"


def render_actions() -> dict[Path, str]:
    """The published action and the self-test action."""
    published = render_action(
        name="Cloudflare Workers static assets deploy (cf-assets)",
        description="Deploy a folder of static assets to Cloudflare Workers through the "
        "direct-upload API: same hashes as wrangler, retries, outputs and a job summary.",
        image=image_reference(),
        image_comment=image_comment(),
    )
    selftest = render_action(
        name="cf-assets self-test",
        description="The action built from this repository's Dockerfile, for its own workflows.",
        image="../../../Dockerfile",
        # Built from this commit by the runner; its base is pinned by digest in the Dockerfile.
        image_comment="zizmor: ignore[unpinned-images]",
    )
    images = render_action(
        name="Cloudflare Images direct upload (cf-assets images)",
        description="Create one-time Cloudflare Images upload URLs, or sync a folder of images "
        "to Cloudflare Images under ids from their paths: checked first, retried, reported.",
        image=image_reference(),
        image_comment=image_comment(),
        table=images_fields(),
        outputs=IMAGES_OUTPUTS,
        command="images",
    )
    release = render_action(
        name="Cloudflare Workers gradual release (cf-assets release)",
        description="Deploy an uploaded Worker version at a percentage beside the one serving "
        "the rest, promote it, or roll back, as wrangler versions deploy / rollback do; an "
        "optional health check first.",
        image=image_reference(),
        image_comment="zizmor: ignore[unpinned-images]",
        table=release_fields(),
        outputs=RELEASE_OUTPUTS,
        command="release",
    )
    return {
        ACTION_YML: published,
        SELFTEST_YML: selftest,
        IMAGES_ACTION_YML: images,
        RELEASE_ACTION_YML: release,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_inputs_table(table: Fields | None = None) -> str:
    """The README's Inputs table: input, default, description."""
    rows = ["| input | default | description |", "|---|---|---|"]
    for field in table or fields():
        default = action_default(field, table)
        shown = f"`{_cell(default)}`" if default is not None else ""
        described = _cell(input_description(field, table))
        rows.append(f"| `{input_name(field)}` | {shown} | {described} |")
    return "\n".join(rows)


def render_outputs_table(outputs: Mapping[str, str] = OUTPUTS) -> str:
    """The README's Outputs table: output, description."""
    rows = ["| output | description |", "|---|---|"]
    rows += [f"| `{name}` | {_cell(text)} |" for name, text in outputs.items()]
    return "\n".join(rows)


def begin_marker(block: str) -> str:
    """The line that opens a generated README block."""
    return f"<!-- BEGIN generated {block}: scripts/gen_action_yml.py -->"


def end_marker(block: str) -> str:
    """The line that closes a generated README block."""
    return f"<!-- END generated {block} -->"


def render_readme(text: str) -> str:
    """``text`` (the README) with its generated blocks replaced.

    Raises:
        ValueError: a block's markers are missing.
    """
    bodies = {
        "inputs": render_inputs_table(),
        "outputs": render_outputs_table(),
        "images-inputs": render_inputs_table(images_fields()),
        "images-outputs": render_outputs_table(IMAGES_OUTPUTS),
        "release-inputs": render_inputs_table(release_fields()),
        "release-outputs": render_outputs_table(RELEASE_OUTPUTS),
    }
    for block in README_BLOCKS:
        begin, end = begin_marker(block), end_marker(block)
        head, found, rest = text.partition(begin + "\n")
        _, found_end, tail = rest.partition(end)
        if not found or not found_end:
            msg = f"README.md lacks the markers {begin!r} … {end!r}"
            raise ValueError(msg)
        text = f"{head}{begin}\n{bodies[block]}\n{end}{tail}"
    return text


def rendered() -> dict[Path, str]:
    """Every generated file with the content it should have."""
    files = render_actions()
    files |= render_components(
        TEMPLATES,
        image=image_reference().removeprefix("docker://"),
        header=_HEADER.replace("(or the script's OUTPUTS)", "(or scripts/gen_gitlab.py)"),
        describe=input_description,
        default=action_default,
    )
    files |= render_schemas(
        SCHEMAS,
        repository=image_repository().removeprefix("ghcr.io/"),
        version=project_version(),
        describe=input_description,
        default=action_default,
    )
    files[README] = render_readme(README.read_text(encoding="utf-8"))
    return files


def main(argv: list[str] | None = None) -> int:
    """Write the files, or with ``--check`` report the stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("--owner", help=f"the image's owner (default ${OWNER_ENV}, else org)")
    parser.add_argument("--digest", help=f"run the image by this digest (default ${DIGEST_ENV})")
    args = parser.parse_args(argv)
    if args.owner is not None:
        os.environ[OWNER_ENV] = args.owner
    if args.digest is not None:
        os.environ[DIGEST_ENV] = args.digest
    try:
        image_reference()
    except ValueError as error:
        print(f"gen_action_yml: {error}", file=sys.stderr)
        return 2
    stale = []
    for path, content in rendered().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        stale.append(path.relative_to(REPO_ROOT))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    verb = "stale" if args.check else "wrote"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
