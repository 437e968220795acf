"""The checks the notice asks for, and the ones a careful analyst adds (problems as values)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from aggregator.judge.decide import Entry
from aggregator.problems import Problem, error, warning
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.schema import FormSchema


def check_totals(entries: list[Entry], schema: FormSchema) -> list[Problem]:
    """Each submitted 合计 row against the sum of the rows above it, metric by metric."""
    out: list[Problem] = []
    labels = {c.key: c.label for c in schema.metrics}
    for e in entries:
        if not e.counted or e.read.form != "A5":
            continue
        for t in e.read.totals:
            rows = [f for f in e.read.figures if f.sheet == t.sheet]
            for key, stated in t.values.items():
                if stated is None:
                    continue
                known = [f.values.get(key) for f in rows]
                total = sum(v for v in known if v is not None)
                if stated != total:
                    gap = "（部分县未填，按已填数计算）" if any(v is None for v in known) else ""
                    out.append(
                        error(
                            "total-mismatch",
                            f"{t.cells.get(key, '')}：“{t.label}”行的“{labels.get(key, key)}”填报 {stated}，各行相加为 {total}{gap}。汇总按各县数据计算，合计行不计入。",
                            file=e.sub.name,
                            sheet=t.sheet,
                            cell=t.cells.get(key, ""),
                            city=e.read.city or "",
                        )
                    )
    return out


def check_whole_year(
    fy: pd.DataFrame, h1: pd.DataFrame, metrics: list[str], labels: dict[str, str]
) -> list[Problem]:
    """Whole-year figures are cumulative: each must be ≥ the half-year one."""
    out: list[Problem] = []
    if fy.empty or h1.empty:
        return out
    both = fy.add_suffix("_fy").join(h1.add_suffix("_h1"), how="inner")
    for county, row in both.iterrows():
        for m in metrics:
            a, b = row[f"{m}_fy"], row[f"{m}_h1"]
            if pd.notna(a) and pd.notna(b) and a < b:
                out.append(
                    error(
                        "fy-below-h1",
                        f"{county}“{labels[m]}”全年数 {int(a)} 小于上半年数 {int(b)}。成果数为累计数，全年数应不小于上半年数，请核对。",
                        file=str(row.get("file_fy", "")),
                        city=str(row["city_fy"]),
                        county=str(county),
                    )
                )
    return out


def check_plausibility(
    counties: pd.DataFrame, metrics: list[str], labels: dict[str, str], policy: Policy
) -> list[Problem]:
    """Expert visits below completed teams; figures far outside what other counties report."""
    out: list[Problem] = []
    if counties.empty:
        return out
    for county, row in counties.iterrows():
        v, t = row.get("expert_visits"), row.get("teams_completed")
        if pd.notna(v) and pd.notna(t) and v < t:
            out.append(
                warning(
                    "visits-below-teams",
                    f"{county}“邀请专家总人次”（{int(v)}）小于“已完成服务团数量”（{int(t)}），每个服务团至少有1人次专家，请核对。",
                    file=str(row.get("file", "")),
                    city=str(row["city"]),
                    county=str(county),
                )
            )
    where = counties[["city", "file"]].astype(str).to_dict("index")
    for m in metrics:
        col = counties[m].dropna().astype(float)
        if len(col) < policy.outlier_min_counties:
            continue
        med = float(col.median())
        mad = float((col - med).abs().median())
        for county, x in col.items():
            z = 0.6745 * (x - med) / mad if mad > 0 else (float("inf") if x > med else 0.0)
            if z > policy.outlier_robust_z and x > policy.outlier_median_multiple * max(med, 1.0):
                shown = "∞" if z == float("inf") else f"{z:.1f}"
                out.append(
                    warning(
                        "value-outlier",
                        f"{county}“{labels[m]}”为 {int(x)}，是全省各县中位数 {med:g} 的 {x / max(med, 1.0):.0f} 倍（稳健 z 值 {shown}），请核对是否多填了位数或填成了其他指标。",
                        file=where[county]["file"],
                        city=where[county]["city"],
                        county=str(county),
                    )
                )
    return out


def joint_activities(
    acts: list[dict[str, Any]], policy: Policy
) -> tuple[Counter[str], dict[str, list[str]]]:
    """Joint activities per county, and the co-hosts of each county that the pairing file does
    not pair it with. A plan row whose hosts name a mountain county and a coastal (non-mountain)
    county is a joint activity for both, wherever the row stands; a row naming two counties the
    pairing file pairs counts too."""
    joint: Counter[str] = Counter()
    unlisted: dict[str, list[str]] = {}
    for a in acts:
        named = a["counties"]
        for c in named:
            mates = [
                o
                for o in named
                if o != c
                and (policy.is_mountain(o) != policy.is_mountain(c) or o in policy.partners(c))
            ]
            if not mates:
                continue
            joint[c] += 1
            for o in mates:
                if o not in policy.partners(c) and o not in unlisted.setdefault(c, []):
                    unlisted[c].append(o)
    return joint, unlisted


def joint_verdict(
    county: str, partners: list[str], joint: int, plan_known: bool, policy: Policy
) -> tuple[bool, bool | None]:
    """(whether the joint-activity quota applies to a county, whether it is met or None).

    It applies to a county the pairing file pairs, to every mountain county, and to a coastal
    county whose plan names a mountain co-host. It cannot be told (None) for a county without
    joint activities whose pair is unknown, or whose side's plans have not arrived."""
    applies = bool(partners) or policy.is_mountain(county) or joint > 0
    if not applies:
        return False, None
    if joint >= policy.coastal_min_joint_activities:
        return True, True
    if not partners or not plan_known:
        return True, None
    return True, False


