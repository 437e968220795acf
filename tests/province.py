"""A synthetic province with numbers a test can compute by hand."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from content import METRICS

from aggregator.demo.samples import A4Sample, A5Sample, write_a4, write_a5
from aggregator.rulebook.reference import default_registry

REG = default_registry()
STYLE = {
    "杭州市": "xlsxwriter",
    "宁波市": "openpyxl",
    "温州市": "pandas",
    "嘉兴市": "xls",
    "湖州市": "xlsxwriter",
    "绍兴市": "openpyxl",
    "金华市": "xls",
    "衢州市": "pandas",
    "舟山市": "xlsxwriter",
    "台州市": "openpyxl",
    "丽水市": "xls",
}
ORDER = {c.name: i for i, c in enumerate(REG.counties)}
A5_TITLE = "2023年“智聚山海·助力共富”专家服务活动成果汇总表"
A4_TITLE = "2023年“智聚山海·助力共富”专家服务工程活动计划表"


def h1_value(county: str, metric: str) -> int:
    """Half-year figure of a county: the county's index and the metric's index, made distinct."""
    return ORDER[county] + 10 * METRICS.index(metric) + 4


def fy_value(county: str, metric: str) -> int:
    """Whole-year figure: one more than the half-year, except 南湖区 suggestions (below it)."""
    if county == "南湖区" and metric == "suggestions":
        return h1_value(county, metric) - 1
    return h1_value(county, metric) + 1


def ext(city: str) -> str:
    return "xls" if STYLE[city] == "xls" else "xlsx"


def drop(inbox: Path, rel: str, write: object) -> Path:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path)  # type: ignore[operator]
    old = time.time() - 3600  # copied in long ago: not "still being copied"
    os.utime(path, (old, old))
    return path


def plans(inbox: Path) -> None:
    """Every city's plan: 4 activities per county (淳安县 only 2); a joint 淳安—西湖 activity in
    杭州's plan; one demonstration-team activity per city except 舟山市."""
    for city in REG.cities:
        rows = []
        for c in REG.counties_of(city.name):
            n = 2 if c.name == "淳安县" else 4
            for i in range(n):
                rows.append(
                    {
                        "county": c.name,
                        "activity_name": f"{c.name}活动{i + 1}",
                        "content": "技术指导",
                        "planned_date": dt.date(2023, 4 + i, 10),
                        "hosts": f"{c.name}人力社保局",
                        "experts_invited": 5,
                        "contact_person": "王芳",
                        "contact_phone": "0571-1",
                        "demo_team_activity": "是"
                        if (i == 0 and c == REG.counties_of(city.name)[0] and city.name != "舟山市")
                        else "否",
                    }
                )
        if city.name == "杭州市":
            rows.append(
                {
                    "county": "西湖区",
                    "activity_name": "山海协作联合义诊",
                    "content": "",
                    "planned_date": "2023年9月",
                    "hosts": "西湖区人力社保局、淳安县人力社保局",
                    "experts_invited": 8,
                    "contact_person": "",
                    "contact_phone": "",
                    "demo_team_activity": "",
                }
            )
        sample = A4Sample(f"{city.name}人力社保局", A4_TITLE, rows, contact="李静 13800000001")
        drop(
            inbox,
            f"{city.name}/附件4_{city.name}.{ext(city.name)}",
            lambda p, s=sample, st=STYLE[city.name]: write_a4(p, s, st),
        )


def half_year(inbox: Path, skip_cities: tuple[str, ...] = ("丽水市", "湖州市")) -> None:
    """H1 returns of every city but 丽水市 (none) and 湖州市 (late, see late_h1); 温州 omits 文成县;
    金华's 合计 overstates teams by 1."""
    for city in REG.cities:
        if city.name in skip_cities:
            continue
        _a5(inbox, city.name, "上半年", h1_value)


def _a5(
    inbox: Path,
    city: str,
    label: str,
    value: object,
    rel: str | None = None,
    override: dict[tuple[str, str], int] | None = None,
) -> Path:
    rows = []
    for c in REG.counties_of(city):
        if city == "温州市" and c.name == "文成县":
            continue
        vals = {m: (override or {}).get((c.name, m), value(c.name, m)) for m in METRICS}  # type: ignore[operator]
        rows.append((c.name, vals))
    total = None
    if city == "金华市":
        total = {m: sum(v[m] for _, v in rows) for m in METRICS}
        total["teams_completed"] += 1
    title = A5_TITLE.replace("2023年", f"2023年{label}" if label == "上半年" else "2023年度", 1)
    sample = A5Sample(
        f"{city}人力社保局",
        title,
        rows,
        total=total,
        contact=f"{city[:2]}联系人 0571-87654321",
        filled=None,
    )
    return drop(
        inbox,
        rel or f"{city}/{label}_{city}.{ext(city)}",
        lambda p: write_a5(p, sample, STYLE[city]),
    )


def late_h1(inbox: Path) -> None:
    """湖州市's H1 return (dropped after the deadline by the test)."""
    _a5(inbox, "湖州市", "上半年", h1_value)


def correction(inbox: Path) -> None:
    """宁波市 re-sends its H1 return with 海曙区 teams changed to 99."""
    _a5(
        inbox,
        "宁波市",
        "上半年",
        h1_value,
        rel="宁波市/上半年_宁波市（更正）.xlsx",
        override={("海曙区", "teams_completed"): 99},
    )


def whole_year(inbox: Path) -> None:
    """FY returns of every city (温州 still without 文成县)."""
    for city in REG.cities:
        _a5(
            inbox, city.name, "全年", fy_value, rel=f"{city.name}/全年_{city.name}.{ext(city.name)}"
        )
