"""The version annotations the deploy inputs set (``preview-alias``, ``message``, ``tag``), and
the ``tags`` of a Workers for Platforms user Worker.

Owns their checks before any request. The alias rule is wrangler's (4.164,
``deploy-helpers/src/deploy/helpers/preview-alias.ts``): ``^[a-z](?:[a-z0-9-]*[a-z0-9])?$``
case-insensitive, and ``<alias>-<script>`` must fit one DNS label (63 characters), since the
alias URL is ``https://<alias>-<script>.<subdomain>.workers.dev``. wrangler applies that rule to
the aliases it generates from a branch name and sends a ``--preview-alias`` as given (Cloudflare
then judges it); we check both the same way, before anything is sent. The sizes are Cloudflare's:
``workers/message`` at most 1,000 bytes (the deployment's schema; a longer one is cut on a script
upload and refused on a deployment), ``workers/tag`` at most 100 bytes. A user Worker has at most
eight tags, and Cloudflare's WfP docs say to keep ``,`` and ``&`` out of them (they separate the
tag filters of ``…/scripts?tags=a:yes,b:no``).
"""

from __future__ import annotations

import re
from typing import Final, NoReturn

from entrypoint.errors import ConfigurationError

ALIAS_RE: Final = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?", re.IGNORECASE)
MAX_DNS_LABEL: Final = 63
MAX_MESSAGE_BYTES: Final = 1000
MAX_TAG_BYTES: Final = 100
MAX_SCRIPT_TAGS: Final = 8


def _bad(name: str, what: str) -> NoReturn:
    msg = f"Invalid input '{name}': {what}."
    raise ConfigurationError(msg)


def check_alias(alias: str, script: str | None) -> None:
    """Refuse an alias wrangler's rule refuses (``script``: the Worker, when known)."""
    if not ALIAS_RE.fullmatch(alias):
        _bad(
            "preview-alias",
            "must be letters, digits and '-', start with a letter and not end with '-'",
        )
    if script is not None and len(alias) + 1 + len(script) > MAX_DNS_LABEL:
        label = len(alias) + 1 + len(script)
        _bad(
            "preview-alias",
            f"'<alias>-<script-name>' is {label} characters; the preview host allows at most "
            f"{MAX_DNS_LABEL} (one DNS label): shorten the alias to at most "
            f"{max(MAX_DNS_LABEL - 1 - len(script), 0)}",
        )


def check_annotations(
    alias: str | None, message: str | None, tag: str | None, script: str | None
) -> None:
    """Check ``preview-alias``, ``message`` and ``tag`` as far as they are set."""
    if alias is not None:
        check_alias(alias, script)
    if message is not None and len(message.encode("utf-8")) > MAX_MESSAGE_BYTES:
        _bad("message", f"must be at most {MAX_MESSAGE_BYTES} bytes (UTF-8)")
    if tag is not None and len(tag.encode("utf-8")) > MAX_TAG_BYTES:
        _bad("tag", f"must be at most {MAX_TAG_BYTES} bytes (UTF-8)")


def version_annotations(
    message: str | None, tag: str | None, alias: str | None = None
) -> dict[str, str]:
    """The ``annotations`` of a version, keys in wrangler's order, unset ones left out (as
    wrangler's JSON drops its undefined values)."""
    candidates = {"workers/message": message, "workers/tag": tag, "workers/alias": alias}
    return {key: value for key, value in candidates.items() if value is not None}


def check_tags(tags: tuple[str, ...]) -> None:
    """At most eight distinct tags, none with ``,`` or ``&``."""
    if len(tags) > MAX_SCRIPT_TAGS:
        _bad("tags", f"a Worker has at most {MAX_SCRIPT_TAGS} tags, {len(tags)} were given")
    if len(set(tags)) != len(tags):
        _bad("tags", "lists a tag twice")
    if any("," in tag or "&" in tag for tag in tags):
        _bad("tags", "a tag may not contain ',' or '&'")
