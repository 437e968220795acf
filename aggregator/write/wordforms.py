"""Word versions of the Attachment 4 and 5 forms, built with python-docx.

:func:`write_word_templates` writes each city's blank forms (read back exactly by the reader);
the building blocks (:func:`new_document`, :func:`add_form_table`, …) also serve the samples.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from aggregator.rulebook.policy import Policy
from aggregator.rulebook.reference import Registry
from aggregator.rulebook.schema import FormSchema
from aggregator.vocab import Form
from aggregator.write.cityforms import month_day, sender_label, write_city_forms

PLAN_ROWS_WORD = 30


def new_document() -> Any:
    """A landscape A4 document with a CJK-friendly body font."""
    doc = docx.Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    sec.top_margin = sec.bottom_margin = Cm(1.5)  # a blank plan's 30 rows on one page
    sec.left_margin = sec.right_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), "仿宋")
    return doc


def add_title(doc: Any, text: str) -> None:
    """The form's title, centred and bold."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(16)


def add_line(doc: Any, *parts: str) -> None:
    """A 填报 line; several parts are separated by a tab (read back as separate cells)."""
    doc.add_paragraph("\t".join(parts))


def repeat_header(row: Any) -> None:
    """Mark a table row as a header row repeated at the top of every page."""
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def set_cell(cell: Any, text: str) -> None:
    """A cell's text; line breaks become separate paragraphs (as typed in Word)."""
    lines = text.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def add_form_table(
    doc: Any, headers: list[str], rows: list[list[str]], *, two_row_keep: set[int] | None = None
) -> Any:
    """A bordered table: header row(s) repeated on each page, then ``rows``.

    ``two_row_keep``: a two-row header where these columns are merged vertically and every
    other header is split over the two rows (as offices often draw it).
    """
    height = 2 if two_row_keep is not None else 1
    table = doc.add_table(rows=height + len(rows), cols=len(headers))
    table.style = "Table Grid"
    # cells are looked up a row at a time: table.cell() walks the whole table on every call
    if two_row_keep is None:
        for cell, h in zip(table.rows[0].cells, headers, strict=True):
            set_cell(cell, h)
    else:
        _two_row_header(table, headers, two_row_keep)
    for r in range(height):
        repeat_header(table.rows[r])
    for i, row in enumerate(rows):
        cells = table.rows[height + i].cells
        for j, v in enumerate(row):
            if v:
                set_cell(cells[j], v)
    return table


def _two_row_header(table: Any, headers: list[str], keep: set[int]) -> None:
    for j, h in enumerate(headers):
        text = h.replace("\n", "")
        if j in keep:
            set_cell(table.cell(0, j).merge(table.cell(1, j)), text)
        else:
            cut = max(2, len(text) // 2)
            set_cell(table.cell(0, j), text[:cut])
            set_cell(table.cell(1, j), text[cut:])


def write_word_templates(
    policy: Policy, registry: Registry, schemas: dict[str, FormSchema], out: Path
) -> list[Path]:
    """Write the Word Attachment 4 and 5 forms of every city into ``out``; return their paths."""
    return write_city_forms(
        policy, registry, schemas, out, ".docx", partial(_write_word_form, policy, registry)
    )


def _write_word_form(
    policy: Policy, registry: Registry, path: Path, form: Form, schema: FormSchema, city: str
) -> None:
    counties = [c.name for c in registry.counties_of(city)]
    doc = new_document()
    add_title(doc, policy.titles[form])
    headers = [c.header for c in schema.columns]
    if form == Form.RESULTS:
        add_line(doc, f"填报市局（盖章）：{sender_label(city)}", "报送期次：", "填报日期：")
        rows = [_a5_row(schema, i, c) for i, c in enumerate(counties)]
    else:
        add_line(doc, f"填报市局（盖章）：{sender_label(city)}", "填报日期：")
        rows = [[str(i + 1)] + [""] * (len(headers) - 1) for i in range(PLAN_ROWS_WORD)]
    add_form_table(doc, headers, rows)
    add_line(doc, "填报人及联系电话：")
    add_line(doc, _note(policy, form))
    doc.save(str(path))


def _a5_row(schema: FormSchema, i: int, county: str) -> list[str]:
    return [
        str(i + 1) if c.key == "seq" else county if c.key == "area" else "" for c in schema.columns
    ]


def _note(policy: Policy, form: str) -> str:
    d = policy.deadlines
    if form == Form.RESULTS:
        half, whole = policy.periods()
        return (
            f"注：期次请写“{half.label}”或“{whole.label}”；此表每年{month_day(d['H1'])}、"
            f"{month_day(d['FY'])}前报送（数据为累计数）。未开展的项目请填0，不要留空。行数不够可在表格中插入行。"
        )
    return (
        f"注：请于{month_day(d['plan'])}前报送。拟举办日期请写具体日期（如{policy.year}年5月12日），"
        "是否示范团活动填“是”或“否”。行数不够可在表格中插入行，多余的空行可保留。"
    )
