"""What the commands show in the terminal (rich): consoles, the reader's progress bar, one
file's verdict for ``check``, the counts a summary ends with, and the 报送情况 of
Attachments 1–3 that ``status`` prints beside its own table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from aggregator.clock import CHINA
from aggregator.period import period_label
from aggregator.privacy import scrub
from aggregator.problems import SEVERITY_LABEL

if TYPE_CHECKING:  # result types only; runs and judge import pandas; tables load when drawn
    from rich.table import Table

    from aggregator.judge.appstatus import AppReturnRow
    from aggregator.read.returns import ReturnRead
    from aggregator.runs import Outcome

console = Console()
err_console = Console(stderr=True)
SEVERITY = {
    "error": f"[bold red]{SEVERITY_LABEL['error']}[/]",
    "warning": f"[yellow]{SEVERITY_LABEL['warning']}[/]",
}


def render_check(r: ReturnRead, annotated: Path | None) -> None:
    """One file's verdict as ``check`` shows it: form, sender, period, problems, counts."""
    from rich.table import Table

    from aggregator.rulebook.schema import form_label

    rows = sum(s.rows_read for s in r.sheets)
    state = (
        "[bold red]拒收[/]"
        if r.rejected
        else ("[yellow]有问题[/]" if r.problems else "[green]通过[/]")
    )
    console.rule(f"{scrub(r.file)}  {state}")
    if not r.rejected or r.form:
        who = r.city or "未知"
        if r.sender_county:
            who += f" {r.sender_county}"
        console.print(
            f"表单：{form_label(r.form)}　报送单位：{who}　期次：{period_label(r.period)}　读取行数：{rows}"
        )
    if r.contact_person or r.contact_phone:
        console.print(f"填报人：{r.contact_person}　电话：{r.contact_phone}")
    if r.problems:
        t = Table(show_lines=False, header_style="bold")
        for h in ("级别", "工作表", "单元格", "说明"):
            t.add_column(h, overflow="fold")
        for p in r.problems:
            t.add_row(SEVERITY[p.severity], scrub(p.sheet), p.cell, scrub(p.message))
        console.print(t)
    e, w = len(r.errors), len(r.problems) - len(r.errors)
    copy = f"；标注副本：{scrub(str(annotated))}" if annotated else ""
    console.print(f"错误 {e} 个，提醒 {w} 个" + copy)


class progress:
    """A rich progress bar fed by the reader's callback (refreshed only from this thread)."""

    def __enter__(self) -> Callable[[int, int, str], None]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("读取报表"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            auto_refresh=False,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.bar.start()
        self.task = self.bar.add_task("read", total=None)

        def progress(done: int, total: int, label: str) -> None:
            self.bar.update(self.task, completed=done, total=total)
            self.bar.refresh()

        return progress

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def render_digest(outcome: Outcome) -> None:
    """The counts a run ends with: files, counties reported, problems, quotas missed."""
    d = outcome.digest
    n = d.statuses
    console.print(
        f"[bold]{outcome.period.label}[/]（截至 {outcome.as_of:%Y-%m-%d %H:%M}）：本次新收 {outcome.new_files} 个文件；共 {d.files} 个，其中采用 {n['accepted']}、拒收 {n['rejected']}、被取代 {n['superseded']}、重复 {n['duplicate']}、忽略 {n['ignored']}。"
    )
    if not d.counties_reported:
        console.print("[yellow]尚无县（市、区）报送本期成果汇总表。[/]")
    else:
        console.print(
            f"已报送 {d.counties_reported}/{d.counties_expected} 个县（市、区）；服务团 {d.teams} 个，邀请专家 {d.expert_visits} 人次。"
        )
    console.print(f"数据问题：错误 {d.errors} 条，提醒 {d.warnings} 条（见汇总表“数据问题”）。")
    console.print(
        f"配额未达标：活动数 {d.counties_short} 个县，联办活动 {d.joint_short} 个县，示范团 {d.cities_without_demo_team} 个市，"
        f"推荐专家 {d.cities_short_of_experts} 个市（见“配额达标”“申报与推荐”）。"
    )


def applications_table(rows: list[AppReturnRow], as_of: dt.datetime) -> Table | None:
    """附件1–3 申报与推荐: per city what was counted, on time, late or not yet, and the contact;
    None when there is nothing to show."""
    if not rows:
        return None
    from rich.table import Table

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
