"""Cells of every sheet, read with python-calamine; formulas without cached values evaluated."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from aggregator.cells import col_number
from aggregator.problems import Problem, error, warning
from aggregator.read.formulaeval import CELL_REF, evaluate
from aggregator.read.sealed import open_failure
from aggregator.read.sniff import Sniff


class UnreadableFile(Exception):
    """The spreadsheet library could not open the file; the message is for the sender."""


@dataclass
class SheetGrid:
    """One sheet's cells as a list of rows, addressed from A1."""

    name: str
    visible: bool
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def cell(self, r: int, c: int) -> Any:
        """Value at 0-based (row, col), ``""`` outside the sheet."""
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return ""


def read_grids(
    path: Path, sniffed: Sniff, label: str, data: bytes | None = None
) -> tuple[list[SheetGrid], list[Problem]]:
    """Every sheet of a spreadsheet file, with problems about formulas (``data``: the file's
    bytes when the caller has already read them)."""
    if data is None:
        data = path.read_bytes()
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableFile("文件已加密，请去除密码后重新报送。") from None
    except Exception as e:  # calamine raises several unrelated types for broken files
        raise UnreadableFile(open_failure(path, sniffed.kind, e)) from None
    grids: list[SheetGrid] = []
    problems: list[Problem] = []
    try:
        for i, meta in enumerate(wb.sheets_metadata):
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            visible = meta.visible == pc.SheetVisibleEnum.Visible
            try:
                sheet = wb.get_sheet_by_index(i)
                rows = sheet.to_python(skip_empty_area=False)
                merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
            except Exception as e:
                problems.append(
                    error(
                        "sheet-unreadable",
                        f"工作表“{meta.name}”无法读取（{_short(e)}）。",
                        file=label,
                        sheet=meta.name,
                    )
                )
                continue
            grid = SheetGrid(meta.name, visible, [list(r) for r in rows], merged)
            part = sniffed.sheet_paths.get(meta.name)
            if part and part in sniffed.formulas:
                problems.extend(_apply_formulas(grid, sniffed.formulas[part], label))
            grids.append(grid)
    finally:
        wb.close()
    return grids, problems


def _short(e: Exception) -> str:
    s = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return s[:120]


def _apply_formulas(
    grid: SheetGrid, formulas: list[tuple[str, str, bool]], label: str
) -> list[Problem]:
    """Use our own value for simple formulas (SUM, +) lacking a cached value or cached wrongly."""
    texts = {ref: text for ref, text, _ in formulas}
    cached = {ref: has for ref, _, has in formulas}
    problems: list[Problem] = []
    memo: dict[str, float | None] = {}
    for ref, text, has_value in formulas:
        value = evaluate(text, grid, texts, memo)
        at = _AT[ref] if ref in _AT else _cell_at(ref)
        if at is None:
            continue
        r, c = at
        current = grid.cell(r, c)
        if value is None:
            if not has_value and text:
                problems.append(
                    error(
                        "formula-no-value",
                        f"{ref}：公式“={text}”没有计算结果，工具也无法计算。请在 Excel 中打开并保存后重新报送，或直接填写数字。",
                        file=label,
                        sheet=grid.name,
                        cell=ref,
                    )
                )
            continue
        if not has_value or (
            isinstance(current, int | float) and abs(float(current) - value) > 1e-9 and cached[ref]
        ):
            if has_value:
                problems.append(
                    warning(
                        "formula-stale",
                        f"{ref}：公式“={text}”保存的结果 {current} 与重新计算的 {_fmt(value)} 不一致，已按 {_fmt(value)} 读取。",
                        file=label,
                        sheet=grid.name,
                        cell=ref,
                    )
                )
            _put(grid, r, c, value)
    return problems


_AT: dict[str, tuple[int, int] | None] = {}


def _cell_at(ref: str) -> tuple[int, int] | None:
    """0-based (row, column) of an A1 reference (``$`` allowed), None if it is not one;
    remembered (the formula cells of a template recur in every return)."""
    if ref in _AT:
        return _AT[ref]
    m = CELL_REF.match(ref)
    at = (int(m.group(2)) - 1, col_number(m.group(1)) - 1) if m else None
    if len(_AT) < 100_000:
        _AT[ref] = at
    return at


def _fmt(v: float) -> str:
    if not math.isfinite(v):  # a sum of huge figures overflows: shown as is, never int()
        return str(v)
    return str(int(v)) if v == int(v) else str(v)


def _put(grid: SheetGrid, r: int, c: int, value: Any) -> None:
    while len(grid.rows) <= r:
        grid.rows.append([])
    row = grid.rows[r]
    while len(row) <= c:
        row.append("")
    row[c] = value
