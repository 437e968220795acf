"""The summary's facts for one period: the interface JSON, plus the tables the workbook shows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aggregator import __version__
from aggregator.clock import iso
from aggregator.judge.checks import (
    check_plausibility,
    check_totals,
    check_whole_year,
    joint_activities,
    joint_verdict,
    quota_rows,
)
from aggregator.judge.decide import Entry
from aggregator.period import period_label
from aggregator.problems import Problem, warning
from aggregator.read.reader import Context
from aggregator.rulebook.schema import form_label


@dataclass
class Facts:
    """Everything the summary says: ``json`` is the interface's document."""

    json: dict[str, Any]
    quotas: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)  # 报送情况
    activities: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    chase: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    city_rows: list[dict[str, Any]] = field(default_factory=list)  # per-city figures incl. 市本级


def _figures(entries: list[Entry], period: str, metrics: list[str]) -> pd.DataFrame:
    rows = []
    for e in entries:
        if not e.counted or e.read.form != "A5" or e.read.period != period:
            continue
        for f in e.read.figures:
            key = f.county or f"市本级:{f.city}"
            if key in e.keys_won:
                rows.append(
                    {
                        "city": f.city,
                        "county": f.county,
                        "city_own": f.city_own,
                        "file": e.sub.name,
                        "remarks": f.remarks,
                        **{m: f.values.get(m) for m in metrics},
                    }
                )
    df = pd.DataFrame(rows, columns=["city", "county", "city_own", "file", "remarks", *metrics])
    for m in metrics:
        df[m] = pd.to_numeric(df[m], errors="coerce").astype("Int64")
    return df


