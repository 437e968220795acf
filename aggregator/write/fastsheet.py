"""xlsxwriter's innermost loops for a big sheet, written out once: the summary workbook holds
≈300,000 cells at 10,000 returns, and xlsxwriter spends most of its time building each cell's
attribute list and looking up each row. The XML is exactly xlsxwriter's (a test compares the
two writers on every kind of cell); anything unusual is left to xlsxwriter itself."""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

_STRING, _NUMBER, _DATETIME = CellStringTuple, CellNumberTuple, CellDatetimeTuple


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
            for col_num in sorted(cells):
                if first <= col_num <= last:
                    self._write_cell(row_num, col_num, cells[col_num])
            self.fh.write("</row>")
