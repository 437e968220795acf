"""The summary workbook's tables of duties: 配额达标 (who must do what, then the detail),
报送情况 with the chase list, and 活动计划. Layout helpers live in ``layout``."""

from __future__ import annotations

import datetime as dt
import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.judge.facts import Facts
from aggregator.judge.quotas import NOT_APPLICABLE, OK, SHORT, UNKNOWN, QuotaRow
from aggregator.write.appreturns import app_returns_block, return_cells
from aggregator.write.layout import (
    ONE_LINE,
    city_rank,
    county_rank,
    finish,
    header_row,
    merged_width,
    new_sheet,
    note_lines,
    sub,
    text,
    top,
)
from aggregator.write.xlsx import Styles, print_setup

# a parenthesis telling the analyst to edit a file does not belong on a page sent upward
_FILE_HINT = re.compile(r"（[^）]*文件[^）]*）")


def quota_note(q: QuotaRow) -> str:
    """What the 说明 cell says: for 未达标, what is missing."""
    note = _FILE_HINT.sub("", q.note)
    if q.status == SHORT and q.shortfall is not None:
        gap = f"尚差 {q.shortfall}（要求 {q.required}，实有 {q.actual}）"
        return gap + (f"；{note}" if note else "")
    return note


def quota_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    """配额达标: 任务完成情况 per city, the quotas' data sources, then every row."""
    ws = new_sheet(wb, "配额达标")
    heads = [
        ("设区市", 9),
        ("县（市、区）", 15),
        ("配额", 34),
        ("要求", 6),
        ("实际", 6),
        ("结果", 9),
        ("差额", 6),
        ("说明", 44),
    ]
    last = len(heads) - 1
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, f"{facts.json['period_label']}配额任务完成情况", st.title)
    ws.merge_range(1, 0, 1, last, sub(facts), st.subtitle)
    for i, (_, w) in enumerate(heads):
        ws.set_column(i, i, w)
    ws.text_widths = [w for _, w in heads]
    rank = city_rank(facts)
    rows = sorted(facts.quotas, key=lambda q: (rank.get(q.city, 99), q.county == ""))
    r = _task_block(ws, st, facts, rows, 2)
    r = _source_block(ws, st, rows, r + 1)
    ws.set_h_pagebreaks([r + 1])  # the detail starts on a page of its own
    ws.merge_range(r + 1, 0, r + 1, last, "逐项核验明细", st.stamp)
    r += 2
    header_row(ws, st, r, heads)
    ws.text_widths = [w for _, w in heads]
    first = r
    fmt = {OK: st.ok, SHORT: st.bad, UNKNOWN: st.unknown, NOT_APPLICABLE: st.text_center}
    for q in rows:
        r += 1
        ws.write_string(r, 0, q.city, st.text_center)
        ws.write_string(r, 1, q.county or "（全市）", st.text_center)
        text(ws, r, 2, q.quota, st.text)
        ws.write_number(r, 3, q.required, st.int_center)
        if q.actual is not None:
            ws.write_number(r, 4, q.actual, st.int_center)
        else:
            ws.write_string(r, 4, "—", st.text_center)
        ws.write_string(r, 5, q.status, fmt[q.status])
        if q.shortfall is not None:
            ws.write_number(r, 6, q.shortfall, st.int_center)
        else:
            ws.write_blank(r, 6, None, st.text)
        text(ws, r, 7, quota_note(q), st.text)
    ws.autofilter(first, 0, max(r, first + 1), last)
    print_setup(ws, (first, first), footer="配额任务完成情况")
    finish(ws)


def _task_block(ws: Worksheet, st: Styles, facts: Facts, rows: list[QuotaRow], r: int) -> int:
    """任务完成情况: per city, what it must do, how it stands, and what falls short."""
    header_row(ws, st, r, [("设区市", 9), ("应完成的任务", 12)])
    ws.merge_range(r, 1, r, 2, "应完成的任务", st.header)
    ws.merge_range(r, 3, r, 6, "完成情况", st.header)
    ws.write_string(r, 7, "未达标事项", st.header)
    ws.text_widths = [9, 46, 0, 0, 0, 0, 0, 44]
    by_city: dict[str, list[QuotaRow]] = {}
    for q in rows:
        if q.status != NOT_APPLICABLE:
            by_city.setdefault(q.city, []).append(q)
    for city in facts.cities:
        mine = by_city.get(city.city, [])
        if not mine:
            continue
        r += 1
        duties: dict[str, int] = {}
        for q in mine:
            base = re.sub(r"（[^）]*）$", "", q.quota)
            duties[base] = duties.get(base, 0) + 1
        ws.write_string(r, 0, city.city, st.text_center)
        duty = "；".join(f"{k}（{n} 项）" if n > 1 else k for k, n in duties.items())
        ws.merge_range(r, 1, r, 2, "", st.text)
        text(ws, r, 1, duty, st.text)
        counts = {s: sum(q.status == s for q in mine) for s in (OK, SHORT, UNKNOWN)}
        state = "，".join(f"{s} {n}" for s, n in counts.items() if n)
        ws.merge_range(r, 3, r, 6, state, st.bad if counts[SHORT] else st.text_center)
        short = [
            f"{q.county or '全市'}：{q.quota}，{quota_note(q)}" for q in mine if q.status == SHORT
        ]
        text(ws, r, 7, "\n".join(short) or "无", st.text)
    return r + 1


