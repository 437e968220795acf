"""The provincial summary workbook (xlsxwriter): printable, filterable, all in Chinese.

Text from returns is always written with ``write_string`` (never as a formula), and the
workbook is created with ``strings_to_formulas`` off as a second guard. The first sheet is the
page that is stamped and sent: 附件 label, title, 填报单位（盖章）and 填报日期, the table
(a city that sent nothing shows 未报送, not 0), notes, and the signature line.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.cells import col_letter
from aggregator.clock import parse_time
from aggregator.judge.facts import Facts
from aggregator.judge.merge import CityFacts
from aggregator.period import Period
from aggregator.rulebook import Context
from aggregator.rulebook.schema import Column
from aggregator.vocab import Form
from aggregator.write import lists, sheets
from aggregator.write.appsheet import applications_sheet
from aggregator.write.county import Marks, county_sheet, error_marks
from aggregator.write.fastsheet import new_book
from aggregator.write.layout import chinese_date, header_row, new_sheet, remark
from aggregator.write.xlsx import Styles, print_setup

SUMMARY = "成果汇总"
CHART_DATA = "图表数据"
CHART_ROWS = 16
SIGN_LINE = "审核人：　　　　　　　　填报人：　　　　　　　　联系电话："


def report_title(ctx: Context, period: Period) -> str:
    """The A5 title with the period: 2023年上半年“智聚山海·助力共富”… / 2023年度…"""
    title = ctx.policy.titles[Form.RESULTS]
    year = f"{period.year}年"
    return (
        title.replace(year, f"{year}{period.title_word}", 1)
        if title.startswith(year)
        else f"{period.label}{title}"
    )


def write_report(path: Path, facts: Facts, ctx: Context, *, aside: bool = True) -> None:
    """Write every sheet of the summary workbook to ``path`` (``aside``: long sheets' XML
    assembled by forked children, see :class:`~aggregator.write.fastsheet.FastBook`)."""
    wb = new_book(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        aside=aside,
    )
    st = Styles(wb)
    metrics = list(ctx.schemas[Form.RESULTS].metrics)
    title = report_title(ctx, facts.period)
    _summary_sheet(wb, st, facts, ctx, metrics)
    county_sheet(wb, st, facts, title, metrics)
    sheets.quota_sheet(wb, st, facts)
    sheets.returns_sheet(wb, st, facts)
    sheets.plan_sheet(wb, st, facts, ctx.policy.titles[Form.PLAN])
    applications_sheet(wb, st, facts, ctx.policy)
    lists.issues_sheet(wb, st, facts)
    lists.changes_sheet(wb, st, facts, {c.key: c.label for c in metrics})
    lists.files_sheet(wb, st, facts)
    lists.about_sheet(wb, st, facts, ctx)
    _chart_data(wb, facts, metrics)
    wb.close()


def _summary_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context, metrics: list[Column]
) -> None:
    ws = new_sheet(wb, SUMMARY)
    heads = [("序号", 5), ("设区市", 9)] + [(c.header, 9) for c in metrics] + [("报送情况", 13)]
    last = len(heads) - 1
    _stamp_top(ws, st, facts, ctx, last)
    header_row(ws, st, 3, heads)
    marks = error_marks(facts, metrics)
    flags = marks.city_metrics(facts)
    r0 = 4
    for i, c in enumerate(facts.cities):
        mine = {m: msgs for (city, m), msgs in flags.items() if city == c.city}
        _city_row(ws, st, r0 + i, i + 1, c, metrics, mine)
    tr = _total_row(ws, st, facts, r0, metrics)
    width = sum(w for _, w in heads)
    r = tr + 1
    for note in _notes(facts, marks):
        r = remark(ws, st, r, last, note, width)
    r += 1
    ws.merge_range(r, 0, r, last, SIGN_LINE, st.meta)
    ws.set_row(r, 24)
    print_setup(ws, None, footer="")  # one page of table; the charts' page repeats nothing
    if _charts(wb, ws, facts, metrics, r + 2):
        ws.set_h_pagebreaks([r + 1])
        r += 2 + CHART_ROWS
    ws.print_area(0, 0, r, last)
    ws.freeze_panes(4, 0)


def _stamp_top(ws: Worksheet, st: Styles, facts: Facts, ctx: Context, last: int) -> None:
    """附件 label, title, and the 填报单位（盖章）/填报日期 line."""
    ws.set_row(0, 22)
    ws.merge_range(0, 0, 0, 2, "附件", st.stamp)
    ws.set_row(1, 30)
    ws.merge_range(1, 0, 1, last, report_title(ctx, facts.period), st.title)
    ws.set_row(2, 24)
    half = last // 2 + 1
    ws.merge_range(2, 0, 2, half, f"填报单位（盖章）：{ctx.policy.organisation}", st.meta)
    as_of = parse_time(facts.json["as_of"]).date()
    ws.merge_range(2, half + 1, 2, last, f"填报日期：{chinese_date(as_of)}", st.meta)


def _city_row(
    ws: Worksheet,
    st: Styles,
    r: int,
    n: int,
    c: CityFacts,
    metrics: list[Column],
    city_flags: dict[str, list[str]],
) -> None:
    """One city: its totals, or 未报送 across when it sent nothing; partial cities marked."""
    ws.write_number(r, 0, n, st.text_center)
    ws.write_string(r, 1, c.city, st.text_center)
    state_col = 2 + len(metrics)
    if not c.counties_reported:
        for j in range(len(metrics)):
            ws.write_string(r, 2 + j, "未报送", st.missing)
        ws.write_string(r, state_col, "未报送", st.missing)
        return
    for j, m in enumerate(metrics):
        if m.key in city_flags:
            ws.write_number(r, 2 + j, c.totals[m.key], st.flag_int)
            ws.write_comment(r, 2 + j, "\n".join(city_flags[m.key]), {"x_scale": 2})
        else:
            ws.write_number(r, 2 + j, c.totals[m.key], st.int)
    partial = c.counties_reported < c.counties_expected
    ws.write_string(
        r,
        state_col,
        f"已报 {c.counties_reported}/{c.counties_expected}",
        st.unknown if partial else st.text_center,
    )


def _total_row(ws: Worksheet, st: Styles, facts: Facts, r0: int, metrics: list[Column]) -> int:
    """全省合计 (SUM skips 未报送 text); its row."""
    tr = r0 + len(facts.cities)
    p = facts.json["province"]
    ws.merge_range(tr, 0, tr, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        formula = f"=SUM({col}{r0 + 1}:{col}{tr})"
        ws.write_formula(tr, 2 + j, formula, st.total_int, p["totals"][m.key])
    state = f"已报 {p['counties_reported']}/{p['counties_expected']}"
    ws.write_string(tr, 2 + len(metrics), state, st.total_label)
    return tr


def _notes(facts: Facts, marks: Marks) -> list[str]:
    """The notes under the table: coverage, missing and partial cities, errors, method."""
    p = facts.json["province"]
    as_of = parse_time(facts.json["as_of"])
    notes = [
        f"注：1. 数据截至 {chinese_date(as_of.date())} {as_of:%H:%M}，全省 {p['counties_expected']} 个"
        f"县（市、区）已报送 {p['counties_reported']} 个。"
    ]
    missing = [c.city for c in facts.cities if not c.counties_reported]
    partial = [
        f"{c.city}（缺{'、'.join(c.missing_counties)}）"
        for c in facts.cities
        if 0 < c.counties_reported < c.counties_expected
    ]
    n = 2
    if missing or partial:
        parts = []
        if missing:
            parts.append(f"{'、'.join(missing)}未报送，显示“未报送”，不按 0 计入合计和图表")
        if partial:
            parts.append(f"部分县未报送：{'；'.join(partial)}，合计只含已报送的县")
        notes.append(f"{n}. " + "；".join(parts) + "。")
        n += 1
    for msg in marks.cells.values():
        notes.append(f"{n}. ※ {msg}（已计入合计，待核实；见“分县明细”“数据问题”）")
        n += 1
    for city, msgs in marks.cities.items():
        notes.append(f"{n}. {city}报表合计行与各县相加不符（{len(msgs)} 处），汇总按各县数据计算。")
        n += 1
    notes.append(
        f"{n}. 各指标为累计数，按各县（市、区）明细重新相加，报表中的合计行只用于核对；"
        "未报送的县（市、区）不计入。"
    )
    return notes


def _chart_data(wb: xlsxwriter.Workbook, facts: Facts, metrics: list[Column]) -> None:
    """A hidden sheet with the reported cities only, for the charts."""
    ws = wb.add_worksheet(CHART_DATA)
    ws.write_string(0, 0, "设区市")
    for j, m in enumerate(metrics[:2]):
        ws.write_string(0, 1 + j, m.label)
    reported = [c for c in facts.cities if c.counties_reported]
    for i, c in enumerate(reported, start=1):
        ws.write_string(i, 0, c.city)
        for j, m in enumerate(metrics[:2]):
            ws.write_number(i, 1 + j, c.totals[m.key])
    ws.hide()


def _charts(
    wb: xlsxwriter.Workbook, ws: Worksheet, facts: Facts, metrics: list[Column], row: int
) -> bool:
    """One bar chart per measure (reported cities only) on a page of its own; whether any."""
    n = sum(1 for c in facts.cities if c.counties_reported)
    if not n:
        return False
    for j, (m, unit) in enumerate(zip(metrics[:2], ("个", "人次"), strict=False)):
        chart = wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": m.label,
                "categories": [CHART_DATA, 1, 0, n, 0],
                "values": [CHART_DATA, 1, 1 + j, n, 1 + j],
                "fill": {"color": "#4472C4"},
                "data_labels": {"value": True, "font": {"size": 8}},
            }
        )
        chart.set_title(
            {"name": f"各市{m.label}（{unit}）", "name_font": {"name": "黑体", "size": 12}}
        )
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_font": {"name": "宋体"}})
        chart.set_y_axis({"num_font": {"name": "宋体"}, "min": 0})
        chart.set_size({"width": 430, "height": 300})
        ws.insert_chart(row, j * 7, chart)
    return True
