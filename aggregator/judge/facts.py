"""The summary's facts for one period: the interface JSON, and the typed tables the workbook
shows. ``build_facts`` runs the judge's steps in order: merge, quotas, checks, reporting."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aggregator import __version__
from aggregator.clock import iso
from aggregator.judge import checks, merge, reporting
from aggregator.judge.applications import (
    CityApplications,
    count_applications,
    expert_quota,
    received_records,
)
from aggregator.judge.appstatus import AppReturnRow, application_returns, with_applications
from aggregator.judge.decide import Change, Entry
from aggregator.judge.digest import Digest
from aggregator.judge.merge import CityFacts, CityOwnRow, CountyFacts, PlannedActivity
from aggregator.judge.quotas import CountyActivities, DemoTeam, JointActivities, QuotaRow
from aggregator.judge.reporting import ChaseRow, InputFile, ReturnRow
from aggregator.period import Period
from aggregator.privacy import scrub_obj
from aggregator.problems import Problem, warning
from aggregator.rulebook import Context
from aggregator.vocab import ACTIVITIES_DONE, EXPERT_VISITS, Form, Status


@dataclass
class Facts:
    """Everything the summary says: ``json`` is the interface's document."""

    json: dict[str, Any]
    period: Period
    quotas: list[QuotaRow] = field(default_factory=list)
    returns: list[ReturnRow] = field(default_factory=list)  # 报送情况
    activities: list[PlannedActivity] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    chase: list[ChaseRow] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    city_rows: list[CityOwnRow] = field(default_factory=list)  # per-city 市本级 figures
    counties: list[CountyFacts] = field(default_factory=list)
    cities: list[CityFacts] = field(default_factory=list)
    applications: list[CityApplications] = field(default_factory=list)  # A1–A3 per city
    app_returns: list[AppReturnRow] = field(default_factory=list)  # 报送情况 of A1–A3 per city

    @property
    def digest(self) -> Digest:
        """Counts of statuses, problems and missed quotas."""
        d = self.json
        subs, issues, p = d["submissions"], d["issues"], d["province"]
        errors = sum(1 for i in issues if i["severity"] == "error")
        return Digest(
            statuses={s: sum(1 for x in subs if x["status"] == s) for s in Status},
            files=len(subs),
            counties_reported=p["counties_reported"],
            counties_expected=p["counties_expected"],
            teams=p["totals"][ACTIVITIES_DONE],
            expert_visits=p["totals"][EXPERT_VISITS],
            errors=errors,
            warnings=len(issues) - errors,
            counties_short=sum(1 for c in self.counties if c.activities_ok is False),
            joint_short=sum(1 for c in self.counties if c.joint_ok is False),
            cities_without_demo_team=sum(1 for c in self.cities if c.demo_team_ok is False),
            cities_short_of_experts=sum(1 for c in d["cities"] if c.get("experts_ok") is False),
        )


def _counties(
    ctx: Context, county_df: pd.DataFrame, acts: list[PlannedActivity], metrics: list[str]
) -> list[CountyFacts]:
    """Every county of the reference data with its figures, planned and joint activities."""
    policy = ctx.policy
    records = county_df[metrics].to_dict("index")
    files = county_df["file"].to_dict()
    remarks = county_df["remarks"].to_dict()
    planned = Counter(a.county for a in acts)
    joint, unlisted = merge.joint_counts(acts, policy)
    out = []
    for county in ctx.registry.counties:
        name = county.name
        vals = {m: merge.as_int(records[name][m]) for m in metrics} if name in records else None
        partners = policy.partners(name)
        out.append(
            CountyFacts(
                county.city, name, name in records, vals, planned[name], None, partners,
                joint[name], None, False, unlisted.get(name, []), policy.is_mountain(name),
                files.get(name), remarks.get(name) or "",
            )
        )  # fmt: skip
    return out


def _cities(
    ctx: Context,
    counties: list[CountyFacts],
    figures: pd.DataFrame,
    acts: list[PlannedActivity],
    metrics: list[str],
) -> tuple[list[CityFacts], list[CityOwnRow]]:
    """Every city: totals of its counted rows, counties reported and missing, demo-team rows."""
    sums, own = merge.city_sums(figures, metrics), merge.city_sums(figures, metrics, own=True)
    demo = Counter(a.city for a in acts if a.demo_team)
    planned = Counter(a.city for a in acts)
    cities, own_rows = [], []
    by_city: dict[str, list[CountyFacts]] = {}
    for c in counties:
        by_city.setdefault(c.city, []).append(c)
    for city in ctx.registry.cities:
        mine = by_city.get(city.name, [])
        totals = {m: merge.as_int(sums.get(city.name, {}).get(m)) or 0 for m in metrics}
        if city.name in own:
            own_rows.append(
                CityOwnRow(city.name, {m: merge.as_int(own[city.name][m]) for m in metrics})
            )
        cities.append(
            CityFacts(
                city.name, totals, len(mine), sum(c.reported for c in mine),
                [c.county for c in mine if not c.reported], demo[city.name], None,
                planned[city.name],
            )
        )  # fmt: skip
    return cities, own_rows


