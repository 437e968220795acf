"""Loading what every command needs: policy, reference data and schemas, as one Context."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.policy import Policy, load_policy
from aggregator.rulebook.reference import Registry, default_registry
from aggregator.rulebook.schema import FormSchema, default_schemas


@dataclass(frozen=True)
class Context:
    """What reading needs besides the file: reference data, schemas, policy."""

    registry: Registry
    schemas: dict[str, FormSchema]
    policy: Policy


def policy_years() -> list[int]:
    """Years that have a policy file, oldest first."""
    return sorted(
        int(p.stem) for p in data_dir("policy").glob("*.toml") if re.fullmatch(r"\d{4}", p.stem)
    )


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
        policy = data_dir("policy") / f"{year or years[-1]}.toml"
    registry = default_registry()
    return Context(registry, default_schemas(), load_policy(policy, registry))
