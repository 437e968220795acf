"""The provincial summary workbook (xlsxwriter): printable, filterable, all in Chinese.

Text from returns is always written with ``write_string`` (never as a formula), and the
workbook is created with ``strings_to_formulas`` off as a second guard.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator import __version__
from aggregator.check import period_label
from aggregator.clock import CHINA, parse_time
from aggregator.facts import Facts
from aggregator.problems import col_letter
from aggregator.reader import Context
from aggregator.schema import Column
from aggregator.xlsxstyle import Styles, print_setup

SEVERITY = {"error": "错误", "warning": "提醒"}
STATUS = {"accepted": "已采用", "rejected": "拒收", "superseded": "已被取代", "duplicate": "重复报送", "ignored": "已忽略"}


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(CHINA).replace(tzinfo=None)


def report_title(ctx: Context, period: str) -> str:
    """The A5 title with the period: 2023年上半年“智聚山海·助力共富”… / 2023年度…"""
    title = ctx.policy.titles["A5"]
    year = period[:4]
    label = "上半年" if period.endswith("H1") else "度"
    return title.replace(f"{year}年", f"{year}年{label}", 1) if title.startswith(f"{year}年") else f"{period_label(period)}{title}"


def write_report(path: Path, facts: Facts, ctx: Context) -> None:
    """Write every sheet of the summary workbook to ``path``."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    st = Styles(wb)
    doc = facts.json
    metrics = [c for c in ctx.schemas["A5"].metrics]
    _summary_sheet(wb, st, facts, ctx, metrics)
    _county_sheet(wb, st, facts, ctx, metrics)
    _quota_sheet(wb, st, facts)
    _returns_sheet(wb, st, facts)
    _plan_sheet(wb, st, facts)
    _issues_sheet(wb, st, doc["issues"])
    _changes_sheet(wb, st, facts, {c.key: c.label for c in metrics})
    _files_sheet(wb, st, doc["submissions"])
    _about_sheet(wb, st, facts, ctx)
    wb.close()


def _top(ws: Worksheet, st: Styles, title: str, subtitle: str, heads: list[tuple[str, float]]) -> int:
    last = len(heads) - 1
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, title, st.title)
    ws.merge_range(1, 0, 1, last, subtitle, st.subtitle)
    lines = max(h.count("\n") + 1 for h, _ in heads)
    ws.set_row(2, max(24, 14 * lines + 6))
    for i, (h, w) in enumerate(heads):
        ws.write_string(2, i, h, st.header)
        ws.set_column(i, i, w)
    ws.freeze_panes(3, 0)
    print_setup(ws, (0, 2), last, footer=title[:40])
    return 3


def _sub(facts: Facts) -> str:
    d = facts.json
    return f"{d['period_label']}　数据截至 {parse_time(d['as_of']):%Y-%m-%d %H:%M}　已报送 {d['province']['counties_reported']}/{d['province']['counties_expected']} 个县（市、区）"


