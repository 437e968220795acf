"""The yearly policy (deadlines, quotas, mountain counties, pairings, limits), loaded and validated."""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.clock import CHINA
from aggregator.period import Period
from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.reference import Registry, default_registry
from aggregator.vocab import Form


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
    """``[max_figures]``: whole numbers from 1 to 2^53 by metric key of the results form (or
    ``default``); a misspelt key would silently leave its metric at the default bound."""
    from aggregator.rulebook.schema import default_schemas

    known = {c.key for c in default_schemas()[Form.RESULTS].metrics}
    section = data.get("max_figures", {})
    if not isinstance(section, dict):
        raise DataFileError(f"{path.name}：max_figures 应为一节（[max_figures]）")
    out = {}
    for k, v in section.items():
        if k != "default" and k not in known:
            raise DataFileError(
                f"{path.name}：max_figures 中的“{k}”不是附件5的指标"
                f"（可用：default、{'、'.join(sorted(known))}）"
            )
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
    # Containers (.zip archives, .eml messages): the whole tree of one inbox file, all levels.
    max_container_members: int = 500
    max_container_mb: float = 200
    max_container_depth: int = 3


@dataclass(frozen=True)
class Policy:
    """One year's rules from the notice."""

    year: int
    notice: str
    path: Path
    titles: dict[str, str]
    deadlines: dict[str, dt.date]  # plan, H1, FY (and applications: Attachments 1–3)
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
    quota_text: dict[str, dict[str, str]] = field(default_factory=dict)
    organisation: str = ""
    organisation_contact: str = ""  # whom a city calls about its feedback (name, department)
    organisation_phone: str = ""
    resend_days: int = 5  # a return sent back after the deadline is due this many days later
    city_min_experts: int = 3
    expert_titles: tuple[str, ...] = ()
    expert_titles_below: tuple[str, ...] = ()
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

    def deadline(self, period: Period, key: str | None = None) -> dt.date:
        """Deadline of the return answering a period: the plan's for the year, else the half
        year's or the whole year's results deadline; ``key`` names another (``applications``
        for Attachments 1–3, falling back to the plan's when a policy file has none)."""
        if key:
            return self.deadlines.get(key, self.deadlines["plan"])
        return self.deadlines["plan" if period.kind == "Y" else period.kind]

    def deadline_end(self, period: Period, key: str | None = None) -> dt.datetime:
        """The last moment counting as on time: the end of the deadline day, China time."""
        d = self.deadline(period, key) + dt.timedelta(days=1)
        return dt.datetime(d.year, d.month, d.day, tzinfo=CHINA)

    def period_by_receipt(self, received: dt.datetime) -> Period:
        """The results period a return received at this time answers, when it does not say:
        before the midpoint between the June and December deadlines, the half year."""
        half, whole = Period.half(self.year), Period.whole(self.year)
        h1, fy = self.deadline_end(half), self.deadline_end(whole)
        return half if received < h1 + (fy - h1) / 2 else whole

    def periods(self) -> list[Period]:
        """The results periods of this year, in order."""
        return list(Period.half(self.year).results)


QUOTA_TEXT_KEYS = {
    "county_activities": ("label_plan", "source_plan", "label_done", "source_done"),
    "joint_activities": (
        "label",
        "source",
        "note_not_applicable",
        "note_pair_unknown",
        "note_no_plan",
    ),
    "demo_team": ("label", "source"),
    "experts": ("label", "source"),
}


def _quota_text(data: dict[str, Any], path: Path) -> dict[str, dict[str, str]]:
    """Each quota's label and data source, every one required."""
    table = _need(data, "quota_text", "", path)
    out: dict[str, dict[str, str]] = {}
    for name, keys in QUOTA_TEXT_KEYS.items():
        entry = _need(table, name, "quota_text.", path)
        out[name] = {k: str(_need(entry, k, f"quota_text.{name}.", path)) for k in keys}
    return out


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


