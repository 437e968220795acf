"""The command line: each command parses options, calls one library function, renders, exits."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aggregator import __version__
from aggregator.check import FORM_NAMES, check_files, period_label
from aggregator.context import load_context
from aggregator.problems import DataFileError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="浙江省专家服务活动报表汇总工具（附件4、附件5）。")
console = Console()
err_console = Console(stderr=True)
SEVERITY = {"error": "[bold red]错误[/]", "warning": "[yellow]提醒[/]"}


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]无法继续：[/]{message}")
    raise typer.Exit(code)


@app.command()
def templates(
    year: Annotated[int, typer.Option(help="政策年度")] = 2023,
    out: Annotated[Path, typer.Option(help="输出文件夹")] = Path("workbooks/templates"),
) -> None:
    """为每个市生成空白的附件4、附件5报表。"""
    from aggregator.templates import write_templates

    try:
        ctx = load_context(year=year)
        paths = write_templates(ctx.policy, ctx.registry, ctx.schemas, out)
    except DataFileError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"无法写入 {out}：{e}")
        return
    console.print(f"已生成 {len(paths)} 个空白报表，位于 {out}")


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="要检查的报表文件", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    annotate: Annotated[Path | None, typer.Option(help="把标注了问题的副本写到此文件夹")] = None,
    policy: Annotated[Path | None, typer.Option(help="政策文件（默认最新年度）")] = None,
    jobs: Annotated[int | None, typer.Option(help="并行读取的进程数")] = None,
) -> None:
    """按汇总时完全相同的方式读取报表，列出每个问题（文件、工作表、单元格、说明）。"""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        err_console.print(f"找不到文件：{'、'.join(missing)}")
        raise typer.Exit(2)
    try:
        ctx = load_context(policy)
    except DataFileError as e:
        _fail(str(e))
        return
    report = check_files(files, ctx, annotate_dir=annotate, jobs=jobs)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        for r in report.results:
            _render_check(r, report.annotated.get(r.file))
    raise typer.Exit(1 if report.has_errors else 0)


def _render_check(r: object, annotated: Path | None) -> None:
    from aggregator.model import ReturnRead

    assert isinstance(r, ReturnRead)
    rows = sum(s.rows_read for s in r.sheets)
    state = "[bold red]拒收[/]" if r.rejected else ("[yellow]有问题[/]" if r.problems else "[green]通过[/]")
    console.rule(f"{r.file}  {state}")
    if not r.rejected or r.form:
        who = r.city or "未知"
        if r.sender_county:
            who += f" {r.sender_county}"
        console.print(f"表单：{FORM_NAMES.get(r.form or '', '未识别')}　报送单位：{who}　期次：{period_label(r.period)}　读取行数：{rows}")
    if r.contact_person or r.contact_phone:
        console.print(f"填报人：{r.contact_person}　电话：{r.contact_phone}")
    if r.problems:
        t = Table(show_lines=False, header_style="bold")
        for h in ("级别", "工作表", "单元格", "说明"):
            t.add_column(h, overflow="fold")
        for p in r.problems:
            t.add_row(SEVERITY[p.severity], p.sheet, p.cell, p.message)
        console.print(t)
    e, w = len(r.errors), len(r.problems) - len(r.errors)
    console.print(f"错误 {e} 个，提醒 {w} 个" + (f"；标注副本：{annotated}" if annotated else ""))


@app.command()
def version() -> None:
    """显示版本。"""
    console.print(f"aggregator {__version__}")


def main() -> None:
    """Console-script entry point."""
    app()