def _source_block(ws: Worksheet, st: Styles, rows: list[QuotaRow], r: int) -> int:
    """The quotas' data sources, once each."""
    seen: dict[str, str] = {}
    for q in rows:
        seen.setdefault(re.sub(r"（[^）]*）$", "", q.quota), q.source)
    ws.merge_range(r, 0, r, 2, "配额", st.header)
    ws.merge_range(r, 3, r, 7, "数据来源", st.header)
    for label, source in seen.items():
        r += 1
        ws.merge_range(r, 0, r, 2, label, st.text)
        ws.merge_range(r, 3, r, 7, source or "—", st.text)
    return r + 1


def returns_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    """报送情况 per city and form, then the 催报名单 with its own headers and deadlines."""
    ws = new_sheet(wb, "报送情况")
    heads = [
        ("设区市", 9),
        ("表单", 18),
        ("截止日期", 11),
        ("收到时间", 16),
        ("依据", 16),
        ("状态", 11),
        ("文件", 40),
        ("填报人", 10),
        ("联系电话", 15),
    ]
    r = top(ws, st, f"{facts.json['period_label']}报送情况", sub(facts), heads)
    for x in facts.returns:
        ws.write_string(r, 0, x.city, st.text_center)
        ws.set_row(r, ONE_LINE)  # taller when a cell wraps (finish)
        ws.write_string(r, 1, x.form_label, st.text)
        return_cells(ws, st, r, x)
        r += 1
    ws.autofilter(2, 0, r - 1, len(heads) - 1)
    r = app_returns_block(ws, st, facts, r + 1, len(heads) - 1) - 1
    _chase(ws, st, facts, r + 1, len(heads) - 1)
    finish(ws)


def _chase(ws: Worksheet, st: Styles, facts: Facts, r: int, last: int) -> None:
    ws.merge_range(r, 0, r, last, "催报名单", st.stamp)
    r += 1
    for col, h in enumerate(
        ("设区市", "尚未报送", "", "", "", "", "截止日期", "联系人", "联系电话")
    ):
        if h:
            ws.write_string(r, col, h, st.header)
    ws.merge_range(r, 1, r, 5, "尚未报送", st.header)
    r += 1
    if not facts.chase:
        ws.merge_range(r, 0, r, last, "无：所有市均已报送。", st.text)
    for c in facts.chase:
        ws.set_row(r, ONE_LINE)  # taller when a cell wraps (finish)
        ws.write_string(r, 0, c.city, st.text_center)
        ws.merge_range(r, 1, r, 5, c.missing, st.text)  # our own words: no formula to fear
        note_lines(ws, r, c.missing, merged_width(ws, 1, 5))
        if c.deadline:
            ws.write_datetime(r, 6, dt.datetime.combine(c.deadline, dt.time()), st.date)
        else:
            ws.write_blank(r, 6, None, st.text)
        text(ws, r, 7, c.contact or "（未填）", st.text)
        text(ws, r, 8, c.phone, st.text)
        r += 1


def plan_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, plan_title: str) -> None:
    """活动计划: portrait A4, cities in the standard order, 联办/示范团 as 是/否."""
    ws = new_sheet(wb, "活动计划")
    heads = [
        ("序号", 4.5),
        ("设区市\n县（市、区）", 10),
        ("活动名称", 16),
        ("活动主要内容", 22),
        ("拟举办日期", 10),
        ("举办单位", 14),
        ("邀请\n专家数", 6),
        ("联办", 9),
        ("示范\n团", 4.5),
        ("联系人\n联系电话", 14),
    ]
    title = plan_title.replace("计划表", "计划汇总表")
    r = top(ws, st, title, sub(facts), heads, portrait=True)
    crank, krank = city_rank(facts), county_rank(facts)
    acts = sorted(
        facts.activities,
        key=lambda a: (crank.get(a.city or "", 99), krank.get(a.county or "", -1), a.file, a.row),
    )
    for i, a in enumerate(acts, start=1):
        ws.write_number(r, 0, i, st.text_center)
        text(ws, r, 1, f"{a.city or ''}\n{a.county or '市级'}", st.text_center)
        text(ws, r, 2, a.name, st.text)
        text(ws, r, 3, a.content, st.text)
        text(ws, r, 4, a.when_text, st.text_center)
        text(ws, r, 5, a.hosts, st.text)
        if a.experts is not None:
            ws.write_number(r, 6, a.experts, st.int_center)
        else:
            ws.write_blank(r, 6, None, st.text)
        text(ws, r, 7, f"是\n{'、'.join(a.counties)}" if a.joint else "否", st.text_center)
        ws.write_string(r, 8, "是" if a.demo_team else "否", st.text_center)
        text(ws, r, 9, f"{a.contact_person}\n{a.contact_phone}".strip(), st.text_center)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)
