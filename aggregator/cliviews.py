"""Terminal tables the CLI prints beside its own (kept here so ``cli`` stays small): the
报送情况 of Attachments 1–3 per city."""

from __future__ import annotations

import datetime as dt

from rich.table import Table

from aggregator.clock import CHINA
from aggregator.judge.appstatus import AppReturnRow


def applications_table(rows: list[AppReturnRow], as_of: dt.datetime) -> Table | None:
    """附件1–3 申报与推荐: per city what was counted, on time, late or not yet, and the contact;
    None when there is nothing to show."""
    if not rows:
        return None
    need, deadline = rows[0].min_experts, rows[0].deadline
    due = "已过截止日" if as_of.astimezone(CHINA).date() > deadline else "截止日未到"
    t = Table(
        title=f"附件1–3 申报与推荐报送情况（截止 {deadline:%Y-%m-%d}，{due}）",
        caption=f"项目/基地：附件1 示范团项目、附件2 国家级基地申报数；每市推荐专家不少于 {need} 名",
        header_style="bold",
    )
    for h in ("设区市", "项目/基地", "推荐专家", "状态", "收到时间", "填报人", "电话"):
        t.add_column(h, no_wrap=h in ("设区市", "推荐专家", "收到时间"))
    for r in rows:
        colour = "green" if r.on_time else "red" if r.received_at is None else "yellow"
        experts = f"{r.experts}/{need}" + ("" if r.experts_ok else " 不足")
        t.add_row(
            r.city,
            f"{r.projects}/{r.bases}",
            experts if r.experts_ok else f"[red]{experts}[/]",
            f"[{colour}]{r.state}[/]",
            f"{r.received_at:%m-%d %H:%M}" if r.received_at else "—",
            r.contact,
            r.phone,
        )
    return t
