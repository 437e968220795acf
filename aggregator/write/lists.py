"""The summary workbook's lists: 数据问题, 更正记录, 收到的文件 and 说明 (Chinese only on the
pages; codes, checksums and configuration file names stay in the JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlsxwriter

from aggregator import __version__
from aggregator.clock import parse_time
from aggregator.judge.decide import Change
from aggregator.judge.facts import Facts
from aggregator.period import period_label
from aggregator.problems import SEVERITY_LABEL
from aggregator.rulebook import Context
from aggregator.rulebook.schema import form_label
from aggregator.vocab import Status
from aggregator.write.layout import city_rank, finish, naive, new_sheet, sub, text, top
from aggregator.write.xlsx import Styles, print_setup


def issue_message(i: dict[str, Any]) -> str:
    """The message without its leading cell address when the 单元格 column shows it."""
    msg = str(i["message"])
    cell = i.get("cell") or ""
    if cell and msg.startswith(f"{cell}："):
        return msg[len(cell) + 1 :]
    return msg


def issues_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    """数据问题: errors first, then warnings, cities in the standard order."""
    issues = facts.json["issues"]
    rank = city_rank(facts)
    ordered = sorted(issues, key=lambda i: (i["severity"] != "error", rank.get(i["city"], 99)))
    ws = new_sheet(wb, "数据问题")
    heads = [
        ("序号", 5),
        ("级别", 6),
        ("设区市", 9),
        ("县（市、区）", 11),
        ("文件", 30),
        ("工作表", 10),
        ("单元格", 7),
        ("说明", 66),
    ]
    errors = sum(i["severity"] == "error" for i in issues)
    r = top(
        ws,
        st,
        "数据问题清单",
        f"共 {len(issues)} 条：错误 {errors} 条，提醒 {len(issues) - errors} 条",
        heads,
    )
    for n, i in enumerate(ordered, start=1):
        ws.write_number(r, 0, n, st.text_center)
        ws.write_string(
            r, 1, SEVERITY_LABEL[i["severity"]], st.bad if i["severity"] == "error" else st.unknown
        )
        for c, k in ((2, "city"), (3, "county"), (4, "file"), (5, "sheet"), (6, "cell")):
            text(ws, r, c, i[k], st.text)
        text(ws, r, 7, issue_message(i), st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def changes_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, labels: dict[str, str]
) -> None:
    """更正记录: what each later return changed, one row per county and file (its changed
    figures listed in the row, one line each)."""
    ws = new_sheet(wb, "更正记录")
    heads = [
        ("序号", 5),
        ("县（市、区）", 14),
        ("变化的指标：原值 → 新值", 44),
        ("原文件", 34),
        ("新文件", 34),
    ]
    groups = correction_groups(facts.changes)
    r = top(
        ws,
        st,
        "更正记录（后报文件取代先报文件）",
        f"共 {len(groups)} 处更正，{len(facts.changes)} 项指标变化",
        heads,
    )
    for n, group in enumerate(groups, start=1):
        first = group[0]
        ws.write_number(r, 0, n, st.text_center)
        text(ws, r, 1, first.key, st.text_center)
        lines = [
            f"{labels.get(c.metric, '计划活动数' if c.metric == 'planned_activities' else c.metric)}："
            f"{_figure(c.old)} → {_figure(c.new)}"
            for c in group
        ]
        text(ws, r, 2, "\n".join(lines), st.text)
        text(ws, r, 3, first.old_file, st.text)
        text(ws, r, 4, first.new_file, st.text)
        r += 1
    finish(ws)


def correction_groups(changes: list[Change]) -> list[list[Change]]:
    """Changes grouped by county and pair of files, in their order."""
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for c in changes:
        groups.setdefault((c.key, c.old_file, c.new_file), []).append(c)
    return list(groups.values())


def _figure(v: int | None) -> str:
    return "未填" if v is None else str(v)


def files_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    """收到的文件: every file taken in (the source of each city's figures)."""
    subs = facts.json["submissions"]
    rank = city_rank(facts)
    subs = sorted(subs, key=lambda s: (rank.get(s["city"] or "", 99), s["received_at"]))
    ws = new_sheet(wb, "收到的文件")
    heads = [
        ("序号", 5),
        ("设区市", 9),
        ("文件（收件箱中的名称）", 40),
        ("表单", 8),
        ("期次", 10),
        ("收到时间", 16),
        ("状态", 9),
        ("按时", 9),
        ("原因", 44),
    ]
    r = top(ws, st, "收到的文件", f"{sub(facts)}　共 {len(subs)} 个文件", heads)
    forms: dict[Any, str] = {}  # the same few forms, periods and times, worked out once each
    periods: dict[Any, str] = {}
    times: dict[str, dt.datetime] = {}
    for n, s in enumerate(subs, start=1):
        ws.write_number(r, 0, n, st.text_center)
        text(ws, r, 1, s["city"], st.text_center)
        text(ws, r, 2, s["file"], st.text)
        form, period, at = s["form"], s["period"], s["received_at"]
        if form not in forms:
            forms[form] = form_label(form, short=True)
        if period not in periods:
            periods[period] = period_label(period) if period else ""
        if at not in times:
            times[at] = naive(parse_time(at))
        text(ws, r, 3, forms[form], st.text_center)
        text(ws, r, 4, periods[period], st.text_center)
        ws.write_datetime(r, 5, times[at], st.datetime)
        status = s["status"]
        fmt = (
            st.ok
            if status == Status.ACCEPTED
            else st.bad
            if status == Status.REJECTED
            else st.unknown
        )
        ws.write_string(r, 6, Status(status).label, fmt)
        late = "" if s["on_time"] is None else "按时" if s["on_time"] else f"逾期{s['late_days']}天"
        ws.write_string(r, 7, late, st.text_center)
        text(ws, r, 8, s["reason"], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def about_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context) -> None:
    """说明: period, as-of time, the notice, deadlines and the method (one row each)."""
    ws = new_sheet(wb, "说明")
    d = facts.json
    heads = [("项目", 14), ("内容", 100)]
    r = top(ws, st, "说明", sub(facts), heads)
    rows = [
        ("期次", d["period_label"]),
        ("数据截至", f"{parse_time(d['as_of']):%Y-%m-%d %H:%M}（北京时间）"),
        ("依据", ctx.policy.notice),
        ("截止日期", _deadlines(facts, ctx)),
        ("收到的文件", f"共 {len(d['submissions'])} 个，逐个列在“收到的文件”表"),
        (
            "计算口径",
            "各指标为累计数；按县（市、区）明细重新相加，报表中的合计行只用于核对；"
            "未报送的县显示“未报送”，不按 0 计；同一市同一表单同一期次后报的文件按县取代先报的文件。",
        ),
        ("标记", "数字前的“※”表示该数经核对有误（如全年数小于上半年数），已计入合计，待核实。"),
        ("工具版本", f"汇总工具 {__version__}（文件校验值等明细见同名 JSON 文件）"),
    ]
    for k, v in rows:
        ws.write_string(r, 0, k, st.header)
        text(ws, r, 1, v, st.text)
        r += 1
    print_setup(ws, (0, 2), footer="说明")
    finish(ws)


def _deadlines(facts: Facts, ctx: Context) -> str:
    return "；".join(
        f"{k}：{v:%Y-%m-%d}"
        for k, v in (
            ("活动计划", ctx.policy.deadline(facts.period.plan)),
            ("上半年成果", ctx.policy.deadline(facts.period.results[0])),
            ("全年成果", ctx.policy.deadline(facts.period.results[1])),
            ("申报与推荐（附件1–3）", ctx.policy.deadline(facts.period.plan, "applications")),
        )
    )
