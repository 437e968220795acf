"""The ledger's tables, their migration from earlier versions, and recording arrivals.

A name may arrive again with content it held before (version A, correction B, then A again):
arrivals are numbered per name (``arrival``), so the third send is a new arrival and the latest.
Ledgers of schema 1 (unique by name and content) are rebuilt in place on open, every row
keeping its id, receipt time and status.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aggregator.store.ledger import Arrival

SUBMISSIONS = """
CREATE TABLE IF NOT EXISTS {table} (
    id INTEGER PRIMARY KEY,        -- also the order of arrival
    name TEXT NOT NULL,            -- path as dropped, relative to the inbox
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL,
    first_seen TEXT NOT NULL,      -- ISO time, China time zone: when this run first saw it
    form TEXT, city TEXT, period TEXT,
    status TEXT, reason TEXT,      -- as decided by the latest run
    received_at TEXT,              -- earliest credible evidence of arrival (NULL: first_seen)
    received_from TEXT NOT NULL DEFAULT 'observed',  -- email|inbox-file|registered|observed
    sender TEXT NOT NULL DEFAULT '',  -- From of the email that carried it: a hint
    container TEXT,                -- zip|eml|msg when the file is a container (unpacked)
    arrival INTEGER NOT NULL DEFAULT 1,  -- 1, 2, 3 …: the n-th content seen under this name
    UNIQUE (name, arrival)
);
"""
# Version 2: a name may arrive again with content it held before (A, correction B, then A
# again): arrivals are numbered per name instead of being unique by (name, sha256).
SCHEMA_VERSION = 2

SCHEMA = (
    SUBMISSIONS.format(table="submissions")
    + """
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    stored TEXT NOT NULL           -- path of the copy, relative to the state folder
);
CREATE TABLE IF NOT EXISTS reads (
    sha256 TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (sha256, name, version)
);
CREATE TABLE IF NOT EXISTS inbox_stats (
    name TEXT PRIMARY KEY,         -- path as dropped, relative to the inbox
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,
    sha256 TEXT NOT NULL           -- what these bytes hashed to when last taken in
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, as_of TEXT NOT NULL, period TEXT NOT NULL,
    finished TEXT, report TEXT, new_files INTEGER
);
"""
)


# Columns added after the first ledgers were made: (name, declaration) for ALTER TABLE.
ADDED_COLUMNS = (
    ("received_at", "TEXT"),
    ("received_from", "TEXT NOT NULL DEFAULT 'observed'"),
    ("sender", "TEXT NOT NULL DEFAULT ''"),
    ("container", "TEXT"),
)


def migrate(db: sqlite3.Connection) -> None:
    """Bring a ledger made by an earlier version up to :data:`SCHEMA_VERSION`: add the columns
    it lacks (existing rows: observed), and number the arrivals of each name."""
    have = {r[1] for r in db.execute("PRAGMA table_info(submissions)")}
    for name, decl in ADDED_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE submissions ADD COLUMN {name} {decl}")
    if "arrival" not in have:
        db.execute("BEGIN IMMEDIATE")
        try:
            renumber_arrivals(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def latest_sha(db: sqlite3.Connection, name: str) -> str | None:
    """The content of the latest arrival under a name (None: never seen)."""
    row = db.execute(
        "SELECT sha256 FROM submissions WHERE name=? ORDER BY arrival DESC LIMIT 1", (name,)
    ).fetchone()
    return str(row[0]) if row else None


def latest_arrivals(db: sqlite3.Connection, names: set[str]) -> dict[str, tuple[int, str]]:
    """Name → (number, content) of its latest arrival, for the names ever seen among ``names``:
    a few queries for a batch instead of one per file."""
    out: dict[str, tuple[int, str]] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):  # SQLite's limit on parameters is 999 or more
        chunk = ordered[start : start + 500]
        rows = db.execute(
            "SELECT name, arrival, sha256 FROM submissions"
            f" WHERE name IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for name, arrival, sha in rows:
            if arrival > out.get(name, (0, ""))[0]:
                out[name] = (int(arrival), str(sha))
    return out


def insert_arrivals(db: sqlite3.Connection, rows: list[Arrival]) -> None:
    """The INSERTs of new arrivals (blob and submission rows), inside the caller's transaction.
    An arrival whose name already holds the same content is not new (a journal line written
    twice); any other is the next arrival under its name."""
    db.executemany(
        "INSERT OR IGNORE INTO blobs (sha256, size, stored) VALUES (?,?,?)",
        [(a.sha256, a.size, a.stored) for a in rows],
    )
    latest = latest_arrivals(db, {a.name for a in rows})
    new = []
    for a in rows:
        number, sha = latest.get(a.name, (0, None))
        if sha == a.sha256:
            continue
        latest[a.name] = (number + 1, a.sha256)
        new.append(
            (a.name, a.sha256, a.size, a.mtime, a.first_seen, a.received_at, a.received_from)
            + (a.sender, a.container, number + 1)
        )
    db.executemany(
        "INSERT INTO submissions (name, sha256, size, mtime, first_seen, received_at,"
        " received_from, sender, container, arrival) VALUES (?,?,?,?,?,?,?,?,?,?)",
        new,
    )


def renumber_arrivals(db: sqlite3.Connection) -> None:
    """Schema 1 → 2 (inside the caller's transaction): the submissions table rebuilt without
    UNIQUE (name, sha256), each row keeping its id and every column, numbered per name."""
    cols = (
        "id, name, sha256, size, mtime, first_seen, form, city, period, status, reason,"
        " received_at, received_from, sender, container"
    )
    db.execute(SUBMISSIONS.format(table="submissions_v2"))
    db.execute(
        f"INSERT INTO submissions_v2 ({cols}, arrival) SELECT {cols},"
        " ROW_NUMBER() OVER (PARTITION BY name ORDER BY id) FROM submissions"
    )
    db.execute("DROP TABLE submissions")
    db.execute("ALTER TABLE submissions_v2 RENAME TO submissions")
