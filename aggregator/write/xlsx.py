"""Shared xlsxwriter formats and the printed-form layout (title, meta line, header, print setup)."""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from aggregator.rulebook.schema import Column

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
A4_PAPER = 9


class Styles:
    """The formats of one workbook, created once."""

    def __init__(self, wb: Workbook) -> None:
        base: dict[str, Any] = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self._form_formats(wb, base, cell)
        self._report_formats(wb, base, cell)

    def _form_formats(self, wb: Workbook, base: dict[str, Any], cell: dict[str, Any]) -> None:
        """What a blank form uses: title, meta line, header and input cells."""
        self.title = wb.add_format(
            {**base, "font_name": TITLE_FONT, "font_size": 16, "bold": True, "align": "center"}
        )
        self.subtitle = wb.add_format({**base, "font_size": 10, "italic": True, "align": "center"})
        self.meta = wb.add_format({**base, "align": "left", "shrink": True})
        self.meta_input = wb.add_format({**base, "align": "left", "locked": False, "bottom": 1})
        self.meta_date = wb.add_format(
            {**base, "align": "left", "locked": False, "bottom": 1, "num_format": "yyyy年m月d日"}
        )
        self.header = wb.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
        )
        self.text = wb.add_format({**cell, "text_wrap": True})
        self.text_center = wb.add_format({**cell, "align": "center", "text_wrap": True})
        self.input_text = wb.add_format({**cell, "text_wrap": True, "locked": False})
        self.input_text_center = wb.add_format({**cell, "align": "center", "locked": False})
        self.input_int = wb.add_format({**cell, "num_format": "0", "locked": False})
        self.input_date = wb.add_format(
            {**cell, "num_format": "yyyy-mm-dd", "locked": False, "align": "center"}
        )
        self.input_phone = wb.add_format({**cell, "num_format": "@", "locked": False})

    def _report_formats(self, wb: Workbook, base: dict[str, Any], cell: dict[str, Any]) -> None:
        """What the summary adds: figures, totals, verdict colours, dates, footers and marks."""
        self.int = wb.add_format({**cell, "num_format": "#,##0"})
        self.total_label = wb.add_format(
            {**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"}
        )
        self.total_int = wb.add_format(
            {**cell, "bold": True, "num_format": "#,##0", "bg_color": "#F2F2F2"}
        )
        self.missing = wb.add_format(
            {**cell, "align": "center", "font_color": "#9C0006", "bg_color": "#FFC7CE"}
        )
        self.ok = wb.add_format(
            {**cell, "align": "center", "font_color": "#006100", "bg_color": "#C6EFCE"}
        )
        self.bad = wb.add_format(
            {**cell, "align": "center", "font_color": "#9C0006", "bg_color": "#FFC7CE"}
        )
        self.unknown = wb.add_format(
            {**cell, "align": "center", "font_color": "#7F6000", "bg_color": "#FFEB9C"}
        )
        self.date = wb.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "center"})
        self.datetime = wb.add_format({**cell, "num_format": "yyyy-mm-dd hh:mm", "align": "center"})
        self.footer = wb.add_format({**base, "align": "left", "text_wrap": True})
        self.footer_input = wb.add_format(
            {**base, "align": "left", "text_wrap": True, "locked": False}
        )
        self.stamp = wb.add_format({**base, "font_name": TITLE_FONT, "font_size": 14})
        self.remark = wb.add_format({**base, "align": "left", "valign": "top", "text_wrap": True})
        self.flag_int = wb.add_format(
            {**cell, "num_format": '"※"#,##0', "font_color": "#C00000", "bg_color": "#FFEB9C"}
        )
        self.flag_total = wb.add_format(
            {**cell, "bold": True, "num_format": '"※"#,##0', "font_color": "#C00000"}
        )
        self.int_center = wb.add_format({**cell, "num_format": "#,##0", "align": "center"})
        self.note = wb.add_format(
            {**base, "font_size": 9, "align": "left", "text_wrap": True, "font_color": "#595959"}
        )


def _width(s: str) -> float:
    """Width in column units: a CJK character two, others one."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in s)


def write_form_top(
    ws: Worksheet,
    st: Styles,
    title: str,
    columns: list[Column],
    sender: str,
    *,
    period_choice: list[str] | None = None,
    period_value: str = "",
    date_value: Any = None,
) -> int:
    """Write the title, the 填报市局/填报日期 line and the header; return the first data row.

    Layout follows the notice's forms: title (row 1), meta line (row 2), header (row 3).
    """
    last = len(columns) - 1
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last, title, st.title)
    third = max(1, (last + 1) // 3)
    ws.merge_range(
        1,
        0,
        1,
        third * 2 - 1 if period_choice is None else third - 1 + third // 2,
        f"填报市局（盖章）：{sender}",
        st.meta,
    )
    if period_choice is not None:
        c0 = third + third // 2
        ws.write_string(1, c0, "报送期次：", st.meta)
        ws.merge_range(1, c0 + 1, 1, c0 + 2, period_value, st.meta_input)
        ws.data_validation(
            1,
            c0 + 1,
            1,
            c0 + 1,
            {
                "validate": "list",
                "source": period_choice,
                "input_title": "报送期次",
                "input_message": "请选择本次报送的期次（6月报上半年，12月报全年）",
            },
        )
    dcol = max(last - 2, 0)
    ws.write_string(1, dcol - 1 if dcol > 0 else dcol, "填报日期：", st.meta)
    ws.merge_range(1, dcol, 1, last, "", st.meta_date)
    if date_value is not None:
        ws.write_datetime(1, dcol, date_value, st.meta_date)
    lines = max(
        sum(math.ceil(max(1, _width(p)) / max(1.0, c.width - 1)) for p in c.header.split("\n"))
        for c in columns
    )
    ws.set_row(2, max(30, 15 * lines + 6))
    for i, col in enumerate(columns):
        ws.write_string(2, i, col.header, st.header)
        ws.set_column(i, i, col.width)
    return 3


def print_setup(ws: Worksheet, header_rows: tuple[int, int] | None, *, footer: str = "") -> None:
    """A4 landscape, one page wide, header rows (if any) repeated on every page, page numbers."""
    ws.set_paper(A4_PAPER)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_footer(f"&L{footer}&C第 &P 页，共 &N 页")
