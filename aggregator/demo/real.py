"""Styles of real returns the demo includes (issue 12): a county's own plan whose hosts name no
county, and a ``其中：山区26县`` sub-total row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aggregator.demo.samples import A4Sample, write_a4
from aggregator.read.values import parse_count
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.reference import County
from aggregator.rulebook.schema import metric_keys

COUNTY_OWN_PLAN = "淳安县"  # sends its own plan: no county column, hosts naming no county
UNNAMED_HOSTS = ("县人力社保局", "本局", "县科协", "", "县人力社保局、县农业农村局")


def county_own_plan(plan: A4Sample, folder: Path, year: int) -> Path | None:
    """Take :data:`COUNTY_OWN_PLAN`'s rows out of its city's plan into a plan the county sends
    itself (in its own folder, no county column, hosts such as 县人力社保局 naming no county)."""
    mine = [r for r in plan.rows if r.get("county") == COUNTY_OWN_PLAN]
    if not mine:
        return None
    plan.rows = [r for r in plan.rows if r.get("county") != COUNTY_OWN_PLAN]
    rows = []
    for i, r in enumerate(mine):
        hosts = str(r["hosts"])
        others = [h for h in hosts.split("、") if COUNTY_OWN_PLAN not in h]
        if others and len(others) < len(hosts.split("、")):  # co-hosted: keep the other side
            hosts = "、".join(["县人力社保局", *others])
        else:
            hosts = UNNAMED_HOSTS[i % len(UNNAMED_HOSTS)]
        rows.append({**{k: v for k, v in r.items() if k != "county"}, "hosts": hosts})
    own = A4Sample(
        f"{COUNTY_OWN_PLAN}人力资源和社会保障局",
        plan.title,
        rows,
        filled=plan.filled,
        contact="方老师 0571-65012345",
        county_column=False,
    )
    target = folder / COUNTY_OWN_PLAN / f"{year}年附件4_活动计划表_{COUNTY_OWN_PLAN}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_a4(target, own, "xlsxwriter")


def mountain_subtotal(
    rows: list[tuple[str, dict[str, object]]],
    counties: list[County],
    policy: Policy,
    area_text: Callable[[str, str, int], str],
) -> tuple[str, dict[str, object]]:
    """A correct ``其中：山区26县`` row: the sum of the mountain counties among ``rows`` (whose
    area cells were written by ``area_text``)."""
    mountain = {
        area_text(c.name, c.city, i) for i, c in enumerate(counties) if policy.is_mountain(c.name)
    }
    sums = {
        k: sum(parse_count(v.get(k)).value or 0 for a, v in rows if a in mountain)
        for k in metric_keys()
    }
    return "其中：山区26县", dict(sums)
