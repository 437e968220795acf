"""Annotated copies of returns: every problem cell coloured with a comment, plus a 问题清单 sheet.
Identity and bank numbers in the copy are masked (last four characters kept).

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
from openpyxl.worksheet.worksheet import Worksheet

from aggregator.privacy import mask, scrub
from aggregator.problems import SEVERITY_LABEL, Problem
from aggregator.read.returns import ReturnRead
from aggregator.read.sniff import WORD_KINDS
from aggregator.store.atomic import atomic_path
from aggregator.store.names import display_label
from aggregator.write.problemlist import (
    ATTACHED,
    ERROR_FILL,
    NOT_A_RETURN,
    NOT_OPENED,
    NOT_READ,
    WARNING_FILL,
    ListHeading,
    add_problem_sheet,
    fit_data_sheet,
    sheet_title,
)


def safe_text(cell: Any, value: str) -> None:
    """Put text in an openpyxl cell as text, never as a formula (no formula injection)."""
    cell.value = value
    cell.data_type = "s"


def annotated_name(label: str) -> str:
    """Name of the annotated copy: the dropped file's own name (never a path from inside it)."""
    stem = PurePosixPath(label).name.rsplit(".", 1)[0] or "报表"
    stem = "".join(ch for ch in stem if ch not in '\\/:*?"<>|\x00').strip(". ") or "报表"
    return f"{stem}_问题标注.xlsx"


def distinct_labels(paths: list[Path]) -> list[str]:
    """Names for the annotated copies of ``paths``: the file name, with as many of its folders
    in front (joined by ``_``) as it takes for no two copies to share a name."""
    parts = [display_label(p.absolute()).strip("/").split("/") for p in paths]
    depth = [1] * len(paths)

    def name(i: int) -> str:
        return "_".join(parts[i][-depth[i] :])

    for _ in range(max((len(x) for x in parts), default=0)):
        seen: dict[str, list[int]] = {}
        for i in range(len(paths)):
            seen.setdefault(annotated_name(name(i)), []).append(i)
        clashes = [i for group in seen.values() if len(group) > 1 for i in group]
        if not clashes:
            break
        for i in clashes:
            depth[i] = min(depth[i] + 1, len(parts[i]))
    out = [name(i) for i in range(len(paths))]
    counts: dict[str, int] = {}
    for i, label in enumerate(out):  # the very same file given twice
        key = annotated_name(label)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            stem, dot, ext = label.rpartition(".")
            out[i] = f"{stem}_{counts[key]}{dot}{ext}" if dot else f"{label}_{counts[key]}"
    return out


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


def opened_as_spreadsheet(result: ReturnRead) -> bool:
    """Whether the file opened as a spreadsheet: accepted, or refused for what it holds (no
    form found, no city, no rows) rather than for the file itself (the ``file-*`` refusals:
    wrong kind, encrypted, damaged, too large, a reader that died) — only those are safe and
    worth copying."""
    return not any(p.code.startswith("file-") for p in result.errors)


def _open_copy(copy: Path, result: ReturnRead) -> openpyxl.Workbook | None:
    """The copy as a workbook to mark; None for a file refused as a file (never opened again:
    it may be a PDF, an oversized or damaged file) or one that will not open."""
    if not opened_as_spreadsheet(result) or result.kind not in (
        "xls",
        "ods",
        "xlsb",
        "xlsx",
        "xlsm",
    ):
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


def _note(copied: bool, rejected: bool) -> str:
    """What the list says about the copy: the marked original, the original for reference
    (a file that opened but is not a return), or no copy at all."""
    if copied:
        return NOT_A_RETURN if rejected else ATTACHED
    return NOT_READ if rejected else NOT_OPENED


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
        from aggregator.write.wordannotate import write_annotated_word  # python-docx: only here

        word = write_annotated_word(path, result, out_dir, resend_by=resend_by)
        if word is not None:
            return word
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / annotated_name(result.file)
    with tempfile.TemporaryDirectory() as tmpd:
        copy = Path(tmpd) / "copy.xlsx"
        shutil.copyfile(path, copy)
        wb = _open_copy(copy, result)
        note = _note(wb is not None, result.rejected)
        if wb is None:
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
        scrub_cells(wb)
        for p in result.problems:
            _mark(wb, p)
        for ws in wb.worksheets:
            fit_data_sheet(ws)
            ws.title = sheet_title(ws.title)  # marked under the original names, then masked
        head = ListHeading(
            result.file, result.city or "", result.period, result.form, resend_by, note
        )
        add_problem_sheet(wb, head, result.problems)
        with atomic_path(target) as tmp:
            wb.save(tmp)
    return target


def scrub_cells(wb: openpyxl.Workbook) -> None:
    """Mask every identity- or bank-number-like value of the copy: text cells and comments are
    scrubbed, a long whole number typed as a number is shown masked."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and cell.data_type == "s":  # formulas stay formulas
                    masked = scrub(v)
                    if masked != v:
                        safe_text(cell, masked)
                elif isinstance(v, int | float) and not isinstance(v, bool) and abs(v) >= 1e11:
                    safe_text(cell, mask(str(int(v))))
                if cell.comment is not None and scrub(cell.comment.text) != cell.comment.text:
                    cell.comment = Comment(scrub(cell.comment.text), cell.comment.author or "")
        _scrub_page_texts(ws)
    props = wb.properties
    for name in _PROPERTY_FIELDS:
        value = getattr(props, name, None)
        if isinstance(value, str):
            setattr(props, name, scrub(value))


_PROPERTY_FIELDS = ("title", "subject", "creator", "keywords", "description", "lastModifiedBy")
_PAGE_TEXTS = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")


def _scrub_page_texts(ws: Worksheet) -> None:
    """Mask numbers in the printed page headers and footers (every variant and part)."""
    for name in _PAGE_TEXTS:
        block = getattr(ws, name, None)
        for part in (
            getattr(block, "left", None),
            getattr(block, "center", None),
            getattr(block, "right", None),
        ):
            if part is not None and isinstance(part.text, str):
                part.text = scrub(part.text)


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
