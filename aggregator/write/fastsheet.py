"""xlsxwriter's innermost loops for a big sheet, written out once: the summary workbook holds
≈300,000 cells at 10,000 returns, and xlsxwriter spends most of its time building each cell's
attribute list and looking up each row. The XML is exactly xlsxwriter's (a test compares the
two writers on every kind of cell); anything unusual is left to xlsxwriter itself.

:class:`FastBook` also has the XML of its long sheets assembled by forked children while the
rest of the package is written (the same bytes; a child that fails is redone here)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellDatetimeTuple,
    CellNumberTuple,
    CellStringTuple,
    RowInfo,
    Worksheet,
)

from aggregator.aside import Aside

# FastSheet stands in for xlsxwriter's own private loops: it is used only with the releases it
# was compared against (tests/test_report_cells.py); any other release writes as it always does.
CHECKED_WITH = frozenset({"3.3.1"})
_STRING, _NUMBER, _DATETIME = CellStringTuple, CellNumberTuple, CellDatetimeTuple
_HUGE = 1e300  # beyond it (and NaN) xlsxwriter decides: an error cell, or its own exception
_COLUMNS: dict[int, str] = {}  # column number → its letters
_REF = r"[A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?"
_PLAIN_SUM = re.compile(rf"=SUM\({_REF}(?:,{_REF})*\)")


def _column(col: int) -> str:
    """The letters of column ``col`` (0 → A), remembered."""
    _COLUMNS[col] = name = xl_col_to_name(col)
    return name


class FastSheet(Worksheet):  # type: ignore[misc]
    """A worksheet whose cells are written (by the program, and to XML) with less overhead."""

    dim_rowmin: Any  # the extent xlsxwriter keeps (None until a cell is written)
    dim_rowmax: Any
    dim_colmin: Any
    dim_colmax: Any

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

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        """As xlsxwriter's, for a cell in bounds with a string of usual length: the cell and
        the sheet's extent noted without a call per check (else by xlsxwriter)."""
        if (
            self.constant_memory
            or not (0 <= row < self.xls_rowmax and 0 <= col < self.xls_colmax)
            or len(string) > self.xls_strmax // 2
        ):
            return super()._write_string(row, col, string, cell_format)
        self._extend(row, col)
        self.table[row][col] = _STRING(self.str_table._get_shared_string_index(string), cell_format)
        return 0

    def _write_number(self, row: int, col: int, number: Any, cell_format: Any = None) -> Any:
        """As xlsxwriter's, for a finite int or float in bounds (else by xlsxwriter)."""
        kind = type(number)
        if (
            self.constant_memory
            or not ((kind is int or kind is float) and -_HUGE < number < _HUGE)
            or not (0 <= row < self.xls_rowmax and 0 <= col < self.xls_colmax)
        ):
            return super()._write_number(row, col, number, cell_format)
        self._extend(row, col)
        self.table[row][col] = _NUMBER(number, cell_format)
        return 0

    def _extend(self, row: int, col: int) -> None:
        """Note a written cell in the sheet's extent (xlsxwriter's ``_check_dimensions``)."""
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None or col < self.dim_colmin:
            self.dim_colmin = col
        if self.dim_colmax is None or col > self.dim_colmax:
            self.dim_colmax = col

    def set_row(
        self, row: int, height: float | None = None, cell_format: Any = None, options: Any = None
    ) -> Any:
        """As xlsxwriter's, for a row given only a height (the summary's wrapped rows): the
        height in pixels and the row's extent noted directly (else by xlsxwriter)."""
        if (
            self.constant_memory
            or height is None
            or height <= 0
            or cell_format is not None
            or options
            or not (0 <= row < self.xls_rowmax)
        ):
            return super().set_row(row, height, cell_format, options)
        pixels = int(height * 4.0 / 3.0 + 0.5)
        if pixels == 0:
            return super().set_row(row, height, cell_format, options)
        col = self.dim_colmin if self.dim_colmin is not None else 0
        self._extend(row, col)
        self.row_info[row] = RowInfo(
            height=pixels, row_format=None, hidden=False, level=0, collapsed=False
        )
        self.row_sizes[row] = [pixels, False]
        return 0

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


