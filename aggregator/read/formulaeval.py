"""The formulas we compute ourselves: ``SUM`` of ranges and cells and ``+`` of terms, for a
formula without a cached value (or one cached wrongly); anything else is left to the caller to
report. Parsed once per text, evaluated with a memo per sheet and a budget of cells summed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aggregator.cells import col_letter, col_number

if TYPE_CHECKING:  # only its rows are read here
    from aggregator.read.grid import SheetGrid

# an A1 cell or range as a formula names it, $ signs allowed
CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
RANGE_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")


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
    m = CELL_REF.match(arg)
    if m:
        letters, row = m.group(1), int(m.group(2))
        return ("ref", f"{letters}{row}", row - 1, col_number(letters) - 1)
    m = RANGE_REF.match(arg)
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
        size = (r2 - r1 + 1) * (c2 - c1 + 1)
        if size > 100_000:
            return None
        key = f"\0{c1}:{c2}:{r1}:{r2}"  # no cell reference holds a NUL
        if key in memo:  # the same range of plain values, summed before
            return memo[key]
        left = memo.get(_LEFT, SUM_BUDGET)
        if left is None or left < size:
            return None  # over the budget (see _sum): not even listed
        total = _sum(_range_cells(c1, c2, r1, r2), grid, formulas, memo, depth)
        if not any(_inside(ref, c1, c2, r1, r2) for ref in formulas):
            memo[key] = total
        return total
    else:
        return None
    return _sum(cells, grid, formulas, memo, depth)


def _inside(ref: str, c1: int, c2: int, r1: int, r2: int) -> bool:
    """Whether cell ``ref`` lies in the range (columns and rows 1-based, as written)."""
    m = CELL_REF.match(ref)
    return m is not None and c1 <= col_number(m.group(1)) <= c2 and r1 <= int(m.group(2)) <= r2


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
