"""Every file the tool writes: outputs, dotenv reports, manifests, target reports, images map and
upload-URL files, and the runner's own files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY).

Owns where and how. A file is written only inside the workspace or the runner's temp folder (or
anywhere, with input ``allow-outside-workspace``), atomically and without following a link: each
folder on the way below that root is opened with ``O_NOFOLLOW`` (and created when missing, owned
like the workspace); the text goes to an unpredictable temporary name in the same folder
(``O_CREAT | O_EXCL | O_NOFOLLOW``), is handed to the workspace's owner, and ``os.replace`` renames
it over the final name — over a link, never through it. A run stopped half-way leaves the old file
or the new one, never a part of one. The runner's files are appended to (``O_APPEND |
O_NOFOLLOW``): a link, a folder or a FIFO there is refused. Every failure is one
ConfigurationError (exit 2) naming the input or variable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Final

from entrypoint.errors import ConfigurationError
from entrypoint.files.ownership import Owner, hand_over, workspace_owner
from entrypoint.files.workspace import GIT, Workspace, describe, within

_FOLDER: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_APPEND: Final = (
    os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
)
_A_FOLDER: Final = "it is a folder"
_OUTSIDE: Final = "outside the workspace and the runner's temp folder"
_IN_GIT: Final = "it is inside a .git folder"
_OUTSIDE_HINT: Final = (
    "Write it inside the workspace, or set allow-outside-workspace: true to write there."
)


class _RefusedError(Exception):
    """Why a path cannot be written (the message is the reason)."""


def write_file(
    path: Path, text: str | bytes, workspace: Workspace, *, input_name: str, private: bool = False
) -> None:
    """Write ``text`` (or bytes, as they are) to ``path`` atomically, through no link (mode 600
    when ``private``).

    Raises:
        ConfigurationError: outside the places a run may write, a link or a file on the way,
            a folder at ``path``, or the file system refused (naming ``input_name``).
    """
    try:
        base, parts = _anchor(os.path.abspath(path), workspace)
        owner = workspace_owner(workspace.root)
        folder = _open_folders(base, parts[:-1], owner, create=True)
        assert folder is not None  # created when missing
        try:
            mode = 0o600 if private else 0o644
            _replace(folder, parts[-1], _utf8(text), mode, owner)
        finally:
            os.close(folder)
    except _RefusedError as exc:
        raise _invalid(input_name, path, str(exc)) from None
    except OSError as exc:
        raise _invalid(input_name, path, describe(exc)) from None


def _utf8(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def check_target(path: Path, workspace: Workspace, *, input_name: str) -> None:
    """Refuse now what :func:`write_file` would refuse later for where ``path`` is (outside, a
    link or a file on the way, a folder at its name); creates nothing.

    Raises:
        ConfigurationError: naming ``input_name``.
    """
    try:
        base, parts = _anchor(os.path.abspath(path), workspace)
        folder = _open_folders(base, parts[:-1], None, create=False)
        if folder is None:  # a folder on the way is still to be made: nothing there yet
            return
        try:
            info = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return
        finally:
            os.close(folder)
        if stat.S_ISDIR(info.st_mode):
            raise _RefusedError(_A_FOLDER)
    except _RefusedError as exc:
        raise _invalid(input_name, path, str(exc)) from None
    except OSError as exc:
        raise _invalid(input_name, path, describe(exc)) from None


def _invalid(input_name: str, path: Path, why: str) -> ConfigurationError:
    msg = f"Invalid input '{input_name}': cannot write '{path}' ({why})."
    hint = _OUTSIDE_HINT if why == _OUTSIDE else ""
    return ConfigurationError(msg, hint=hint)


def _anchor(target: str, workspace: Workspace) -> tuple[str, list[str]]:
    """The folder to start from (trusted: the workspace or the runner's temp folder, links and
    all) and the names below it, the file's last; never into a ``.git`` folder (a hook written
    there would run with the next git command)."""
    base, names = _below_root(target, workspace)
    if GIT in names:
        raise _RefusedError(_IN_GIT)
    return base, names


def _below_root(target: str, workspace: Workspace) -> tuple[str, list[str]]:
    roots = [workspace.given, workspace.root]
    if workspace.temp is not None:
        roots.append(workspace.temp)
    for root in roots:
        if target == root:
            raise _RefusedError(_A_FOLDER)
        if within(target, root):
            return root, target[len(root.rstrip("/")) + 1 :].split("/")
    if not workspace.outside:
        raise _RefusedError(_OUTSIDE)
    parent, name = os.path.split(target)
    missing = [name]
    while not os.path.isdir(parent):  # allowed outside: the existing part is taken as it is
        parent, part = os.path.split(parent)
        missing.insert(0, part)
    return os.path.realpath(parent), missing


def _open_folders(base: str, names: list[str], owner: Owner | None, *, create: bool) -> int | None:
    """An open descriptor of ``base/names…``, each name opened without following a link and
    created (handed to ``owner``) when missing; None when one is missing and not ``create``."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, name in enumerate(names):
            made = False
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
                    made = True
            try:
                child = os.open(name, _FOLDER, dir_fd=fd)
            except FileNotFoundError:
                if create:
                    raise
                os.close(fd)
                return None
            except OSError as exc:
                shown = "/".join(names[: index + 1])
                raise _RefusedError(_not_a_folder(fd, name, shown, exc)) from None
            os.close(fd)
            fd = child
            if made:
                hand_over(fd, owner)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise
    return fd