def quota_rows(
    county_facts: list[dict[str, Any]],
    city_facts: list[dict[str, Any]],
    period: str,
    policy: Policy,
) -> list[dict[str, Any]]:
    """One row per county/city and quota: 达标, 未达标 (with the shortfall) or 无法核验."""
    rows: list[dict[str, Any]] = []
    fy = period.endswith("FY")
    for c in county_facts:
        need = policy.county_min_activities
        have = (
            c["metrics"]["teams_completed"]
            if fy and c["metrics"]
            else c["planned_activities"]
            if not fy
            else None
        )
        rows.append(
            _quota(
                c["city"],
                c["county"],
                "全年至少开展活动（场）" if fy else "计划活动（场）",
                need,
                have,
                c["activities_ok"],
                plan=c["planned_activities"] if fy else None,
            )
        )
        rows.append(_joint_row(c, policy))
    for c in city_facts:
        rows.append(
            _quota(
                c["city"],
                "",
                "专家服务示范团活动（次）",
                policy.city_min_demo_team_activities,
                c["demo_team_activities"] if c["demo_team_ok"] is not None else None,
                c["demo_team_ok"],
            )
        )
    return rows


def _joint_row(c: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The joint-activity quota row of one county: 达标, 未达标, 无法核验 or 不适用."""
    mates = list(dict.fromkeys([*c["paired_with"], *c.get("joint_unlisted", [])]))
    quota = f"与结对地区联办活动（{'、'.join(mates)}）" if mates else "与结对地区联办活动"
    need = policy.coastal_min_joint_activities
    if not c.get("joint_applies", bool(c["paired_with"])):
        return {
            **_quota(c["city"], c["county"], quota, need, None, None),
            "status": "不适用",
            "note": "不是山区26县，不在山海协作结对名单中，计划中也没有与山区县联办的活动，不考核此项",
        }
    row = _quota(c["city"], c["county"], quota, need, c["joint_activities"], c["joint_ok"])
    notes = []
    if c["joint_ok"] is None and not c["paired_with"]:
        notes.append(
            "该县是山区26县，但本汇总未掌握其结对的沿海县（市、区），已收到的计划中也没有它与沿海县联办的活动，暂无法判断是否达标"
        )
    elif c["joint_ok"] is None:
        notes.append("该县及其结对地区的活动计划尚未收到，无法核验")
    if c.get("joint_unlisted"):
        notes.append(
            f"与{'、'.join(c['joint_unlisted'])}联办的活动已计入（该结对不在结对名单中，请核实）"
        )
    row["note"] = "；".join(notes)
    return row


def _quota(
    city: str,
    county: str,
    quota: str,
    need: int,
    have: int | None,
    ok: bool | None,
    plan: int | None = None,
) -> dict[str, Any]:
    status = "无法核验" if ok is None else "达标" if ok else "未达标"
    note = ""
    if ok is None:
        note = "尚未报送，无法核验"
    if plan is not None:
        note = (note + "；" if note else "") + f"计划 {plan} 场"
    return {
        "city": city,
        "county": county,
        "quota": quota,
        "required": need,
        "actual": have,
        "status": status,
        "shortfall": (need - have) if ok is False and have is not None else None,
        "note": note,
    }
