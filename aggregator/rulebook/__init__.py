"""The rulebook: reference data, form schemas and the yearly policy, loaded and validated as one
``Context`` that every stage reads (next year's notice needs a new policy file, not new code)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from aggregator.period import Period
from aggregator.privacy import DEFAULT_SALT
from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.policy import (
    Limits,
    Policy,
    _int,
    _limits,
    _max_figures,
    _need,
    _read_toml,
    load_policy,
    policy_path_for_year,
    policy_years,
)
from aggregator.rulebook.reference import Registry, default_registry
from aggregator.rulebook.schema import FormSchema, default_schemas

__all__ = [
    "Context",
    "PolicyBasics",
    "load_context",
    "policy_basics",
    "policy_years",
    "resolve_period",
]


@dataclass(frozen=True)
class Context:
    """What reading and judging need besides the files: reference data, schemas, policy, and
    the installation's salt for hashing personal numbers (``privacy.load_salt``)."""

    registry: Registry
    schemas: dict[str, FormSchema]
    policy: Policy
    salt: bytes = DEFAULT_SALT


def load_context(policy: Path | None = None, year: int | None = None) -> Context:
    """The context for a policy file, or for a year's policy, or for the newest policy."""
    if policy is None:
        years = policy_years()
        if not years:
            raise DataFileError(f"{data_dir('policy')} 中没有政策文件")
        if year is not None and year not in years:
            raise DataFileError(
                f"没有 {year} 年的政策文件（已有：{'、'.join(map(str, years))}）。请先制作 workbooks/policy/{year}.toml。"
            )
        policy = policy_path_for_year(year or years[-1])
    registry = default_registry()
    return Context(registry, default_schemas(), load_policy(policy, registry))


@dataclass(frozen=True)
class PolicyBasics:
    """What a run needs of the year's policy before it knows whether anything is new: its year
    and figure bounds (for the readings' fingerprint) and its limits (for taking files in)."""

    year: int
    max_figures: dict[str, int]
    limits: Limits


def policy_basics(year: int) -> PolicyBasics:
    """The year's policy file read for its year, figure bounds and limits only, without the
    reference data (for data files that a previous run has loaded and checked in full)."""
    path = policy_path_for_year(year)
    data = _read_toml(path)
    return PolicyBasics(
        _int(_need(data, "year", "", path), "year", path),
        _max_figures(data, path),
        _limits(data.get("limits", {}), path),
    )


def resolve_period(text: str, as_of: dt.datetime) -> Period:
    """A period as given (checked against the policy files), or ``auto``: the latest results
    period whose deadline has passed as of the given time (the first one before any has)."""
    years = policy_years()
    if text.strip().lower() != "auto":  # as lenient as the codes: 2023h1 is 2023H1
        period = Period.parse(text)
        if period.kind == "Y":
            raise ValueError(f"期次“{text}”不对：应为 2023H1（上半年）、2023FY（全年）或 auto。")
        if period.year not in years:
            raise ValueError(
                f"没有 {period.year} 年的政策文件（已有：{'、'.join(map(str, years))}）。"
            )
        return period
    passed: list[tuple[dt.datetime, Period]] = []
    for y in years:
        pol = load_policy(policy_path_for_year(y))
        for p in pol.periods():
            end = pol.deadline_end(p)
            if end <= as_of:
                passed.append((end, p))
    if passed:
        return max(passed)[1]
    return Period.half(years[0])
