"""Typed records of Attachments 1–3: one per form found, its fields those of the form's
definition in workbooks/schemas/applications.toml (made from it, so the two cannot differ).

A field's Python type follows its ``type`` there: text and choice ``str`` (blank ``""``), int
``int | None``, date ``datetime.date | None``, checkbox ``tuple[str, ...]`` (the options ticked),
yesno ``bool | None``; a ``sensitive`` field (identity or bank number) is only a ``Secret``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from aggregator.privacy import Secret
from aggregator.problems import DataFileError
from aggregator.rulebook.appforms import AppField, AppForm, default_app_forms


@dataclass(frozen=True)
class Application:
    """Where a form was found and the city it belongs to ("" when it cannot be told); the
    form's fields follow as attributes named by their ``key``."""

    form: ClassVar[str] = ""
    file: str
    sheet: str
    cell: str
    city: str

    if TYPE_CHECKING:  # the fields come from the schema: any key is an attribute

        def __getattr__(self, name: str) -> Any: ...

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


_TYPES: dict[str, tuple[Any, Any]] = {  # field type → (annotation, default)
    "text": (str, ""),
    "choice": (str, ""),
    "int": (int | None, None),
    "date": (dt.date | None, None),
    "checkbox": (tuple[str, ...], ()),
    "yesno": (bool | None, None),
}


def _field(f: AppField) -> tuple[str, Any, Any]:
    kind, default = (Secret | None, None) if f.sensitive else _TYPES[f.type]
    return f.key, kind, dataclasses.field(default=default, metadata={"type": f.type})


def record_class(name: str, form: AppForm) -> type[Application]:
    """The frozen record class of one form, its fields in the schema's order."""
    if clash := {f.key for f in form.fields} & _BASE:
        raise DataFileError(
            f"applications.toml：{form.form} 的字段名与位置字段重名：{'、'.join(clash)}"
        )
    doc = f"{form.label}: one form's fields, as in applications.toml."
    cls = dataclasses.make_dataclass(
        name,
        [_field(f) for f in form.fields],
        bases=(Application,),
        frozen=True,
        namespace={"form": form.form, "__doc__": doc, "__module__": __name__},
    )
    return cls


_BASE = {f.name for f in dataclasses.fields(Application)}
_FORMS = default_app_forms()
DemoProjectApplication = record_class("DemoProjectApplication", _FORMS["A1"])  # 附件1
BaseApplication = record_class("BaseApplication", _FORMS["A2"])  # 附件2
ExpertRecommendation = record_class("ExpertRecommendation", _FORMS["A3"])  # 附件3
MODELS: dict[str, type[Application]] = {
    "A1": DemoProjectApplication,
    "A2": BaseApplication,
    "A3": ExpertRecommendation,
}


def check_models(forms: dict[str, AppForm]) -> None:
    """Raise DataFileError unless every form's field keys are exactly its record's attributes
    (forms loaded from another file than the one the records were made from)."""
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
        elif isinstance(v, str) and v and f.metadata.get("type") == "date":
            v = dt.date.fromisoformat(v)
        if v is not None or f.name not in _BASE:
            kw[f.name] = v
    return model(**kw)
