"""Merging the counted returns: figures by county and city, and the planned activities."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Any, cast

import pandas as pd

from aggregator.judge.decide import Entry
from aggregator.period import Period
from aggregator.read.returns import Activity
from aggregator.rulebook.policy import Policy
from aggregator.vocab import Form, unit_key


@dataclass
class PlannedActivity(Activity):
    """One counted plan row (Attachment 4), its city filled in, with the file it came from."""

    file: str = ""


@dataclass
class CountyFacts:
    """What the summary says of one county (the JSON's ``counties`` entry, plus its file)."""

    city: str
    county: str
    reported: bool
    metrics: dict[str, int | None] | None
    planned_activities: int
    activities_ok: bool | None
    paired_with: list[str]
    joint_activities: int
    joint_ok: bool | None
    joint_applies: bool
    joint_unlisted: list[str]
    mountain: bool
    file: str | None = None
    remarks: str = ""  # 备注 as the return wrote it

    def to_json(self) -> dict[str, Any]:
        """The JSON entry (without the source file); as ``asdict`` gives it, its lists and
        dict copied (they hold only numbers and names)."""
        d = {f.name: getattr(self, f.name) for f in _COUNTY_FIELDS}
        d["metrics"] = None if self.metrics is None else dict(self.metrics)
        d["paired_with"] = list(self.paired_with)
        d["joint_unlisted"] = list(self.joint_unlisted)
        return d


_COUNTY_FIELDS = [f for f in fields(CountyFacts) if f.name != "file"]


@dataclass
class CityFacts:
    """What the summary says of one city (the JSON's ``cities`` entry)."""

    city: str
    totals: dict[str, int]
    counties_expected: int
    counties_reported: int
    missing_counties: list[str]
    demo_team_activities: int
    demo_team_ok: bool | None
    planned_activities: int

    def to_json(self) -> dict[str, Any]:
        """The JSON entry."""
        return asdict(self)


@dataclass
class CityOwnRow:
    """A city's own (市本级) results row: shown, counted in the city total, not a county."""

    city: str
    metrics: dict[str, int | None]


def as_int(v: Any) -> int | None:
    """A pandas cell as a Python int, None when missing."""
    return None if v is None or pd.isna(v) else int(v)


def figures_frame(entries: list[Entry], period: Period, metrics: list[str]) -> pd.DataFrame:
    """One row per counted results row of a period: city, county, city_own, file, metrics."""
    rows = []
    for e in entries:
        if not e.counted or e.read.form != Form.RESULTS or e.read.period != period.code:
            continue
        for f in e.read.figures:
            if unit_key(f.county, f.city) in e.keys_won:
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


def by_county(figures: pd.DataFrame) -> pd.DataFrame:
    """The county rows of a figures frame, indexed by county."""
    return figures[figures["county"].notna()].set_index("county")


def planned_activities(entries: list[Entry], year: int) -> list[PlannedActivity]:
    """Every counted plan row of the year, in the order of the returns."""
    out = []
    plan = Period.plan_year(year).code
    for e in entries:
        if not e.counted or e.read.form != Form.PLAN or e.read.period != plan:
            continue
        for a in e.read.activities:
            city = a.city or e.read.city
            if unit_key(a.county, city) in e.keys_won:
                out.append(PlannedActivity(**{**vars(a), "city": city}, file=e.sub.name))
    return out


def plan_cities(entries: list[Entry], year: int) -> set[str | None]:
    """Cities whose plan for the year counts."""
    plan = Period.plan_year(year).code
    return {
        e.read.city
        for e in entries
        if e.counted and e.read.form == Form.PLAN and e.read.period == plan
    }


def joint_counts(
    acts: list[PlannedActivity], policy: Policy
) -> tuple[Counter[str], dict[str, list[str]]]:
    """Joint activities per county, and the co-hosts the pairing file does not pair it with.

    A plan row whose hosts name a mountain county and a coastal (non-mountain) county is a joint
    activity for both, wherever the row stands; a row naming two counties the pairing file
    pairs counts too."""
    joint: Counter[str] = Counter()
    unlisted: dict[str, list[str]] = {}
    for a in acts:
        for c in a.counties:
            partners = policy.partners(c)
            mates = [
                o
                for o in a.counties
                if o != c and (policy.is_mountain(o) != policy.is_mountain(c) or o in partners)
            ]
            if not mates:
                continue
            joint[c] += 1
            for o in mates:
                if o not in partners and o not in unlisted.setdefault(c, []):
                    unlisted[c].append(o)
    return joint, unlisted


def city_sums(figures: pd.DataFrame, metrics: list[str], own: bool = False) -> dict[str, Any]:
    """Per city, the sum of its counted rows (or of its 市本级 rows only), metric by metric."""
    rows = figures[figures["county"].isna()] if own else figures
    if not len(rows):
        return {}
    return cast(dict[str, Any], rows.groupby("city")[metrics].sum(min_count=1).to_dict("index"))
