"""The 问题清单 sheet of an annotated copy (openpyxl: it is added to a copy of the return), and
the print setup of the copy's own sheets: A4 landscape, one page wide, no "###" in dates."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from aggregator.period import period_label
from aggregator.privacy import scrub
from aggregator.problems import SEVERITY_LABEL, Problem
from aggregator.rulebook.schema import form_label
from aggregator.write.layout import display_width

SHEET = "问题清单"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "宋体"
COLUMNS = (("序号", 6), ("级别", 7), ("工作表", 16), ("单元格", 12), ("说明", 74))
HEADER_ROW = 5
LINE = 15.0
FOOTER = "第 &P 页，共 &N 页"
# style objects made once and shared by every cell and copy (openpyxl's are costly to make)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
TEXT_FONT = Font(name=FONT, size=11)
BOLD_FONT = Font(name=FONT, size=11, bold=True)
NOTE_FONT = Font(name=FONT, size=10)
HEAD_FONT = Font(name=FONT, bold=True)
CELL_FONT = Font(name=FONT)
BANNER = Alignment(wrap_text=True, vertical="center")
HEAD_ALIGN = Alignment(horizontal="center", vertical="center")
CELL_ALIGN = Alignment(wrap_text=True, vertical="top", horizontal="center")
TEXT_ALIGN = Alignment(wrap_text=True, vertical="top", horizontal="left")
CENTRED = {w: Alignment(wrap_text=w, vertical="center") for w in (True, False, None)}
ATTACHED = (
    "本文件为汇总工具生成的标注副本，原文件未改动；问题单元格已在原表中标色并加批注"
    "（鼠标停在单元格上可看）。"
)
NOT_A_RETURN = (
    "原文件能打开，但未能作为报表读取（原因见下表）；后附原表内容供对照，请按说明改正后重新报送。"
)
NOT_READ = "原文件未能作为报表读取（原因见下表），本清单不附原表；请按说明改正后重新报送。"
NOT_OPENED = "原文件的标注副本未能生成，本清单只列出问题；请对照原文件逐条改正后重新报送。"


@dataclass
class ListHeading:
    """What the title block says: the file, its city and period, and by when to resend."""

    file: str
    city: str = ""
    period: str | None = None
    form: str | None = None
    resend_by: dt.date | None = None
    note: str = ATTACHED


def sheet_title(name: str) -> str:
    """A sheet's name as the copy shows it: an identity or bank number in it masked, with a
    full-width star (Excel refuses ``*`` in sheet names)."""
    return scrub(name).replace("*", "＊")


def instruction(resend_by: dt.date | None) -> str:
    """请修改标色单元格…后，于X月X日前重新报送。"""
    when = f"于{resend_by.month}月{resend_by.day}日前" if resend_by else ""
    return f"请修改标色的单元格（红色为错误，必须修改；黄色为提醒，请核实）后，{when}重新报送。"


def _safe(cell: Any, value: str) -> None:
    cell.value = value
    cell.data_type = "s"


def _lines(value: str, width: float) -> int:
    usable = max(1.0, width - 1.5)
    return sum(math.ceil(max(1.0, display_width(p)) / usable) for p in value.split("\n"))


def _banner(ws: Worksheet, row: int, value: str, font: Font, width: float) -> None:
    """A merged, wrapped line across the table, tall enough for its text."""
    last = len(COLUMNS)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    cell = ws.cell(row, 1)
    _safe(cell, value)
    cell.font = font
    cell.alignment = BANNER
    size = font.sz or 11
    ws.row_dimensions[row].height = max(size * 1.5, size * 1.4 * _lines(value, width) + 4)


def _title_block(ws: Worksheet, head: ListHeading, problems: list[Problem]) -> None:
    total = float(sum(w for _, w in COLUMNS))
    name = head.file.rsplit("/", 1)[-1]
    errors = sum(1 for p in problems if p.severity == "error")
    _banner(ws, 1, f"问题清单：{name}", TITLE_FONT, total / 1.3)
    facts = [f"设区市：{head.city or '未能确定'}", f"期次：{period_label(head.period)}"]
    if head.form:
        facts.append(f"表单：{form_label(head.form)}")
    facts.append(f"错误 {errors} 个，提醒 {len(problems) - errors} 个")
    _banner(ws, 2, "　".join(facts), TEXT_FONT, total)
    _banner(ws, 3, instruction(head.resend_by), BOLD_FONT, total)
    _banner(ws, 4, head.note, NOTE_FONT, total)


def _message(p: Problem) -> str:
    """The message without its leading cell address (the 单元格 column shows it)."""
    if p.cell and p.message.startswith(f"{p.cell}："):
        return p.message[len(p.cell) + 1 :]
    return p.message


def _rows(ws: Worksheet, problems: list[Problem]) -> None:
    for c, (h, w) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, c)
        _safe(cell, h)
        cell.font = HEAD_FONT
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = HEAD_ALIGN
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.row_dimensions[HEADER_ROW].height = 20
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    for i, p in enumerate(ordered, start=1):
        r = HEADER_ROW + i
        vals = [str(i), SEVERITY_LABEL[p.severity], sheet_title(p.sheet), p.cell, _message(p)]
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(r, c)
            _safe(cell, v)
            cell.font = CELL_FONT
            cell.border = BOX
            cell.alignment = TEXT_ALIGN if c == 5 else CELL_ALIGN
        ws.cell(r, 2).fill = ERROR_FILL if p.severity == "error" else WARNING_FILL
        need = max(_lines(str(v), COLUMNS[c][1]) for c, v in enumerate(vals))
        ws.row_dimensions[r].height = max(LINE + 4, LINE * need + 4)


def print_a4(ws: Worksheet, *, title_rows: str | None = None) -> None:
    """A4 landscape, one page wide (as many pages long as needed), page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.scale = None
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_area = None
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = FOOTER
    ws.evenFooter.center.text = FOOTER