def _limit(v: Any, kind: Any, where: str, path: Path) -> None:
    """A limit must be a positive number (a whole number where the default is one)."""
    whole = kind in (int, "int")
    ok = not isinstance(v, bool) and isinstance(v, int if whole else (int, float)) and v > 0
    if not ok:
        what = "正整数" if whole else "正数"
        raise DataFileError(f"{path.name}：“{where}”应为{what}：{v!r}")


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
    path = path or newest_policy_path()
    registry = registry or default_registry()
    data = _read_toml(path)
    year = _int(_need(data, "year", "", path), "year", path)
    forms = _need(data, "forms", "", path)
    titles: dict[str, str] = {
        str(k): str(_need(_need(forms, k, "forms.", path), "title", f"forms.{k}.", path))
        for k in (Form.PLAN, Form.RESULTS)
    }
    deadlines = _deadlines(_need(data, "deadlines", "", path), year, path)
    q = _need(data, "quotas", "", path)
    quotas: dict[str, Any] = {
        k: _int(_need(q, k, "quotas.", path), f"quotas.{k}", path)
        for k in (
            "county_min_activities",
            "coastal_min_joint_activities",
            "city_min_demo_team_activities",
        )
    }
    counties = _need(data, "counties", "", path)
    mountain = _mountain(counties, registry, path)
    pairings_path = path.parent / str(_need(counties, "pairings", "counties.", path))
    used, unused = load_pairings(pairings_path, registry, mountain)
    checks = data.get("checks", {})
    apps = _applications(data.get("applications", {}), q, path)
    limits = _limits(data.get("limits", {}), path)
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
        limits=limits,
        quota_text=_quota_text(data, path),
        **_organisation(data, path),
        **apps,
        max_figures=_max_figures(data, path),
        **quotas,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataFileError(f"找不到政策文件：{path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"{path.name}：格式错误（{e}）") from None


def _deadlines(dl: Any, year: int, path: Path) -> dict[str, dt.date]:
    """The plan, half-year and whole-year deadlines (and the applications one when given),
    each within the policy's year."""
    deadlines = {
        k: _date(_need(dl, k, "deadlines.", path), f"deadlines.{k}", path)
        for k in ("plan", "H1", "FY")
    }
    if "applications" in dl:
        deadlines["applications"] = _date(dl["applications"], "deadlines.applications", path)
    for k, d in deadlines.items():
        if d.year != year:
            raise DataFileError(f"{path.name}：“deadlines.{k}”（{d}）不在 {year} 年")
    return deadlines


def _mountain(counties: Any, registry: Registry, path: Path) -> tuple[str, ...]:
    """The year's mountain counties, each a county of the reference, none twice."""
    mountain = tuple(_need(counties, "mountain", "counties.", path))
    for name in mountain:
        if name not in registry.county_by_name:
            raise DataFileError(
                f"{path.name}：counties.mountain 中“{name}”不是参考数据中的县（市、区）"
            )
    if len(set(mountain)) != len(mountain):
        raise DataFileError(f"{path.name}：counties.mountain 有重复")
    return mountain


def _limits(lim: dict[str, Any], path: Path) -> Limits:
    """The ``[limits]`` table: known keys only, each a positive number of its type."""
    known = set(Limits.__dataclass_fields__)
    bad = set(lim) - known
    if bad:
        raise DataFileError(f"{path.name}：limits 中有未知项 {'、'.join(sorted(bad))}")
    for key, value in lim.items():
        _limit(value, Limits.__dataclass_fields__[key].type, f"limits.{key}", path)
    return Limits(**lim)


def _organisation(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """``[organisation]``: the name on the summary, and whom cities call about feedback."""
    org = _need(data, "organisation", "", path)
    days = _int(org.get("resend_days", 5), "organisation.resend_days", path)
    if not 1 <= days <= 60:
        raise DataFileError(f"{path.name}：organisation.resend_days 应在 1 到 60 之间")
    return {
        "organisation": str(_need(org, "name", "organisation.", path)),
        "organisation_contact": str(org.get("contact", "")).strip(),
        "organisation_phone": str(org.get("phone", "")).strip(),
        "resend_days": days,
    }


def policy_years() -> list[int]:
    """Years that have a policy file, oldest first."""
    return sorted(
        int(p.stem) for p in data_dir("policy").glob("*.toml") if re.fullmatch(r"\d{4}", p.stem)
    )


def newest_policy_path() -> Path:
    """The policy file of the newest year: the default everywhere a year is not given."""
    years = policy_years()
    if not years:
        raise DataFileError(f"{data_dir('policy')} 中没有政策文件")
    return policy_path_for_year(years[-1])


def _applications(apps: dict[str, Any], quotas: dict[str, Any], path: Path) -> dict[str, Any]:
    """Attachments 1–3: the expert quota and the title words counting as 副高级以上 (or below)."""
    out: dict[str, Any] = {}
    if "city_min_experts" in quotas:
        out["city_min_experts"] = _int(quotas["city_min_experts"], "quotas.city_min_experts", path)
    for key in ("expert_titles", "expert_titles_below"):
        words = apps.get(key, [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise DataFileError(f"{path.name}：“applications.{key}”应为文字列表")
        out[key] = tuple(words)
    return out


def policy_path_for_year(year: int) -> Path:
    """The policy file of a year in the project's policy folder."""
    return data_dir("policy") / f"{year}.toml"
