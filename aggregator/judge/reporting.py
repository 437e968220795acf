"""Who returned what and when: 报送情况 per city and form, the chase list, the submissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aggregator.clock import iso
from aggregator.judge.decide import Entry
from aggregator.judge.merge import CityFacts
from aggregator.period import Period
from aggregator.problems import Problem, warning
from aggregator.rulebook import Context
from aggregator.rulebook.schema import form_label
from aggregator.store.evidence import label as evidence_label
from aggregator.vocab import Form, Status

MISSING = "未报送"


@dataclass
class ReturnRow:
    """One city's return of one form for the period: when it came, or that it has not."""

    city: str
    form: Form
    deadline: dt.date
    files: str
    received_at: dt.datetime | None
    on_time: bool | None
    late_days: int
    state: str
    contact: str
    phone: str
    evidence: str = ""  # 依据: how the receipt time is known (在收件箱出现的时间, 邮件发送时间 …)

    @property
    def form_label(self) -> str:
        """附件5 成果汇总表, …"""
        return form_label(self.form)


@dataclass
class ChaseRow:
    """Someone to call: a city, what it still owes, its contact."""

    city: str
    missing: str
    contact: str
    phone: str
    deadline: dt.date | None = None


@dataclass
class InputFile:
    """A file the summary was made from (the 说明 sheet's list)."""

    file: str
    sha256: str
    size: int
    received_at: str
    status: Status


def expected_returns(period: Period) -> tuple[tuple[Form, Period], ...]:
    """The returns a city owes for a results period: the year's plan and the period's results."""
    return ((Form.PLAN, period.plan), (Form.RESULTS, period))


def returns_and_chase(
    entries: list[Entry], ctx: Context, period: Period, cities: list[CityFacts]
) -> tuple[list[ReturnRow], list[ChaseRow], list[Problem]]:
    """报送情况 rows per city and form, the chase list, and late or missing returns as problems."""
    rows: list[ReturnRow] = []
    chase: list[ChaseRow] = []
    problems: list[Problem] = []
    contacts = city_contacts(entries)
    grouped: dict[tuple[str | None, str | None, str | None], list[Entry]] = {}
    for e in entries:
        if e.status in (Status.ACCEPTED, Status.SUPERSEDED):
            grouped.setdefault((e.read.city, e.read.form, e.read.period), []).append(e)
    for city in cities:
        anyone = contacts.get((city.city, None), ("", ""))
        for form, per in expected_returns(period):
            got = grouped.get((city.city, form, per.code), [])
            person, phone = contacts.get((city.city, form), anyone)
            row = _return_row(city.city, form, per, got, ctx, (person, phone))
            rows.append(row)
            problems.extend(_timeliness_problems(row, per, got))
            if not got:
                chase.append(
                    ChaseRow(
                        city.city, f"{form_label(form)}（{per.label}）", person, phone, row.deadline
                    )
                )
        results = next(r for r in rows if r.city == city.city and r.form == Form.RESULTS)
        if city.missing_counties and results.state != MISSING:
            missing = "缺少县（市、区）：" + "、".join(city.missing_counties)
            chase.append(
                ChaseRow(city.city, missing, results.contact, results.phone, results.deadline)
            )
    return rows, chase, problems


def _return_row(
    city: str, form: Form, per: Period, got: list[Entry], ctx: Context, contact: tuple[str, str]
) -> ReturnRow:
    deadline = ctx.policy.deadline(per)
    if not got:
        return ReturnRow(city, form, deadline, "", None, None, 0, MISSING, *contact)
    first = min(got, key=lambda e: e.received_at)
    return ReturnRow(
        city,
        form,
        deadline,
        "\n".join(e.sub.name for e in got),
        first.received_at,
        first.on_time,
        first.late_days,
        "按时" if first.on_time else f"逾期 {first.late_days} 天",
        *contact,
        evidence_label(first.sub.received_from),
    )


def _timeliness_problems(row: ReturnRow, per: Period, got: list[Entry]) -> list[Problem]:
    if not got:
        return [
            warning(
                "return-missing",
                f"{row.city}尚未报送{row.form_label}（{per.label}）。",
                city=row.city,
            )
        ]
    if row.on_time or row.received_at is None:
        return []
    first = min(got, key=lambda e: e.received_at)
    return [
        warning(
            "return-late",
            f"{row.city}{row.form_label}于 {row.received_at:%Y-%m-%d %H:%M} 收到，逾期 {row.late_days} 天（截止 {row.deadline:%Y-%m-%d}）。",
            file=first.sub.name,
            city=row.city,
        )
    ]


def city_contacts(entries: list[Entry]) -> dict[tuple[str, str | None], tuple[str, str]]:
    """Each city's latest contact (person, phone) per form, from that form's own returns;
    under ``(city, None)`` the latest from any return (for a form not yet returned)."""
    out: dict[tuple[str, str | None], tuple[str, str]] = {}
    for e in sorted(entries, key=lambda e: e.received_at):
        if e.read.city and (e.read.contact_person or e.read.contact_phone):
            who = (e.read.contact_person, e.read.contact_phone)
            out[(e.read.city, e.read.form)] = who
            out[(e.read.city, None)] = who
    return out


def submissions(
    entries: list[Entry], ignored: list[tuple[str, str]], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """The JSON's ``submissions``: every file taken in, with its status and timeliness."""
    out = [
        {
            "file": e.sub.name,
            "sha256": e.sub.sha256,
            "form": e.read.form,
            "city": e.read.city,
            "county": e.read.sender_county,
            "period": e.read.period,
            "status": str(e.status),
            "reason": e.reason,
            "received_at": iso(e.received_at),
            "received_from": e.sub.received_from,
            "sender": e.sub.sender,
            "on_time": e.on_time if e.status != Status.REJECTED else None,
            "late_days": e.late_days,
        }
        for e in entries
    ]
    out += [
        {
            "file": name,
            "sha256": sha,
            "form": None,
            "city": None,
            "county": None,
            "period": None,
            "status": str(Status.IGNORED),
            "reason": "Excel/WPS 锁定文件、隐藏或临时文件，不是报表",
            "received_at": iso(as_of),
            "received_from": "observed",
            "sender": "",
            "on_time": None,
            "late_days": 0,
        }
        for name, sha in ignored
    ]
    return out


def inputs(entries: list[Entry]) -> list[InputFile]:
    """The files the summary was made from."""
    return [
        InputFile(e.sub.name, e.sub.sha256, e.sub.size, iso(e.received_at), e.status)
        for e in entries
    ]