def _not_a_folder(parent: int, name: str, shown: str, exc: OSError) -> str:
    if exc.errno in {errno.ENOTDIR, errno.ELOOP}:
        with contextlib.suppress(OSError):
            if stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
                return f"'{shown}' on the way is a symlink, which is never followed"
        return f"'{shown}' on the way is not a folder"
    return f"'{shown}': {describe(exc)}"


def _replace(folder: int, name: str, data: bytes, mode: int, owner: Owner | None) -> None:
    """Write ``data`` under a fresh name in ``folder``, then rename it over ``name``."""
    temporary = f".cf-assets-{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, _CREATE, mode, dir_fd=folder)
    try:
        try:
            _write_all(fd, data)
            hand_over(fd, owner)
        finally:
            os.close(fd)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        if isinstance(exc, IsADirectoryError):
            raise _RefusedError(_A_FOLDER) from None
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_runner_file(path: Path, text: str, *, variable: str) -> None:
    """Append ``text`` to the runner's file ``path`` (``$variable``), through no link.

    Raises:
        ConfigurationError: a link, a folder, a FIFO or device, or the file system refused.
    """
    fd = _open_runner_file(path, variable)
    try:
        _write_all(fd, text.encode("utf-8"))
    except OSError as exc:
        raise _runner_error(variable, path, describe(exc)) from None
    finally:
        os.close(fd)


def check_runner_file(path: Path, *, variable: str) -> None:
    """Refuse now a runner file that :func:`append_runner_file` would refuse later.

    Raises:
        ConfigurationError: as :func:`append_runner_file`.
    """
    os.close(_open_runner_file(path, variable))


def _open_runner_file(path: Path, variable: str) -> int:
    try:
        fd = os.open(path, _APPEND, 0o644)
    except OSError as exc:
        why = "it is a FIFO or a device" if exc.errno == errno.ENXIO else describe(exc)
        raise _runner_error(variable, path, why) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise _runner_error(variable, path, describe(exc)) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _runner_error(variable, path, "it is not a regular file")
    return fd


def _runner_error(variable: str, path: Path, why: str) -> ConfigurationError:
    return ConfigurationError(f"Cannot write ${variable} '{path}' ({why}).")


def write_own_file(name: str, text: str | bytes, workspace: Workspace, *, input_name: str) -> Path:
    """Write a file we name ourselves (the dry run's manifest, the images map) and say where: in
    the runner's temp folder, which later steps can read; else in a new private folder
    (mode 700, unpredictable name) in the system's temp folder, where no one can have planted a
    link.

    Raises:
        ConfigurationError: the file system refused (naming ``input_name``).
    """
    if workspace.temp is not None:
        path = Path(workspace.temp) / name
        write_file(path, text, workspace, input_name=input_name)
        return path
    try:
        folder = tempfile.mkdtemp(prefix="cf-assets-")
        path = Path(folder) / name
        owner = workspace_owner(workspace.root)
        fd = os.open(folder, _FOLDER)
        try:
            hand_over(fd, owner)
            _replace(fd, name, _utf8(text), 0o644, owner)
        finally:
            os.close(fd)
    except (OSError, _RefusedError) as exc:
        why = describe(exc) if isinstance(exc, OSError) else str(exc)
        msg = f"Cannot write the {input_name} in the system's temp folder ({why})."
        raise ConfigurationError(msg) from None
    return path
