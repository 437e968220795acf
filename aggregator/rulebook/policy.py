"""The yearly policy (deadlines, quotas, mountain counties, pairings, limits), loaded and validated."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.reference import Registry, default_registry

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
PERIOD_KINDS = ("H1", "FY")


@dataclass(frozen=True)
class Pairing:
    """One mountain county paired with one coastal county (山海协作)."""

    mountain: str
    partner: str
    confidence: str
    evidence_date: str
    source: str
    note: str


DEFAULT_MAX_FIGURE = 1_000_000
MAX_EXACT = 2**53  # beyond this a float (and a sum of many) no longer counts exactly


def _max_figures(data: dict[str, Any], path: Path) -> dict[str, int]:
    """``[max_figures]``: whole numbers from 1 to 2^53 by metric key (and ``default``)."""
    out = {}
    for k, v in data.get("max_figures", {}).items():
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_EXACT:
            raise DataFileError(
                f"{path.name}：max_figures.{k} 应为 1 到 {MAX_EXACT} 之间的整数，现为“{v}”"
            )
        out[str(k)] = v
    return out


@dataclass(frozen=True)
class Limits:
    """Per-file reading limits: real returns never reach them."""

    max_file_mb: float = 50
    max_uncompressed_mb: float = 200
    max_compression_ratio: float = 200
    max_sheet_rows: int = 20000
    max_sheet_cols: int = 200
    read_timeout_seconds: float = 20
    read_memory_mb: int = 1536


@dataclass(frozen=True)
class Policy:
    """One year's rules from the notice."""

    year: int
    notice: str
    path: Path
    titles: dict[str, str]
    deadlines: dict[str, dt.date]  # plan, H1, FY
    county_min_activities: int
    coastal_min_joint_activities: int
    city_min_demo_team_activities: int
    mountain: tuple[str, ...]
    pairings: tuple[Pairing, ...]
    pairings_path: Path
    unused_pairings: tuple[Pairing, ...] = ()
    outlier_robust_z: float = 5.0
    outlier_median_multiple: float = 10.0
    outlier_min_counties: int = 8
    limits: Limits = field(default_factory=Limits)
    max_figures: dict[str, int] = field(default_factory=dict)  # metric key (or default) → bound

    def figure_bound(self, metric: str) -> int:
        """The largest believable figure for a metric; beyond it a cell is an error, not a number."""
        return self.max_figures.get(metric, self.max_figures.get("default", DEFAULT_MAX_FIGURE))

    def partners(self, county: str) -> list[str]:
        """The counties paired with this one, either side, in pairing-file order."""
        out: list[str] = []
        for p in self.pairings:
            other = (
                p.partner if p.mountain == county else p.mountain if p.partner == county else None
            )
            if other and other not in out:
                out.append(other)
        return out

    def is_mountain(self, county: str) -> bool:
        """Whether the county is among this year's mountain counties."""
        return county in self.mountain

    def deadline(self, form: str, period: str) -> dt.date:
        """Deadline of a form for a period code (A4 → the plan deadline)."""
        return self.deadlines["plan"] if form == "A4" else self.deadlines[period[-2:]]

    def deadline_end(self, form: str, period: str) -> dt.datetime:
        """The last moment counting as on time: the end of the deadline day, China time."""
        d = self.deadline(form, period) + dt.timedelta(days=1)
        return dt.datetime(d.year, d.month, d.day, tzinfo=CHINA)

    def period_by_receipt(self, received: dt.datetime) -> str:
        """The Attachment 5 period a return received at this time answers, when it does not say:
        before the midpoint between the June and December deadlines, the half year."""
        h1, fy = (
            self.deadline_end("A5", f"{self.year}H1"),
            self.deadline_end("A5", f"{self.year}FY"),
        )
        return f"{self.year}H1" if received < h1 + (fy - h1) / 2 else f"{self.year}FY"

    def periods(self) -> list[str]:
        """The period codes of this year, in order."""
        return [f"{self.year}{k}" for k in PERIOD_KINDS]


def _need(d: dict[str, Any], key: str, where: str, path: Path) -> Any:
    if key not in d:
        raise DataFileError(f"{path.name}：缺少“{where}{key}”")
    return d[key]


def _date(v: Any, where: str, path: Path) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise DataFileError(f"{path.name}：“{where}”不是有效日期：{v!r}") from None


def _int(v: Any, where: str, path: Path) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise DataFileError(f"{path.name}：“{where}”应为不小于0的整数：{v!r}")
    return v