def _text(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    ws.write_string(r, c, "" if v is None else str(v), fmt)


def _summary_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context, metrics: list[Column]) -> None:
    ws = wb.add_worksheet("成果汇总")
    heads = [("序号", 5), ("设区市", 10)] + [(c.header, 9) for c in metrics] + [("报送情况", 14)]
    r0 = _top(ws, st, report_title(ctx, facts.json["period"]), "填报单位：浙江省专家与留学人员服务中心　　" + _sub(facts), heads)
    cities = facts.json["cities"]
    for i, c in enumerate(cities):
        r = r0 + i
        ws.write_number(r, 0, i + 1, st.text_center)
        ws.write_string(r, 1, c["city"], st.text_center)
        for j, m in enumerate(metrics):
            ws.write_number(r, 2 + j, c["totals"][m.key], st.int)
        state = f"已报 {c['counties_reported']}/{c['counties_expected']} 县" if c["counties_reported"] else "未报送"
        ws.write_string(r, 2 + len(metrics), state, st.text_center if c["counties_reported"] else st.missing)
    tr = r0 + len(cities)
    ws.merge_range(tr, 0, tr, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        ws.write_formula(tr, 2 + j, f"=SUM({col}{r0 + 1}:{col}{tr})", st.total_int, facts.json["province"]["totals"][m.key])
    p = facts.json["province"]
    ws.write_string(tr, 2 + len(metrics), f"已报 {p['counties_reported']}/{p['counties_expected']} 县", st.total_label)
    last = 2 + len(metrics)
    ws.merge_range(tr + 2, 0, tr + 2, last, "填报人及联系电话：", st.footer)
    ws.merge_range(tr + 3, 0, tr + 3, last, "说明：数据为各县（市、区）累计数，按各县明细重新相加（不采用报表中的合计行）；未报送的县不计入。", st.note)
    if p["counties_reported"]:
        bars = wb.add_chart({"type": "column"})
        bars.add_series({"name": metrics[0].label, "categories": ["成果汇总", r0, 1, tr - 1, 1], "values": ["成果汇总", r0, 2, tr - 1, 2], "fill": {"color": "#4472C4"}})
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": metrics[1].label, "categories": ["成果汇总", r0, 1, tr - 1, 1], "values": ["成果汇总", r0, 3, tr - 1, 3], "y2_axis": True, "marker": {"type": "circle"}, "line": {"color": "#C00000"}})
        bars.combine(line)
        bars.set_title({"name": "各市已完成服务团数量与邀请专家人次", "name_font": {"name": "黑体", "size": 12}})
        bars.set_legend({"position": "bottom", "font": {"name": "宋体"}})
        bars.set_x_axis({"num_font": {"name": "宋体"}})
        bars.set_y_axis({"name": "服务团（个）", "name_font": {"name": "宋体"}})
        line.set_y2_axis({"name": "专家（人次）", "name_font": {"name": "宋体"}})
        bars.set_size({"width": 900, "height": 320})
        ws.insert_chart(tr + 5, 1, bars)


def _county_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context, metrics: list[Column]) -> None:
    ws = wb.add_worksheet("分县明细")
    heads = [("设区市", 10), ("县（市、区）", 14)] + [(c.header, 9) for c in metrics] + [("山区县", 7), ("来源文件", 30)]
    r = _top(ws, st, report_title(ctx, facts.json["period"]).replace("汇总表", "分县明细表"), _sub(facts), heads)
    counties = facts.json["counties"]
    own = {c["city"]: c["metrics"] for c in facts.city_rows}
    files = {}
    for s in facts.json["submissions"]:
        if s["status"] == "accepted" and s["form"] == "A5" and s["period"] == facts.json["period"]:
            files.setdefault(s["city"], []).append(s["file"])
    subtotal_rows: list[int] = []
    for city in facts.json["cities"]:
        first = r
        for c in [c for c in counties if c["city"] == city["city"]]:
            ws.write_string(r, 0, city["city"], st.text_center)
            ws.write_string(r, 1, c["county"], st.text_center)
            for j, m in enumerate(metrics):
                v = c["metrics"][m.key] if c["metrics"] else None
                if not c["reported"]:
                    ws.write_string(r, 2 + j, "未报送", st.missing)
                elif v is None:
                    ws.write_string(r, 2 + j, "未填", st.unknown)
                else:
                    ws.write_number(r, 2 + j, v, st.int)
            ws.write_string(r, 2 + len(metrics), "是" if c["mountain"] else "", st.text_center)
            ws.write_string(r, 3 + len(metrics), "、".join(files.get(city["city"], [])) if c["reported"] else "", st.text)
            r += 1
        if city["city"] in own:
            ws.write_string(r, 0, city["city"], st.text_center)
            ws.write_string(r, 1, "市本级", st.text_center)
            for j, m in enumerate(metrics):
                v = own[city["city"]][m.key]
                ws.write_number(r, 2 + j, v, st.int) if v is not None else ws.write_string(r, 2 + j, "未填", st.unknown)
            ws.write_blank(r, 2 + len(metrics), None, st.text)
            ws.write_blank(r, 3 + len(metrics), None, st.text)
            r += 1
        ws.write_string(r, 0, city["city"], st.total_label)
        ws.write_string(r, 1, "小计", st.total_label)
        for j, m in enumerate(metrics):
            col = col_letter(2 + j)
            ws.write_formula(r, 2 + j, f"=SUM({col}{first + 1}:{col}{r})", st.total_int, city["totals"][m.key])
        ws.write_string(r, 2 + len(metrics), "", st.total_label)
        ws.write_string(r, 3 + len(metrics), f"已报 {city['counties_reported']}/{city['counties_expected']}", st.total_label)
        subtotal_rows.append(r)
        r += 1
    ws.merge_range(r, 0, r, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        refs = ",".join(f"{col}{x + 1}" for x in subtotal_rows)
        ws.write_formula(r, 2 + j, f"=SUM({refs})", st.total_int, facts.json["province"]["totals"][m.key])
    ws.autofilter(2, 0, r - 1, 3 + len(metrics))


def _quota_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = wb.add_worksheet("配额达标")
    heads = [("设区市", 10), ("县（市、区）", 14), ("配额", 36), ("要求", 7), ("实际", 7), ("结果", 10), ("差额", 7), ("说明", 40)]
    r = _top(ws, st, f"{facts.json['period_label']}配额达标情况", _sub(facts), heads)
    fmt = {"达标": st.ok, "未达标": st.bad, "无法核验": st.unknown}
    for q in facts.quotas:
        ws.write_string(r, 0, q["city"], st.text_center)
        ws.write_string(r, 1, q["county"] or "（全市）", st.text_center)
        ws.write_string(r, 2, q["quota"], st.text)
        ws.write_number(r, 3, q["required"], st.int)
        ws.write_number(r, 4, q["actual"], st.int) if q["actual"] is not None else ws.write_string(r, 4, "—", st.text_center)
        ws.write_string(r, 5, q["status"], fmt[q["status"]])
        ws.write_number(r, 6, q["shortfall"], st.int) if q["shortfall"] is not None else ws.write_blank(r, 6, None, st.text)
        ws.write_string(r, 7, q["note"], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)


def _returns_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = wb.add_worksheet("报送情况")
    heads = [("设区市", 10), ("表单", 18), ("截止日期", 11), ("收到时间", 16), ("状态", 11), ("文件", 40), ("填报人", 10), ("联系电话", 16)]
    r = _top(ws, st, f"{facts.json['period_label']}报送情况", _sub(facts), heads)
    for x in facts.returns:
        ws.write_string(r, 0, x["city"], st.text_center)
        ws.write_string(r, 1, x["form"], st.text)
        ws.write_datetime(r, 2, dt.datetime.combine(x["deadline"], dt.time()), st.date)
        ws.write_datetime(r, 3, _naive(x["received_at"]), st.datetime) if x["received_at"] else ws.write_string(r, 3, "—", st.text_center)
        ws.write_string(r, 4, x["state"], st.ok if x["on_time"] else st.missing if x["state"] == "未报送" else st.bad)
        _text(ws, r, 5, x["files"], st.text)
        _text(ws, r, 6, x["contact"], st.text)
        _text(ws, r, 7, x["phone"], st.text)
        r += 1
    ws.autofilter(2, 0, r - 1, len(heads) - 1)
    r += 1
    ws.merge_range(r, 0, r, len(heads) - 1, "催报名单", st.header)
    r += 1
    if not facts.chase:
        ws.merge_range(r, 0, r, len(heads) - 1, "无：所有市均已报送。", st.text)
    for x in facts.chase:
        ws.write_string(r, 0, x["city"], st.text_center)
        ws.merge_range(r, 1, r, 5, x["missing"], st.text)
        _text(ws, r, 6, x["contact"], st.text)
        _text(ws, r, 7, x["phone"], st.text)
        r += 1


def _plan_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts) -> None:
    ws = wb.add_worksheet("活动计划")
    heads = [("序号", 5), ("设区市", 9), ("县（市、区）", 12), ("活动名称", 26), ("活动主要内容", 30), ("拟举办日期（原文）", 14), ("日期起", 11), ("日期止", 11), ("举办单位", 26), ("邀请专家数", 8), ("联办", 6), ("联办县（市、区）", 18), ("示范团活动", 8), ("活动联系人", 9), ("联系电话", 14), ("来源文件", 24)]
    r = _top(ws, st, f"{facts.json['period'][:4]}年专家服务工程活动计划汇总", _sub(facts), heads)
    for i, a in enumerate(facts.activities, start=1):
        ws.write_number(r, 0, i, st.text_center)
        _text(ws, r, 1, a["city"], st.text_center)
        _text(ws, r, 2, a["county"] or "市级", st.text_center)
        _text(ws, r, 3, a["name"], st.text)
        _text(ws, r, 4, a["content"], st.text)
        _text(ws, r, 5, a["when_text"], st.text_center)
        for c, key in ((6, "when_start"), (7, "when_end")):
            if a[key]:
                d = dt.date.fromisoformat(a[key])
                ws.write_datetime(r, c, dt.datetime(d.year, d.month, d.day), st.date)
            else:
                ws.write_string(r, c, "未识别", st.unknown)
        _text(ws, r, 8, a["hosts"], st.text)
        ws.write_number(r, 9, a["experts"], st.int) if a["experts"] is not None else ws.write_blank(r, 9, None, st.text)
        ws.write_string(r, 10, "是" if a["joint"] else "", st.text_center)
        _text(ws, r, 11, "、".join(a["counties"]) if a["joint"] else "", st.text)
        ws.write_string(r, 12, "是" if a["demo_team"] else "", st.text_center)
        _text(ws, r, 13, a["contact_person"], st.text)
        _text(ws, r, 14, a["contact_phone"], st.text)
        _text(ws, r, 15, f"{a['file']}（{a['sheet']} 第{a['row']}行）", st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)


