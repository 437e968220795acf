"""Atomic output: write to temporary names in the target folders, then rename.

Outputs only ever replace regular files, and take the mode (and group) of the file they replace,
or the umask's default for a new file: colleagues on a shared drive can open the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from aggregator.store.state import StateError, state_message


class OutputError(OSError):
    """An output cannot be written where asked (the message says why, in Chinese)."""


def check_target(target: Path) -> None:
    """Refuse to replace anything but a regular file (a folder, a device such as /dev/full, a
    pipe): a report is a plain file and must never take the place of something else."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(e.errno, f"无法访问输出位置（{e.strerror}）", str(target)) from e
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            0, "输出位置已存在且不是普通文件（文件夹或设备等），不会替换它", str(target)
        )


def umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_mode() -> int:
    return 0o666 & ~umask()


def _take_mode(tmp: Path, target: Path) -> None:
    """Give the temporary the previous file's mode and group, or the umask's default."""
    try:
        st = os.stat(target)
    except OSError:
        os.chmod(tmp, _new_mode())
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    with contextlib.suppress(OSError):
        os.chown(tmp, -1, st.st_gid)


def _temporary(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent
    )
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_paths(*targets: Path) -> Iterator[list[Path]]:
    """Yield temporary paths beside each target; when the block succeeds they replace their
    targets one right after the other (all written and flushed before the first rename).

    On any failure the temporaries are removed and every previous target is left as it was.
    """
    for t in targets:
        check_target(t)
    tmps: list[Path] = []
    try:
        for t in targets:
            tmps.append(_temporary(t))
        yield tmps
        for tmp, t in zip(tmps, targets, strict=True):
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            _take_mode(tmp, t)
        for t in targets:
            check_target(t)
        for tmp, t in zip(tmps, targets, strict=True):
            os.replace(tmp, t)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and the previous ``target`` is left as it was.
    """
    with atomic_paths(target) as (tmp,):
        yield tmp


def remove_stale(target: Path) -> None:
    """Remove temporaries of ``target`` that a killed run left behind (only names
    :func:`atomic_path` makes: ``.<stem>.<random><suffix>.tmp``)."""
    if target.parent.is_dir():
        for p in target.parent.glob(f".{target.stem}.*{target.suffix}.tmp"):
            with contextlib.suppress(OSError):
                p.unlink()


def copy_hashing(src: BinaryIO, tmp: Path) -> str:
    """Copy an open file into ``tmp`` (created owner-only: returns hold personal data) in 1 MB
    chunks, hashing what is copied; its sha256. An OSError from either side is the caller's to
    tell apart."""
    h = hashlib.sha256()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk)
            dst.write(chunk)
    return h.hexdigest()


def copy_into_state(source: Path, tmp: Path, state: Path) -> str:
    """Copy ``source`` into ``tmp`` in the state folder while hashing it; its sha256. An
    OSError reading ``source`` is raised as it is; a failure to write the state folder raises
    :class:`StateError` and leaves no partial ``tmp``."""
    with source.open("rb") as src:
        try:
            tmp.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            return copy_hashing(src, tmp)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if e.filename is not None and Path(e.filename) == source:
                raise
            raise StateError(state_message(e, state)) from e
