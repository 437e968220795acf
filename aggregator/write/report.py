"""The provincial summary workbook (xlsxwriter): printable, filterable, all in Chinese.

Text from returns is always written with ``write_string`` (never as a formula), and the
workbook is created with ``strings_to_formulas`` off as a second guard.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from aggregator.cells import col_letter
from aggregator.judge.facts import Facts
from aggregator.period import Period
from aggregator.rulebook import Context
from aggregator.rulebook.schema import Column
from aggregator.vocab import Form, Status
from aggregator.write import sheets as report_sheets
from aggregator.write.sheets import finish, new_sheet, sub, text, top
from aggregator.write.xlsx import Styles


def report_title(ctx: Context, period: Period) -> str:
    """The A5 title with the period: 2023年上半年“智聚山海·助力共富”… / 2023年度…"""
    title = ctx.policy.titles[Form.RESULTS]
    year = f"{period.year}年"
    return (
        title.replace(year, f"{year}{period.title_word}", 1)
        if title.startswith(year)
        else f"{period.label}{title}"
    )


def write_report(path: Path, facts: Facts, ctx: Context) -> None:
    """Write every sheet of the summary workbook to ``path``."""
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    st = Styles(wb)
    doc = facts.json
    metrics = [c for c in ctx.schemas[Form.RESULTS].metrics]
    _summary_sheet(wb, st, facts, ctx, metrics)
    _county_sheet(wb, st, facts, ctx, metrics)
    report_sheets.quota_sheet(wb, st, facts)
    report_sheets.returns_sheet(wb, st, facts)
    report_sheets.plan_sheet(wb, st, facts)
    report_sheets.issues_sheet(wb, st, doc["issues"])
    report_sheets.changes_sheet(wb, st, facts, {c.key: c.label for c in metrics})
    report_sheets.files_sheet(wb, st, doc["submissions"])
    report_sheets.about_sheet(wb, st, facts, ctx)
    wb.close()


def _summary_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context, metrics: list[Column]
) -> None:
    ws = new_sheet(wb, "成果汇总")
    heads = [("序号", 5), ("设区市", 10)] + [(c.header, 9) for c in metrics] + [("报送情况", 14)]
    r0 = top(
        ws,
        st,
        report_title(ctx, facts.period),
        f"填报单位：{ctx.policy.organisation}　　" + sub(facts),
        heads,
    )
    cities = facts.json["cities"]
    for i, c in enumerate(cities):
        r = r0 + i
        ws.write_number(r, 0, i + 1, st.text_center)
        ws.write_string(r, 1, c["city"], st.text_center)
        for j, m in enumerate(metrics):
            ws.write_number(r, 2 + j, c["totals"][m.key], st.int)
        state = (
            f"已报 {c['counties_reported']}/{c['counties_expected']} 县"
            if c["counties_reported"]
            else "未报送"
        )
        ws.write_string(
            r, 2 + len(metrics), state, st.text_center if c["counties_reported"] else st.missing
        )
    tr = r0 + len(cities)
    ws.merge_range(tr, 0, tr, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        ws.write_formula(
            tr,
            2 + j,
            f"=SUM({col}{r0 + 1}:{col}{tr})",
            st.total_int,
            facts.json["province"]["totals"][m.key],
        )
    p = facts.json["province"]
    ws.write_string(
        tr,
        2 + len(metrics),
        f"已报 {p['counties_reported']}/{p['counties_expected']} 县",
        st.total_label,
    )
    last = 2 + len(metrics)
    ws.merge_range(tr + 2, 0, tr + 2, last, "填报人及联系电话：", st.footer)
    ws.merge_range(
        tr + 3,
        0,
        tr + 3,
        last,
        "说明：数据为各县（市、区）累计数，按各县明细重新相加（不采用报表中的合计行）；未报送的县不计入。",
        st.note,
    )
    if p["counties_reported"]:
        bars = wb.add_chart({"type": "column"})
        bars.add_series(
            {
                "name": metrics[0].label,
                "categories": ["成果汇总", r0, 1, tr - 1, 1],
                "values": ["成果汇总", r0, 2, tr - 1, 2],
                "fill": {"color": "#4472C4"},
            }
        )
        line = wb.add_chart({"type": "line"})
        line.add_series(
            {
                "name": metrics[1].label,
                "categories": ["成果汇总", r0, 1, tr - 1, 1],
                "values": ["成果汇总", r0, 3, tr - 1, 3],
                "y2_axis": True,
                "marker": {"type": "circle"},
                "line": {"color": "#C00000"},
            }
        )
        bars.combine(line)
        bars.set_title(
            {
                "name": "各市已完成服务团数量与邀请专家人次",
                "name_font": {"name": "黑体", "size": 12},
            }
        )
        bars.set_legend({"position": "bottom", "font": {"name": "宋体"}})
        bars.set_x_axis({"num_font": {"name": "宋体"}})
        bars.set_y_axis({"name": "服务团（个）", "name_font": {"name": "宋体"}})
        line.set_y2_axis({"name": "专家（人次）", "name_font": {"name": "宋体"}})
        bars.set_size({"width": 900, "height": 320})
        ws.insert_chart(tr + 5, 1, bars)


def _county_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, ctx: Context, metrics: list[Column]
) -> None:
    ws = new_sheet(wb, "分县明细")
    heads = (
        [("设区市", 10), ("县（市、区）", 14)]
        + [(c.header, 9) for c in metrics]
        + [("山区县", 7), ("来源文件", 30)]
    )
    r = top(
        ws,
        st,
        report_title(ctx, facts.period).replace("汇总表", "分县明细表"),
        sub(facts),
        heads,
    )
    counties = facts.json["counties"]
    own = {c.city: c.metrics for c in facts.city_rows}
    files: dict[str, list[str]] = {}
    for s in facts.json["submissions"]:
        if (
            s["status"] == Status.ACCEPTED
            and s["form"] == Form.RESULTS
            and s["period"] == facts.period.code
        ):
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
            text(
                ws,
                r,
                3 + len(metrics),
                "\n".join(files.get(city["city"], [])) if c["reported"] else "",
                st.text,
            )
            r += 1
        if city["city"] in own:
            ws.write_string(r, 0, city["city"], st.text_center)
            ws.write_string(r, 1, "市本级", st.text_center)
            for j, m in enumerate(metrics):
                v = own[city["city"]][m.key]
                ws.write_number(r, 2 + j, v, st.int) if v is not None else ws.write_string(
                    r, 2 + j, "未填", st.unknown
                )
            ws.write_blank(r, 2 + len(metrics), None, st.text)
            ws.write_blank(r, 3 + len(metrics), None, st.text)
            r += 1
        ws.write_string(r, 0, city["city"], st.total_label)
        ws.write_string(r, 1, "小计", st.total_label)
        for j, m in enumerate(metrics):
            col = col_letter(2 + j)
            ws.write_formula(
                r, 2 + j, f"=SUM({col}{first + 1}:{col}{r})", st.total_int, city["totals"][m.key]
            )
        ws.write_string(r, 2 + len(metrics), "", st.total_label)
        ws.write_string(
            r,
            3 + len(metrics),
            f"已报 {city['counties_reported']}/{city['counties_expected']}",
            st.total_label,
        )
        subtotal_rows.append(r)
        r += 1
    ws.merge_range(r, 0, r, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        refs = ",".join(f"{col}{x + 1}" for x in subtotal_rows)
        ws.write_formula(
            r, 2 + j, f"=SUM({refs})", st.total_int, facts.json["province"]["totals"][m.key]
        )
    ws.autofilter(2, 0, r - 1, 3 + len(metrics))
    finish(ws)
