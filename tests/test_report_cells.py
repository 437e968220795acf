"""The report sheet's own cell writer (and its shortcuts for text that fits on one line) gives
the very XML xlsxwriter's own writer gives, for every kind of cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.write.fastsheet import CHECKED_WITH, FastSheet, base_sheet
from aggregator.write.layout import ReportSheet, display_width, text


def _fill(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    wrap = wb.add_format({"text_wrap": True, "border": 1})
    num = wb.add_format({"num_format": "#,##0"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    row_fmt = wb.add_format({"bold": True})
    ws.set_column(0, 0, 12, wb.add_format({"italic": True}))
    ws.set_row(5, 20, row_fmt)
    ws.write_string(0, 0, "杭州市", wrap)
    ws.write_string(0, 1, "no format")
    ws.write_string(0, 2, "<&\"'> a & b", wrap)
    ws.write_string(0, 3, " lead and trail ", wrap)
    ws.write_number(1, 0, 12345, num)
    ws.write_number(1, 1, 0.1 + 0.2, num)
    ws.write_number(1, 2, 7)
    ws.write_number(1, 3, -1e20, num)
    ws.write_datetime(2, 0, dt.datetime(2023, 6, 9, 12, 30), date)
    ws.write_datetime(2, 1, dt.datetime(2023, 6, 9))
    ws.write_formula(3, 0, "=SUM(A2:D2)", num, 12345)
    ws.write_formula(3, 1, '=IF(A1="","",A1)', None, "x")
    ws.write_blank(4, 0, None, wrap)
    ws.write_boolean(4, 1, True)
    ws.write_string(5, 0, "row format only")
    ws.write_number(5, 1, 3)
    ws.write_string(6, 0, "column format")
    ws.merge_range(7, 0, 7, 3, "merged 合并", wrap)
    ws.write_comment(8, 1, "a note")
    ws.write_string(9, 2, "＝全角", wrap)
    ws.write_formula(9, 3, "=SUM(A2:D2,B12,C3)", num, 7)
    ws.write_formula(9, 4, "=SUM(C4:C12)", num, 0)
    ws.write_formula(9, 5, "=FILTER(A1:A3,B1:B3)", num, 0)
    ws.write_string("E11", "A1 notation", wrap)
    ws.write_number("B12", 42, num)
    ws.set_row(14, 30)  # a height only
    ws.write_comment(15, 3, "comment only")
    for r in range(20, 60, 3):  # rows over several spans, cells out of column order
        ws.write_number(r, 6, r, num)
        ws.write_string(r, 1, f"行 {r}", wrap)
        ws.write_blank(r, 4, None, wrap)
    ws.set_row(61, None, row_fmt)
    ws.write_number(61, 2, 1)
    # what the shortcuts leave to xlsxwriter: out of bounds, odd numbers, hidden or odd rows
    ws.write_string(-1, 0, "above the sheet")
    ws.write_string(0, 16384, "right of the sheet")
    ws.write_number(1_048_576, 0, 1)
    ws.write_string(62, 0, "长" * 20000, wrap)  # more than half the limit: xlsxwriter checks
    ws.write_number(63, 0, 10**400 // 10**390, num)
    ws.write_number(63, 1, True, num)
    ws.write_number(63, 2, 1e301, num)
    ws.write_number(63, 3, -0.0, num)
    ws.set_row(64, 0)  # hidden
    ws.set_row(65, 0.2)  # rounds to no pixels: hidden
    ws.set_row(66, 18, None, {"level": 1})
    ws.set_row(67, 33.3)
    ws.set_row(1_048_576, 20)
    ws.write_string(68, 7, "after the last row heights")
    ws.set_row(70, 15)
    ws.write_number(71, 9, 5, num)  # the sheet's last row and column: a number's


def _sheet_xml(cls: Any) -> tuple[bytes, bytes]:
    """The sheet's XML and the shared strings (the cells name strings by their index)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=cls)
    _fill(wb, ws)
    wb.close()
    with zipfile.ZipFile(buf) as z:
        return z.read("xl/worksheets/sheet1.xml"), z.read("xl/sharedStrings.xml")


class PlainSheet(Worksheet):  # type: ignore[misc]
    """xlsxwriter's writer, with the attributes ``text`` looks for."""

    text_widths: list[float] = []


def test_report_sheet_writes_the_same_xml_as_xlsxwriter() -> None:
    assert ReportSheet.__mro__[1] is base_sheet()
    plain = _sheet_xml(PlainSheet)
    assert b"<row" in plain[0] and b"A1 notation" not in plain[0]  # shared strings, by index
    assert b"A1 notation" in plain[1] and b'hidden="1"' in plain[0]
    assert _sheet_xml(ReportSheet) == plain
    if xlsxwriter.__version__ not in CHECKED_WITH:
        pytest.skip(f"xlsxwriter {xlsxwriter.__version__}: FastSheet unused until checked")
    assert _sheet_xml(FastSheet) == plain


