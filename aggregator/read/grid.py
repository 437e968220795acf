"""Cells of every sheet, read with python-calamine; formulas without cached values evaluated."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from aggregator.cells import col_letter, col_number
from aggregator.problems import Problem, error, warning
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


_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")


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
    m = _REF.match(ref)
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


def _split_top(expr: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in expr:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def evaluate(
    text: str,
    grid: SheetGrid,
    formulas: dict[str, str],
    memo: dict[str, float | None],
    depth: int = 0,
) -> float | None:
    """Value of a simple formula (``SUM`` of ranges and cells, ``+`` of terms), or None."""
    if depth > 20:
        return None
    terms = _PARSED.get(text)
    if terms is None:
        terms = _parsed(text)
    if not terms:
        return None
    total = 0.0
    for term in terms:
        if term[0] == "sum":
            v = 0.0
            for arg in term[1]:
                a = _arg(arg, grid, formulas, memo, depth)
                if a is None:
                    return None
                v += a
            total += v
        else:
            a = _arg(term, grid, formulas, memo, depth)
            if a is None:
                return None
            total += a
    return total


# ("num", x) | ("ref", "B4", row, col) | ("cells", [(ref, row, col), …]) for a range listed
# (see _listed) | ("range", c1, c2, r1, r2) for another | ("none",): rows and columns of a
# cell 0-based, those of a range 1-based as written
Arg = tuple[Any, ...]
_PARSED: dict[str, list[Arg]] = {}


def _parsed(text: str) -> list[Arg]:
    """A formula's terms (``("sum", [args])`` or an argument), parsed once per text: the same
    SUM formulas recur in every return of a template."""
    got = _PARSED.get(text)
    if got is None:
        expr = text.strip().lstrip("=").replace(" ", "").upper()
        got = []
        if expr:
            for term in _split_top(expr, "+"):
                if term.startswith("SUM(") and term.endswith(")"):
                    got.append(("sum", [_parse_arg(a, False) for a in _split_top(term[4:-1], ",")]))
                else:
                    got.append(_parse_arg(term, True))
        if len(_PARSED) < 50_000:
            _PARSED[text] = got
    return got


def _parse_arg(arg: str, single: bool) -> Arg:
    try:
        return ("num", float(arg))
    except ValueError:
        pass
    m = _REF.match(arg)
    if m:
        letters, row = m.group(1), int(m.group(2))
        return ("ref", f"{letters}{row}", row - 1, col_number(letters) - 1)
    m = _RANGE.match(arg)
    if m and not single:
        c1, c2 = sorted((col_number(m.group(1)), col_number(m.group(3))))
        r1, r2 = sorted((int(m.group(2)), int(m.group(4))))
        cells = _listed(c1, c2, r1, r2)
        return ("range", c1, c2, r1, r2) if cells is None else ("cells", cells)
    return ("none",)


Cells = list[tuple[str, int, int]]  # (A1 reference, 0-based row, 0-based column)


_LISTS: dict[tuple[int, int, int, int], Cells] = {}
_LISTED_MAX = 200_000  # cells listed in all: a bound on the memory the lists take
_LISTED_CELLS = 0


def _listed(c1: int, c2: int, r1: int, r2: int) -> Cells | None:
    """The cells of a small range, listed once for every formula naming it (a template's
    SUM ranges recur in every return); None for a large one, or once enough are listed."""
    key = (c1, c2, r1, r2)
    got = _LISTS.get(key)
    if got is None:
        global _LISTED_CELLS
        size = (r2 - r1 + 1) * (c2 - c1 + 1)
        if size > 1024 or _LISTED_CELLS + size > _LISTED_MAX:
            return None
        got = _LISTS[key] = _range_cells(c1, c2, r1, r2)
        _LISTED_CELLS += size
    return got


def _range_cells(c1: int, c2: int, r1: int, r2: int) -> Cells:
    """The cells of a range, row by row."""
    letters = [col_letter(c - 1) for c in range(c1, c2 + 1)]
    return [
        (f"{x}{r}", r - 1, c - 1)
        for r in range(r1, r2 + 1)
        for c, x in zip(range(c1, c2 + 1), letters, strict=True)
    ]


def _arg(
    arg: Arg, grid: SheetGrid, formulas: dict[str, str], memo: dict[str, float | None], depth: int
) -> float | None:
    kind = arg[0]
    if kind == "num":
        return float(arg[1])
    if kind == "ref":
        _, ref, r, c = arg
        return _cell_value(ref, r, c, grid, formulas, memo, depth, blank_zero=True)
    if kind == "cells":
        cells = arg[1]
    elif kind == "range":
        _, c1, c2, r1, r2 = arg
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
            return None
        key = f"\0{c1}:{c2}:{r1}:{r2}"  # no cell reference holds a NUL
        if key in memo:  # the same range of plain values, summed before
            return memo[key]
        left = memo.get(_LEFT, SUM_BUDGET)
        if left is None or left < (r2 - r1 + 1) * (c2 - c1 + 1):
            return None  # over the budget (see _sum): not even listed
        cells = _range_cells(c1, c2, r1, r2)
        total = _sum(cells, grid, formulas, memo, depth)
        if not any(ref in formulas for ref, _, _ in cells):
            memo[key] = total
        return total
    else:
        return None
    return _sum(cells, grid, formulas, memo, depth)


SUM_BUDGET = 1_000_000  # cells a sheet's formulas may sum in all (a return sums hundreds)
_LEFT = "\0left"  # in the memo: cells the sheet's formulas may still sum


def _sum(
    cells: Cells,
    grid: SheetGrid,
    formulas: dict[str, str],
    memo: dict[str, float | None],
    depth: int,
) -> float | None:
    """The sum of some cells as SUM takes them; None when one cannot be read, or when the
    sheet's formulas have summed :data:`SUM_BUDGET` cells already (a crafted file, not a
    return: its formulas are then not computed)."""
    left = memo.get(_LEFT, SUM_BUDGET)
    if left is None or left < len(cells):
        return None
    memo[_LEFT] = left - len(cells)
    total = 0.0
    rows = grid.rows
    n = len(rows)
    for ref, r, c in cells:
        if ref in formulas:
            v = _cell_value(ref, r, c, grid, formulas, memo, depth, blank_zero=True, text_zero=True)
            if v is None:
                return None
            total += v
            continue
        # _cell_value of a plain cell, inlined: a number as a float, a bool refused, any
        # other value (blank or text) 0 — a SUM over a range ignores text, as Excel does
        if 0 <= r < n:
            row = rows[r]
            x = row[c] if 0 <= c < len(row) else ""
        else:
            x = ""
        t = type(x)
        if t is float or t is int:
            total += float(x)
        elif isinstance(x, bool):
            return None
        elif isinstance(x, int | float):
            total += float(x)
        else:
            total += 0.0
    return total


def _cell_value(
    ref: str,
    r: int,
    c: int,
    grid: SheetGrid,
    formulas: dict[str, str],
    memo: dict[str, float | None],
    depth: int,
    *,
    blank_zero: bool,
    text_zero: bool = False,
) -> float | None:
    if ref in formulas:
        if ref not in memo:
            memo[ref] = None  # cycle guard
            memo[ref] = evaluate(formulas[ref], grid, formulas, memo, depth + 1)
        return memo[ref]
    rows = grid.rows
    if 0 <= r < len(rows):
        row = rows[r]
        v = row[c] if 0 <= c < len(row) else ""
    else:
        v = ""
    t = type(v)
    if t is float or t is int:
        return float(v)
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if v in ("", None) and blank_zero:
        return 0.0
    if text_zero:  # SUM over a range ignores text, as Excel does
        return 0.0
    return None
