"""Form schemas for Attachments 4 and 5, defined once in workbooks/schemas/forms.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.textnorm import norm
from aggregator.vocab import Form

TYPES = ("int", "text", "count", "period", "flag", "county", "area")
FORMS = (Form.PLAN, Form.RESULTS)


@dataclass(frozen=True)
class Column:
    """One column of a form."""

    key: str
    header: str
    variants: tuple[str, ...]
    type: str
    required: bool = False
    metric: bool = False
    template_only: bool = False
    width: float = 12

    @property
    def label(self) -> str:
        """The header on one line (for messages and reports)."""
        return self.header.replace("\n", "")

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Normalised header and variants, for matching what returns print (computed once)."""
        return tuple(dict.fromkeys(norm(n) for n in (self.header, *self.variants)))


@dataclass(frozen=True)
class FormSchema:
    """One form: its columns in printed order."""

    form: str
    name: str
    long_name: str
    title_keywords: tuple[str, ...]
    file_stem: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        """The column of a key."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @cached_property
    def metrics(self) -> tuple[Column, ...]:
        """The metric columns (Attachment 5), in form order."""
        return tuple(c for c in self.columns if c.metric)


def load_schemas(path: Path | None = None) -> dict[str, FormSchema]:
    """Load and validate forms.toml."""
    path = path or data_dir("schemas") / "forms.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"无法读取表单定义 {path}：{e}") from None
    out: dict[str, FormSchema] = {}
    for form in FORMS:
        if form not in data:
            raise DataFileError(f"{path.name}：缺少表单 {form}")
        d = data[form]
        for k in ("name", "long_name", "file_stem"):
            if k not in d:
                raise DataFileError(f"{path.name}：表单 {form} 缺少“{k}”")
        cols: list[Column] = []
        for i, c in enumerate(d.get("columns", []), start=1):
            for k in ("key", "header", "type"):
                if k not in c:
                    raise DataFileError(f"{path.name}：{form} 第{i}列缺少“{k}”")
            if c["type"] not in TYPES:
                raise DataFileError(f"{path.name}：{form}.{c['key']} 的类型“{c['type']}”未知")
            cols.append(
                Column(
                    key=c["key"],
                    header=c["header"],
                    variants=tuple(c.get("variants", ())),
                    type=c["type"],
                    required=bool(c.get("required", False)),
                    metric=bool(c.get("metric", False)),
                    template_only=bool(c.get("template_only", False)),
                    width=float(c.get("width", 12)),
                )
            )
        keys = [c.key for c in cols]
        if len(set(keys)) != len(keys):
            raise DataFileError(f"{path.name}：{form} 的列 key 重复")
        out[form] = FormSchema(
            form,
            d["name"],
            d["long_name"],
            tuple(d.get("title_keywords", ())),
            d["file_stem"],
            tuple(cols),
        )
    return out


@lru_cache(maxsize=1)
def default_schemas() -> dict[str, FormSchema]:
    """The project's form schemas (loaded once)."""
    return load_schemas()


def form_label(form: str | None, *, short: bool = False) -> str:
    """How people see a form: 附件5 成果汇总表 (or just 附件5), from the schema (Attachments
    1–3 from applications.toml)."""
    from aggregator.rulebook.appforms import default_app_forms

    schema: Any = default_schemas().get(form or "") or default_app_forms().get(form or "")
    if schema is None:
        return "" if short else "未识别"
    return str(schema.name) if short else f"{schema.name} {schema.long_name}"


def metric_keys() -> list[str]:
    """The eleven metric keys in form order: the project's public vocabulary."""
    return [c.key for c in default_schemas()[Form.RESULTS].metrics]
