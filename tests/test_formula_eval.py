"""Formulas evaluated from pre-parsed cell positions give what the first way gave: a reference
and a range read cell by cell from its A1 letters, every time."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.cells import col_letter, col_number
from aggregator.read import formulaeval as G
from aggregator.read.grid import SheetGrid


def _long_cell(
    letters: str,
    row: int,
    grid: SheetGrid,
    formulas: dict[str, str],
    memo: dict[str, float | None],
    depth: int,
    *,
    blank_zero: bool,
    text_zero: bool = False,
) -> float | None:
    ref = f"{letters}{row}"
    if ref in formulas:
        if ref not in memo:
            memo[ref] = None
            memo[ref] = _long_eval(formulas[ref], grid, formulas, memo, depth + 1)
        return memo[ref]
    v = grid.cell(row - 1, col_number(letters) - 1)
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if v in ("", None) and blank_zero:
        return 0.0
    if text_zero:
        return 0.0
    return None


def _long_arg(
    arg: str, single: bool, grid: SheetGrid, formulas: dict[str, str], memo: Any, depth: int
) -> float | None:
    try:
        return float(arg)
    except ValueError:
        pass
    m = G.CELL_REF.match(arg)
    if m:
        return _long_cell(m.group(1), int(m.group(2)), grid, formulas, memo, depth, blank_zero=True)
    m = G.RANGE_REF.match(arg)
    if not m or single:
        return None
    c1, c2 = sorted((col_number(m.group(1)), col_number(m.group(3))))
    r1, r2 = sorted((int(m.group(2)), int(m.group(4))))
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
        return None
    total = 0.0
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            v = _long_cell(
                col_letter(c - 1), r, grid, formulas, memo, depth, blank_zero=True, text_zero=True
            )
            if v is None:
                return None
            total += v
    return total


def _long_eval(
    text: str, grid: SheetGrid, formulas: dict[str, str], memo: Any, depth: int = 0
) -> float | None:
    """evaluate as first written: every argument parsed and every cell addressed each time."""
    if depth > 20:
        return None
    expr = text.strip().lstrip("=").replace(" ", "").upper()
    if not expr:
        return None
    total = 0.0
    for term in G._split_top(expr, "+"):
        if term.startswith("SUM(") and term.endswith(")"):
            v: float | None = 0.0
            for a in G._split_top(term[4:-1], ","):
                x = _long_arg(a, False, grid, formulas, memo, depth)
                if x is None:
                    v = None
                    break
                v += x  # type: ignore[operator]
        else:
            v = _long_arg(term, True, grid, formulas, memo, depth)
        if v is None:
            return None
        total += v
    return total


values = st.one_of(
    st.sampled_from(["", None, "x", " ", True, False, 0, 2, -1.5, 3.0, float("inf")]),
    st.integers(-5, 5),
)
refs = st.builds(
    lambda c, r, d1, d2: f"{'$' if d1 else ''}{col_letter(c)}{'$' if d2 else ''}{r}",
    st.integers(0, 5),
    st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 10, 11]),
    st.booleans(),
    st.booleans(),
)
args = st.one_of(
    refs,
    st.builds(lambda a, b: f"{a}:{b}", refs, refs),
    st.sampled_from(["1", "2.5", "x", "", "1e3", "A01", "ZZZZ1"]),
)
terms = st.one_of(args, st.lists(args, min_size=1, max_size=3).map(lambda a: f"SUM({','.join(a)})"))
formula_texts = st.lists(terms, min_size=1, max_size=3).map("+".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(values, max_size=7), max_size=9),
    cells=st.dictionaries(refs.map(lambda r: r.replace("$", "")), formula_texts, max_size=4),
    text=formula_texts,
)
def test_evaluate_as_the_long_way(
    rows: list[list[object]], cells: dict[str, str], text: str
) -> None:
    grid = SheetGrid("s", True, rows)
    for _ in range(2):  # the second time from the remembered parses and ranges
        got = G.evaluate(text, grid, cells, {})
        want = _long_eval(text, grid, cells, {})
        assert got == want or (got != got and want != want)