def test_text_that_fits_one_line_notes_no_taller_row() -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws: ReportSheet = wb.add_worksheet("s", worksheet_class=ReportSheet)
    wrap = wb.add_format({"text_wrap": True})
    ws.text_widths = [9.0, 9.0, 9.0, 9.0]
    text(ws, 1, 0, "杭州市西湖", wrap)  # 10 units in 8 usable: two lines
    text(ws, 2, 0, "杭州市西", wrap)  # 8 units: one line
    text(ws, 3, 0, "abcdefgh", wrap)
    text(ws, 4, 0, "a\nb", wrap)
    assert ws.text_lines.get(1) == 2
    assert ws.text_lines.get(2, 1) == 1 and ws.text_lines.get(3, 1) == 1
    assert ws.text_lines.get(4) == 2
    wb.close()


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("杭州 ab") == 7
    assert display_width("（市、区）") == 10
    assert display_width("\u2e80\u2e81") == 3
    assert display_width("𠀀a") == 3


def test_wrapped_lines_as_counted_character_by_character() -> None:
    import math

    from aggregator.write.layout import wrapped_lines

    def slow(value: str, width: float) -> int:
        usable = max(1.0, width - 1.0)
        return sum(math.ceil(max(1.0, display_width(p)) / usable) for p in value.split("\n"))

    for value in ("", "a", "杭州市", "杭州市西湖区\n\nabc", "x" * 50, "区" * 30 + "\n" + "ab" * 7):
        for width in (0.5, 1, 2, 5, 9, 14, 44):
            assert wrapped_lines(value, width) == slow(value, width), (value, width)


def test_the_fast_writer_is_used_only_with_a_checked_xlsxwriter(monkeypatch: Any) -> None:
    """An xlsxwriter release FastSheet was not compared against gets its own writer."""
    assert base_sheet() is (FastSheet if xlsxwriter.__version__ in CHECKED_WITH else Worksheet)
    monkeypatch.setattr(xlsxwriter, "__version__", "99.0.0")
    assert base_sheet() is Worksheet
    from aggregator.write.fastsheet import new_book

    assert type(new_book(io.BytesIO(), {"in_memory": True})) is xlsxwriter.Workbook


def _package(path: Any, book: Any) -> dict[str, bytes]:
    """A workbook of several sheets (formats first used in different sheets, the long ones
    written by children when ``book`` forks), as its zip members (the creation time left out)."""
    wb = book(str(path))
    late = wb.add_format({"bg_color": "#FFEB9C"})
    own = wb.add_format({"bg_color": "#C6EFCE", "bold": True})  # first used in a child's sheet
    for i in range(4):
        ws = wb.add_worksheet(f"s{i}", worksheet_class=FastSheet)
        if i != 2:
            _fill(wb, ws)
        if i % 2:  # long: a child's
            for r in range(100, 140):
                ws.write_string(r, 0, f"第{r}行", late if i == 3 else own if r % 3 else None)
    wb.get_worksheet_by_name("s2").write_string(0, 0, "late", late)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_long_sheets_written_by_children_make_the_same_package(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """Sheets written by forked children (styles numbered beforehand in one process's order)
    give the very bytes one process writes; a child that dies is redone by the parent."""
    import os
    import signal

    from aggregator.write import fastsheet
    from aggregator.write.fastsheet import FastBook

    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    plain = _package(tmp_path / "plain.xlsx", xlsxwriter.Workbook)
    monkeypatch.setattr(fastsheet, "ASIDE_ROWS", 100)
    real = fastsheet._assemble

    def noted(ws: Any, filename: str) -> None:
        if os.getpid() != parent:
            (tmp_path / f"child-{ws.name}").touch()
        real(ws, filename)

    parent = os.getpid()
    monkeypatch.setattr(fastsheet, "_assemble", noted)
    assert _package(tmp_path / "split.xlsx", FastBook) == plain
    assert sorted(p.name for p in tmp_path.glob("child-*")) == ["child-s1", "child-s3"]
    assert _package(tmp_path / "alone.xlsx", lambda p: FastBook(p, aside=False)) == plain

    def dies(ws: Any, filename: str) -> None:
        if os.getpid() != parent:
            (tmp_path / f"killed-{ws.name}").touch()
            os.kill(os.getpid(), signal.SIGKILL)
        real(ws, filename)

    monkeypatch.setattr(fastsheet, "_assemble", dies)
    assert _package(tmp_path / "killed.xlsx", FastBook) == plain
    assert sorted(p.name for p in tmp_path.glob("killed-*")) == ["killed-s1", "killed-s3"]