ASIDE_ROWS = 2000  # a sheet this long is worth a forked child (a fork costs ≈10–30 ms)


def _worth_a_child(ws: Worksheet) -> bool:
    """A long sheet whose XML changes nothing in the sheet itself (hyperlinks are numbered as
    they are written)."""
    if ws.dim_rowmax is None or ws.hyperlinks:
        return False
    return bool(ws.dim_rowmax - ws.dim_rowmin >= ASIDE_ROWS)


def _number_formats(ws: Worksheet) -> None:
    """Give each format the sheet's XML uses its style number, in the order xlsxwriter's
    writing of the sheet does: column formats, then row by row the row's format and its cells'
    formats in column order (a cell without one shows its row's or column's)."""
    for col in sorted(ws.col_info):
        fmt = ws.col_info[col].column_format
        if fmt is not None and fmt.xf_index is None:
            fmt._get_xf_index()
    if ws.dim_rowmin is None:
        return  # no sheet data is written
    table, row_info = ws.table, ws.row_info
    first, last = ws.dim_colmin, ws.dim_colmax
    for row in sorted(set(table) | set(row_info)):
        if not ws.dim_rowmin <= row <= ws.dim_rowmax:
            continue
        info = row_info.get(row)
        if info is not None and info.row_format and info.row_format.xf_index is None:
            info.row_format._get_xf_index()
        cells = table.get(row)
        if not cells:
            continue
        for col in sorted(cells):
            fmt = cells[col].format
            if fmt and fmt.xf_index is None and first <= col <= last:
                fmt._get_xf_index()


def _assemble(ws: Worksheet, filename: str) -> None:
    """Write one sheet's XML to ``filename`` (from the start), as xlsxwriter's packager does."""
    ws._set_xml_writer(filename)
    ws._assemble_xml_file()


class SplitPackager(Packager):  # type: ignore[misc]
    """xlsxwriter's packager, the XML of each long sheet assembled by a forked child while
    this process writes the rest of the package. A sheet whose XML would change the sheet's
    own state (hyperlinks are numbered while written) is assembled here, as is every sheet of
    a workbook in memory or in constant-memory mode."""

    def __init__(self, aside: bool = True) -> None:
        super().__init__()
        self.aside = aside
        self.asides: list[tuple[Worksheet, str, Aside]] = []

    def _write_worksheet_files(self) -> None:
        sheets = [ws for ws in self.workbook.worksheets() if not ws.is_chartsheet]
        split = self.aside and not self.in_memory and not any(ws.constant_memory for ws in sheets)
        long = [ws for ws in sheets if _worth_a_child(ws)] if split else []
        if not long:
            super()._write_worksheet_files()
            return
        # styles are numbered as first used while sheets are written: number them now, in
        # the order one process would, so that no child numbers one of its own
        for ws in sheets[: sheets.index(long[-1]) + 1]:
            _number_formats(ws)
        for index, ws in enumerate(sheets, start=1):
            filename = self._filename(f"xl/worksheets/sheet{index}.xml")
            if ws in long:
                self.asides.append((ws, filename, Aside(partial(_assemble, ws, filename))))
            else:
                _assemble(ws, filename)

    def _create_package(self) -> Any:
        try:
            files = super()._create_package()
        except BaseException:
            for _, _, aside in self.asides:
                aside.cancel()
            raise
        for ws, filename, aside in self.asides:
            if not aside.done():  # failed, killed or never forked: written here after all
                _assemble(ws, filename)
        self.asides = []
        return files


class FastBook(xlsxwriter.Workbook):  # type: ignore[misc]
    """A workbook packaged by :class:`SplitPackager` (``aside`` False: no child forked)."""

    def __init__(self, filename: Any, options: Any = None, *, aside: bool = True) -> None:
        super().__init__(filename, options)
        self.aside = aside

    def _get_packager(self) -> Packager:
        return SplitPackager(self.aside)


def new_book(filename: Any, options: Any = None, *, aside: bool = True) -> xlsxwriter.Workbook:
    """A :class:`FastBook` under the xlsxwriter releases it was checked against, else
    xlsxwriter's own workbook."""
    if xlsxwriter.__version__ in CHECKED_WITH:
        return FastBook(filename, options, aside=aside)
    return xlsxwriter.Workbook(filename, options)
