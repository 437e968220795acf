"""The summary workbook's tables beside the figures: quotas, returns, plan, issues, changes,
files and the 说明 sheet; and the layout helpers every sheet shares."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator import __version__
from aggregator.clock import CHINA, parse_time
from aggregator.judge.facts import Facts
from aggregator.judge.reporting import MISSING
from aggregator.period import period_label
from aggregator.problems import SEVERITY_LABEL
from aggregator.rulebook import Context
from aggregator.rulebook.schema import form_label
from aggregator.vocab import Status
from aggregator.write.xlsx import Styles, print_setup


def naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(CHINA).replace(tzinfo=None)


def top(
    ws: Worksheet, st: Styles, title: str, subtitle: str, heads: Sequence[tuple[str, float]]
) -> int:
    last = len(heads) - 1
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, title, st.title)
    ws.merge_range(1, 0, 1, last, subtitle, st.subtitle)
    lines = max(h.count("\n") + 1 for h, _ in heads)
    ws.set_row(2, max(24, 14 * lines + 6))
    for i, (h, w) in enumerate(heads):
        ws.write_string(2, i, h, st.header)
        ws.set_column(i, i, w)
    if isinstance(ws, ReportSheet):
        ws.text_widths = [w for _, w in heads]
    ws.freeze_panes(3, 0)
    print_setup(ws, (0, 2), footer=title[:40])
    return 3


def sub(facts: Facts) -> str:
    d = facts.json
    return f"{d['period_label']}　数据截至 {parse_time(d['as_of']):%Y-%m-%d %H:%M}　已报送 {d['province']['counties_reported']}/{d['province']['counties_expected']} 个县（市、区）"


class ReportSheet(Worksheet):  # type: ignore[misc]
    """A worksheet that remembers how many lines its wrapped cells need: xlsxwriter cannot
    autofit rows (nor does LibreOffice on load), so ``finish`` sets the heights."""

    def __init__(self) -> None:
        super().__init__()
        self.text_widths: list[float] = []
        self.text_lines: dict[int, int] = {}


def new_sheet(wb: xlsxwriter.Workbook, name: str) -> ReportSheet:
    """A report sheet (see :class:`ReportSheet`)."""
    ws: ReportSheet = wb.add_worksheet(name, worksheet_class=ReportSheet)
    return ws


def text(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    """Write text as text (never a formula), noting how many lines it needs when it wraps."""
    value = "" if v is None else str(v)
    ws.write_string(r, c, value, fmt)
    if not isinstance(ws, ReportSheet) or not value or not getattr(fmt, "text_wrap", False):
        return
    if c >= len(ws.text_widths):
        return
    width = ws.text_widths[c]
    if len(value) * 1.9 <= width and "\n" not in value:
        return  # fits on one line whatever its characters
    lines = sum(math.ceil(max(1.0, _display_width(part)) / width) for part in value.split("\n"))
    ws.text_lines[r] = max(ws.text_lines.get(r, 1), lines)


LINE_HEIGHT = 14.5


def _display_width(s: str) -> float:
    """Width in column units: a CJK character is about two digits wide, ASCII a little under one."""
    return sum(1.9 if ord(ch) > 0x2E80 else 0.9 for ch in s)


def finish(ws: Worksheet) -> None:
    """Give rows with wrapped text the height their lines need."""
    if not isinstance(ws, ReportSheet):
        return
    for r, n in ws.text_lines.items():
        if n > 1:
            ws.set_row(r, LINE_HEIGHT * n + 2)
    ws.text_lines = {}


def quota_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = new_sheet(wb, "配额达标")
    heads = [
        ("设区市", 10),
        ("县（市、区）", 14),
        ("配额", 36),
        ("要求", 7),
        ("实际", 7),
        ("结果", 10),
        ("差额", 7),
        ("说明", 40),
    ]
    r = top(ws, st, f"{facts.json['period_label']}配额达标情况", sub(facts), heads)
    fmt = {"达标": st.ok, "未达标": st.bad, "无法核验": st.unknown}
    for q in facts.quotas:
        ws.write_string(r, 0, q.city, st.text_center)
        ws.write_string(r, 1, q.county or "（全市）", st.text_center)
        ws.write_string(r, 2, q.quota, st.text)
        ws.write_number(r, 3, q.required, st.int)
        if q.actual is not None:
            ws.write_number(r, 4, q.actual, st.int)
        else:
            ws.write_string(r, 4, "—", st.text_center)
        ws.write_string(r, 5, q.status, fmt[q.status])
        if q.shortfall is not None:
            ws.write_number(r, 6, q.shortfall, st.int)
        else:
            ws.write_blank(r, 6, None, st.text)
        ws.write_string(r, 7, q.note, st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def returns_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = new_sheet(wb, "报送情况")
    heads = [
        ("设区市", 10),
        ("表单", 18),
        ("截止日期", 11),
        ("收到时间", 16),
        ("依据", 16),
        ("状态", 11),
        ("文件", 40),
        ("填报人", 10),
        ("联系电话", 16),
    ]
    r = top(ws, st, f"{facts.json['period_label']}报送情况", sub(facts), heads)
    for x in facts.returns:
        ws.write_string(r, 0, x.city, st.text_center)
        ws.write_string(r, 1, x.form_label, st.text)
        ws.write_datetime(r, 2, dt.datetime.combine(x.deadline, dt.time()), st.date)
        if x.received_at:
            ws.write_datetime(r, 3, naive(x.received_at), st.datetime)
        else:
            ws.write_string(r, 3, "—", st.text_center)
        text(ws, r, 4, x.evidence, st.text_center)
        ws.write_string(
            r, 5, x.state, st.ok if x.on_time else st.missing if x.state == MISSING else st.bad
        )
        text(ws, r, 6, x.files, st.text)
        text(ws, r, 7, x.contact, st.text)
        text(ws, r, 8, x.phone, st.text)
        r += 1
    ws.autofilter(2, 0, r - 1, len(heads) - 1)
    r += 1
    ws.merge_range(r, 0, r, len(heads) - 1, "催报名单", st.header)
    r += 1
    if not facts.chase:
        ws.merge_range(r, 0, r, len(heads) - 1, "无：所有市均已报送。", st.text)
    for c in facts.chase:
        ws.write_string(r, 0, c.city, st.text_center)
        ws.merge_range(r, 1, r, 6, c.missing, st.text)
        text(ws, r, 7, c.contact, st.text)
        text(ws, r, 8, c.phone, st.text)
        r += 1
    finish(ws)


def plan_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = new_sheet(wb, "活动计划")
    heads = [
        ("序号", 5),
        ("设区市", 9),
        ("县（市、区）", 12),
        ("活动名称", 26),
        ("活动主要内容", 30),
        ("拟举办日期（原文）", 14),
        ("日期起", 11),
        ("日期止", 11),
        ("举办单位", 26),
        ("邀请专家数", 8),
        ("联办", 6),
        ("联办县（市、区）", 18),
        ("示范团活动", 8),
        ("活动联系人", 9),
        ("联系电话", 14),
        ("来源文件", 24),
    ]
    r = top(ws, st, f"{facts.period.year}年专家服务工程活动计划汇总", sub(facts), heads)
    for i, a in enumerate(facts.activities, start=1):
        ws.write_number(r, 0, i, st.text_center)
        text(ws, r, 1, a.city, st.text_center)
        text(ws, r, 2, a.county or "市级", st.text_center)
        text(ws, r, 3, a.name, st.text)
        text(ws, r, 4, a.content, st.text)
        text(ws, r, 5, a.when_text, st.text_center)
        for c, day in ((6, a.when_start), (7, a.when_end)):
            if day:
                d = dt.date.fromisoformat(day)
                ws.write_datetime(r, c, dt.datetime(d.year, d.month, d.day), st.date)
            else:
                ws.write_string(r, c, "未识别", st.unknown)
        text(ws, r, 8, a.hosts, st.text)
        if a.experts is not None:
            ws.write_number(r, 9, a.experts, st.int)
        else:
            ws.write_blank(r, 9, None, st.text)
        ws.write_string(r, 10, "是" if a.joint else "", st.text_center)
        text(ws, r, 11, "、".join(a.counties) if a.joint else "", st.text)
        ws.write_string(r, 12, "是" if a.demo_team else "", st.text_center)
        text(ws, r, 13, a.contact_person, st.text)
        text(ws, r, 14, a.contact_phone, st.text)
        text(ws, r, 15, f"{a.file}（{a.sheet} 第{a.row}行）", st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def issues_sheet(wb: xlsxwriter.Workbook, st: Styles, issues: list[dict[str, Any]]) -> None:
    ws = new_sheet(wb, "数据问题")
    heads = [
        ("序号", 5),
        ("级别", 6),
        ("设区市", 9),
        ("县（市、区）", 12),
        ("文件", 30),
        ("工作表", 12),
        ("单元格", 7),
        ("说明", 70),
        ("代码", 18),
    ]
    r = top(
        ws,
        st,
        "数据问题清单",
        f"共 {len(issues)} 条：错误 {sum(i['severity'] == 'error' for i in issues)} 条，提醒 {sum(i['severity'] == 'warning' for i in issues)} 条",
        heads,
    )
    for n, i in enumerate(issues, start=1):
        ws.write_number(r, 0, n, st.text_center)
        ws.write_string(
            r, 1, SEVERITY_LABEL[i["severity"]], st.bad if i["severity"] == "error" else st.unknown
        )
        for c, k in (
            (2, "city"),
            (3, "county"),
            (4, "file"),
            (5, "sheet"),
            (6, "cell"),
            (7, "message"),
            (8, "code"),
        ):
            text(ws, r, c, i[k], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def changes_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, labels: dict[str, str]
) -> None:
    ws = new_sheet(wb, "更正记录")
    heads = [
        ("序号", 5),
        ("县（市、区）", 16),
        ("指标", 30),
        ("原值", 9),
        ("新值", 9),
        ("原文件", 34),
        ("新文件", 34),
    ]
    r = top(ws, st, "更正记录（后报文件取代先报文件）", f"共 {len(facts.changes)} 处变化", heads)
    for n, c in enumerate(facts.changes, start=1):
        ws.write_number(r, 0, n, st.text_center)
        text(ws, r, 1, c.key, st.text_center)
        metric = labels.get(
            c.metric, "计划活动数" if c.metric == "planned_activities" else c.metric
        )
        text(ws, r, 2, metric, st.text)
        for col, v in ((3, c.old), (4, c.new)):
            if v is not None:
                ws.write_number(r, col, v, st.int)
            else:
                ws.write_string(r, col, "未填", st.unknown)
        text(ws, r, 5, c.old_file, st.text)
        text(ws, r, 6, c.new_file, st.text)
        r += 1
    finish(ws)


def files_sheet(wb: xlsxwriter.Workbook, st: Styles, subs: list[dict[str, Any]]) -> None:
    ws = new_sheet(wb, "收到的文件")
    heads = [
        ("序号", 5),
        ("文件（收件箱中的名称）", 40),
        ("状态", 10),
        ("表单", 8),
        ("设区市", 9),
        ("期次", 12),
        ("收到时间", 16),
        ("按时", 8),
        ("原因", 50),
    ]
    r = top(ws, st, "收到的文件", f"共 {len(subs)} 个", heads)
    for n, s in enumerate(subs, start=1):
        ws.write_number(r, 0, n, st.text_center)
        text(ws, r, 1, s["file"], st.text)
        ws.write_string(
            r,
            2,
            Status(s["status"]).label,
            st.ok
            if s["status"] == Status.ACCEPTED
            else st.bad
            if s["status"] == Status.REJECTED
            else st.unknown,
        )
        text(ws, r, 3, form_label(s["form"], short=True), st.text_center)
        text(ws, r, 4, s["city"], st.text_center)
        text(ws, r, 5, period_label(s["period"]) if s["period"] else "", st.text_center)
        ws.write_datetime(r, 6, naive(parse_time(s["received_at"])), st.datetime)
        ws.write_string(
            r,
            7,
            "" if s["on_time"] is None else "按时" if s["on_time"] else f"逾期{s['late_days']}天",
            st.text_center,
        )
        text(ws, r, 8, s["reason"], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    finish(ws)


def about_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context) -> None:
    ws = new_sheet(wb, "说明")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 4, 18)
    d = facts.json
    rows = [
        ("期次", d["period_label"]),
        ("数据截至", f"{parse_time(d['as_of']):%Y-%m-%d %H:%M}（北京时间）"),
        ("政策文件", f"{ctx.policy.path.name}（{ctx.policy.notice}）"),
        ("结对文件", f"{ctx.policy.pairings_path.name}（采用 {len(ctx.policy.pairings)} 对）"),
        (
            "截止日期",
            "；".join(
                f"{k}：{v:%Y-%m-%d}"
                for k, v in (
                    ("活动计划", ctx.policy.deadline(facts.period.plan)),
                    ("上半年成果", ctx.policy.deadline(facts.period.results[0])),
                    ("全年成果", ctx.policy.deadline(facts.period.results[1])),
                )
            ),
        ),
        ("工具版本", f"aggregator {__version__}"),
        (
            "计算口径",
            "各指标为累计数；按县（市、区）明细重新相加，报表中的合计行只用于核对；未报送的县显示“未报送”，不按0计；同一市同一表单同一期次后报的文件按县取代先报的文件。",
        ),
    ]
    ws.merge_range(0, 0, 0, 4, "说明", st.title)
    r = 2
    for k, v in rows:
        ws.write_string(r, 0, k, st.header)
        ws.merge_range(r, 1, r, 4, v, st.text)
        r += 1
    r += 1
    for i, h in enumerate(("文件", "sha256", "大小（字节）", "收到时间", "状态")):
        ws.write_string(r, i, h, st.header)
    ws.set_column(1, 1, 70)
    r += 1
    for x in facts.inputs:
        text(ws, r, 0, x.file, st.text)
        ws.write_string(r, 1, x.sha256, st.text)
        ws.write_number(r, 2, x.size, st.int)
        ws.write_string(r, 3, f"{parse_time(x.received_at):%Y-%m-%d %H:%M}", st.text)
        ws.write_string(r, 4, x.status.label, st.text)
        r += 1
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
