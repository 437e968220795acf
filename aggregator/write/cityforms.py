"""What every city's blank forms share, in Excel and in Word: file names, the sender line and
the loop writing Attachments 4 and 5 for each city."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from aggregator.rulebook.policy import Policy
from aggregator.rulebook.reference import Registry
from aggregator.rulebook.schema import FormSchema
from aggregator.store.atomic import atomic_path
from aggregator.vocab import Form

FormWriter = Callable[[Path, Form, FormSchema, str], None]
"""Writes one form (its code and schema) for one city into the given path."""


def template_name(policy: Policy, form: FormSchema, city: str, suffix: str = ".xlsx") -> str:
    """File name of a city's blank form, e.g. 2023年附件5_专家服务活动成果汇总表_杭州市.xlsx."""
    return f"{policy.year}年{form.file_stem}_{city}{suffix}"


def month_day(d: dt.date) -> str:
    """A deadline as the notice writes it: 6月10日."""
    return f"{d.month}月{d.day}日"


def sender_label(city: str) -> str:
    """How the 填报市局 line names a city's bureau."""
    return f"{city}人力资源和社会保障局"


def write_city_forms(
    policy: Policy,
    registry: Registry,
    schemas: dict[str, FormSchema],
    out: Path,
    suffix: str,
    write: FormWriter,
) -> list[Path]:
    """Write Attachments 4 and 5 of every city into ``out`` (each file replaced whole, never
    left half-written); return their paths, city by city."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for city in registry.cities:
        for form in (Form.PLAN, Form.RESULTS):
            schema = schemas[form]
            path = out / template_name(policy, schema, city.name, suffix)
            with atomic_path(path) as tmp:
                write(tmp, form, schema, city.name)
            written.append(path)
    return written
