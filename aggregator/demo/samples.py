"""Return workbooks written the ways real offices make them (for the demo, tests and bench).

One content (a :class:`A5Sample` or :class:`A4Sample`) can be written in several styles:
``xlsxwriter`` (the issued template), ``openpyxl`` (two-row merged header, label and value in
separate cells, formulas without cached values, text numbers), ``pandas`` (a bare table, columns
reordered, an extra column) and ``xls`` (old Excel via xlwt, notes below the table).
A sub-total row (``其中：山区26县``) may stand among an A5 sample's rows: the 合计 written leaves
it out (the styles writing a SUM formula, xlsxwriter and openpyxl, sum every row above).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.cells import col_letter
from aggregator.read.values import parse_count
from aggregator.rulebook.schema import FormSchema, default_schemas
from aggregator.rulebook.words import default_words
from aggregator.vocab import Form

STYLES = ("xlsxwriter", "openpyxl", "pandas", "xls")
WORD_STYLES = ("plain", "merged", "pages", "split")  # Word documents: see demo/wordsamples.py


@dataclass
class A5Sample:
    """Content of one Attachment 5 return. ``rows`` values are what the cell holds (int or text)."""

    sender: str
    title: str
    rows: list[tuple[str, dict[str, Any]]]
    total: dict[str, Any] | None = None  # None: a correct 合计 row is written (or a SUM formula)
    filled: dt.date | None = None
    contact: str = ""
    remarks: dict[str, str] = field(default_factory=dict)
    with_total: bool = True


@dataclass
class A4Sample:
    """Content of one Attachment 4 return: one dict per activity, keyed by schema keys."""

    sender: str
    title: str
    rows: list[dict[str, Any]]
    filled: dt.date | None = None
    contact: str = ""
    county_column: bool = True


def _a5_total(sample: A5Sample, metrics: list[str]) -> dict[str, Any]:
    """The correct 合计 of the county rows (sub-total rows such as ``其中：山区26县`` left out)."""
    if sample.total is not None:
        return sample.total
    words = default_words()
    out: dict[str, Any] = {}
    for k in metrics:
        s = 0
        for area, vals in sample.rows:
            if words.sum_kind(area) is None:
                s += parse_count(vals.get(k)).value or 0
        out[k] = s
    return out


def write_a5(path: Path, sample: A5Sample, style: str, schema: FormSchema | None = None) -> Path:
    """Write an Attachment 5 return in one of :data:`STYLES` (or a Word style, as .docx)."""
    return _write(Form.RESULTS, path, sample, style, schema)


def write_a4(path: Path, sample: A4Sample, style: str, schema: FormSchema | None = None) -> Path:
    """Write an Attachment 4 return in one of :data:`STYLES` (or a Word style, as .docx)."""
    return _write(Form.PLAN, path, sample, style, schema)


def _write(form: Form, path: Path, sample: Any, style: str, schema: FormSchema | None) -> Path:
    schema = schema or default_schemas()[form]
    if style in WORD_STYLES:
        from aggregator.demo import wordsamples

        docx = wordsamples.write_a4_docx if form == Form.PLAN else wordsamples.write_a5_docx
        return docx(path, sample, style, schema)
    return _WRITERS[form][style](path, sample, schema)


# -- Attachment 5 ---------------------------------------------------------------------------
def _a5_xlsxwriter(path: Path, s: A5Sample, schema: FormSchema) -> Path:
    import xlsxwriter

    cols = list(schema.columns)
    metrics = [c.key for c in schema.metrics]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    wrap = wb.add_format({"text_wrap": True, "border": 1})
    ws.merge_range(0, 0, 0, len(cols) - 1, s.title)
    ws.write(1, 0, f"填报市局（盖章）：{s.sender}")
    if s.filled:
        ws.write(1, 10, f"填报日期：{s.filled.year}年{s.filled.month}月{s.filled.day}日")
    for j, c in enumerate(cols):
        ws.write_string(2, j, c.header, wrap)
    r = 3
    for i, (area, vals) in enumerate(s.rows):
        for j, c in enumerate(cols):
            v = (
                i + 1
                if c.key == "seq"
                else area
                if c.key == "area"
                else s.remarks.get(area, "")
                if c.key == "remarks"
                else vals.get(c.key)
            )
            if v is None or v == "":
                continue
            ws.write(r, j, v) if not isinstance(v, str) else ws.write_string(r, j, v)
        r += 1
    if s.with_total:
        tot = _a5_total(s, metrics)
        ws.write_string(r, 1, "合计")
        for j, c in enumerate(cols):
            if c.metric:
                ws.write_formula(
                    r, j, f"=SUM({col_letter(j)}4:{col_letter(j)}{r})", None, tot.get(c.key, 0)
                )
        r += 1
    ws.write(r + 1, 0, f"填报人及联系电话：{s.contact}")
    wb.close()
    return path


def _a5_openpyxl(path: Path, s: A5Sample, schema: FormSchema) -> Path:
    cols = list(schema.columns)
    wb, ws = _openpyxl_form("成果汇总", s.title, len(cols), s.sender, 3)
    if s.filled:
        ws.cell(2, 10, "填报日期：")
        ws.cell(2, 11, dt.datetime(s.filled.year, s.filled.month, s.filled.day))
    # two-row header: short labels split over two rows; 序号 and area merged vertically
    for j, c in enumerate(cols, start=1):
        text = c.header.replace("\n", "")
        if c.key in ("seq", "area", "remarks"):
            ws.cell(3, j, text)
            ws.merge_cells(start_row=3, start_column=j, end_row=4, end_column=j)
        else:
            cut = max(2, len(text) // 2)
            ws.cell(3, j, text[:cut])
            ws.cell(4, j, text[cut:])
    r = 5
    for i, (area, vals) in enumerate(s.rows):
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, area)
        for j, c in enumerate(cols, start=1):
            if c.metric and vals.get(c.key) not in (None, ""):
                ws.cell(r, j, vals[c.key])
            if c.key == "remarks" and area in s.remarks:
                ws.cell(r, j, s.remarks[area])
        r += 1
    if s.with_total:
        ws.cell(r, 2, "合计")
        for j, c in enumerate(cols, start=1):
            if c.metric:
                if s.total is None:
                    ws.cell(r, j, f"=SUM({col_letter(j - 1)}5:{col_letter(j - 1)}{r - 1})")
                else:
                    ws.cell(r, j, s.total.get(c.key))
        r += 1
    ws.cell(r + 1, 1, f"填报人及联系电话：{s.contact}")
    wb.save(path)
    return path


def _a5_pandas(path: Path, s: A5Sample, schema: FormSchema) -> Path:
    import pandas as pd

    cols = [c for c in schema.columns if c.key != "seq"]
    records = []
    for area, vals in s.rows:
        rec = {
            c.label: (
                area
                if c.key == "area"
                else s.remarks.get(area, "")
                if c.key == "remarks"
                else vals.get(c.key)
            )
            for c in cols
        }
        rec["填表说明"] = ""
        records.append(rec)
    if s.with_total:
        tot = _a5_total(s, [c.key for c in schema.metrics])
        rec = {
            c.label: ("合计" if c.key == "area" else tot.get(c.key) if c.metric else "")
            for c in cols
        }
        rec["填表说明"] = ""
        records.append(rec)
    df = pd.DataFrame(records)
    order = [df.columns[0], *reversed(list(df.columns[1:4])), *df.columns[4:]]  # reordered columns
    df = df[order]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="数据", index=False, startrow=2)
        ws = xw.sheets["数据"]
        ws.cell(1, 1, s.title)
        ws.cell(2, 1, f"填报单位：{s.sender}")
    return path


def _a5_xls(path: Path, s: A5Sample, schema: FormSchema) -> Path:
    xlwt = _xlwt()

    cols = list(schema.columns)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    ws.write_merge(0, 0, 0, len(cols) - 1, s.title)
    ws.write(1, 0, f"填报市局（盖章）： {s.sender}")
    if s.filled:
        ws.write(1, 11, "填报日期：")
        ws.write(1, 12, s.filled.strftime("%Y.%m.%d"))
    for j, c in enumerate(cols):
        ws.write(2, j, c.header.replace("\n", " " if c.key == "seq" else "\n"))
    r = 3
    for i, (area, vals) in enumerate(s.rows):
        ws.write(r, 0, i + 1)
        ws.write(r, 1, area)
        for j, c in enumerate(cols):
            v = vals.get(c.key) if c.metric else s.remarks.get(area) if c.key == "remarks" else None
            if v not in (None, ""):
                ws.write(r, j, v)
        r += 1
    if s.with_total:
        tot = _a5_total(s, [c.key for c in schema.metrics])
        ws.write(r, 1, "合 计")
        for j, c in enumerate(cols):
            if c.metric:
                ws.write(r, j, tot.get(c.key))
        r += 1
    ws.write(r, 0, f"填报人及联系电话：{s.contact}")
    ws.write(r + 1, 0, "报送要求：此表上报时间为每年6月10日、12月10日前。")
    wb.save(str(path))
    return path


# -- Attachment 4 ---------------------------------------------------------------------------
def _a4_cols(schema: FormSchema, s: A4Sample) -> list[Any]:
    return [c for c in schema.columns if c.key != "county" or s.county_column]


def _a4_xlsxwriter(path: Path, s: A4Sample, schema: FormSchema) -> Path:
    import xlsxwriter

    cols = _a4_cols(schema, s)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("活动计划表")
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, len(cols) - 1, s.title)
    ws.write(1, 0, f"填报市局（盖章）：{s.sender}")
    if s.filled:
        ws.write(1, len(cols) - 2, "填报日期：")
        ws.write_datetime(
            1, len(cols) - 1, dt.datetime(s.filled.year, s.filled.month, s.filled.day), datef
        )
    for j, c in enumerate(cols):
        ws.write_string(2, j, c.header)
    for i, row in enumerate(s.rows):
        r = 3 + i
        for j, c in enumerate(cols):
            v = i + 1 if c.key == "seq" else row.get(c.key)
            if isinstance(v, dt.date):
                ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), datef)
            elif v not in (None, ""):
                ws.write_string(r, j, v) if isinstance(v, str) else ws.write(r, j, v)
    ws.write(4 + len(s.rows), 0, f"填报人及联系电话：{s.contact}")
    wb.close()
    return path


def _a4_openpyxl(path: Path, s: A4Sample, schema: FormSchema) -> Path:
    cols = _a4_cols(schema, s)
    wb, ws = _openpyxl_form("计划", s.title, len(cols), s.sender, 2)
    for j, c in enumerate(cols, start=1):
        ws.cell(3, j, "  " + c.header.replace("\n", "\n ") + " ")
    for i, row in enumerate(s.rows):
        for j, c in enumerate(cols, start=1):
            v = i + 1 if c.key == "seq" else row.get(c.key)
            if isinstance(v, dt.date):
                v = dt.datetime(v.year, v.month, v.day)
            if v not in (None, ""):
                ws.cell(4 + i, j, v)
    ws.cell(5 + len(s.rows), 1, f"填报人及联系电话：{s.contact}")
    wb.save(path)
    return path


def _a4_pandas(path: Path, s: A4Sample, schema: FormSchema) -> Path:
    import pandas as pd

    cols = [c for c in _a4_cols(schema, s) if c.key != "seq"]
    recs = [
        {c.label: (row.get(c.key) if row.get(c.key) is not None else "") for c in cols}
        for row in s.rows
    ]
    df = pd.DataFrame(recs, columns=[c.label for c in cols])
    df = df[[df.columns[1], df.columns[0], *df.columns[2:]]]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="Sheet1", index=False, startrow=1)
        xw.sheets["Sheet1"].cell(1, 1, f"{s.title}（{s.sender}）")
    return path


def _a4_xls(path: Path, s: A4Sample, schema: FormSchema) -> Path:
    xlwt = _xlwt()

    cols = _a4_cols(schema, s)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件4")
    datef = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(0, 0, s.title)
    for j, c in enumerate(cols):
        ws.write(1, j, c.header)
    for i, row in enumerate(s.rows):
        for j, c in enumerate(cols):
            v = i + 1 if c.key == "seq" else row.get(c.key)
            if isinstance(v, dt.date):
                ws.write(2 + i, j, dt.datetime(v.year, v.month, v.day), datef)
            elif v not in (None, ""):
                ws.write(2 + i, j, v)
    r = 3 + len(s.rows)
    ws.write(r, 0, f"填报市局（盖章）：{s.sender}")
    if s.filled:
        ws.write(r, 6, f"填报日期：{s.filled.isoformat()}")
    ws.write(r + 1, 0, f"填报人及联系电话：{s.contact}")
    wb.save(str(path))
    return path


def _openpyxl_form(
    sheet: str, title: str, width: int, sender: str, sender_col: int
) -> tuple[Any, Any]:
    """An openpyxl workbook and its one sheet: the title merged over the table's width, the
    填报市局 label and its value in separate cells (as offices draw it)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "填报市局（盖章）：")
    ws.cell(2, sender_col, sender)
    return wb, ws


def _xlwt() -> Any:
    """xlwt, an optional extra (``pip install aggregator[demo]``) only the sample writer needs."""
    try:
        import xlwt
    except ImportError:
        raise RuntimeError("示例的 .xls 报表需要 xlwt：pip install 'aggregator[demo]'") from None
    return xlwt


_WRITERS: dict[Form, dict[str, Callable[[Path, Any, FormSchema], Path]]] = {
    Form.RESULTS: {
        "xlsxwriter": _a5_xlsxwriter,
        "openpyxl": _a5_openpyxl,
        "pandas": _a5_pandas,
        "xls": _a5_xls,
    },
    Form.PLAN: {
        "xlsxwriter": _a4_xlsxwriter,
        "openpyxl": _a4_openpyxl,
        "pandas": _a4_pandas,
        "xls": _a4_xls,
    },
}
