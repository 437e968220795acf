"""The ledger: an SQLite record of every file taken in, with a copy of its bytes (by hash).

Every change happens in a transaction; copies are written (atomically) before the row that
points at them, so a run killed at any moment leaves the ledger consistent and at worst an
unreferenced copy, which the next run reuses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aggregator.read.returns import ReturnRead
from aggregator.store.atomic import copy_into_state
from aggregator.store.schema import SCHEMA, insert_arrivals, latest_arrivals, latest_sha, migrate
from aggregator.store.state import StateError, check_ledger_file, open_error, state_message

__all__ = ["Arrival", "Ledger", "Submission", "insert_arrivals"]

JOURNAL = "arrivals.jsonl"
# what the toolkit itself keeps directly in the state folder (see owner_only)
OWN_FILES = {"blobs", JOURNAL, "privacy-salt", "last_outputs.json"}
OWN_PREFIXES = ("ledger.sqlite", "run.lock")


@dataclass(frozen=True)
class Submission:
    """One file as dropped (name and content), when it was first seen and when it arrived."""

    id: int
    name: str
    sha256: str
    size: int
    first_seen: str
    stored: Path
    received_at: str = ""  # ISO; the earliest credible evidence (first_seen when empty)
    received_from: str = "observed"
    sender: str = ""
    container: str | None = None  # zip|eml|msg: listed as unpacked, never read as a form

    @property
    def arrived(self) -> str:
        """When it was received: the evidence, else the run that first saw it."""
        return self.received_at or self.first_seen


@dataclass
class Arrival:
    """A newly seen file (or container member) to record, with the evidence of its arrival."""

    name: str
    sha256: str
    size: int
    mtime: float | None
    first_seen: str
    stored: str
    received_at: str
    received_from: str = "observed"
    sender: str = ""
    container: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The journal's line for it."""
        return dict(self.__dict__)


def owner_only(state: Path) -> None:
    """Make the state folder and everything the toolkit keeps in it readable by their owner only
    (0700 folders, 0600 files: group and others lose every right; the owner's own are left as
    they are, so a folder made read-only stays so): Attachment 3 holds personal data, and the
    privacy salt is what keeps its digests from being guessed. The files directly in the state
    folder and the sub-folders of ``blobs/`` are looked at on every run; the copies inside a
    sub-folder only when that sub-folder had been opened up (a few hundred looks, not one per
    copy)."""
    _close(state)
    for path in _children(state):
        if path.name in OWN_FILES or path.name.startswith(OWN_PREFIXES):
            _close(path)  # only what the toolkit keeps there: a shared folder stays as it is
    for folder in _children(state / "blobs"):
        if _close(folder) and folder.is_dir():
            for copy in _children(folder):
                _close(copy)


def _children(folder: Path) -> list[Path]:
    """What a folder holds (nothing when it cannot be listed)."""
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _close(path: Path) -> bool:
    """Take every right of group and others away from a path (never following a link);
    whether it had any."""
    with contextlib.suppress(OSError):
        st = path.lstat()
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077 and not stat.S_ISLNK(st.st_mode):
            os.chmod(path, mode & 0o700)
            return True
    return False