def _quotas(
    ctx: Context,
    period: Period,
    counties: list[CountyFacts],
    cities: list[CityFacts],
    plans: set[str | None],
) -> list[QuotaRow]:
    """Every quota's verdict, county by county then city by city (setting the ``*_ok`` fields)."""
    activities = CountyActivities(ctx.policy)
    joint = JointActivities(ctx.policy, {c.name: c.city for c in ctx.registry.counties})
    rows: list[QuotaRow] = []
    for c in counties:
        rows.append(activities.judge(c, period, plans))
        rows.append(joint.judge(c, plans))
    demo = DemoTeam(ctx.policy)
    rows.extend(demo.judge(c, plans) for c in cities)
    return rows


def _file_problems(entries: list[Entry], period: Period) -> list[Problem]:
    """Every duplicate, superseded or rejected file keeps its reason; the row-level problems of
    other periods' returns (the half year's, when summing up the whole year) do not."""
    out: list[Problem] = []
    relevant = (period.code, period.plan.code, None)
    for e in entries:
        where = {"file": e.sub.name, "city": e.read.city or ""}
        if e.status == Status.DUPLICATE:
            out.append(warning("duplicate", e.reason, **where))
        elif e.status == Status.SUPERSEDED:
            out.append(warning("superseded", e.reason, **where))
        elif e.read.period in relevant:
            out.extend(p.located(file=e.sub.name) for p in e.read.problems)
        elif e.status == Status.REJECTED:
            out.extend(p.located(file=e.sub.name) for p in e.read.errors)
    return out


def _data_checks(
    entries: list[Entry], ctx: Context, period: Period, county_df: pd.DataFrame
) -> list[Problem]:
    """合计 rows, whole year against half year, and plausibility."""
    schema = ctx.schemas[Form.RESULTS]
    metrics = [c.key for c in schema.metrics]
    labels = {c.key: c.label for c in schema.metrics}
    out = checks.check_totals([e for e in entries if e.read.period == period.code], schema)
    if period.is_whole:
        h1 = merge.by_county(merge.figures_frame(entries, Period.half(period.year), metrics))
        out.extend(checks.check_whole_year(county_df, h1, metrics, labels))
    out.extend(checks.check_plausibility(county_df, metrics, labels, ctx.policy))
    return out


def build_facts(
    entries: list[Entry],
    ctx: Context,
    period: Period,
    as_of: dt.datetime,
    extra_problems: list[Problem],
    ignored: list[tuple[str, str]],
) -> Facts:
    """Merge the counted returns by county and city, run every check, and say it all."""
    metrics = [c.key for c in ctx.schemas[Form.RESULTS].metrics]
    figures = merge.figures_frame(entries, period, metrics)
    county_df = merge.by_county(figures)
    acts = merge.planned_activities(entries, period.year)
    counties = _counties(ctx, county_df, acts, metrics)
    cities, own_rows = _cities(ctx, counties, figures, acts, metrics)
    quotas = _quotas(ctx, period, counties, cities, merge.plan_cities(entries, period.year))
    problems = list(extra_problems) + _file_problems(entries, period)
    problems += _data_checks(entries, ctx, period, county_df)
    returns, chase, late = reporting.returns_and_chase(entries, ctx, period, cities)
    problems += late + checks.check_pairings(counties, ctx.policy)
    apps, app_problems = count_applications(
        received_records(entries, period.year), ctx.policy, [c.city for c in cities]
    )
    quotas += [expert_quota(a, ctx.policy, as_of) for a in apps.values()]
    app_rows, app_chase, missing = application_returns(
        entries, apps, ctx.policy, as_of, reporting.city_contacts(entries)
    )
    chase = with_applications(chase, app_chase, list(apps))
    problems += app_problems + missing
    doc = {
        "period": period.code,
        "period_label": period.label,
        "as_of": iso(as_of),
        "policy": ctx.policy.path.name,
        "toolkit_version": __version__,
        "metrics": metrics,
        "province": {
            "totals": {m: sum(c.totals[m] for c in cities) for m in metrics},
            "counties_expected": len(counties),
            "counties_reported": sum(c.reported for c in counties),
        },
        "cities": [{**c.to_json(), **apps[c.city].facts()} for c in cities],
        "counties": [c.to_json() for c in counties],
        "submissions": reporting.submissions(entries, ignored, as_of),
        "issues": [p.to_json() for p in problems],
    }
    return Facts(
        scrub_obj(doc), period, quotas, returns, acts, [c for e in entries for c in e.changes],
        chase, reporting.inputs(entries), own_rows, counties, cities, list(apps.values()),
        app_rows,
    )  # fmt: skip