def _issues_sheet(wb: xlsxwriter.Workbook, st: Styles, issues: list[dict[str, Any]]) -> None:
    ws = wb.add_worksheet("数据问题")
    heads = [("序号", 5), ("级别", 6), ("设区市", 9), ("县（市、区）", 12), ("文件", 30), ("工作表", 12), ("单元格", 7), ("说明", 70), ("代码", 18)]
    r = _top(ws, st, "数据问题清单", f"共 {len(issues)} 条：错误 {sum(i['severity'] == 'error' for i in issues)} 条，提醒 {sum(i['severity'] == 'warning' for i in issues)} 条", heads)
    for n, i in enumerate(issues, start=1):
        ws.write_number(r, 0, n, st.text_center)
        ws.write_string(r, 1, SEVERITY[i["severity"]], st.bad if i["severity"] == "error" else st.unknown)
        for c, k in ((2, "city"), (3, "county"), (4, "file"), (5, "sheet"), (6, "cell"), (7, "message"), (8, "code")):
            _text(ws, r, c, i[k], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)


def _changes_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, labels: dict[str, str]) -> None:
    ws = wb.add_worksheet("更正记录")
    heads = [("序号", 5), ("县（市、区）", 16), ("指标", 30), ("原值", 9), ("新值", 9), ("原文件", 34), ("新文件", 34)]
    r = _top(ws, st, "更正记录（后报文件取代先报文件）", f"共 {len(facts.changes)} 处变化", heads)
    for n, c in enumerate(facts.changes, start=1):
        ws.write_number(r, 0, n, st.text_center)
        _text(ws, r, 1, c["key"], st.text_center)
        _text(ws, r, 2, labels.get(c["metric"], "计划活动数" if c["metric"] == "planned_activities" else c["metric"]), st.text)
        for col, k in ((3, "old"), (4, "new")):
            ws.write_number(r, col, c[k], st.int) if c[k] is not None else ws.write_string(r, col, "未填", st.unknown)
        _text(ws, r, 5, c["old_file"], st.text)
        _text(ws, r, 6, c["new_file"], st.text)
        r += 1


