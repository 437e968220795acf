"""Deciding what counts: duplicates, rejections, and later returns superseding earlier ones
county by county, with what each supersession changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from aggregator.clock import parse_time
from aggregator.problems import Problem
from aggregator.read.returns import ReturnRead
from aggregator.rulebook.policy import Policy
from aggregator.store.ledger import Submission


@dataclass
class Entry:
    """A submission, how it was read, and what this run decided about it."""

    sub: Submission
    read: ReturnRead
    status: str = "accepted"  # accepted | rejected | superseded | duplicate
    reason: str = ""
    keys_won: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # what this entry changed
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.min)
    on_time: bool | None = None
    late_days: int = 0

    @property
    def counted(self) -> bool:
        """Whether any of its rows count in the summary."""
        return self.status == "accepted"

    @property
    def group(self) -> tuple[str | None, str | None, str | None]:
        """Form, city and period: what a later return of the same kind supersedes."""
        return (self.read.form, self.read.city, self.read.period)


def entry_keys(read: ReturnRead) -> list[str]:
    """The units a return speaks for: each county, and ``市本级:<city>`` for city-level rows."""
    keys: list[str] = []
    for f in read.figures:
        keys.append(f.county or f"市本级:{f.city}")
    for a in read.activities:
        keys.append(a.county or f"市本级:{a.city or read.city}")
    return list(dict.fromkeys(keys))


def _period_from_receipt(read: ReturnRead, received: dt.datetime, policy: Policy) -> ReturnRead:
    """A results return that says nothing of its period (the notice's own title does not) is
    taken as answering the deadline it arrived for, with a warning asking to say it, whatever
    cell-level problems it has besides (they cost their cells, not the file)."""
    if read.form != "A5" or read.period is not None or read.city is None or not read.figures:
        return read
    if read.rejected and "period-unknown" not in {p.code for p in read.errors}:
        return read  # refused for something else (reader version 1 refused for the period)
    period = policy.period_by_receipt(received)
    label = "上半年" if period.endswith("H1") else "全年"
    note = Problem(
        "warning",
        "period-from-receipt",
        f"标题未注明“上半年”或“年度”，也没有填报日期，按收到时间 {received:%Y-%m-%d} 判断为{label}成果汇总表。请在标题中注明期次。",
        read.file,
        city=read.city or "",
    )
    problems = [p for p in read.problems if p.code != "period-unknown"] + [note]
    return replace(read, period=period, rejected=False, reason="", problems=problems)


def decide(pairs: list[tuple[Submission, ReturnRead]], policy: Policy) -> list[Entry]:
    """Statuses for every submission (oldest first), timeliness, and supersession changes."""
    entries = []
    for s, r in pairs:
        received = parse_time(s.first_seen)
        entries.append(Entry(s, _period_from_receipt(r, received, policy), received_at=received))
    first_by_hash: dict[str, Entry] = {}
    for e in entries:
        if e.sub.sha256 in first_by_hash:
            e.status = "duplicate"
            e.reason = f"与“{first_by_hash[e.sub.sha256].sub.name}”内容完全相同，按重复报送处理。"
            continue
        first_by_hash[e.sub.sha256] = e
        if e.read.rejected:
            e.status, e.reason = "rejected", e.read.reason
    groups: dict[tuple[str | None, str | None, str | None], list[Entry]] = {}
    for e in entries:
        if e.status == "accepted":
            groups.setdefault(e.group, []).append(e)
    for members in groups.values():
        _supersede(members)
    for e in entries:
        if e.read.form and e.read.period and e.status != "duplicate":
            end = policy.deadline_end(
                e.read.form, e.read.period if e.read.form == "A5" else f"{policy.year}H1"
            )
            e.on_time = e.received_at < end
            if not e.on_time:
                e.late_days = max(1, -(-int((e.received_at - end).total_seconds()) // 86400))
    return entries


def _supersede(members: list[Entry]) -> None:
    owner: dict[str, Entry] = {}
    for e in members:
        keys = entry_keys(e.read)
        for k in keys:
            prev = owner.get(k)
            if prev is not None:
                e.changes.extend(_diff(prev, e, k))
            owner[k] = e
    for e in members:
        e.keys_won = [k for k, o in owner.items() if o is e]
        keys = entry_keys(e.read)
        if keys and not e.keys_won:
            by = owner[keys[0]].sub.name
            e.status = "superseded"
            e.reason = f"已被后来报送的“{by}”取代（同一表单、同一期次、同样的县（市、区））。"


def _diff(old: Entry, new: Entry, key: str) -> list[dict[str, Any]]:
    base = {"key": key, "old_file": old.sub.name, "new_file": new.sub.name}
    if new.read.form == "A5":

        def fig(r: ReturnRead) -> dict[str, int | None]:
            for f in r.figures:
                if (f.county or f"市本级:{f.city}") == key:
                    return f.values
            return {}

        a, b = fig(old.read), fig(new.read)
        return [
            {**base, "metric": m, "old": a.get(m), "new": b.get(m)}
            for m in b
            if a.get(m) != b.get(m)
        ]

    def count(r: ReturnRead) -> int:
        return sum(1 for x in r.activities if (x.county or f"市本级:{x.city or r.city}") == key)

    a_n, b_n = count(old.read), count(new.read)
    return [{**base, "metric": "planned_activities", "old": a_n, "new": b_n}] if a_n != b_n else []
