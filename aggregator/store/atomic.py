"""Atomic output: write to a temporary name in the same folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and the previous ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_stale(target: Path) -> None:
    """Remove temporaries of ``target`` that a killed run left behind (only names
    :func:`atomic_path` makes: ``.<stem>.<random><suffix>.tmp``)."""
    if target.parent.is_dir():
        for p in target.parent.glob(f".{target.stem}.*{target.suffix}.tmp"):
            with contextlib.suppress(OSError):
                p.unlink()