class Ledger:
    """Access to the state folder: ledger.sqlite and blobs/ (owner-only, see ``owner_only``)."""

    def __init__(self, state: Path, *, rebuilding: bool = False) -> None:
        """Open (or create) the ledger; a missing, empty or damaged one while stored copies
        exist raises :class:`StateError` unless ``rebuilding`` (see :mod:`.rebuild`)."""
        self.state = state
        try:
            state.mkdir(parents=True, exist_ok=True)
            (state / "blobs").mkdir(mode=0o700, exist_ok=True)
        except OSError as e:
            raise StateError(state_message(e, state)) from e
        if not rebuilding:
            check_ledger_file(state)
        try:
            self.db = sqlite3.connect(state / "ledger.sqlite", timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a killed process loses no commit
            if self.db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            self.db.executescript(SCHEMA)
            migrate(self.db)
        except sqlite3.Error as e:
            raise open_error(e, state) from e
        owner_only(state)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def known(self, name: str, sha256: str) -> bool:
        """Whether the latest arrival under this name holds this content (a name that held
        other content since is a new arrival: a resend of an earlier version)."""
        return latest_sha(self.db, name) == sha256

    def latest_shas(self, names: set[str]) -> dict[str, str]:
        """Name → content of its latest arrival, for the names among ``names`` ever seen."""
        return {n: sha for n, (_, sha) in latest_arrivals(self.db, names).items()}

    def store_bytes(self, data: bytes, sha256: str) -> str:
        """Keep a copy of bytes taken out of a container (hashed by the caller) under blobs/."""
        row = self.db.execute("SELECT stored FROM blobs WHERE sha256=?", (sha256,)).fetchone()
        rel = str(row[0]) if row else f"blobs/{sha256[:2]}/{sha256}"
        target = self.state / rel
        if target.is_file() and target.stat().st_size == len(data):
            return rel
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as dst:
                dst.write(data)
            os.replace(tmp, target)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise StateError(state_message(e, self.state)) from e
        return rel

    def _copy(self, source: Path, target: Path, sha256: str) -> bool:
        """Copy ``source`` to ``target`` (owner-only: returns hold personal data) if its bytes
        still hash to ``sha256``. Reading ``source`` may raise OSError; a failure to write the
        state folder raises :class:`StateError`, leaving no partial copy."""
        tmp = target.with_name(f".{target.name}.tmp")
        sha = copy_into_state(source, tmp, self.state)
        if sha != sha256:
            tmp.unlink(missing_ok=True)
            return False
        os.replace(tmp, target)
        return True

    def inbox_stats(self) -> dict[str, tuple[int, int, int, str]]:
        """Name → (size, mtime_ns, inode, sha256) of inbox files as last taken in: a file whose
        signature is unchanged is not hashed again."""
        rows = self.db.execute("SELECT name, size, mtime_ns, inode, sha256 FROM inbox_stats")
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def copy_is_sound(self, sub: Submission) -> bool:
        """Whether the stored copy of a submission exists and still hashes to its sha256."""
        try:
            with sub.stored.open("rb") as f:
                return hashlib.file_digest(f, "sha256").hexdigest() == sub.sha256
        except OSError:
            return False

    def restore_copy(self, sub: Submission, source: Path) -> bool:
        """Put back a missing or damaged stored copy from ``source`` (the inbox file), if that
        file still holds the same bytes."""
        try:
            return self._copy(source, sub.stored, sub.sha256)
        except OSError:
            return False

    def record_many(
        self, rows: list[Arrival], stats: list[tuple[str, int, int, int, str]] | None = None
    ) -> None:
        """Record newly seen files in one transaction, after their copies are flushed to disk:
        a row never points at a copy that a power cut could lose; ``stats`` (name, size,
        mtime_ns, inode, sha256) are the signatures of the inbox files taken in."""
        if not rows:
            if stats:
                with self.transaction() as db:
                    db.executemany("INSERT OR REPLACE INTO inbox_stats VALUES (?,?,?,?,?)", stats)
            return
        self._journal(rows)
        try:
            if len(rows) > 50:
                os.sync()  # one flush for a large batch instead of one per copy
            else:
                for a in rows:
                    with open(self.state / a.stored, "rb") as f:
                        os.fsync(f.fileno())
        except OSError as e:
            raise StateError(state_message(e, self.state)) from e
        with self.transaction() as db:
            insert_arrivals(db, rows)  # the signatures only with the rows they stand for
            db.executemany("INSERT OR REPLACE INTO inbox_stats VALUES (?,?,?,?,?)", stats or [])

    def _journal(self, rows: list[Arrival]) -> None:
        """Append each arrival to arrivals.jsonl (flushed) before the ledger records it: what
        ``rebuild-ledger`` needs besides the copies (names, receipt times and their evidence)."""
        encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False)
        lines = "".join(encode(a.to_json()) + "\n" for a in rows)
        try:
            fd = os.open(self.state / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(lines)
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise StateError(state_message(e, self.state)) from e

    def known_stat(self, name: str, size: int, mtime: float) -> bool:
        """Whether a file of this name, size and modification time is already recorded (the
        intake's quick look: nothing new is hashed again)."""
        row = self.db.execute(
            "SELECT size, mtime FROM submissions WHERE name=? ORDER BY arrival DESC LIMIT 1",
            (name,),
        ).fetchone()
        return row is not None and (row[0], row[1]) == (size, mtime)

    def register(self, sub_id: int, received_at: str) -> None:
        """An analyst's registration, earlier than the recorded evidence, becomes the receipt."""
        with self.transaction() as db:
            db.execute(
                "UPDATE submissions SET received_at=?, received_from='registered' WHERE id=?",
                (received_at, sub_id),
            )

    def submissions(self, until: str | None = None) -> list[Submission]:
        """Every recorded file received at or before ``until`` (all when None), oldest first."""
        from aggregator.clock import parse_time

        rows = self.db.execute(
            "SELECT s.id, s.name, s.sha256, s.size, s.first_seen, b.stored, s.received_at,"
            " s.received_from, s.sender, s.container"
            " FROM submissions s JOIN blobs b USING (sha256) ORDER BY s.id"
        ).fetchall()
        out = [
            Submission(
                r[0], r[1], r[2], r[3], r[4], self.state / r[5], r[6] or "", r[7] or "observed",
                r[8] or "", r[9],
            )
            for r in rows
        ]  # fmt: skip
        times: dict[str, dt.datetime] = {}  # a few distinct times among 10,000 rows
        for s in out:
            if s.arrived not in times:
                times[s.arrived] = parse_time(s.arrived)
        out.sort(key=lambda s: (times[s.arrived], s.id))
        if until is not None:
            limit = parse_time(until)
            out = [s for s in out if times[s.arrived] <= limit]
        return out

    def cached_read(self, sha256: str, name: str, version: str) -> ReturnRead | None:
        """A previous reading of this content under this name, by this reader version."""
        row = self.db.execute(
            "SELECT result FROM reads WHERE sha256=? AND name=? AND version=?",
            (sha256, name, version),
        ).fetchone()
        if row is None:
            return None
        try:
            return ReturnRead.from_dict(json.loads(row[0]))
        except (TypeError, ValueError, KeyError):
            return None

    def save_reads(self, items: list[tuple[str, str, str, ReturnRead | str]]) -> None:
        """Cache readings (sha256, name, version, result or its :meth:`ReturnRead.cache_text`,
        made by the reader's workers) in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO reads (sha256, name, version, result) VALUES (?,?,?,?)",
                [(s, n, v, r if isinstance(r, str) else r.cache_text()) for s, n, v, r in items],
            )

    def set_statuses(
        self, rows: list[tuple[int, str | None, str | None, str | None, str, str]]
    ) -> None:
        """Store each submission's (id, form, city, period, status, reason) as decided this run."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE submissions SET form=?, city=?, period=?, status=?, reason=? WHERE id=?",
                [(f, c, p, st, rs, i) for i, f, c, p, st, rs in rows],
            )

    def start_run(self, started: str, as_of: str, period: str) -> int:
        """Record the start of a run."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (started, as_of, period) VALUES (?,?,?)", (started, as_of, period)
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, finished: str, report: str, new_files: int) -> None:
        """Record the end of a run and what it wrote."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished=?, report=?, new_files=? WHERE id=?",
                (finished, report, new_files, run_id),
            )
