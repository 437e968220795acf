"""Attachments 1–3 per city: experts recommended (distinct persons), demo projects, bases.

Pure: takes the accepted records with the time each was received and the policy; returns the
per-city figures named as in interface.md and problems (warnings), numbers never shown in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aggregator.judge.decide import Entry
from aggregator.judge.quotas import QuotaRow, verdict_row
from aggregator.period import Period
from aggregator.problems import Problem, warning
from aggregator.read.appmodels import (
    Application,
    BaseApplication,
    DemoProjectApplication,
    ExpertRecommendation,
)
from aggregator.read.appread import is_application, records_of
from aggregator.rulebook.policy import Policy
from aggregator.textnorm import norm

APPLICATIONS = "applications"  # the policy's deadline key for Attachments 1–3


@dataclass(frozen=True)
class Received:
    """An accepted record and when its file arrived."""

    record: Application
    received: dt.datetime


@dataclass
class CityApplications:
    """One city's Attachments 1–3: the records kept after replacement, and timeliness."""

    city: str
    experts: list[Received] = field(default_factory=list)
    projects: list[Received] = field(default_factory=list)
    bases: list[Received] = field(default_factory=list)
    on_time: bool | None = None  # None: nothing received
    min_experts: int = 3

    def facts(self) -> dict[str, Any]:
        """The per-city JSON fields of interface.md (plus ``applications_on_time``)."""
        return {
            "experts_recommended": len(self.experts),
            "experts_ok": len(self.experts) >= self.min_experts,
            "demo_projects_applied": len(self.projects),
            "bases_applied": len(self.bases),
            "applications_on_time": self.on_time,
        }


MIN_ID_CHARS = 6  # shorter is not a document number (a digit per box, a typo): not a key


def _expert_keys(r: Application) -> tuple[str | None, tuple[str, str] | None]:
    number = r.id_number
    by_id = number.digest if number and len(number.masked) >= MIN_ID_CHARS else None
    by_name = (norm(r.name), norm(r.unit)) if r.name else None
    return by_id, by_name


def distinct_experts(items: Iterable[Received]) -> list[Received]:
    """One entry per person, the latest form winning: same identity number, else same name and
    unit (when either form lacks the number). Order: first appearance."""
    kept: list[Received] = []
    for item in sorted(items, key=lambda i: i.received):
        rec = item.record
        assert isinstance(rec, ExpertRecommendation)
        rid, rname = _expert_keys(rec)
        for n, old in enumerate(kept):
            assert isinstance(old.record, ExpertRecommendation)
            oid, oname = _expert_keys(old.record)
            same = rid == oid if rid and oid else rname is not None and rname == oname
            if same:
                kept[n] = item
                break
        else:
            kept.append(item)
    return kept


def _latest(items: Iterable[Received], key: Any) -> list[Received]:
    kept: dict[Any, Received] = {}
    for item in sorted(items, key=lambda i: i.received):
        k = key(item.record)
        kept.pop(k, None)  # a replacement moves to the end: keep first-seen order otherwise
        kept[k] = item
    return list(kept.values())


def title_ok(title: str, policy: Policy) -> bool:
    """Whether a 专业技术职务 counts as 副高级以上 under the policy's title words."""
    t = norm(title)
    for word in policy.expert_titles_below:
        t = t.replace(norm(word), "")
    return any(norm(w) in t for w in policy.expert_titles)


def count_applications(
    items: Sequence[Received], policy: Policy, cities: Sequence[str]
) -> tuple[dict[str, CityApplications], list[Problem]]:
    """Per city (every city listed, 0 when nothing came): the figures and warnings.

    Records without a city are left out of the counts (the reader warned about them).
    """
    end = policy.deadline_end(Period.plan_year(policy.year), APPLICATIONS)
    out = {c: CityApplications(c, min_experts=policy.city_min_experts) for c in cities}
    problems: list[Problem] = []
    for city, ca in out.items():
        mine = [i for i in items if i.record.city == city]
        ca.experts = distinct_experts(i for i in mine if isinstance(i.record, ExpertRecommendation))
        ca.projects = _latest(
            (i for i in mine if isinstance(i.record, DemoProjectApplication)),
            lambda r: norm(r.project_name) or (r.file, r.sheet, r.cell),
        )
        ca.bases = _latest(
            (i for i in mine if isinstance(i.record, BaseApplication)),
            lambda r: norm(r.base_name) or (r.file, r.sheet, r.cell),
        )
        if mine:
            ca.on_time = all(i.received < end for i in mine)
        problems.extend(_late(mine, end, policy))
        problems.extend(_city_warnings(ca, policy))
    return out, problems


def _city_warnings(ca: CityApplications, policy: Policy) -> list[Problem]:
    problems: list[Problem] = []
    for item in ca.experts:
        r = item.record
        assert isinstance(r, ExpertRecommendation)
        if not title_ok(r.title, policy):
            what = f"为“{r.title}”，低于副高级" if r.title.strip() else "未填写"
            problems.append(
                warning(
                    "expert-title-below",
                    f"{ca.city}推荐的专家{r.name or '（未填姓名）'}（{r.unit}）专业技术职务{what}；通知要求专家一般应具有副高级以上专业技术职称。",
                    file=r.file,
                    sheet=r.sheet,
                    cell=r.cell,
                    city=ca.city,
                )
            )
    if ca.on_time is not None and len(ca.experts) < policy.city_min_experts:
        problems.append(
            warning(
                "experts-below-quota",
                f"{ca.city}推荐专家 {len(ca.experts)} 名，少于通知要求的 {policy.city_min_experts} 名。",
                city=ca.city,
            )
        )
    return problems


def _late(items: Sequence[Received], end: dt.datetime, policy: Policy) -> list[Problem]:
    """One warning per late file (several forms in a file are one return)."""
    out: list[Problem] = []
    seen: set[str] = set()
    for i in sorted(items, key=lambda i: i.received):
        r = i.record
        if i.received < end or r.file in seen:
            continue
        seen.add(r.file)
        days = (i.received - end).days + 1
        deadline = policy.deadline(Period.plan_year(policy.year), APPLICATIONS)
        out.append(
            warning(
                "application-late",
                f"{r.city}的申报材料于 {i.received:%Y-%m-%d %H:%M} 收到，逾期 {days} 天（截止 {deadline:%Y-%m-%d}）。",
                file=r.file,
                city=r.city,
            )
        )
    return out


def received_records(entries: Sequence[Entry], year: int) -> list[Received]:
    """The A1–A3 records of the accepted returns of a year, each with its file's receipt time."""
    out: list[Received] = []
    for e in entries:
        if e.counted and is_application(e.read.form) and e.read.period == str(year):
            out.extend(Received(r, e.received_at) for r in records_of(e.read))
    return out


def expert_quota(ca: CityApplications, policy: Policy, as_of: dt.datetime) -> QuotaRow:
    """The city's verdict on 每市择优推荐不少于 N 名专家: a city that sent none by the deadline
    has 0 (未达标); before the deadline, one still short cannot be told yet (无法核验)."""
    text = policy.quota_text["experts"]
    have = len(ca.experts)
    ok: bool | None = have >= ca.min_experts
    end = policy.deadline_end(Period.plan_year(policy.year), APPLICATIONS)
    if not ok and as_of < end:
        ok = None
    note = "" if ca.on_time is not False else "推荐表逾期收到"
    return verdict_row(
        ca.city, "", text["label"], ca.min_experts, have, ok,
        note=note, source=text["source"], why_unknown="截止日未到",
    )  # fmt: skip
