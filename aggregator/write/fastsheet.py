"""xlsxwriter's innermost loops for a big sheet, written out once: the summary workbook holds
≈300,000 cells at 10,000 returns, and xlsxwriter spends most of its time building each cell's
attribute list and looking up each row. The XML is exactly xlsxwriter's (a test compares the
two writers on every kind of cell); anything unusual is left to xlsxwriter itself."""

from __future__ import annotations

import re
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

# FastSheet stands in for xlsxwriter's own private loops: it is used only with the releases it
# was compared against (tests/test_report_cells.py); any other release writes as it always does.
CHECKED_WITH = frozenset({"3.3.1"})
_STRING, _NUMBER, _DATETIME = CellStringTuple, CellNumberTuple, CellDatetimeTuple
_COLUMNS: dict[int, str] = {}  # column number → its letters
_REF = r"[A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?"
_PLAIN_SUM = re.compile(rf"=SUM\({_REF}(?:,{_REF})*\)")


def _column(col: int) -> str:
    """The letters of column ``col`` (0 → A), remembered."""
    _COLUMNS[col] = name = xl_col_to_name(col)
    return name


class FastSheet(Worksheet):  # type: ignore[misc]
    """A worksheet whose cells are written (by the program, and to XML) with less overhead."""

    def write_string(self, *args: Any, **kwargs: Any) -> Any:
        """As xlsxwriter's, without its cell-notation wrapper when given row and column."""
        if len(args) > 1 and type(args[0]) is int and type(args[1]) is int:
            return self._write_string(*args, **kwargs)
        return super().write_string(*args, **kwargs)

    def write_number(self, *args: Any, **kwargs: Any) -> Any:
        """As xlsxwriter's, without its cell-notation wrapper when given row and column."""
        if len(args) > 1 and type(args[0]) is int and type(args[1]) is int:
            return self._write_number(*args, **kwargs)
        return super().write_number(*args, **kwargs)

    def write_datetime(self, *args: Any, **kwargs: Any) -> Any:
        """As xlsxwriter's, without its cell-notation wrapper when given row and column."""
        if len(args) > 1 and type(args[0]) is int and type(args[1]) is int:
            return self._write_datetime(*args, **kwargs)
        return super().write_datetime(*args, **kwargs)

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> Any:
        """A plain ``=SUM(A1:A9,B2)`` needs none of xlsxwriter's 30 rewrites for newer
        functions (each a regex over the formula): only its ``=`` goes."""
        if (
            not self.use_future_functions
            and not expand_future_functions
            and _PLAIN_SUM.fullmatch(formula)
        ):
            return formula[1:]
        return super()._prepare_formula(formula, expand_future_functions)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """One cell's XML: formatted strings and numbers (almost every cell) here, exactly as
        xlsxwriter writes them; the rest by xlsxwriter."""
        kind = type(cell)
        if kind is _STRING and cell.format and not self.constant_memory:
            ref = xl_rowcol_to_cell_fast(row, col)
            xf = cell.format._get_xf_index()
            self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
        elif (kind is _NUMBER or kind is _DATETIME) and cell.format:
            ref = xl_rowcol_to_cell_fast(row, col)
            xf = cell.format._get_xf_index()
            self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
        else:
            super()._write_cell(row, col, cell)

    def _write_rows(self) -> None:
        """Every row with cells, a height, a format or a comment, in order (as xlsxwriter's
        ``_write_rows``, visiting each row's own cells instead of every column)."""
        if self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        first, last = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table[row_num]
            if not cells:
                if row_num in row_info or row_num in comments:
                    self._write_empty_row(row_num, spans.get(row_num // 16), row_info.get(row_num))
                continue
            self._write_row(row_num, spans.get(row_num // 16), row_info.get(row_num))
            self._row_cells(row_num, [c for c in sorted(cells) if first <= c <= last], cells)
            self.fh.write("</row>")

    def _row_cells(self, row_num: int, cols: list[int], cells: dict[int, Any]) -> None:
        """One row's cells in column order, as :meth:`_write_cell` writes them, in one write
        (unusual cells, and a sheet in constant-memory mode, through it)."""
        if self.constant_memory:
            for col in cols:
                self._write_cell(row_num, col, cells[col])
            return
        row = str(row_num + 1)
        parts: list[str] = []
        for col in cols:
            cell = cells[col]
            kind = type(cell)
            if not cell.format or (
                kind is not _STRING and kind is not _NUMBER and kind is not _DATETIME
            ):
                self.fh.write("".join(parts))
                parts = []
                self._write_cell(row_num, col, cell)
                continue
            name = _COLUMNS.get(col) or _column(col)
            xf = cell.format._get_xf_index()
            if kind is _STRING:
                parts.append(f'<c r="{name}{row}" s="{xf}" t="s"><v>{cell.string}</v></c>')
            else:
                parts.append(f'<c r="{name}{row}" s="{xf}"><v>{cell.number:.16G}</v></c>')
        self.fh.write("".join(parts))

    def _calculate_spans(self) -> None:
        """The ``spans`` of each block of 16 rows (first and last column with a cell or a
        comment), as xlsxwriter's ``_calculate_spans`` finds them, from each row's own cells."""
        spans: dict[int, str] = {}
        lo: int | None = None
        hi = 0
        first, last = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for source in (self.table, self.comments):
                row = source.get(row_num)
                cols = [c for c in row if first <= c <= last] if row else None
                if cols:
                    a, b = min(cols), max(cols)
                    lo, hi = (a, b) if lo is None else (min(lo, a), max(hi, b))
            if lo is not None and ((row_num + 1) % 16 == 0 or row_num == self.dim_rowmax):
                spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                lo = None
        self.row_spans = spans


def base_sheet() -> type[Worksheet]:
    """:class:`FastSheet` under the xlsxwriter releases it was checked against, else
    xlsxwriter's own worksheet (slower, never different)."""
    return FastSheet if xlsxwriter.__version__ in CHECKED_WITH else Worksheet
