"""``rebuild-ledger``: a new ledger from the stored copies when ledger.sqlite is lost or broken.

Names and receipt times come from ``arrivals.jsonl`` (written before each arrival is recorded);
a stored copy the journal does not mention is recorded under ``恢复的副本/<sha256>`` with the
time the copy was made as its receipt time. Readings are not rebuilt: the next run reads again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from aggregator.clock import CHINA, iso
from aggregator.store.ledger import JOURNAL, Arrival, Ledger, insert_arrivals


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild found and did."""

    copies: int  # stored copies found intact
    named: int  # submissions recorded with their name and receipt time from the journal
    unnamed: int  # copies recorded without them
    damaged: int  # copies whose bytes no longer match their name (left out)
    old_ledger: Path | None  # where the previous ledger was moved


def _intact_copies(state: Path) -> tuple[dict[str, Path], int]:
    found: dict[str, Path] = {}
    damaged = 0
    for p in sorted((state / "blobs").glob("??/*")):
        if not p.is_file() or p.name.startswith("."):
            continue
        with p.open("rb") as f:
            intact = hashlib.file_digest(f, "sha256").hexdigest() == p.name
        if intact:
            found[p.name] = p
        else:
            damaged += 1
    return found, damaged


def _journal(state: Path) -> list[dict[str, object]]:
    path = state / JOURNAL
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(item, dict) and {"name", "sha256", "first_seen"} <= item.keys():
            out.append(item)
    return out


def _move_aside(state: Path) -> Path | None:
    path = state / "ledger.sqlite"
    if not path.exists():
        return None
    stamp = dt.datetime.now(CHINA).strftime("%Y%m%d-%H%M%S")
    aside = state / f"ledger.sqlite.broken-{stamp}"
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{path}{suffix}")
        if src.exists():
            os.replace(src, Path(f"{aside}{suffix}"))
    return aside


def _from_journal(item: dict[str, object], sha: str, size: int, rel: str) -> Arrival:
    """An arrival as the journal wrote it (older lines have no evidence: observed)."""
    first = str(item["first_seen"])
    container = item.get("container")
    return Arrival(
        str(item["name"]),
        sha,
        size,
        float(item.get("mtime") or 0),  # type: ignore[arg-type]
        first,
        rel,
        str(item.get("received_at") or first),
        str(item.get("received_from") or "observed"),
        str(item.get("sender") or ""),
        str(container) if container else None,
    )


def _rows(state: Path, copies: dict[str, Path]) -> tuple[list[Arrival], int]:
    rows: list[Arrival] = []
    seen: set[str] = set()
    for item in _journal(state):
        sha = str(item["sha256"])
        if sha in copies:
            rel = copies[sha].relative_to(state).as_posix()
            rows.append(_from_journal(item, sha, copies[sha].stat().st_size, rel))
            seen.add(sha)
    named = len(rows)
    for sha, p in copies.items():
        if sha not in seen:
            st = p.stat()
            when = iso(dt.datetime.fromtimestamp(st.st_mtime, CHINA).replace(microsecond=0))
            rel = p.relative_to(state).as_posix()
            rows.append(Arrival(f"恢复的副本/{sha}", sha, st.st_size, st.st_mtime, when, rel, when))
    return rows, named


def rebuild_ledger(state: Path) -> Rebuilt:
    """Move the old ledger aside and record every intact stored copy in a new one."""
    copies, damaged = _intact_copies(state)
    rows, named = _rows(state, copies)
    aside = _move_aside(state)
    ledger = Ledger(state, rebuilding=True)
    try:
        with ledger.transaction() as db:
            insert_arrivals(db, rows)
    finally:
        ledger.close()
    return Rebuilt(len(copies), named, len(rows) - named, damaged, aside)
