"""What can go wrong with the state folder itself (ledger.sqlite, blobs/, arrivals.jsonl), said
in words the analyst can act on. These stop a run: nothing in them is a verdict on a return."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class StateError(Exception):
    """The state folder cannot be used as it is; the message says why and what to do."""


def state_message(e: OSError | sqlite3.Error, state: Path) -> str:
    """A Chinese message for a failure to write or open the state folder."""
    text = str(e).lower()
    no = getattr(e, "errno", None)
    if no in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:
        return (
            f"台账文件夹 {state} 所在磁盘已满（或超出配额），无法记录收到的报表。"
            "请清理磁盘后重新运行；收件箱里的文件没有问题，原有汇总表未改动。"
        )
    if no in (errno.EACCES, errno.EPERM, errno.EROFS) or "readonly" in text or "read-only" in text:
        return (
            f"台账文件夹 {state} 或其中的 ledger.sqlite 不可写（只读或没有权限）。"
            "请检查权限后重新运行；原有汇总表未改动。"
        )
    return f"无法使用台账文件夹 {state}（{e}）。原有汇总表未改动。"


def stored_copies(state: Path) -> int:
    """How many stored copies of returns the state folder holds."""
    blobs = state / "blobs"
    if not blobs.is_dir():
        return 0
    return sum(1 for p in blobs.glob("??/*") if p.is_file() and not p.name.startswith("."))


def lost_ledger_message(state: Path, why: str, copies: int) -> str:
    """The run stops: the ledger is gone or broken while stored copies exist."""
    return (
        f"台账 {state / 'ledger.sqlite'} {why}，而台账文件夹中保存着 {copies} 份报表副本。"
        "若当作新台账继续，各报表的收到时间会丢失（按时的会变成逾期），所以本次不汇总。"
        f"请运行 aggregator rebuild-ledger --state {state} 从保存的副本重建台账"
        "（原台账改名保留），然后重新运行汇总。"
    )


def check_ledger_file(state: Path) -> None:
    """Refuse a missing, empty or unreadable ledger while stored copies exist (the ledger is
    otherwise created on first use). The copies are counted only for a ledger in doubt."""
    try:
        why = _ledger_problem(state / "ledger.sqlite")
    except OSError:
        if stored_copies(state):
            raise
        return
    if why is None:
        return
    copies = stored_copies(state)
    if copies:
        raise StateError(lost_ledger_message(state, why, copies))


def _ledger_problem(path: Path) -> str | None:
    """What is wrong with the ledger file (missing, empty, not SQLite), if anything."""
    if not path.exists():
        return "不存在"
    if path.stat().st_size == 0:
        return "是空文件（0 字节）"
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return "已损坏（不是 SQLite 数据库）"
    return None


def open_error(e: sqlite3.Error, state: Path) -> StateError:
    """The StateError for a ledger that fails when opened: unwritable, full, or damaged."""
    text = str(e).lower()
    if any(w in text for w in ("readonly", "read-only", "disk is full", "unable to open")):
        return StateError(state_message(e, state))
    copies = stored_copies(state)
    return StateError(lost_ledger_message(state, f"已损坏（{e}）", copies))