def _activities(entries: list[Entry], year: int) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        if not e.counted or e.read.form != "A4" or e.read.period != str(year):
            continue
        for a in e.read.activities:
            key = a.county or f"市本级:{a.city or e.read.city}"
            if key in e.keys_won:
                out.append(
                    {
                        "city": a.city or e.read.city,
                        "county": a.county,
                        "counties": a.counties,
                        "name": a.name,
                        "content": a.content,
                        "when_text": a.when_text,
                        "when_start": a.when_start,
                        "when_end": a.when_end,
                        "when_precision": a.when_precision,
                        "hosts": a.hosts,
                        "experts": a.experts,
                        "contact_person": a.contact_person,
                        "contact_phone": a.contact_phone,
                        "demo_team": a.demo_team,
                        "joint": a.joint,
                        "file": e.sub.name,
                        "sheet": a.sheet,
                        "row": a.row,
                    }
                )
    return out


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def build_facts(
    entries: list[Entry],
    ctx: Context,
    period: str,
    as_of: dt.datetime,
    extra_problems: list[Problem],
    ignored: list[tuple[str, str]],
) -> Facts:
    """Merge the counted returns by county and city, run every check, and say it all."""
    reg, policy = ctx.registry, ctx.policy
    schema = ctx.schemas["A5"]
    metrics = [c.key for c in schema.metrics]
    labels = {c.key: c.label for c in schema.metrics}
    fy = period.endswith("FY")
    figs = _figures(entries, period, metrics)
    county_df = figs[figs["county"].notna()].set_index("county")
    acts = _activities(entries, policy.year)
    plan_cities = {
        e.read.city
        for e in entries
        if e.counted and e.read.form == "A4" and e.read.period == str(policy.year)
    }

    planned_by = Counter(a["county"] for a in acts)
    joint_by, joint_unlisted = joint_activities(acts, policy)
    records = county_df[metrics].to_dict("index")
    files = county_df["file"].to_dict()
    remarks = county_df["remarks"].to_dict()  # 备注 as the return wrote it
    county_facts: list[dict[str, Any]] = []
    for county in reg.counties:
        name = county.name
        reported = name in records
        vals = {m: _int(records[name][m]) for m in metrics} if reported else None
        planned = planned_by[name]
        partners = policy.partners(name)
        if fy:
            teams = vals["teams_completed"] if vals else None
            activities_ok = None if teams is None else teams >= policy.county_min_activities
        else:
            activities_ok = (
                planned >= policy.county_min_activities if county.city in plan_cities else None
            )
        partner_cities = {county.city} | {reg.county_by_name[p].city for p in partners}
        joint_applies, joint_ok = joint_verdict(
            name, partners, joint_by[name], bool(partner_cities & plan_cities), policy
        )
        county_facts.append(
            {
                "city": county.city,
                "county": name,
                "reported": reported,
                "metrics": vals,
                "planned_activities": planned,
                "activities_ok": activities_ok,
                "paired_with": partners,
                "joint_activities": joint_by[name],
                "joint_ok": joint_ok,
                "joint_applies": joint_applies,
                "joint_unlisted": joint_unlisted.get(name, []),
                "mountain": policy.is_mountain(name),
                "file": files.get(name),
                "remarks": remarks.get(name) or "",
            }
        )

    by_city: dict[str, list[dict[str, Any]]] = {}
    for c in county_facts:
        by_city.setdefault(c["city"], []).append(c)
    sums = figs.groupby("city")[metrics].sum(min_count=1).to_dict("index") if len(figs) else {}
    own_rows = figs[figs["county"].isna()]
    own = (
        own_rows.groupby("city")[metrics].sum(min_count=1).to_dict("index") if len(own_rows) else {}
    )
    demo_by = Counter(a["city"] for a in acts if a["demo_team"])
    acts_by_city = Counter(a["city"] for a in acts)
    city_facts: list[dict[str, Any]] = []
    city_rows: list[dict[str, Any]] = []
    for city in reg.cities:
        mine = by_city.get(city.name, [])
        totals = {m: _int(sums.get(city.name, {}).get(m)) or 0 for m in metrics}
        if city.name in own:
            city_rows.append(
                {"city": city.name, "metrics": {m: _int(own[city.name][m]) for m in metrics}}
            )
        demo = demo_by[city.name]
        city_facts.append(
            {
                "city": city.name,
                "totals": totals,
                "counties_expected": len(mine),
                "counties_reported": sum(c["reported"] for c in mine),
                "missing_counties": [c["county"] for c in mine if not c["reported"]],
                "demo_team_activities": demo,
                "demo_team_ok": (demo >= policy.city_min_demo_team_activities)
                if city.name in plan_cities
                else None,
                "planned_activities": acts_by_city[city.name],
            }
        )

    province = {
        "totals": {m: sum(c["totals"][m] for c in city_facts) for m in metrics},
        "counties_expected": len(county_facts),
        "counties_reported": sum(c["reported"] for c in county_facts),
    }

    problems: list[Problem] = list(extra_problems)
    relevant = (period, str(policy.year), None)
    for e in entries:
        # Every duplicate, superseded or rejected file keeps its reason; the row-level problems
        # of other periods' returns (the half year's, when summing up the whole year) do not.
        if e.status == "duplicate":
            problems.append(warning("duplicate", e.reason, file=e.sub.name, city=e.read.city or ""))
        elif e.status == "superseded":
            problems.append(
                warning("superseded", e.reason, file=e.sub.name, city=e.read.city or "")
            )
        elif e.read.period in relevant:
            problems.extend(p.located(file=e.sub.name) for p in e.read.problems)
        elif e.status == "rejected":
            problems.extend(p.located(file=e.sub.name) for p in e.read.errors)
    problems.extend(check_totals([e for e in entries if e.read.period == period], schema))
    if fy:
        h1 = _figures(entries, f"{policy.year}H1", metrics)
        problems.extend(
            check_whole_year(
                county_df, h1[h1["county"].notna()].set_index("county"), metrics, labels
            )
        )
    problems.extend(check_plausibility(county_df, metrics, labels, policy))
    returns, chase = _returns(entries, ctx, period, city_facts, problems)
    unpaired = [
        c["county"]
        for c in county_facts
        if c["mountain"] and not c["paired_with"] and c["joint_ok"] is None
    ]
    if unpaired:
        problems.append(
            warning(
                "pairing-unknown",
                f"以下山区县在结对文件中没有可用的结对关系，联办活动无法核验：{'、'.join(unpaired)}。请在 {policy.pairings_path.name} 中补充。",
            )
        )

    submissions = [
        {
            "file": e.sub.name,
            "sha256": e.sub.sha256,
            "form": e.read.form,
            "city": e.read.city,
            "county": e.read.sender_county,
            "period": e.read.period,
            "status": e.status,
            "reason": e.reason,
            "received_at": iso(e.received_at),
            "on_time": e.on_time if e.status != "rejected" else None,
            "late_days": e.late_days,
        }
        for e in entries
    ]
    submissions += [
        {
            "file": n,
            "sha256": h,
            "form": None,
            "city": None,
            "county": None,
            "period": None,
            "status": "ignored",
            "reason": "Excel/WPS 锁定文件、隐藏或临时文件，不是报表",
            "received_at": iso(as_of),
            "on_time": None,
            "late_days": 0,
        }
        for n, h in ignored
    ]

    doc = {
        "period": period,
        "period_label": period_label(period),
        "as_of": iso(as_of),
        "policy": policy.path.name,
        "toolkit_version": __version__,
        "metrics": metrics,
        "province": province,
        "cities": city_facts,
        "counties": [{k: v for k, v in c.items() if k not in ("file",)} for c in county_facts],
        "submissions": submissions,
        "issues": [p.to_json() for p in problems],
    }
    changes = [c for e in entries for c in e.changes]
    inputs = [
        {
            "file": e.sub.name,
            "sha256": e.sub.sha256,
            "size": e.sub.size,
            "received_at": iso(e.received_at),
            "status": e.status,
        }
        for e in entries
    ]
    return Facts(
        doc,
        quota_rows(county_facts, city_facts, period, policy),
        returns,
        acts,
        changes,
        chase,
        inputs,
        city_rows,
    )


