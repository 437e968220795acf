"""The command line: each command parses options, calls one library function, renders, exits."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aggregator import __version__
from aggregator.privacy import scrub
from aggregator.problems import DataFileError
from aggregator.terminal import (
    SEVERITY,
    applications_table,
    console,
    err_console,
    progress,
    render_check,
    render_digest,
)
from aggregator.vocab import Form

# The library, the rulebook and rich's tables are loaded by the commands that use them:
# ``version`` and ``--help`` load none of them.
if TYPE_CHECKING:
    from aggregator.runs import Options

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="浙江省专家服务活动报表汇总工具（附件4、附件5）。",
)


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]无法继续：[/]{scrub(message)}")
    raise typer.Exit(code)


@app.command()
def templates(
    year: Annotated[int | None, typer.Option(help="政策年度（默认最新的政策文件）")] = None,
    out: Annotated[Path, typer.Option(help="输出文件夹")] = Path("workbooks/templates"),
) -> None:
    """为每个市生成空白的附件4、附件5报表（Excel 版和 Word 版）。"""
    from aggregator.rulebook import load_context
    from aggregator.write.templates import write_templates

    try:
        ctx = load_context(year=year)
        paths = write_templates(ctx.policy, ctx.registry, ctx.schemas, out)
    except DataFileError as e:
        _fail(str(e))
        return
    except OSError as e:
        _fail(f"无法写入 {out}：{e}")
        return
    words = sum(1 for p in paths if p.suffix == ".docx")
    console.print(
        f"已生成 {len(paths) - words} 个空白 Excel 报表和 {words} 个 Word 报表，位于 {out}"
    )


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="要检查的报表文件", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    annotate: Annotated[Path | None, typer.Option(help="把标注了问题的副本写到此文件夹")] = None,
    policy: Annotated[Path | None, typer.Option(help="政策文件（默认最新年度）")] = None,
    jobs: Annotated[int | None, typer.Option(help="并行读取的进程数")] = None,
) -> None:
    """按汇总时完全相同的方式读取报表，列出每个问题（文件、工作表、单元格、说明）。"""
    from aggregator.checking import check_files
    from aggregator.rulebook import load_context

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
        import json

        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
        # always valid UTF-8: a stray surrogate (an undecodable name) is written escaped
        sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
    else:
        for r in report.results:
            render_check(r, report.annotated.get(r.file))
    raise typer.Exit(1 if report.has_errors else 0)


NOW_HELP = "本次运行的时钟（默认系统时间；用于模拟、演示和测试）：本次首次见到的文件按此时间记录"
AS_OF_HELP = "汇总截止时间（默认等于 --now）：只计入此前收到的报表，不改变任何收到时间"


def _options(
    period: str,
    inbox: Path,
    state: Path,
    clock: tuple[str | None, str | None],
    jobs: int | None,
    out: Path | None = None,
    json_out: Path | None = None,
) -> Options:
    """Options of a run; ``clock`` is (``--now``, ``--as-of``) as typed."""
    from aggregator.clock import parse_time
    from aggregator.runs import Options

    try:
        run_now, as_of = (parse_time(t) if t else None for t in clock)
    except ValueError as e:
        err_console.print(str(e))
        raise typer.Exit(2) from None
    return Options(
        period=period,
        inbox=inbox,
        state=state,
        as_of=as_of,
        now=run_now,
        out=out,
        json_out=json_out,
        jobs=jobs,
    )


@app.command()
def summary(
    period: Annotated[
        str, typer.Option(help="期次：2023H1、2023FY 或 auto（截止日已过的最近一期）")
    ] = "auto",
    inbox: Annotated[Path, typer.Option(help="收件箱文件夹（可按市分子文件夹）")] = Path(
        "workbooks/inbox"
    ),
    state: Annotated[Path, typer.Option(help="台账与报表副本的存放文件夹")] = Path(
        "workbooks/state"
    ),
    out: Annotated[Path, typer.Option(help="汇总表文件或文件夹")] = Path("reports"),
    json_out: Annotated[Path | None, typer.Option("--json", help="同时写出 JSON 文件")] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    now: Annotated[str | None, typer.Option(help=NOW_HELP)] = None,
    jobs: Annotated[
        int | None, typer.Option(help="并行读取、标注、写出的进程数（0：都在本进程内）")
    ] = None,
    wait: Annotated[float, typer.Option(help="另一个汇总正在运行时最多等待的秒数")] = 10.0,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF")] = False,
    feedback: Annotated[
        Path | None,
        typer.Option(help="问题反馈文件夹（默认汇总表所在文件夹下的“反馈”）"),
    ] = None,
    no_feedback: Annotated[
        bool, typer.Option("--no-feedback", help="不写各市的问题反馈文件夹")
    ] = False,
) -> None:
    """收取收件箱中的报表，写出全省汇总表（及 JSON）和各市的问题反馈文件夹。"""
    from aggregator.runs import run_summary

    opts = _options(period, inbox, state, (now, as_of), jobs, out, json_out)
    opts.lock_wait = wait
    opts.feedback, opts.no_feedback = feedback, no_feedback
    with _run_errors(), progress() as cb:
        outcome = run_summary(opts, progress=cb)
    render_digest(outcome)
    for notice in outcome.notices:
        err_console.print(f"[yellow]注意：[/]{scrub(notice)}")
    console.print(
        scrub(
            f"汇总表：[bold]{outcome.report}[/]"
            + (f"　JSON：{outcome.json_path}" if outcome.json_path else "")
        )
    )
    for line in outcome.feedback.lines() if outcome.feedback else []:
        console.print(line, markup=False, highlight=False)
    if pdf and outcome.report is not None:
        from aggregator.write.pdf import PdfUnavailable, to_pdf

        try:
            console.print(f"PDF：[bold]{to_pdf(outcome.report, outcome.report.parent)}[/]")
        except PdfUnavailable as e:
            err_console.print(str(e))


@app.command()
def status(
    period: Annotated[str, typer.Option(help="期次：2023H1、2023FY 或 auto")] = "auto",
    inbox: Annotated[Path, typer.Option(help="收件箱文件夹")] = Path("workbooks/inbox"),
    state: Annotated[Path, typer.Option(help="台账文件夹")] = Path("workbooks/state"),
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    now: Annotated[str | None, typer.Option(help=NOW_HELP)] = None,
    jobs: Annotated[int | None, typer.Option(help="并行读取的进程数")] = None,
) -> None:
    """各市报送情况：按时、逾期、未报送，以及催报联系人。"""
    from rich.table import Table

    from aggregator.rulebook.schema import form_label
    from aggregator.runs import run_status

    opts = _options(period, inbox, state, (now, as_of), jobs)
    with _run_errors():
        outcome = run_status(opts)
    f = outcome.facts
    assert f is not None  # status always builds the facts
    t = Table(
        title=f"{outcome.period.label}报送情况（截至 {outcome.as_of:%Y-%m-%d %H:%M}）",
        header_style="bold",
    )
    for h in ("设区市", "表单", "状态", "收到时间", "依据", "县（市、区）", "填报人", "电话"):
        t.add_column(h, no_wrap=h in ("状态", "收到时间", "依据"))
    cities = {c.city: c for c in f.cities}
    for r in f.returns:
        c = cities[r.city]
        colour = "green" if r.on_time else "red" if r.received_at is None else "yellow"
        t.add_row(
            r.city,
            form_label(r.form, short=True),
            f"[{colour}]{r.state}[/]",
            f"{r.received_at:%m-%d %H:%M}" if r.received_at else "—",
            r.evidence,
            f"{c.counties_reported}/{c.counties_expected}" if r.form == Form.RESULTS else "",
            r.contact,
            r.phone,
        )
    console.print(t)
    apps = applications_table(f.app_returns, outcome.as_of)
    if apps is not None:
        console.print(apps)
    if f.chase:
        ct = Table(title="催报名单", header_style="bold")
        for h in ("设区市", "缺少", "填报人", "电话"):
            ct.add_column(h)
        for x in f.chase:
            ct.add_row(x.city, x.missing, x.contact, x.phone)
        console.print(ct)
    else:
        console.print("[green]所有市均已报送。[/]")


@app.command()
def intake(
    inbox: Annotated[Path, typer.Option(help="收件箱文件夹")] = Path("workbooks/inbox"),
    state: Annotated[Path, typer.Option(help="台账文件夹")] = Path("workbooks/state"),
    now: Annotated[str | None, typer.Option(help=NOW_HELP)] = None,
    wait: Annotated[float, typer.Option(help="另一个汇总正在运行时最多等待的秒数")] = 10.0,
) -> None:
    """收取收件箱中新到的文件并记录收到时间，不写汇总表（很快，适合每 15 分钟运行一次）。"""
    from aggregator.runs import run_intake

    opts = _options("auto", inbox, state, (now, None), None)
    opts.lock_wait = wait
    with _run_errors():
        scan = run_intake(opts)
    for p in scan.problems:
        err_console.print(f"{SEVERITY[p.severity]} {scrub(p.message)}")
    console.print(f"本次新收 {scan.new} 份（含压缩包、邮件中拆出的文件）。")


@contextlib.contextmanager
def _run_errors() -> Iterator[None]:
    """Exit codes and messages of a run: 2 for usage, 1 for what stops it (lock, data files,
    a report that cannot be written, in which case the previous report is untouched)."""
    from aggregator.runs import UsageError
    from aggregator.store.lock import LockBusy
    from aggregator.store.state import StateError

    try:
        yield
    except UsageError as e:
        err_console.print(scrub(str(e)))
        raise typer.Exit(2) from None
    except (LockBusy, DataFileError, StateError) as e:
        _fail(str(e))
    except OSError as e:
        where = getattr(e, "filename", "") or ""
        _fail(f"无法写出汇总表：{e.strerror or e}（{where}）。原有汇总表未改动（JSON 也未改动）。")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="示例文件夹（会被清空重建；不要用真实收件箱）")] = Path(
        "demo"
    ),
    whole_year: Annotated[bool, typer.Option(help="同时演示全年汇总")] = True,
) -> None:
    """生成全省示例报表（11个市），并完整运行一遍汇总流程。"""
    from aggregator.demo.run import run_demo

    try:
        result = run_demo(out, whole_year=whole_year)
    except (FileExistsError, DataFileError) as e:
        _fail(str(e))
        return
    console.print(
        f"示例报表已生成：{out / 'returns'}（按到达批次分文件夹），收件箱：{out / 'inbox'}"
    )
    render_digest(result.h1)
    console.print(f"上半年汇总表：[bold]{result.h1.report}[/]")
    if result.fy:
        console.print(f"全年汇总表：[bold]{result.fy.report}[/]")
    for o in (result.h1, result.fy):
        if o is not None and o.feedback is not None:
            console.print(o.feedback.lines()[0], markup=False, highlight=False)
    console.print(
        f"可用 aggregator status --period {result.h1.period} --inbox {out / 'inbox'} --state {out / 'state'} --as-of {result.status_hint:%Y-%m-%d} 查看报送情况。"
    )


@app.command("rebuild-ledger")
def rebuild_ledger_command(
    state: Annotated[Path, typer.Option(help="台账与报表副本的存放文件夹")] = Path(
        "workbooks/state"
    ),
    wait: Annotated[float, typer.Option(help="另一个汇总正在运行时最多等待的秒数")] = 10.0,
) -> None:
    """台账（ledger.sqlite）丢失或损坏时，从保存的报表副本重建台账（原台账改名保留）。"""
    from aggregator.store.lock import run_lock
    from aggregator.store.rebuild import rebuild_ledger

    if not (state / "blobs").is_dir():
        _fail(f"{state} 中没有报表副本文件夹 blobs/，无从重建。", 2)
    with _run_errors(), run_lock(state, wait=wait, what="rebuild-ledger"):
        done = rebuild_ledger(state)
    if done.old_ledger:
        console.print(f"原台账已改名为 {done.old_ledger}")
    console.print(
        f"已从 {done.copies} 份完好的副本重建台账：{done.named} 条带原文件名和收到时间；"
        f"{done.unnamed} 份副本找不到原文件名，记为“恢复的副本/…”，收到时间按副本保存时间。"
    )
    if done.damaged:
        console.print(f"[yellow]{done.damaged} 份副本内容已损坏，未采用。[/]")
    console.print("下次运行汇总时会重新读取全部报表。")


@app.command()
def version() -> None:
    """显示版本。"""
    console.print(f"aggregator {__version__}")


def main() -> None:
    """Console-script entry point."""
    # numpy (under pandas) would start an OpenBLAS thread per core at import, which only
    # spins: the judging does no linear algebra, and workers are forked after that import
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        app()
    finally:
        # The process ends here: spare it the collector's last pass over everything the run
        # made (≈0.2 s after a province summary). Outputs are closed and in place by now;
        # atexit handlers still run and the standard streams are still flushed.
        gc.freeze()