def load_pairings(
    path: Path, registry: Registry, mountain: tuple[str, ...]
) -> tuple[list[Pairing], list[Pairing]]:
    """Read the pairing file: (pairings in use, pairings listed but not used)."""
    if not path.is_file():
        raise DataFileError(f"找不到结对文件：{path}")
    used: list[Pairing] = []
    unused: list[Pairing] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for col in ("mountain_county", "partner", "use"):
            if col not in (reader.fieldnames or []):
                raise DataFileError(f"{path.name}：缺少列“{col}”")
        for i, r in enumerate(reader, start=2):
            m, p, use = (
                (r.get("mountain_county") or "").strip(),
                (r.get("partner") or "").strip(),
                (r.get("use") or "").strip().lower(),
            )
            if use not in ("yes", "no"):
                raise DataFileError(f"{path.name} 第{i}行：use 应为 yes 或 no，实为“{use}”")
            pairing = Pairing(
                m,
                p,
                (r.get("confidence") or "").strip(),
                (r.get("evidence_date") or "").strip(),
                (r.get("source") or "").strip(),
                (r.get("note") or "").strip(),
            )
            if use == "no":
                unused.append(pairing)
                continue
            if m not in registry.county_by_name:
                raise DataFileError(f"{path.name} 第{i}行：未知的县（市、区）“{m}”")
            if m not in mountain:
                raise DataFileError(f"{path.name} 第{i}行：“{m}”不在本年度山区县名单中")
            if p not in registry.county_by_name:
                raise DataFileError(
                    f"{path.name} 第{i}行：结对方“{p}”不是县级行政区（请改为 use=no 或改正名称）"
                )
            used.append(pairing)
    return used, unused


def load_policy(path: Path | None = None, registry: Registry | None = None) -> Policy:
    """Load a policy TOML file and validate every entry against the reference data."""
    path = path or policy_path_for_year(2023)
    registry = registry or default_registry()
    if not path.is_file():
        raise DataFileError(f"找不到政策文件：{path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"{path.name}：格式错误（{e}）") from None
    year = _int(_need(data, "year", "", path), "year", path)
    forms = _need(data, "forms", "", path)
    titles = {
        k: str(_need(_need(forms, k, "forms.", path), "title", f"forms.{k}.", path))
        for k in ("A4", "A5")
    }
    dl = _need(data, "deadlines", "", path)
    deadlines = {
        k: _date(_need(dl, k, "deadlines.", path), f"deadlines.{k}", path)
        for k in ("plan", "H1", "FY")
    }
    for k, d in deadlines.items():
        if d.year != year:
            raise DataFileError(f"{path.name}：“deadlines.{k}”（{d}）不在 {year} 年")
    q = _need(data, "quotas", "", path)
    quotas = {
        k: _int(_need(q, k, "quotas.", path), f"quotas.{k}", path)
        for k in (
            "county_min_activities",
            "coastal_min_joint_activities",
            "city_min_demo_team_activities",
        )
    }
    counties = _need(data, "counties", "", path)
    mountain = tuple(_need(counties, "mountain", "counties.", path))
    for name in mountain:
        if name not in registry.county_by_name:
            raise DataFileError(
                f"{path.name}：counties.mountain 中“{name}”不是参考数据中的县（市、区）"
            )
    if len(set(mountain)) != len(mountain):
        raise DataFileError(f"{path.name}：counties.mountain 有重复")
    pairings_path = path.parent / str(_need(counties, "pairings", "counties.", path))
    used, unused = load_pairings(pairings_path, registry, mountain)
    checks = data.get("checks", {})
    lim = data.get("limits", {})
    known = set(Limits.__dataclass_fields__)
    bad = set(lim) - known
    if bad:
        raise DataFileError(f"{path.name}：limits 中有未知项 {'、'.join(sorted(bad))}")
    return Policy(
        year=year,
        notice=str(data.get("notice", "")),
        path=path,
        titles=titles,
        deadlines=deadlines,
        mountain=mountain,
        pairings=tuple(used),
        unused_pairings=tuple(unused),
        pairings_path=pairings_path,
        outlier_robust_z=float(checks.get("outlier_robust_z", 5.0)),
        outlier_median_multiple=float(checks.get("outlier_median_multiple", 10.0)),
        outlier_min_counties=int(checks.get("outlier_min_counties", 8)),
        limits=Limits(**lim),
        max_figures=_max_figures(data, path),
        **quotas,
    )


def policy_path_for_year(year: int) -> Path:
    """The policy file of a year in the project's policy folder."""
    return data_dir("policy") / f"{year}.toml"
