"""The 报送情况 sheet's block for Attachments 1–3: one row per city under the A4/A5 rows (same
columns), saying what was counted, when it came and whom to call."""

from __future__ import annotations

import datetime as dt

from xlsxwriter.worksheet import Worksheet

from aggregator.judge.appstatus import AppReturnRow
from aggregator.judge.facts import Facts
from aggregator.judge.reporting import MISSING, ReturnRow
from aggregator.write.layout import city_rank, naive, text
from aggregator.write.xlsx import Styles

BLOCK_TITLE = "附件1–3 申报与推荐报送情况"
HEADS = (
    "设区市",
    "申报与推荐",
    "截止日期",
    "首次收到",
    "依据",
    "状态",
    "文件",
    "填报人",
    "联系电话",
)


def app_returns_block(ws: Worksheet, st: Styles, facts: Facts, r: int, last: int) -> int:
    """Write the block from row ``r`` (its title, headers, a row per city); the next free row."""
    if not facts.app_returns:
        return r
    need = facts.app_returns[0].min_experts
    note = f"项目：附件1 示范团项目；基地：附件2 国家级基地；专家：附件3 推荐专家，每市不少于 {need} 名"
    ws.merge_range(r, 0, r, last, f"{BLOCK_TITLE}（{note}）", st.stamp)
    r += 1
    for col, h in enumerate(HEADS):
        ws.write_string(r, col, h, st.header)
    rank = city_rank(facts)
    for x in sorted(facts.app_returns, key=lambda x: rank.get(x.city, 99)):
        r += 1
        ws.write_string(r, 0, x.city, st.text_center)
        text(ws, r, 1, x.forms_text, st.text)
        return_cells(ws, st, r, x)
    return r + 2


def return_cells(ws: Worksheet, st: Styles, r: int, x: ReturnRow | AppReturnRow) -> None:
    """The columns every 报送情况 row has from the third on: deadline, first received, evidence,
    state (coloured), files, contact and phone."""
    ws.write_datetime(r, 2, dt.datetime.combine(x.deadline, dt.time()), st.date)
    if x.received_at:
        ws.write_datetime(r, 3, naive(x.received_at), st.datetime)
    else:
        ws.write_string(r, 3, "—", st.text_center)
    text(ws, r, 4, x.evidence, st.text_center)
    fmt = st.ok if x.on_time else st.missing if x.state == MISSING else st.bad
    ws.write_string(r, 5, x.state, fmt)
    text(ws, r, 6, x.files, st.text)
    text(ws, r, 7, x.contact, st.text)
    text(ws, r, 8, x.phone, st.text)