def add_problem_sheet(wb: openpyxl.Workbook, head: ListHeading, problems: list[Problem]) -> None:
    """Put the 问题清单 first in ``wb``: title block, bordered table, printable."""
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws: Worksheet = wb.create_sheet(SHEET, 0)
    _title_block(ws, head, problems)
    _rows(ws, problems)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    print_a4(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    wb.active = 0


def _date_width(fmt: str) -> float:
    """How wide a date shown in ``fmt`` is, in column units (with padding)."""
    shown = fmt.replace('"', "").replace("\\", "").split(";")[0]
    return display_width(shown) + 4


def fit_data_sheet(ws: Worksheet) -> None:
    """A return's sheet in the copy: date columns wide enough to show their dates (no "###"),
    printed A4 landscape one page wide; a sheet whose columns were never sized is sized."""
    if not any(d.width and d.customWidth for d in ws.column_dimensions.values()):
        size_plain_sheet(ws)
    _one_column_each(ws)
    need: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if getattr(cell, "is_date", False) and cell.value is not None:
                fmt = cell.number_format
                if fmt in ("General", "", None):
                    cell.number_format = fmt = "yyyy-mm-dd"
                need[cell.column] = max(need.get(cell.column, 0.0), _date_width(fmt))
    for col, width in need.items():
        dim = ws.column_dimensions[get_column_letter(col)]
        if (dim.width or 8.43) < width:
            dim.width = width
    unclip(ws)
    print_a4(ws)


def _one_column_each(ws: Worksheet) -> None:
    """Split column ranges (``<col min=3 max=11>``) into one dimension per column, so that
    widening one column never leaves two overlapping ranges (Excel would "repair" the file)."""
    for key, dim in list(ws.column_dimensions.items()):
        first = dim.min or column_index_from_string(key)
        last = dim.max or first
        if last == first:
            continue
        del ws.column_dimensions[key]
        for c in range(first, last + 1):
            letter = get_column_letter(c)
            ws.column_dimensions[letter] = ColumnDimension(
                ws,
                index=letter,
                width=dim.width,
                hidden=dim.hidden,
                outlineLevel=dim.outlineLevel,
                customWidth=dim.customWidth,
            )


def _widths(ws: Worksheet) -> dict[int, float]:
    out: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        first = dim.min or column_index_from_string(key)
        for c in range(first, (dim.max or first) + 1):
            out[c] = float(dim.width or 8.43)
    return out


def unclip(ws: Worksheet, *, widest: float = 40.0) -> None:
    """Text the original cut off at its cell's edge (not wrapped, no empty cell to run on
    into) gets a wider column, up to ``widest``; beyond that it wraps in a taller row."""
    merged = {
        (r, c)
        for m in ws.merged_cells.ranges
        for r in range(m.min_row, m.max_row + 1)
        for c in range(m.min_col, m.max_col + 1)
    }
    widths = _widths(ws)
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if not isinstance(v, str) or (cell.row, cell.column) in merged or "\n" in v:
                continue
            if cell.alignment.wrap_text or cell.alignment.shrink_to_fit:
                continue
            have = widths.get(cell.column, 8.43)
            for c in range(cell.column + 1, ws.max_column + 1):
                if (cell.row, c) in merged or ws.cell(cell.row, c).value not in (None, ""):
                    break
                have += widths.get(c, 8.43)
            need = display_width(v) + 1
            if need <= have:
                continue
            own = widths.get(cell.column, 8.43) + need - have
            widths[cell.column] = min(own, widest)
            ws.column_dimensions[get_column_letter(cell.column)].width = widths[cell.column]
            if own > widest:
                cell.alignment = BANNER
                height = ws.row_dimensions[cell.row].height or LINE
                ws.row_dimensions[cell.row].height = max(height, LINE * _lines(v, widest) + 4)


def size_plain_sheet(ws: Worksheet, *, widest: float = 20.0, figures: float = 10.0) -> None:
    """A sheet rebuilt from cell values only (an .xls/.ods copy has no formatting left):
    columns as wide as the text of the table's rows (up to ``widest``; a column of figures
    ``figures`` wide at most, its heading wrapped; a title or note alone on its row runs across
    the empty cells beside it), long or multi-line text wrapped and given its height."""
    texts: dict[int, list[float]] = {}
    numbers: dict[int, list[float]] = {}
    table_rows = []
    for row in ws.iter_rows():
        filled = [c for c in row if c.value is not None]
        if len(filled) < 3:
            continue
        table_rows.append(filled)
        for cell in filled:
            v = cell.value
            if isinstance(v, dt.date):
                numbers.setdefault(cell.column, []).append(10.0)
            elif isinstance(v, int | float) or (isinstance(v, str) and len(v) <= 6):
                numbers.setdefault(cell.column, []).append(display_width(str(v)))
            else:
                longest = max(display_width(part) for part in str(v).split("\n"))
                texts.setdefault(cell.column, []).append(longest)
    widths: dict[int, float] = {}
    for col in set(texts) | set(numbers):
        short, long_ = numbers.get(col, []), texts.get(col, [])
        cap = figures if len(short) >= 3 * max(1, len(long_)) else widest
        widths[col] = max(4.0, min(max(short + long_) + 2, max(cap, max(short, default=0) + 2)))
        ws.column_dimensions[get_column_letter(col)].width = widths[col]
    for filled in table_rows:
        lines = 1
        for cell in filled:
            if isinstance(cell.value, str) and (
                "\n" in cell.value or display_width(cell.value) + 2 > widths[cell.column]
            ):
                cell.alignment = BANNER
                lines = max(lines, _lines(cell.value, widths[cell.column]))
        if lines > 1:
            ws.row_dimensions[filled[0].row].height = LINE * lines + 4
            for cell in filled:
                cell.alignment = CENTRED[cell.alignment.wrap_text]
