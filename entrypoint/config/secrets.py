"""The Worker secrets of a deploy: their names (inputs ``secrets`` and ``secrets-file``) → values;
and the values of input ``vars`` (plain variables named the same way, from the environment).

Owns finding each value and nothing else:

- ``secrets`` is wrangler-action's input: a newline list of names, each value taken from the
  step's environment variable of that name. As wrangler-action, a name whose variable is unset
  *or empty* is refused ("not found in environment"); every such name is listed, nothing is sent.
- ``secrets-file`` is ``wrangler deploy --secrets-file``: a ``.dev.vars``-style dotenv file or a
  JSON object (:mod:`entrypoint.config.dotenv` reads it as wrangler does), read through the
  workspace checks (no file outside it, in ``.git`` or behind a final link; at most 1 MiB).
- A name given by both is refused: one value per secret, never a silent choice.

The environment is the mapping the CLI hands in (nothing here reads ``os.environ``). Every value
is handed to ``mask`` as soon as it is read, before anything could print it (the reporter scrubs
it from every line and, on GitHub, sends ``::add-mask::``), and so is each line of a value of
many lines. Errors name secrets, never values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Final

from entrypoint.config.dotenv import read_secrets_text
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input
from entrypoint.model import WorkerSecret

#: What a secret's name may be: no whitespace, ``=`` or control character (it names an
#: environment variable and a binding).
SECRET_NAME_RE: Final = re.compile(r"[^\s=\x00-\x1f\x7f]{1,1024}")
MAX_SECRETS_FILE: Final = MIB


def check_secret_names(names: tuple[str, ...], input_name: str = "secrets") -> None:
    """Refuse a name no environment variable or binding could have (never echoing it whole)."""
    for name in names:
        if not SECRET_NAME_RE.fullmatch(name.strip()):
            msg = (
                f"Invalid input '{input_name}': each line must be one name (no spaces, '=' or "
                "control characters, at most 1024 characters): the value comes from the "
                "environment."
            )
            raise ConfigurationError(msg)


def values_from_env(
    names: tuple[str, ...], env: Mapping[str, str], input_name: str = "secrets"
) -> dict[str, str]:
    """The value of each name in ``env`` (input ``input_name``: ``secrets`` or ``vars``, both
    wrangler-action's); an unset or empty one is refused, every such name listed.

    Raises:
        ConfigurationError: a name without a value.
    """
    values: dict[str, str] = {}
    missing: list[str] = []
    for raw in names:
        name = raw.strip()
        value = env.get(name)
        if value:
            values[name] = value
        elif name not in missing:
            missing.append(name)
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        msg = f"Invalid input '{input_name}': no value for {listed} in the step's environment."
        hint = (
            "Set each as an environment variable of the step (env: NAME: ${{ secrets.NAME }}); "
            "an empty value counts as missing, as with wrangler-action."
        )
        what = "secret" if input_name == "secrets" else "var"
        raise ConfigurationError(msg, hint=hint, details=[f"missing {what} {n}" for n in missing])
    return values


def _from_file(path: Path, env: Mapping[str, str], workspace: Workspace) -> dict[str, str]:
    data = read_input(path, workspace, "secrets-file", MAX_SECRETS_FILE)
    if data is None:
        msg = f"Invalid input 'secrets-file': '{path}' does not exist."
        raise ConfigurationError(msg)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        msg = f"Invalid input 'secrets-file': '{path}' is not UTF-8 text."
        raise ConfigurationError(msg) from None
    return read_secrets_text(text, env, path.name)


def _mask(values: Iterable[str], mask: Callable[[str], None]) -> None:
    """Mask each value, and each line of a value of many (a PEM key): the runner masks a value
    line by line only when told each line."""
    for value in values:
        mask(value)
        lines = value.splitlines()
        for line in lines if len(lines) > 1 else ():
            if line.strip():
                mask(line)


def read_secrets(
    names: tuple[str, ...],
    file: Path | None,
    env: Mapping[str, str],
    *,
    cwd: Path,
    workspace: Workspace,
    mask: Callable[[str], None],
) -> tuple[WorkerSecret, ...]:
    """The secrets to bind, the file's first (in its order), then the names' (in theirs).

    Raises:
        ConfigurationError: a name without a value, a name given twice, an unreadable or
            invalid file.
    """
    check_secret_names(names)
    found: dict[str, str] = {}
    if file is not None:
        found = _from_file(cwd / file, env, workspace)
        _mask(found.values(), mask)
    from_env = values_from_env(names, env) if names else {}
    _mask(from_env.values(), mask)
    both = [name for name in from_env if name in found]
    if both:
        msg = (
            f"Invalid input 'secrets': '{both[0]}' is also in secrets-file; give each secret once."
        )
        raise ConfigurationError(msg)
    found.update(from_env)
    for name in found:
        if not SECRET_NAME_RE.fullmatch(name):
            msg = "Invalid input 'secrets-file': a secret's name is empty or too long."
            raise ConfigurationError(msg)
    return tuple(WorkerSecret(name, value) for name, value in found.items())
