"""Deciding what counts: duplicates, rejections, and later returns superseding earlier ones
county by county, with what each supersession changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from aggregator.clock import parse_time
from aggregator.period import Period
from aggregator.problems import Problem
from aggregator.read.returns import ReturnRead
from aggregator.rulebook.appforms import APP_FORMS
from aggregator.rulebook.policy import Policy
from aggregator.store.ledger import Submission
from aggregator.vocab import Form, Status, unit_key

APPLICATIONS_DEADLINE = "applications"  # the policy's deadline key for Attachments 1–3


@dataclass
class Change:
    """What a later return changed for one unit: a metric (or the planned count) before and after."""

    key: str
    old_file: str
    new_file: str
    metric: str
    old: int | None
    new: int | None


@dataclass
class Entry:
    """A submission, how it was read, and what this run decided about it."""

    sub: Submission
    read: ReturnRead
    status: Status = Status.ACCEPTED
    reason: str = ""
    keys_won: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # what this entry changed
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.min)
    on_time: bool | None = None
    late_days: int = 0

    @property
    def counted(self) -> bool:
        """Whether any of its rows count in the summary."""
        return self.status == Status.ACCEPTED

    @property
    def group(self) -> tuple[str | None, str | None, str | None]:
        """Form, city and period: what a later return of the same kind supersedes."""
        return (self.read.form, self.read.city, self.read.period)


def entry_keys(read: ReturnRead) -> list[str]:
    """The units a return speaks for: each county, and ``市本级:<city>`` for city-level rows."""
    keys: list[str] = []
    for f in read.figures:
        keys.append(unit_key(f.county, f.city))
    for a in read.activities:
        keys.append(unit_key(a.county, a.city or read.city))
    return list(dict.fromkeys(keys))


def _period_from_receipt(read: ReturnRead, received: dt.datetime, policy: Policy) -> ReturnRead:
    """A results return that says nothing of its period (the notice's own title does not) is
    taken as answering the deadline it arrived for, with a warning asking to say it, whatever
    cell-level problems it has besides (they cost their cells, not the file)."""
    if (
        read.form != Form.RESULTS
        or read.period is not None
        or read.city is None
        or not read.figures
    ):
        return read
    if read.rejected and "period-unknown" not in {p.code for p in read.errors}:
        return read  # refused for something else (reader version 1 refused for the period)
    period = policy.period_by_receipt(received)
    label = period.word
    note = Problem(
        "warning",
        "period-from-receipt",
        f"标题未注明“上半年”或“年度”，也没有填报日期，按收到时间 {received:%Y-%m-%d} 判断为{label}成果汇总表。请在标题中注明期次。",
        read.file,
        city=read.city or "",
    )
    problems = [p for p in read.problems if p.code != "period-unknown"] + [note]
    return replace(read, period=period.code, rejected=False, reason="", problems=problems)


def _usable_rows(read: ReturnRead) -> ReturnRead:
    """A results row without one usable number (every cell blank or in error) speaks for no
    one: like a blank row, its county is not reported by it, and an earlier return's figures
    for it stand. A return with no usable number at all is refused, superseding nothing."""
    if read.form != Form.RESULTS or read.rejected or not read.figures:
        return read
    usable = [f for f in read.figures if any(v is not None for v in f.values.values())]
    if len(usable) == len(read.figures):
        return read
    file, city = read.file, read.city or ""
    if not usable:
        message = (
            "表中没有一个可用的数字（每个数字都有错误，见各单元格的说明），本文件未采用，"
            "不取代此前报送的数字。请改正后重新报送。"
        )
        refusal = Problem("error", "no-valid-figures", message, file, city=city)
        return replace(read, rejected=True, reason=message, problems=[*read.problems, refusal])
    notes = [
        Problem(
            "warning",
            "county-no-valid-figures",
            f"第{f.row}行“{f.area_text}”没有一个可用的数字，视为本表未报送该县（市、区）的数字；"
            "此前报送的数字（如有）继续有效。",
            file,
            sheet=f.sheet,
            city=city,
            county=f.county or "",
        )
        for f in read.figures
        if all(f is not u for u in usable)
    ]
    return replace(read, figures=usable, problems=[*read.problems, *notes])


def decide(pairs: list[tuple[Submission, ReturnRead]], policy: Policy) -> list[Entry]:
    """Statuses for every submission (oldest first), timeliness, and supersession changes."""
    entries = []
    for s, r in pairs:
        received = parse_time(s.arrived)
        read = _usable_rows(_period_from_receipt(r, received, policy))
        entries.append(Entry(s, read, received_at=received))
    _repeats_and_rejections(entries)
    groups: dict[tuple[str | None, str | None, str | None], list[Entry]] = {}
    for e in entries:
        if e.status == Status.ACCEPTED:
            groups.setdefault(e.group, []).append(e)
    for members in groups.values():
        _supersede(members)
    for e in entries:
        period = Period.of(e.read.period)
        if e.read.form and period and e.status != Status.DUPLICATE:
            key = APPLICATIONS_DEADLINE if e.read.form in APP_FORMS else None
            _timeliness(e, policy.deadline_end(period, key))
    return entries


def _repeats_and_rejections(entries: list[Entry]) -> None:
    """Containers are unpacked; content seen before is a duplicate while what it speaks for
    still stands as it was (a copy, or the same file sent twice); content sent again after a
    different version replaced it (A, correction B, then A again) is a new arrival and counts."""
    first_by_hash: dict[str, Entry] = {}
    names: dict[str, set[str]] = {}  # content → the names it arrived under
    owner: dict[tuple[object, str], str] = {}  # (group, unit) → content currently standing
    for e in entries:
        if e.sub.container:
            e.status = Status.UNPACKED
            e.reason = "压缩包或邮件：已拆开，其中每个文件单独作为一份报送。"
            continue
        keys = [(e.group, k) for k in entry_keys(e.read)] if not e.read.rejected else []
        earlier = first_by_hash.get(e.sub.sha256)
        standing = all(owner.get(k) == e.sub.sha256 for k in keys)
        if earlier is not None and (standing or not _resent(e, names[e.sub.sha256])):
            e.status = Status.DUPLICATE
            e.reason = f"与“{earlier.sub.name}”内容完全相同，按重复报送处理。"
            continue
        first_by_hash.setdefault(e.sub.sha256, e)
        names.setdefault(e.sub.sha256, set()).add(e.sub.name)
        if e.read.rejected:
            e.status, e.reason = Status.REJECTED, e.read.reason
        owner.update(dict.fromkeys(keys, e.sub.sha256))


def _resent(e: Entry, names: set[str]) -> bool:
    """Whether earlier content arriving again was sent again, not merely copied or renamed in
    the inbox: it came under a name that held it before (A, B, then A again), or its evidence is
    the sender's own (an email's Date, an analyst's registration). A copy (“- 副本”) or a renamed
    file is a duplicate, never a return that undoes a later correction."""
    return e.sub.name in names or e.sub.received_from in ("email", "registered")


def _timeliness(e: Entry, end: dt.datetime) -> None:
    """On time when received before the end of the deadline day; else how many days late."""
    e.on_time = e.received_at < end
    if not e.on_time:
        e.late_days = max(1, -(-int((e.received_at - end).total_seconds()) // 86400))


def _supersede(members: list[Entry]) -> None:
    owner: dict[str, Entry] = {}
    keys_of = [entry_keys(e.read) for e in members]
    for e, keys in zip(members, keys_of, strict=True):
        for k in keys:
            prev = owner.get(k)
            if prev is not None:
                e.changes.extend(_diff(prev, e, k))
            owner[k] = e
    won: dict[int, list[str]] = {}
    for k, o in owner.items():
        won.setdefault(id(o), []).append(k)
    for e, keys in zip(members, keys_of, strict=True):
        e.keys_won = won.get(id(e), [])
        if keys and not e.keys_won:
            by = owner[keys[0]].sub.name
            e.status = Status.SUPERSEDED
            e.reason = f"已被后来报送的“{by}”取代（同一表单、同一期次、同样的县（市、区））。"


def _diff(old: Entry, new: Entry, key: str) -> list[Change]:
    files = (key, old.sub.name, new.sub.name)
    if new.read.form == Form.RESULTS:

        def fig(r: ReturnRead) -> dict[str, int | None]:
            for f in r.figures:
                if unit_key(f.county, f.city) == key:
                    return f.values
            return {}

        a, b = fig(old.read), fig(new.read)
        return [Change(*files, m, a.get(m), b.get(m)) for m in b if a.get(m) != b.get(m)]

    def count(r: ReturnRead) -> int:
        return sum(1 for x in r.activities if unit_key(x.county, x.city or r.city) == key)

    a_n, b_n = count(old.read), count(new.read)
    return [Change(*files, "planned_activities", a_n, b_n)] if a_n != b_n else []
