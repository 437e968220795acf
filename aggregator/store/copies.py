"""Copies of inbox files kept under the state folder's blobs/, hashed while copied (a file's
bytes read once). Used by the intake for files too large to take in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.store.atomic import copy_hashing
from aggregator.store.state import StateError, state_message

if TYPE_CHECKING:
    from aggregator.store.ledger import Ledger


def copy_in(ledger: Ledger, source: Path) -> tuple[str, str] | None:
    """Copy a file under blobs/ while hashing it (its bytes read once): (sha256, path of the
    copy relative to the state folder), or None when it changed while being copied (still
    being written: the caller leaves it for the next run). Reading ``source`` may raise
    OSError; a failure to write the state folder raises :class:`StateError`."""
    before = source.stat()
    tmp = ledger.state / "blobs" / f".incoming-{os.getpid()}.tmp"
    with source.open("rb") as src:
        try:
            sha = copy_hashing(src, tmp)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if e.filename is not None and Path(e.filename) == source:
                raise
            raise StateError(state_message(e, ledger.state)) from e
    after = source.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        tmp.unlink(missing_ok=True)
        return None
    return sha, _keep(ledger, tmp, sha, after.st_size)


def _keep(ledger: Ledger, tmp: Path, sha256: str, size: int) -> str:
    """Put a fresh copy in its place (or drop it when the same bytes are already kept)."""
    row = ledger.db.execute("SELECT stored FROM blobs WHERE sha256=?", (sha256,)).fetchone()
    rel = str(row[0]) if row else f"blobs/{sha256[:2]}/{sha256}"
    target = ledger.state / rel
    try:
        if row and target.is_file() and target.stat().st_size == size:
            tmp.unlink()
            return rel
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise StateError(state_message(e, ledger.state)) from e
    return rel
