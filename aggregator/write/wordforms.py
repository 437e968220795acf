"""Word versions of the Attachment 4 and 5 forms, built with python-docx.

:func:`write_word_templates` writes each city's blank forms (read back exactly by the reader);
the building blocks (:func:`new_document`, :func:`add_form_table`, …) also serve the samples.
"""

from __future__ import annotations

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
from aggregator.store.atomic import atomic_path

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
    for j, h in enumerate(headers):
        if two_row_keep is None:
            set_cell(table.cell(0, j), h)
        elif j in two_row_keep:
            merged = table.cell(0, j).merge(table.cell(1, j))
            set_cell(merged, h.replace("\n", ""))
        else:
            text = h.replace("\n", "")
            cut = max(2, len(text) // 2)
            set_cell(table.cell(0, j), text[:cut])
            set_cell(table.cell(1, j), text[cut:])
    for r in range(height):
        repeat_header(table.rows[r])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v:
                set_cell(table.cell(height + i, j), v)
    return table


def word_template_name(policy: Policy, form: FormSchema, city: str) -> str:
    """File name of a city's blank Word form (the Excel name with .docx)."""
    return f"{policy.year}年{form.file_stem}_{city}.docx"


def write_word_templates(
    policy: Policy, registry: Registry, schemas: dict[str, FormSchema], out: Path
) -> list[Path]:
    """Write the Word Attachment 4 and 5 forms of every city into ``out``; return their paths."""
    from aggregator.write.templates import sender_label

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for city in registry.cities:
        counties = [c.name for c in registry.counties_of(city.name)]
        for form in ("A4", "A5"):
            schema = schemas[form]
            doc = new_document()
            add_title(doc, policy.titles[form])
            headers = [c.header for c in schema.columns]
            if form == "A5":
                add_line(
                    doc, f"填报市局（盖章）：{sender_label(city.name)}", "报送期次：", "填报日期："
                )
                rows = [_a5_row(schema, i, c) for i, c in enumerate(counties)]
            else:
                add_line(doc, f"填报市局（盖章）：{sender_label(city.name)}", "填报日期：")
                rows = [[str(i + 1)] + [""] * (len(headers) - 1) for i in range(PLAN_ROWS_WORD)]
            add_form_table(doc, headers, rows)
            add_line(doc, "填报人及联系电话：")
            add_line(doc, _note(policy, form))
            path = out / word_template_name(policy, schema, city.name)
            with atomic_path(path) as tmp:
                doc.save(str(tmp))
            written.append(path)
    return written


def _a5_row(schema: FormSchema, i: int, county: str) -> list[str]:
    return [
        str(i + 1) if c.key == "seq" else county if c.key == "area" else "" for c in schema.columns
    ]


def _note(policy: Policy, form: str) -> str:
    d = policy.deadlines
    if form == "A5":
        return (
            f"注：期次请写“{policy.year}年上半年”或“{policy.year}年度”；此表每年{d['H1'].month}月{d['H1'].day}日、"
            f"{d['FY'].month}月{d['FY'].day}日前报送（数据为累计数）。未开展的项目请填0，不要留空。行数不够可在表格中插入行。"
        )
    return (
        f"注：请于{d['plan'].month}月{d['plan'].day}日前报送。拟举办日期请写具体日期（如{policy.year}年5月12日），"
        "是否示范团活动填“是”或“否”。行数不够可在表格中插入行，多余的空行可保留。"
    )