def _returns(
    entries: list[Entry],
    ctx: Context,
    period: str,
    cities: list[dict[str, Any]],
    problems: list[Problem],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """报送情况: per city and form, what was expected and what came, on time or not; chase list."""
    policy = ctx.policy
    rows: list[dict[str, Any]] = []
    chase: list[dict[str, Any]] = []
    contacts = _contacts(entries)
    grouped: dict[tuple[str | None, str | None, str | None], list[Entry]] = {}
    for e in entries:
        if e.status in ("accepted", "superseded"):
            grouped.setdefault((e.read.city, e.read.form, e.read.period), []).append(e)
    for city in cities:
        name = city["city"]
        contact = contacts.get(name, ("", ""))
        for form, per in (("A4", str(policy.year)), ("A5", period)):
            got = grouped.get((name, form, per), [])
            deadline = policy.deadline(form, period)
            if got:
                first = min(got, key=lambda e: e.received_at)
                rows.append(
                    {
                        "city": name,
                        "form": form_label(form),
                        "deadline": deadline,
                        "files": "\n".join(e.sub.name for e in got),
                        "received_at": first.received_at,
                        "on_time": first.on_time,
                        "late_days": first.late_days,
                        "state": "按时" if first.on_time else f"逾期 {first.late_days} 天",
                        "contact": contact[0],
                        "phone": contact[1],
                    }
                )
                if not first.on_time:
                    problems.append(
                        warning(
                            "return-late",
                            f"{name}{form_label(form)}于 {first.received_at:%Y-%m-%d %H:%M} 收到，逾期 {first.late_days} 天（截止 {deadline:%Y-%m-%d}）。",
                            file=first.sub.name,
                            city=name,
                        )
                    )
            else:
                rows.append(
                    {
                        "city": name,
                        "form": form_label(form),
                        "deadline": deadline,
                        "files": "",
                        "received_at": None,
                        "on_time": None,
                        "late_days": 0,
                        "state": "未报送",
                        "contact": contact[0],
                        "phone": contact[1],
                    }
                )
                problems.append(
                    warning(
                        "return-missing",
                        f"{name}尚未报送{form_label(form)}（{period_label(per)}）。",
                        city=name,
                    )
                )
                chase.append(
                    {
                        "city": name,
                        "missing": f"{form_label(form)}（{period_label(per)}）",
                        "contact": contact[0],
                        "phone": contact[1],
                    }
                )
        if city["missing_counties"] and any(
            r["city"] == name and r["form"] == form_label("A5") and r["state"] != "未报送"
            for r in rows
        ):
            chase.append(
                {
                    "city": name,
                    "missing": "缺少县（市、区）：" + "、".join(city["missing_counties"]),
                    "contact": contact[0],
                    "phone": contact[1],
                }
            )
    return rows, chase


def _contacts(entries: list[Entry]) -> dict[str, tuple[str, str]]:
    """Each city's latest contact (person, phone) from any of its returns."""
    out: dict[str, tuple[str, str]] = {}
    for e in sorted(entries, key=lambda e: e.received_at):
        if e.read.city and (e.read.contact_person or e.read.contact_phone):
            out[e.read.city] = (e.read.contact_person, e.read.contact_phone)
    return out
