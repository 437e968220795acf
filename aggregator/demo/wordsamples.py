"""Word returns written the ways offices make them, from the same contents as the Excel samples.

Styles: ``plain`` (title and 填报 lines as paragraphs, one header row), ``merged`` (a header over
two rows with merged cells, multi-paragraph cells, the 填报人 line as a merged last row),
``pages`` (the header repeated inside the table, as when a long table is continued by hand) and
``split`` (the table split into two tables with a 续表 line between).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from aggregator.demo.samples import WORD_STYLES, A4Sample, A5Sample, _a5_total
from aggregator.rulebook.schema import FormSchema, default_schemas
from aggregator.vocab import Form
from aggregator.write.wordforms import add_form_table, add_line, add_title, new_document, set_cell

__all__ = ["WORD_STYLES", "write_a4_docx", "write_a5_docx"]


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return f"{v.year}年{v.month}月{v.day}日"
    return str(v)


def _a5_rows(s: A5Sample, schema: FormSchema) -> list[list[str]]:
    rows = []
    for i, (area, vals) in enumerate(s.rows):
        rows.append(
            [
                str(i + 1)
                if c.key == "seq"
                else area
                if c.key == "area"
                else s.remarks.get(area, "")
                if c.key == "remarks"
                else _text(vals.get(c.key))
                for c in schema.columns
            ]
        )
    if s.with_total:
        tot = _a5_total(s, [c.key for c in schema.metrics])
        rows.append(
            [
                "合计" if c.key == "area" else _text(tot.get(c.key)) if c.metric else ""
                for c in schema.columns
            ]
        )
    return rows


def _a4_rows(s: A4Sample, schema: FormSchema) -> list[list[str]]:
    cols = [c for c in schema.columns if c.key != "county" or s.county_column]
    return [
        [str(i + 1) if c.key == "seq" else _text(row.get(c.key)) for c in cols]
        for i, row in enumerate(s.rows)
    ]


def write_a5_docx(
    path: Path, sample: A5Sample, style: str, schema: FormSchema | None = None
) -> Path:
    """Write an Attachment 5 return as a Word document in one of :data:`WORD_STYLES`."""
    schema = schema or default_schemas()[Form.RESULTS]
    headers = [c.header for c in schema.columns]
    keep = {j for j, c in enumerate(schema.columns) if c.key in ("seq", "area", "remarks")}
    filled = f"填报日期：{_text(sample.filled)}" if sample.filled else "填报日期："
    top = [f"填报市局（盖章）：{sample.sender}", filled]
    _write(path, sample.title, top, headers, _a5_rows(sample, schema), sample.contact, style, keep)
    return path


def write_a4_docx(
    path: Path, sample: A4Sample, style: str, schema: FormSchema | None = None
) -> Path:
    """Write an Attachment 4 return as a Word document in one of :data:`WORD_STYLES`."""
    schema = schema or default_schemas()[Form.PLAN]
    cols = [c for c in schema.columns if c.key != "county" or sample.county_column]
    headers = [c.header for c in cols]
    keep = {j for j, c in enumerate(cols) if c.key in ("seq", "county", "activity_name")}
    filled = f"填报日期：{_text(sample.filled)}" if sample.filled else "填报日期："
    top = [f"填报市局（盖章）：{sample.sender}", filled]
    _write(path, sample.title, top, headers, _a4_rows(sample, schema), sample.contact, style, keep)
    return path


def _write(
    path: Path,
    title: str,
    top: list[str],
    headers: list[str],
    rows: list[list[str]],
    contact: str,
    style: str,
    keep: set[int],
) -> None:
    doc = new_document()
    doc.add_paragraph("附件")
    add_title(doc, title)
    if style == "merged":
        doc.add_paragraph(top[0])
        doc.add_paragraph(top[1])
    else:
        add_line(doc, *top)
    half = max(1, len(rows) // 2)
    if style == "split":
        add_form_table(doc, headers, rows[:half])
        doc.add_paragraph("续表")
        add_form_table(doc, headers, rows[half:])
    elif style == "pages":
        add_form_table(doc, headers, [*rows[:half], headers, *rows[half:]])
    elif style == "merged":
        table = add_form_table(doc, headers, rows, two_row_keep=keep)
        last = table.add_row()
        merged = last.cells[0].merge(last.cells[len(headers) - 1])
        set_cell(merged, f"填报人及联系电话：{contact}")
    else:
        add_form_table(doc, headers, rows)
    # Word always ends a table with a paragraph (LibreOffice drops a table without one)
    add_line(doc, "" if style == "merged" else f"填报人及联系电话：{contact}")
    doc.save(str(path))
