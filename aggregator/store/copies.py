"""Copies of inbox files kept under the state folder's blobs/, hashed while copied (a file's
bytes read once). Used by the intake for files too large to take in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.store.atomic import copy_into_state
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
    sha = copy_into_state(source, tmp, ledger.state)
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


class CopyWriter:
    """The copies of one intake's files held in memory, kept under blobs/ at one file creation
    each. Bytes already recorded are checked and, if their copy is lost, put back atomically
    (:meth:`Ledger.store_bytes`). New bytes are written straight under their final name: no row
    points at them until :meth:`Ledger.record_many` has flushed them to disk, and a copy left by
    a killed run (no row) is never trusted but written again in full."""

    def __init__(self, ledger: Ledger, many: bool) -> None:
        """``many``: the intake has many files, so the recorded copies are looked up in one query
        (else one query per file)."""
        self.ledger = ledger
        self.blobs = os.path.join(ledger.state, "blobs")
        self.recorded: dict[str, str] | None = None
        if many:
            self.recorded = dict(ledger.db.execute("SELECT sha256, stored FROM blobs"))
        self.kept: dict[str, str] = {}  # sha256 → path of the copy, this intake
        self.folders: set[str] = set()

    def _is_recorded(self, sha256: str) -> bool:
        if self.recorded is not None:
            return sha256 in self.recorded
        row = self.ledger.db.execute("SELECT 1 FROM blobs WHERE sha256=?", (sha256,)).fetchone()
        return row is not None

    def keep(self, data: bytes, sha256: str) -> str:
        """Keep a copy of ``data`` (hashed by the caller); its path relative to the state
        folder. A failure to write the state folder raises :class:`StateError`."""
        rel = self.kept.get(sha256)
        if rel is not None:
            return rel
        if self._is_recorded(sha256):
            rel = self.ledger.store_bytes(data, sha256)
        else:
            rel = self._write_new(data, sha256)
        self.kept[sha256] = rel
        return rel

    def _write_new(self, data: bytes, sha256: str) -> str:
        folder = os.path.join(self.blobs, sha256[:2])
        try:
            if folder not in self.folders:
                os.makedirs(folder, mode=0o700, exist_ok=True)
                self.folders.add(folder)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            with open(os.open(os.path.join(folder, sha256), flags, 0o600), "wb") as f:
                f.write(data)
        except OSError as e:
            raise StateError(state_message(e, self.ledger.state)) from e
        return f"blobs/{sha256[:2]}/{sha256}"
