"""Attachments 1–3 (示范团项目申报表, 国家级专家服务基地申报表, 重点联系专家推荐表) from any grid.

Input is the grid abstraction (``SheetGrid``): sheets read by calamine, or Word tables turned into
rows of cell texts (``grids_from_rows``, ``grids_from_docx``). Each form found gives one typed record
(``appmodels``); identity and bank numbers are kept only as ``Secret`` (masked + salted hash).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from aggregator.privacy import Secret, compact, scrub
from aggregator.problems import Problem, error, warning
from aggregator.read.appmodels import MODELS, Application, check_models
from aggregator.read.grid import SheetGrid
from aggregator.read.labelform import (
    BOXES,
    Cells,
    Found,
    cell_text,
    checked,
    extract,
    list_rows,
    segments,
)
from aggregator.rulebook.appforms import AppField, AppForm, default_app_forms
from aggregator.rulebook.reference import Registry
from aggregator.textnorm import clean, norm

_DATE = re.compile(r"^(\d{4})(?:[年./-](\d{1,2})(?:[月./-](\d{1,2})日?)?月?)?年?$")
_INT = re.compile(r"^(\d+)")
_ID18 = re.compile(r"^\d{17}[\dX]$")
MISSING_COLUMN = "application-field-missing"
SHORT_ID = 6  # an identity-document number shorter than this is not one (a digit per box)
MIN_LABELS = 4  # labels of a form found near its anchor for it to count as that form


@dataclass
class ApplicationsRead:
    """What one file gave: one record per form found, and the problems (numbers masked)."""

    records: list[Application] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def grids_from_rows(
    tables: Sequence[Sequence[Sequence[object]]], prefix: str = "表"
) -> list[SheetGrid]:
    """One grid per table of cell texts (Word tables: ``表1``, ``表2`` …)."""
    return [
        SheetGrid(f"{prefix}{i}", True, [list(row) for row in table])
        for i, table in enumerate(tables, start=1)
    ]


def grids_from_docx(path: Path) -> list[SheetGrid]:
    """The tables of a .docx as grids (python-docx; a merged cell's text only in its first cell)."""
    docx = importlib.import_module("docx")
    document = docx.Document(str(path))
    tables = []
    for table in document.tables:
        rows: list[list[str]] = []
        for row in table.rows:
            texts: list[str] = []
            previous: object = None
            for cell in row.cells:  # a horizontally merged cell repeats: keep its first
                texts.append("" if cell._tc is previous else cell.text)
                previous = cell._tc
            rows.append(texts)
        tables.append(rows)
    return grids_from_rows(tables)


def recognise(grid: SheetGrid, forms: dict[str, AppForm]) -> list[tuple[AppForm, int, int]]:
    """Every form occurrence in a grid: (form, first row, stop row), top to bottom."""
    # A2 and A3 share labels (联系人, 手机 …) but not anchors: every form that has its anchor.
    return segments(Cells(grid), list(forms.values()))


def read_applications(
    grids: Sequence[SheetGrid],
    file: str,
    registry: Registry,
    salt: bytes,
    forms: dict[str, AppForm] | None = None,
) -> ApplicationsRead:
    """Every A1–A3 form in the grids of one file, with problems for missing mandatory fields.

    ``file`` is the label under the inbox (its folder and name may tell the city).
    """
    forms = forms or default_app_forms()
    check_models(forms)
    out = ApplicationsRead()
    for grid in grids:
        cells = Cells(grid)
        for form, start, stop in recognise(grid, forms):
            listed = _occurrences(cells, form, start, stop)
            if len(listed) > 1:
                out.problems.append(_list_note(form, grid.name, listed))
            for n, (values, anchor) in enumerate(listed):
                record, problems = _record(form, values, anchor, grid.name, file, registry, salt)
                out.records.append(record)  # a list's missing column is told once
                out.problems.extend(p for p in problems if not n or p.code != MISSING_COLUMN)
    out.problems = [_scrubbed(p) for p in out.problems]
    return out


def _occurrences(
    cells: Cells, form: AppForm, start: int, stop: int
) -> list[tuple[dict[str, Found], str]]:
    """The values of the form in rows [start, stop) and its anchor's cell: one form, or one a
    row of a list (名单), each row with the list's title-area values (填报市局 …); [] if the
    rows hold too few of its labels to be a form."""
    listed = list_rows(cells, form, start, stop)
    values, anchor = extract(cells, form, start, stop)
    if listed is None:
        return [(values, anchor)] if len(values) >= MIN_LABELS else []
    top = {f.key: values[f.key] for f in form.fields if f.preamble and f.key in values}
    return [({**top, **row}, cell) for row, cell in listed]


def _list_note(form: AppForm, sheet: str, listed: list[tuple[dict[str, Found], str]]) -> Problem:
    first, last = listed[0][1], listed[-1][1]
    each, total = (
        ("一名专家", f"{len(listed)} 名") if form.form == "A3" else ("一份", f"{len(listed)} 份")
    )
    return warning(
        "application-list",
        f"{first}–{last}：按名单读取，每行{each}，共 {total}（{form.label}）。请核对；正式材料仍请每人（每项）单独填表。",
        cell=first,
        sheet=sheet,
    )


def _scrubbed(p: Problem) -> Problem:
    return Problem(p.severity, p.code, scrub(p.message), p.file, p.sheet, p.cell, p.city, p.county)


def _record(
    form: AppForm,
    values: dict[str, Found],
    anchor: str,
    sheet: str,
    file: str,
    registry: Registry,
    salt: bytes,
) -> tuple[Application, list[Problem]]:
    where = {"file": file, "sheet": sheet}
    problems: list[Problem] = []
    kw: dict[str, Any] = {}
    for f in form.fields:
        hit = values.get(f.key)
        value, probs = convert(f, hit, form, salt)
        problems.extend(p.located(**where) for p in probs)
        if f.required and _blank(value):
            problems.append(_missing(form, f, hit, anchor, **where))
        if value is not None:
            kw[f.key] = value
    unit = kw.get("reporting_unit") or kw.get("region") or ""
    city = _city(registry, str(unit), file)
    if not city:
        problems.append(
            warning(
                "application-city-unknown",
                f"{anchor}：无法确定这份{form.label}属于哪个市（请填写“填报市局”或“申报地区”）。",
                cell=anchor,
                **where,
            )
        )
    model = MODELS[form.form]
    return model(file=file, sheet=sheet, cell=anchor, city=city, **kw), problems


def _blank(v: Any) -> bool:
    return v is None or v == "" or v == ()


def _missing(form: AppForm, f: AppField, hit: Found | None, anchor: str, **where: str) -> Problem:
    if hit is None:
        return error(
            MISSING_COLUMN,
            f"{anchor}：{form.label}中找不到“{f.label}”一栏。",
            cell=anchor,
            **where,
        )
    return error(
        "application-field-blank",
        f"{hit.cell}：{form.label}的“{f.label}”未填写（必填）。",
        cell=hit.cell,
        **where,
    )


def _city(registry: Registry, unit: str, file: str) -> str:
    """The city from the 填报市局/申报地区 text, else from the file name, else its folders."""
    for text in (unit, PurePath(file).name, *reversed(PurePath(file).parent.parts)):
        city = registry.city_of(text) if text else None
        if city is not None:
            return city.name
    return ""


def convert(
    f: AppField, hit: Found | None, form: AppForm, salt: bytes
) -> tuple[Any, list[Problem]]:
    """A field's typed value from what was found, and problems (never showing a number)."""
    if hit is None:
        return None, []
    raw = hit.raw
    text = cell_text(raw)
    if any(norm(text) == norm(p) for p in f.placeholders) or norm(text).startswith("示例"):
        text = ""
    if f.sensitive:
        return _secret(f, raw, text, hit, salt)
    if f.type == "checkbox" or f.type == "choice":
        ticks = checked(text, f.options)
        if ticks is None:
            ticks = tuple(o for o in f.options if norm(o.split("/")[-1]) == norm(text))
        return (ticks if f.type == "checkbox" else (ticks[0] if ticks else "")), []
    if f.type == "yesno":
        return _yesno(text), []
    if f.type == "int":
        return _int(f, raw, text, hit, form)
    if f.type == "date":
        return _date(f, raw, text, hit, form)
    if any(b in text for b in BOXES):  # a text field written as check boxes (■副高 □正高)
        return "、".join(checked(text, tuple(_words(text))) or ()), []
    return clean(text), []


def _words(text: str) -> list[str]:
    return [w for w in re.split(f"[{BOXES}\\s]+", norm(text)) if w]


def _yesno(text: str) -> bool | None:
    ticks = checked(text, ("是", "否", "有", "无"))
    if ticks is None:
        t = norm(text)
        return (
            True if t in ("是", "有", "√", "Y") else False if t in ("否", "无", "×", "N") else None
        )
    if any(t in ("是", "有") for t in ticks):
        return True
    return False if ticks else None


def _int(f: AppField, raw: Any, text: str, hit: Found, form: AppForm) -> tuple[Any, list[Problem]]:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        return int(raw), []
    m = _INT.match(norm(text))
    if m:
        return int(m.group(1)), []
    if not text:
        return None, []
    return None, [
        warning(
            "application-not-a-number",
            f"{hit.cell}：{form.label}的“{f.label}”应为整数，实为“{clean(text)[:40]}”。",
            cell=hit.cell,
        )
    ]


def _date(f: AppField, raw: Any, text: str, hit: Found, form: AppForm) -> tuple[Any, list[Problem]]:
    if isinstance(raw, dt.datetime):
        return raw.date(), []
    if isinstance(raw, dt.date):
        return raw, []
    m = _DATE.match(norm(text))
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)), []
        except ValueError:
            pass
    if not text:
        return None, []
    return None, [
        warning(
            "application-not-a-date",
            f"{hit.cell}：{form.label}的“{f.label}”不是日期：“{clean(text)[:40]}”。",
            cell=hit.cell,
        )
    ]


