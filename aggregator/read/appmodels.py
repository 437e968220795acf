"""Typed records of Attachments 1–3: one per form found (fields as in the seed's forms)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from aggregator.privacy import Secret
from aggregator.problems import DataFileError
from aggregator.rulebook.appforms import AppForm


@dataclass(frozen=True)
class Application:
    """Where a form was found and the city it belongs to ("" when it cannot be told)."""

    form: ClassVar[str] = ""
    file: str
    sheet: str
    cell: str
    city: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (numbers only masked; dates ISO; options as lists)."""
        out: dict[str, Any] = {"form": self.form}
        for f in dataclasses.fields(self):
            out[f.name] = _json_value(getattr(self, f.name))
        return out


def _json_value(v: Any) -> Any:
    if isinstance(v, Secret):
        return v.to_json()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v


@dataclass(frozen=True)
class DemoProjectApplication(Application):
    """附件1 专家服务基层示范团项目申报表."""

    form: ClassVar[str] = "A1"
    reporting_unit: str = ""
    report_date: dt.date | None = None
    project_name: str = ""
    host: str = ""
    activity_time: str = ""
    service_count: int | None = None
    location: str = ""
    department: str = ""
    contact: str = ""
    office_phone: str = ""
    mobile: str = ""
    email: str = ""
    support: tuple[str, ...] = ()
    service_forms: tuple[str, ...] = ()
    service_content: str = ""
    funding: str = ""


@dataclass(frozen=True)
class BaseApplication(Application):
    """附件2 国家级专家服务基地申报表."""

    form: ClassVar[str] = "A2"
    region: str = ""
    cover_contact: str = ""
    cover_phone: str = ""
    fill_date: dt.date | None = None
    base_name: str = ""
    host_unit: str = ""
    provincial_base: bool | None = None
    established: dt.date | None = None
    industry: str = ""
    location: str = ""
    host_unit_type: tuple[str, ...] = ()
    experts_own: int | None = None
    experts_external: int | None = None
    department: str = ""
    contact: str = ""
    office_phone: str = ""
    mobile: str = ""
    email: str = ""
    address: str = ""
    current_rules: str = ""
    funding: str = ""
    activities: str = ""
    necessity: str = ""
    service_areas: str = ""
    support: str = ""
    local_funding: str = ""
    flexible_recruitment: str = ""
    three_year_plan: str = ""


@dataclass(frozen=True)
class ExpertRecommendation(Application):
    """附件3 专家服务基层重点联系专家推荐表 (identity and bank numbers only as ``Secret``)."""

    form: ClassVar[str] = "A3"
    reporting_unit: str = ""
    report_date: dt.date | None = None
    name: str = ""
    gender: str = ""
    ethnicity: str = ""
    residence: str = ""
    country: str = ""
    id_type: str = ""
    id_number: Secret | None = None
    unit: str = ""
    admin_post: str = ""
    part_time_unit: str = ""
    part_time_post: str = ""
    education: str = ""
    degree_country: str = ""
    languages: str = ""
    title: str = ""
    main_discipline: str = ""
    main_direction: str = ""
    second_discipline: str = ""
    second_direction: str = ""
    academician: bool | None = None
    outstanding_talent: bool | None = None
    special_allowance: bool | None = None
    national_talent: bool | None = None
    changjiang_scholar: bool | None = None
    young_scientist_fund: bool | None = None
    achievements: str = ""
    address: str = ""
    postcode: str = ""
    mobile: str = ""
    office_phone: str = ""
    email: str = ""
    account_name: str = ""
    bank: str = ""
    bank_code: str = ""
    bank_account: Secret | None = None
    account_id: Secret | None = None


MODELS: dict[str, type[Application]] = {
    "A1": DemoProjectApplication,
    "A2": BaseApplication,
    "A3": ExpertRecommendation,
}
_BASE = {f.name for f in dataclasses.fields(Application)}


def check_models(forms: dict[str, AppForm]) -> None:
    """Raise DataFileError unless every form's field keys are exactly its record's attributes."""
    for code, model in MODELS.items():
        attrs = [f.name for f in dataclasses.fields(model) if f.name not in _BASE]
        keys = [f.key for f in forms[code].fields]
        if set(attrs) != set(keys):
            diff = sorted(set(attrs) ^ set(keys))
            raise DataFileError(f"applications.toml：{code} 的字段与程序不一致：{'、'.join(diff)}")


def from_json(d: dict[str, Any]) -> Application:
    """A record back from ``to_json`` (the ledger cache)."""
    model = MODELS[d["form"]]
    kw: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        v = d.get(f.name)
        if isinstance(v, dict) and "masked" in v:
            v = Secret(v["masked"], v["digest"])
        elif isinstance(v, list):
            v = tuple(v)
        elif isinstance(v, str) and "date" in str(f.type) and v:
            v = dt.date.fromisoformat(v)
        if v is not None or f.name not in _BASE:
            kw[f.name] = v
    return model(**kw)
