"""报送情况 of Attachments 1–3 per city: what came (A1 projects, A2 bases, A3 experts), on time,
late or not yet, and whom to chase after the deadline (no A3, or fewer experts than the policy
asks), with the city's contact as for Attachments 4 and 5.

Kept apart from the A4/A5 rows (``reporting``): the applications are due once a year, by
``deadlines.applications``, whatever the results period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aggregator.judge.applications import APPLICATIONS, CityApplications
from aggregator.judge.decide import Entry
from aggregator.judge.reporting import MISSING, ChaseRow
from aggregator.period import Period
from aggregator.problems import Problem, warning
from aggregator.read.appread import is_application
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.schema import form_label
from aggregator.store.evidence import label as evidence_label

Contacts = Mapping[tuple[str, str | None], tuple[str, str]]


@dataclass
class AppReturnRow:
    """One city's Attachments 1–3: what was counted, when the files came, whom to call."""

    city: str
    deadline: dt.date
    projects: int
    bases: int
    experts: int
    min_experts: int
    files: str
    received_at: dt.datetime | None  # the first file's
    on_time: bool | None  # None: nothing came; False: any file late
    late_days: int  # the latest file's
    state: str  # 按时, 逾期 N 天, 部分逾期（最多 N 天）, 未报送
    contact: str
    phone: str
    evidence: str = ""

    @property
    def experts_ok(self) -> bool:
        """Whether the city recommended at least the policy's minimum of experts."""
        return self.experts >= self.min_experts

    @property
    def forms_text(self) -> str:
        """项目 1，基地 0 / 专家 2/3 名（不足）: two short lines for a narrow column."""
        short = "" if self.experts_ok else "（不足）"
        return f"项目 {self.projects}，基地 {self.bases}\n专家 {self.experts}/{self.min_experts} 名{short}"


def _state(got: Sequence[Entry]) -> tuple[bool | None, int, str]:
    if not got:
        return None, 0, MISSING
    late = [e for e in got if e.on_time is False]
    days = max((e.late_days for e in late), default=0)
    if not late:
        return True, 0, "按时"
    if len(late) == len(got):
        return False, days, f"逾期 {days} 天"
    return False, days, f"部分逾期（最多 {days} 天）"


def city_contact(contacts: Contacts, city: str) -> tuple[str, str]:
    """Whom to call about a city's applications: the contact of its A3, A1 or A2 returns, else
    the latest contact of any of its returns (the plan's 填报人), else nobody known."""
    for form in ("A3", "A1", "A2", None):
        if (city, form) in contacts:
            return contacts[city, form]
    return "", ""


def application_returns(
    entries: Sequence[Entry],
    apps: Mapping[str, CityApplications],
    policy: Policy,
    as_of: dt.datetime,
    contacts: Contacts,
) -> tuple[list[AppReturnRow], list[ChaseRow], list[Problem]]:
    """Per city (in ``apps``' order): the row, the chase after the deadline, missing warnings."""
    year = Period.plan_year(policy.year)
    deadline = policy.deadline(year, APPLICATIONS)
    due = as_of >= policy.deadline_end(year, APPLICATIONS)
    rows: list[AppReturnRow] = []
    chase: list[ChaseRow] = []
    problems: list[Problem] = []
    by_city = _counted_by_city(entries, policy.year)
    for city, ca in apps.items():
        got = sorted(by_city.get(city, ()), key=lambda e: e.received_at)
        on_time, days, state = _state(got)
        person, phone = city_contact(contacts, city)
        row = AppReturnRow(
            city, deadline, len(ca.projects), len(ca.bases), len(ca.experts), ca.min_experts,
            "\n".join(e.sub.name for e in got), got[0].received_at if got else None,
            on_time, days, state, person, phone,
            evidence_label(got[0].sub.received_from) if got else "",
        )  # fmt: skip
        rows.append(row)
        if due and not row.experts_ok:
            chase.append(ChaseRow(city, _owed(row), person, phone, deadline))
        if due and not got:
            problems.append(
                warning(
                    "applications-missing",
                    f"{city}截至 {as_of:%Y-%m-%d} 尚未报送{form_label('A3')}（截止 {deadline:%Y-%m-%d}），推荐专家按 0 名计。",
                    city=city,
                )
            )
    return rows, chase, problems


def _counted_by_city(entries: Sequence[Entry], year: int) -> dict[str | None, list[Entry]]:
    """The counted Attachments 1–3 returns of ``year``, city by city, in their order."""
    out: dict[str | None, list[Entry]] = {}
    period = str(year)
    for e in entries:
        if e.counted and is_application(e.read.form) and e.read.period == period:
            out.setdefault(e.read.city, []).append(e)
    return out


def _owed(row: AppReturnRow) -> str:
    """What the chase list asks of a city about Attachment 3."""
    label = form_label("A3")
    if not row.experts:
        return f"{label}（未报送；应推荐不少于 {row.min_experts} 名专家）"
    gap = row.min_experts - row.experts
    return f"{label}（已推荐 {row.experts} 名，不少于 {row.min_experts} 名，尚差 {gap} 名）"


def with_applications(
    chase: Sequence[ChaseRow], more: Sequence[ChaseRow], cities: Sequence[str]
) -> list[ChaseRow]:
    """The chase list with the applications' rows after each city's own, cities in order."""
    rank = {c: i for i, c in enumerate(cities)}
    tagged = [(c, 0) for c in chase] + [(c, 1) for c in more]
    tagged.sort(key=lambda t: (rank.get(t[0].city, len(rank)), t[1]))
    return [c for c, _ in tagged]