def _secret(
    f: AppField, raw: Any, text: str, hit: Found, salt: bytes
) -> tuple[Secret | None, list[Problem]]:
    problems: list[Problem] = []
    if isinstance(raw, float) and f.sensitive == "id" and raw >= 1e15:
        problems.append(
            warning(
                "application-number-as-number",
                f"{hit.cell}：“{f.label}”保存为数字，末几位可能已被 Excel 改为 0，请设为文本后重填。",
                cell=hit.cell,
            )
        )
    number = compact(text)
    if f.sensitive == "id" and 0 < len(number) < SHORT_ID:
        problems.append(
            warning(
                "application-id-short",
                f"{hit.cell}：“{f.label}”只有 {len(number)} 位，请把完整号码填在一个格子里（不要一格一位）。",
                cell=hit.cell,
            )
        )
    if f.sensitive == "id" and number and len(number) == 18 and not _id_ok(number):
        problems.append(
            warning(
                "application-id-checksum",
                f"{hit.cell}：“{f.label}”的校验位不符，请核对（号码不在此显示）。",
                cell=hit.cell,
            )
        )
    return Secret.of(text, salt), problems


def _id_ok(number: str) -> bool:
    """Whether an 18-character resident identity number's check character is right."""
    if not _ID18.match(number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch) * w for ch, w in zip(number, weights, strict=False))
    return "10X98765432"[total % 11] == number[-1]
