"""Annotated copies of returns: every problem cell coloured with a comment, plus a 问题清单 sheet.

The original is never opened for writing: we copy its bytes first (an .xls/.ods/.xlsb is
converted to .xlsx from the cells calamine reads), then edit the copy with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl
import python_calamine as pc
from openpyxl.comments import Comment

from aggregator.privacy import mask, scrub
from aggregator.problems import SEVERITY_LABEL, Problem
from aggregator.read.returns import ReturnRead
from aggregator.read.sniff import WORD_KINDS
from aggregator.store.atomic import atomic_path
from aggregator.write.problemlist import (
    ATTACHED,
    ERROR_FILL,
    NOT_OPENED,
    NOT_READ,
    WARNING_FILL,
    ListHeading,
    add_problem_sheet,
    fit_data_sheet,
)
from aggregator.write.wordannotate import write_annotated_word


def safe_text(cell: Any, value: str) -> None:
    """Put text in an openpyxl cell as text, never as a formula (no formula injection)."""
    cell.value = value
    cell.data_type = "s"


def annotated_name(label: str) -> str:
    """Name of the annotated copy: the dropped file's own name (never a path from inside it)."""
    stem = PurePosixPath(label).name.rsplit(".", 1)[0] or "报表"
    stem = "".join(ch for ch in stem if ch not in '\\/:*?"<>|\x00').strip(". ") or "报表"
    return f"{stem}_问题标注.xlsx"


def _converted(path: Path) -> openpyxl.Workbook:
    """An .xls/.ods/.xlsb copy as an openpyxl workbook, from calamine's cell values."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    src = pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    try:
        for i, meta in enumerate(src.sheets_metadata):
            ws = wb.create_sheet(meta.name[:31] or f"Sheet{i + 1}")
            for r, row in enumerate(
                src.get_sheet_by_index(i).to_python(skip_empty_area=False), start=1
            ):
                for c, v in enumerate(row, start=1):
                    if v in ("", None):
                        continue
                    cell = ws.cell(r, c)
                    if isinstance(v, str):
                        safe_text(cell, v)
                    else:
                        cell.value = v
    finally:
        src.close()
    return wb


def _open_copy(copy: Path, result: ReturnRead) -> openpyxl.Workbook | None:
    """The copy as a workbook to mark; None for a rejected file (never opened again: it may
    be what the reader refused, a PDF, an oversized or damaged file) or one that will not open."""
    if result.rejected or result.kind not in ("xls", "ods", "xlsb", "xlsx", "xlsm"):
        return None
    if result.kind in ("xlsx", "xlsm"):
        try:
            return openpyxl.load_workbook(copy, keep_vba=False)
        except Exception:
            pass
    try:
        return _converted(copy)
    except Exception:
        return None


def write_annotated(
    path: Path, result: ReturnRead, out_dir: Path, *, resend_by: dt.date | None = None
) -> Path | None:
    """Write the annotated copy of one return into ``out_dir``; None if it has no problems.
    ``resend_by`` goes into the instruction at the top (修改后于X月X日前重新报送)."""
    if not result.problems:
        return None
    # messages quote what was typed: no identity or bank number in full, even there
    masked = [replace(p, message=scrub(p.message)) for p in result.problems]
    result = replace(result, problems=masked)
    if result.kind in WORD_KINDS and not result.rejected:  # Word: comments in a .docx copy
        word = write_annotated_word(path, result, out_dir, resend_by=resend_by)
        if word is not None:
            return word
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / annotated_name(result.file)
    with tempfile.TemporaryDirectory() as tmpd:
        copy = Path(tmpd) / "copy.xlsx"
        shutil.copyfile(path, copy)
        wb = _open_copy(copy, result)
        note = ATTACHED if wb is not None else NOT_READ if result.rejected else NOT_OPENED
        if wb is None:
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
        _scrub_workbook(wb)
        for p in result.problems:
            _mark(wb, p)
        for ws in wb.worksheets:
            fit_data_sheet(ws)
        head = ListHeading(
            result.file, result.city or "", result.period, result.form, resend_by, note
        )
        add_problem_sheet(wb, head, result.problems)
        with atomic_path(target) as tmp:
            wb.save(tmp)
    return target


def _scrub_workbook(wb: openpyxl.Workbook) -> None:
    """No identity or bank number in full in the copy (Attachments 1–3 hold them): text cells
    are scrubbed, and a long whole number typed as a number is shown masked."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and cell.data_type == "s":
                    clean = scrub(v)
                    if clean != v:
                        safe_text(cell, clean)
                elif isinstance(v, int | float) and not isinstance(v, bool) and abs(v) >= 1e11:
                    safe_text(cell, mask(f"{v:.0f}"))


def _mark(wb: openpyxl.Workbook, p: Problem) -> None:
    if not p.sheet or not p.cell or p.sheet not in wb.sheetnames:
        return
    ws = wb[p.sheet]
    try:
        cell = ws[p.cell]
    except (ValueError, KeyError, IndexError):
        return
    if not hasattr(cell, "column"):
        return
    if type(cell).__name__ == "MergedCell":
        return
    fill = ERROR_FILL if p.severity == "error" else WARNING_FILL
    if cell.fill is None or cell.fill.fgColor.rgb != "00" + ERROR_FILL.fgColor.rgb[2:]:
        cell.fill = fill
    text = f"{SEVERITY_LABEL[p.severity]}：{p.message}"
    if cell.comment is not None:
        text = cell.comment.text + "\n" + text
    cell.comment = Comment(text[:2000], "汇总工具", width=300, height=120)