def _files_sheet(wb: xlsxwriter.Workbook, st: Styles, subs: list[dict[str, Any]]) -> None:
    ws = wb.add_worksheet("收到的文件")
    heads = [("序号", 5), ("文件（收件箱中的名称）", 40), ("状态", 10), ("表单", 8), ("设区市", 9), ("期次", 12), ("收到时间", 16), ("按时", 8), ("原因", 50)]
    r = _top(ws, st, "收到的文件", f"共 {len(subs)} 个", heads)
    for n, s in enumerate(subs, start=1):
        ws.write_number(r, 0, n, st.text_center)
        _text(ws, r, 1, s["file"], st.text)
        ws.write_string(r, 2, STATUS[s["status"]], st.ok if s["status"] == "accepted" else st.bad if s["status"] == "rejected" else st.unknown)
        _text(ws, r, 3, {"A4": "附件4", "A5": "附件5"}.get(s["form"] or "", ""), st.text_center)
        _text(ws, r, 4, s["city"], st.text_center)
        _text(ws, r, 5, period_label(s["period"]) if s["period"] else "", st.text_center)
        ws.write_datetime(r, 6, _naive(parse_time(s["received_at"])), st.datetime)
        ws.write_string(r, 7, "" if s["on_time"] is None else "按时" if s["on_time"] else f"逾期{s['late_days']}天", st.text_center)
        _text(ws, r, 8, s["reason"], st.text)
        r += 1
    ws.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)


def _about_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context) -> None:
    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 4, 18)
    d = facts.json
    rows = [
        ("期次", d["period_label"]),
        ("数据截至", f"{parse_time(d['as_of']):%Y-%m-%d %H:%M}（北京时间）"),
        ("政策文件", f"{ctx.policy.path.name}（{ctx.policy.notice}）"),
        ("结对文件", f"{ctx.policy.pairings_path.name}（采用 {len(ctx.policy.pairings)} 对）"),
        ("截止日期", "；".join(f"{k}：{v:%Y-%m-%d}" for k, v in (("活动计划", ctx.policy.deadlines["plan"]), ("上半年成果", ctx.policy.deadlines["H1"]), ("全年成果", ctx.policy.deadlines["FY"])))),
        ("工具版本", f"aggregator {__version__}"),
        ("计算口径", "各指标为累计数；按县（市、区）明细重新相加，报表中的合计行只用于核对；未报送的县显示“未报送”，不按0计；同一市同一表单同一期次后报的文件按县取代先报的文件。"),
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
        _text(ws, r, 0, x["file"], st.text)
        ws.write_string(r, 1, x["sha256"], st.text)
        ws.write_number(r, 2, x["size"], st.int)
        ws.write_string(r, 3, f"{parse_time(x['received_at']):%Y-%m-%d %H:%M}", st.text)
        ws.write_string(r, 4, STATUS[x["status"]], st.text)
        r += 1
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
