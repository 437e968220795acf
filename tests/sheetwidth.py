"""Does every cell's text fit its column? An estimate a user would make by eye, without
LibreOffice: a CJK character is two units wide, anything else one, against the column width
in character units (the merged range's width for a merged cell). Wrapped text fits when its
row (the merged rows) is tall enough for the lines it needs."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

DEFAULT_WIDTH = 8.43
DEFAULT_HEIGHT = 15.0


def display_width(s: str) -> float:
    """CJK (and full-width) characters two units, others one."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in s)


def _shown(cell: Any) -> str | None:
    """The text a cell shows (numbers as formatted, roughly); None for a formula or nothing."""
    v = cell.value
    if v is None or cell.data_type == "f" or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, dt.datetime | dt.date):
        fmt = str(cell.number_format)
        return (
            "2023-12-31 23:59" if "h" in fmt else "2023年12月31日" if "年" in fmt else "2023-12-31"
        )
    if isinstance(v, bool):
        return "TRUE"
    if isinstance(v, int | float):
        fmt = str(cell.number_format)
        text = f"{v:,.0f}" if "," in fmt else f"{v:g}"
        return text + ("※" if "※" in fmt else "")
    return str(v)


def _col_widths(ws: Worksheet) -> dict[int, float]:
    """Each column's width (a <col> element may cover a range of columns)."""
    out: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        first = dim.min or openpyxl.utils.column_index_from_string(key)
        last = dim.max or first
        for c in range(first, last + 1):
            out[c] = 0.0 if dim.hidden else float(dim.width or DEFAULT_WIDTH)
    return out


def _row_height(ws: Worksheet, row: int) -> float:
    dim = ws.row_dimensions.get(row)
    if dim is None or dim.height is None:
        return ws.sheet_format.defaultRowHeight or DEFAULT_HEIGHT
    return 0.0 if dim.hidden else float(dim.height)


def _spans(ws: Worksheet) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    return {
        (m.min_row, m.min_col): (m.min_row, m.min_col, m.max_row, m.max_col)
        for m in ws.merged_cells.ranges
    }


def overflowing(path: Path) -> list[str]:
    """Every cell of the workbook whose text does not fit: ``sheet!A1 width need/have``."""
    wb = openpyxl.load_workbook(path)
    out: list[str] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        spans = _spans(ws)
        widths = _col_widths(ws)
        covered = {
            (r, c)
            for r0, c0, r1, c1 in spans.values()
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)
        }
        for row in ws.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered:
                    continue
                problem = _check(ws, cell, spans, widths)
                if problem:
                    out.append(f"{ws.title}!{cell.coordinate} {problem}")
    return out


def _spill(ws: Worksheet, cell: Any, widths: dict[int, float], default: float) -> float:
    """How far left-aligned text runs on over the empty cells to its right (as Excel and
    LibreOffice show it); a merged range or a filled cell stops it."""
    if cell.alignment and cell.alignment.horizontal not in (None, "general", "left"):
        return 0.0
    merged = {
        (m.min_row, c)
        for m in ws.merged_cells.ranges
        for c in range(m.min_col, m.max_col + 1)
        if m.min_row <= cell.row <= m.max_row
    }
    extra = 0.0
    for c in range(cell.column + 1, ws.max_column + 1):
        if (cell.row, c) in merged or ws.cell(cell.row, c).value not in (None, ""):
            break
        extra += widths.get(c, default)
    return extra


def _check(
    ws: Worksheet,
    cell: Any,
    spans: dict[tuple[int, int], tuple[int, int, int, int]],
    widths: dict[int, float],
) -> str:
    shown = _shown(cell)
    if shown is None:
        return ""
    r0, c0, r1, c1 = spans.get(
        (cell.row, cell.column), (cell.row, cell.column, cell.row, cell.column)
    )
    default = ws.sheet_format.defaultColWidth or DEFAULT_WIDTH
    width = sum(widths.get(c, default) for c in range(c0, c1 + 1))
    height = sum(_row_height(ws, r) for r in range(r0, r1 + 1))
    if width <= 0 or height <= 0:
        return ""
    size = float(cell.font.sz or 11) if cell.font else 11.0
    scale = size / 11.0
    parts = shown.split("\n")
    if cell.alignment and cell.alignment.shrink_to_fit:
        return ""  # shown smaller when it would not fit
    if not (cell.alignment and cell.alignment.wrap_text):
        if isinstance(cell.value, str) and (c0, c1) == (cell.column, cell.column):
            width += _spill(ws, cell, widths, default)
        need = max(display_width(p) for p in parts) * scale
        if need > width or len(parts) > 1 and len(parts) * size * 1.2 > height + 1:
            return f"不换行，需宽 {need:.0f}，列宽 {width:.0f}：{shown[:30]}"
        return ""
    usable = max(1.0, width - 1.0)
    lines = sum(math.ceil(max(1.0, display_width(p) * scale) / usable) for p in parts)
    if lines * size * 1.2 > height + 1:
        return f"换行 {lines} 行，需高 {lines * size * 1.2:.0f}，行高 {height:.0f}：{shown[:30]}"
    return ""
