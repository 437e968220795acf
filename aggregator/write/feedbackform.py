"""The 问题反馈单 of one city (xlsxwriter): which of its returns have problems, what to fix in
each (errors first), by when to send them again, and whom to call. One A4 portrait page wide,
header row repeated, page numbers, ready to print and send with the annotated copies."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from aggregator.clock import parse_time
from aggregator.judge.facts import Facts
from aggregator.period import Period
from aggregator.privacy import scrub
from aggregator.problems import SEVERITY_LABEL, Problem
from aggregator.rulebook import Context
from aggregator.rulebook.schema import form_label
from aggregator.vocab import Status
from aggregator.write.feedback import CityFeedback, FileFeedback
from aggregator.write.layout import (
    chinese_date,
    finish,
    header_row,
    new_sheet,
    note_lines,
    remark,
    text,
)
from aggregator.write.xlsx import BODY_FONT, Styles, print_setup

HEADS = (("序号", 5), ("级别", 6), ("工作表", 14), ("单元格", 12), ("需要修改的内容", 58))
WIDTH = float(sum(w for _, w in HEADS))
BLANK = "＿＿＿＿＿＿＿＿"


def feedback_name(city: str, period: Period) -> str:
    """e.g. 杭州市_2023年上半年_问题反馈单.xlsx."""
    return f"{city}_{period.label}_问题反馈单.xlsx"


def _file_line(n: int, f: FileFeedback) -> str:
    """The heading of one file: name, form, what became of it, counts, due date, copy."""
    read = f.entry.read
    what = form_label(read.form) if read.form else "未识别的表单"
    if f.entry.status == Status.REJECTED:
        state = "未采用（拒收），须改正后重新报送"
    elif f.errors:
        state = "已采用，但标为错误的单元格未计入汇总，须改正后重新报送"
    else:
        state = "已采用，提醒事项请核实"
    due = "" if f.errors else "如有误，"
    copy = f"；标注副本：{f.annotated.name}" if f.annotated else ""
    return (
        f"{n}．{f.file.rsplit('/', 1)[-1]}（{what}）\n{state}；错误 {f.errors} 个，"
        f"提醒 {f.warnings} 个；{due}请于{chinese_date(f.resend_by)}前改正后重新报送{copy}。"
    )


def _message(p: Problem) -> str:
    """The message without its leading cell address, no personal number in full."""
    if p.cell and p.message.startswith(f"{p.cell}："):
        return scrub(p.message[len(p.cell) + 1 :])
    return scrub(p.message)


def _top(ws: Worksheet, st: Styles, c: CityFeedback, facts: Facts) -> int:
    """Title, addressee, summary, instruction and whom to call; the header row's index."""
    last = len(HEADS) - 1
    period = facts.period
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last, f"{period.label}专家服务报表问题反馈单", st.title)
    errors = sum(f.errors for f in c.files)
    warnings = sum(f.warnings for f in c.files)
    who = f"（填报人：{c.contact or BLANK}　电话：{c.phone or BLANK}）"
    r = remark(ws, st, 1, last, f"致：{c.city}{who}", WIDTH)
    as_of = parse_time(facts.json["as_of"])
    r = remark(
        ws,
        st,
        r,
        last,
        f"截至 {as_of:%Y-%m-%d %H:%M}，贵市报送的 {len(c.files)} 个文件有问题："
        f"错误 {errors} 个，提醒 {warnings} 个，逐项列于下表（每个文件先列错误）。",
        WIDTH,
    )
    r = remark(
        ws,
        st,
        r,
        last,
        (
            f"请于{chinese_date(c.resend_by)}前按下表改正后重新报送（各文件期限见其标题行）。"
            if errors
            else f"下表均为提醒：请逐项核实，如有误请于{chinese_date(c.resend_by)}前改正后"
            "重新报送；核实无误的不必重报。"
        )
        + "随附各文件的标注副本：标红的单元格为错误，必须改正；标黄的为提醒，请核实。"
        "请在原文件上修改后报送，不要报送标注副本。",
        WIDTH,
    )
    return r


def _contact_block(
    ws: Worksheet, st: Styles, r: int, ctx: Context, facts: Facts, right: Format
) -> int:
    """Whom to call, and the sender with the date."""
    last = len(HEADS) - 1
    pol = ctx.policy
    line = (
        f"如有疑问请联系：{pol.organisation}　联系人：{pol.organisation_contact or BLANK}"
        f"　联系电话：{pol.organisation_phone or BLANK}"
    )
    r = remark(ws, st, r + 1, last, line, WIDTH)
    when = chinese_date(parse_time(facts.json["as_of"]).date())
    ws.merge_range(r + 1, 0, r + 1, last, f"{pol.organisation}　　{when}", right)
    return r + 2


def write_feedback_form(path: Path, c: CityFeedback, facts: Facts, ctx: Context) -> None:
    """Write the 问题反馈单 of one city to ``path``."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,  # one small sheet: no temporary files to make and remove
        },
    )
    st = Styles(wb)
    base = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
    file_head = wb.add_format(
        {**base, "bold": True, "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"}
    )
    right = wb.add_format({**base, "align": "right"})
    ws = new_sheet(wb, "问题反馈单")
    r = _top(ws, st, c, facts)
    head = r + 1
    header_row(ws, st, head, HEADS)
    last = len(HEADS) - 1
    r = head + 1
    for n, f in enumerate(c.files, start=1):
        line = _file_line(n, f)
        ws.merge_range(r, 0, r, last, line, file_head)
        note_lines(ws, r, line, WIDTH - 1)
        r += 1
        for i, p in enumerate(f.problems, start=1):
            ws.write_number(r, 0, i, st.text_center)
            ws.write_string(
                r, 1, SEVERITY_LABEL[p.severity], st.bad if p.severity == "error" else st.unknown
            )
            text(ws, r, 2, p.sheet, st.text)
            text(ws, r, 3, p.cell, st.text)
            text(ws, r, 4, _message(p), st.text)
            r += 1
    _contact_block(ws, st, r, ctx, facts, right)
    finish(ws)
    print_setup(ws, (head, head), footer=f"{c.city}问题反馈单")
    ws.set_portrait()
    ws.hide_gridlines(2)
    wb.close()
