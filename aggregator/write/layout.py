"""Layout helpers every summary sheet shares: title and header rows, wrapped text that knows
its height, the stamp block, and the standard city order."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.clock import CHINA, parse_time
from aggregator.privacy import scrub
from aggregator.write.fastsheet import base_sheet
from aggregator.write.xlsx import Styles, print_setup

if TYPE_CHECKING:  # the facts (pandas) are the report's; the copies' text widths need none
    from aggregator.judge.facts import Facts

LINE_HEIGHT = 15.0
ONE_LINE = LINE_HEIGHT + 4  # a bordered one-line row: CJK text clear of its borders
HEADER_LINE = 16.2  # five header lines in 81 pt, as in the templates


def naive(t: dt.datetime) -> dt.datetime:
    """A time in China time without tzinfo (what Excel stores)."""
    return t.astimezone(CHINA).replace(tzinfo=None)


def chinese_date(d: dt.date) -> str:
    """2023年6月20日."""
    return f"{d.year}年{d.month}月{d.day}日"


class ReportSheet(base_sheet()):  # type: ignore[misc]
    """A worksheet that remembers how many lines its wrapped cells need: xlsxwriter cannot
    autofit rows (nor does LibreOffice on load), so ``finish`` sets the heights. No text it
    holds shows an identity or bank number in full (``privacy.scrub``). Its cells are written
    by :class:`~aggregator.write.fastsheet.FastSheet` where xlsxwriter's release allows."""

    def __init__(self) -> None:
        super().__init__()
        self.text_widths: list[float] = []
        self.text_lines: dict[int, int] = {}

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        """Every string cell (write, write_string, merge_range) without a personal number."""
        return super()._write_string(row, col, scrub(string), cell_format)

    def write_comment(self, row: int, col: int, comment: str, options: Any = None) -> Any:
        """A cell comment without a personal number."""
        return super().write_comment(row, col, scrub(comment), options)


def new_sheet(wb: xlsxwriter.Workbook, name: str) -> ReportSheet:
    """A report sheet (see :class:`ReportSheet`)."""
    ws: ReportSheet = wb.add_worksheet(name, worksheet_class=ReportSheet)
    return ws


def header_row(ws: Worksheet, st: Styles, r: int, heads: Sequence[tuple[str, float]]) -> None:
    """Write a header row at ``r`` (tall enough for its lines) and set the column widths."""
    lines = max(wrapped_lines(h, w) for h, w in heads)
    ws.set_row(r, max(24, HEADER_LINE * lines))
    for i, (h, w) in enumerate(heads):
        ws.write_string(r, i, h, st.header)
        ws.set_column(i, i, w)
    if isinstance(ws, ReportSheet):
        ws.text_widths = [w for _, w in heads]


def top(
    ws: Worksheet,
    st: Styles,
    title: str,
    subtitle: str,
    heads: Sequence[tuple[str, float]],
    *,
    portrait: bool = False,
) -> int:
    """Title, subtitle and header rows, frozen and repeated on every page; the first data row."""
    last = len(heads) - 1
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, title, st.title)
    ws.merge_range(1, 0, 1, last, subtitle, st.subtitle)
    header_row(ws, st, 2, heads)
    ws.freeze_panes(3, 0)
    print_setup(ws, (0, 2), footer=title[:40])
    if portrait:
        ws.set_portrait()
    return 3


def sub(facts: Facts) -> str:
    """The period, the as-of time and how many counties have reported."""
    d = facts.json
    p = d["province"]
    return (
        f"{d['period_label']}　数据截至 {parse_time(d['as_of']):%Y-%m-%d %H:%M}"
        f"　已报送 {p['counties_reported']}/{p['counties_expected']} 个县（市、区）"
    )


def text(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    """Write text as text (never a formula), noting how many lines it needs when it wraps."""
    value = "" if v is None else str(v)
    if not isinstance(ws, ReportSheet):
        ws.write_string(r, c, value, fmt)
        return
    ws._write_string(r, c, value, fmt)  # row and column are numbers: no notation to convert
    if not value or not getattr(fmt, "text_wrap", False):
        return
    if c >= len(ws.text_widths):
        return
    width = ws.text_widths[c]
    if 2 * len(value) <= width - 1.0 and "\n" not in value:
        return  # one line even if every character is wide: no taller row to remember
    note_lines(ws, r, value, width)


def note_lines(ws: Worksheet, r: int, value: str, width: float) -> None:
    """Remember that row ``r`` holds ``value`` wrapped in ``width`` column units."""
    if not isinstance(ws, ReportSheet):
        return
    ws.text_lines[r] = max(ws.text_lines.get(r, 1), wrapped_lines(value, width))


_NARROW = re.compile("[^\u2e81-\U0010ffff]+")  # what is left of a text is its wide characters


def merged_width(ws: Worksheet, first: int, last: int) -> float:
    """The width of columns ``first``..``last`` together (a merged range), in column units."""
    widths = getattr(ws, "text_widths", [])
    return float(sum(widths[first : last + 1])) if len(widths) > last else 0.0


@functools.lru_cache(maxsize=1 << 17)  # the same texts recur (reasons, names, statuses)
def wrapped_lines(value: str, width: float) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` units wide."""
    usable = max(1.0, width - 1.0)  # cell padding
    if "\n" not in value:
        return _part_lines(value, usable)
    return sum(_part_lines(part, usable) for part in value.split("\n"))


def _part_lines(part: str, usable: float) -> int:
    """Lines of one paragraph: one when even all-wide characters would fit (no counting)."""
    if 2 * len(part) <= usable:
        return 1
    return math.ceil(max(1.0, display_width(part)) / usable)


def display_width(s: str) -> float:
    """Width in column units: a CJK character is two digits wide, ASCII about one."""
    return float(len(s) if s.isascii() else len(s) + len(_NARROW.sub("", s)))


def finish(ws: Worksheet) -> None:
    """Give rows with wrapped text the height their lines need."""
    if not isinstance(ws, ReportSheet):
        return
    for r, n in ws.text_lines.items():
        if n > 1:
            ws.set_row(r, LINE_HEIGHT * n + 4)
    ws.text_lines = {}


def city_rank(facts: Facts) -> dict[str, int]:
    """The registry's city order (杭宁温嘉湖绍金衢舟台丽); unknown cities last."""
    return {c.city: i for i, c in enumerate(facts.cities)}


def county_rank(facts: Facts) -> dict[str, int]:
    """The registry's county order."""
    return {c.county: i for i, c in enumerate(facts.counties)}


def remark(ws: Worksheet, st: Styles, r: int, last: int, value: str, width: float) -> int:
    """A merged, wrapped note line across the table (11 pt); the next free row."""
    ws.merge_range(r, 0, r, last, value, st.remark)
    usable = max(1.0, width - 2.0)
    lines = sum(math.ceil(max(1.0, display_width(p)) / usable) for p in value.split("\n"))
    ws.set_row(r, LINE_HEIGHT * lines + 4)
    return r + 1
