"""The checks the notice asks for, and the ones a careful analyst adds (problems as values)."""

from __future__ import annotations

import pandas as pd

from aggregator.judge.decide import Entry
from aggregator.judge.merge import CountyFacts
from aggregator.problems import Problem, error, warning
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.schema import FormSchema
from aggregator.vocab import ACTIVITIES_DONE, EXPERT_VISITS, Form


def check_totals(entries: list[Entry], schema: FormSchema) -> list[Problem]:
    """Each submitted 合计 row against the sum of the rows above it, metric by metric."""
    out: list[Problem] = []
    labels = {c.key: c.label for c in schema.metrics}
    for e in entries:
        if not e.counted or e.read.form != Form.RESULTS:
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
    out.extend(_visits_below_teams(counties))
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


def _visits_below_teams(counties: pd.DataFrame) -> list[Problem]:
    """Counties whose expert visits are fewer than their completed teams (column by column,
    not a Series per county)."""
    if EXPERT_VISITS not in counties.columns or ACTIVITIES_DONE not in counties.columns:
        return []
    files = counties["file"] if "file" in counties.columns else [""] * len(counties)
    out: list[Problem] = []
    visits, teams = counties[EXPERT_VISITS], counties[ACTIVITIES_DONE]
    rows = zip(counties.index, visits, teams, counties["city"], files, strict=True)
    for county, v, t, city, file in rows:
        if pd.notna(v) and pd.notna(t) and v < t:
            out.append(
                warning(
                    "visits-below-teams",
                    f"{county}“邀请专家总人次”（{int(v)}）小于“已完成服务团数量”（{int(t)}），每个服务团至少有1人次专家，请核对。",
                    file=str(file),
                    city=str(city),
                    county=str(county),
                )
            )
    return out


def check_pairings(counties: list[CountyFacts], policy: Policy) -> list[Problem]:
    """Mountain counties the pairing file gives no usable partner: their joint quota is unknown."""
    unpaired = [
        c.county for c in counties if c.mountain and not c.paired_with and c.joint_ok is None
    ]
    if not unpaired:
        return []
    return [
        warning(
            "pairing-unknown",
            f"以下山区县在结对文件中没有可用的结对关系，联办活动无法核验：{'、'.join(unpaired)}。请在 {policy.pairings_path.name} 中补充。",
        )
    ]
