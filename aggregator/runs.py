"""``summary``, ``status`` and ``intake``: one library call per command (the taking in and
judging is in :mod:`aggregator.gather`; the options in :mod:`aggregator.runopts`)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.aside import Aside
from aggregator.clock import iso, now
from aggregator.faults import failpoint
from aggregator.gather import (
    Early,
    collect,
    context_for,
    fingerprint,
    inputs_key,
    intake_into,
    judge,
    light_start,
    settled_heap,
)
from aggregator.judge.digest import Digest
from aggregator.period import Period
from aggregator.rulebook import Context, load_context, resolve_period
from aggregator.runopts import Options, UsageError, clocks, feedback_folder
from aggregator.store import outputs
from aggregator.store.atomic import atomic_paths, remove_stale
from aggregator.store.intake import Scan
from aggregator.store.ledger import Ledger
from aggregator.store.lock import run_lock
from aggregator.store.state import StateError, state_message

if TYPE_CHECKING:  # the judge (pandas) and the writers are loaded only by the runs that use them
    from aggregator.judge.facts import Facts
    from aggregator.read.workers import Progress
    from aggregator.write.feedback import FeedbackResult


__all__ = ["Options", "Outcome", "UsageError", "clocks", "run_intake", "run_status", "run_summary"]


@dataclass
class Outcome:
    """What a run did."""

    period: Period
    facts: Facts | None  # None when the report was left as it was (``unchanged``)
    new_files: int
    report: Path | None
    json_path: Path | None
    as_of: dt.datetime
    notices: list[str] = field(default_factory=list)  # for the analyst, beside the digest
    kept: Digest | None = None  # the digest recorded with the report (when ``unchanged``)
    unchanged: bool = False  # nothing new since the report was written: not written again
    feedback: FeedbackResult | None = None  # the feedback folder written for the cities

    @property
    def digest(self) -> Digest:
        """The numbers said out loud: of the facts, or as recorded with the unchanged report."""
        if self.kept is not None:
            return self.kept
        assert self.facts is not None
        return self.facts.digest


UNCHANGED = (
    "汇总表未重写：自上次汇总以来没有新文件，期次、截止时间、数据文件和程序版本都相同，"
    "汇总表和 JSON 仍是上次写出的内容。"
)


def default_report_name(period: Period) -> str:
    """e.g. 2023H1_专家服务活动成果汇总表.xlsx."""
    return f"{period.code}_专家服务活动成果汇总表.xlsx"


def _period(text: str, as_of: dt.datetime) -> Period:
    try:
        return resolve_period(text, as_of)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _report_target(opts: Options, period: Period) -> Path:
    """Where the workbook goes; never inside the inbox (the next run would read it as a return)."""
    out = opts.out or Path("reports")
    target = (
        out / default_report_name(period)
        if (out.is_dir() or out.suffix.lower() != ".xlsx")
        else out
    )
    inbox = opts.inbox.resolve()
    for t in (target, opts.json_out):
        if t is not None and t.resolve().is_relative_to(inbox):
            raise UsageError(
                f"输出位置 {t} 在收件箱 {opts.inbox} 里面：下次汇总会把它当作报表读取。请换一个文件夹。"
            )
    return target


def open_elsewhere(target: Path) -> str | None:
    """A notice when Excel, WPS or LibreOffice has the workbook open (its lock file is there)."""
    for lock in (target.with_name(f".~lock.{target.name}#"), target.with_name(f"~${target.name}")):
        if lock.exists():
            return (
                f"汇总表 {target} 似乎正被 Excel/WPS/LibreOffice 打开（发现锁定文件 {lock.name}）。"
                "已写出新的汇总表；打开着的窗口显示的仍是旧内容，请关闭后重新打开。"
            )
    return None


def _write_outputs(target: Path, opts: Options, facts: Facts, ctx: Context) -> None:
    """Write the workbook and the JSON to temporaries, then put both in place together."""
    from xlsxwriter.exceptions import FileCreateError

    from aggregator.write.jsonout import scrubbed_json
    from aggregator.write.report import write_report

    targets = [target] + ([opts.json_out] if opts.json_out else [])
    for t in targets:
        remove_stale(t)
    with atomic_paths(*targets) as tmps:

        def write_json() -> None:
            tmps[1].write_text(scrubbed_json(facts.json) + "\n", encoding="utf-8")

        # the JSON is written beside the workbook by a forked child; again here if it fails
        aside = Aside(write_json, enabled=opts.json_out is not None and opts.jobs != 0)
        try:
            write_report(tmps[0], facts, ctx, aside=opts.jobs != 0)
            failpoint("report-half-written")
        except FileCreateError as e:
            aside.cancel()
            cause = e.__cause__ or (e.args[0] if e.args else None)
            no = getattr(cause, "errno", 0) or 0
            raise OSError(no, getattr(cause, "strerror", None) or str(e), str(target)) from e
        except BaseException:
            aside.cancel()
            raise
        if opts.json_out and not aside.done():
            write_json()


def run_summary(opts: Options, progress: Progress | None = None) -> Outcome:
    """Take in the inbox and write the provincial summary workbook (and JSON) atomically; when
    nothing is new since the last summary of the same period and cut-off (same code and data
    files, the report and JSON still as written), leave them as they are."""
    run_now, as_of = clocks(opts)
    period = _period(opts.period, as_of)
    target = _report_target(opts, period)
    feedback_folder(opts, target)  # a usage error before anything is taken in
    with run_lock(opts.state, wait=opts.lock_wait):
        ledger = Ledger(opts.state)
        try:
            return _summarise(ledger, (opts, as_of, period), run_now, target, progress)
        except sqlite3.Error as e:
            raise StateError(state_message(e, opts.state)) from e
        finally:
            ledger.close()


def _summarise(
    ledger: Ledger,
    run: tuple[Options, dt.datetime, Period],
    run_now: dt.datetime,
    target: Path,
    progress: Progress | None,
) -> Outcome:
    """One summary under the lock: take in, then write the report, the JSON and the feedback
    folder, or leave them as written when nothing they are made from has changed."""
    opts, as_of, period = run
    run_id = ledger.start_run(iso(run_now), iso(as_of), period.code)
    start, limits, version, data = light_start(opts, period)
    early = Early(ledger.state, opts, period, start, progress)  # reading begins with the intake
    try:
        scan = intake_into(ledger, opts, limits, on_new=early.add)
        failpoint("after-intake")
        key = inputs_key(ledger, version, scan, run, target)
        root = feedback_folder(opts, target)
        tree = root / period.code if root is not None else None  # this period's feedback
        kept = outputs.unchanged(opts.state, key, target, opts.json_out, tree)
        if kept is not None:
            ledger.finish_run(run_id, iso(now()), str(target), scan.new)
            said = [UNCHANGED]
            digest = Digest(**kept)
            return Outcome(period, None, 0, target, opts.json_out, as_of, said, digest, True)
        ctx = early.ctx or context_for(opts, period)
        outcome = _report(ledger, (run, target, data), ctx, scan, early, progress)
    finally:
        early.close()
    ledger.finish_run(run_id, iso(now()), str(target), scan.new)
    return outcome


def _report(
    ledger: Ledger,
    what: tuple[tuple[Options, dt.datetime, Period], Path, str],
    ctx: Context,
    scan: Scan,
    early: Early,
    progress: Progress | None,
) -> Outcome:
    """Judge and write the report, the JSON and the feedback folder (begun meanwhile), and
    remember what they were made from when every reading is settled."""
    from aggregator.write.feedback import SendBack  # pandas: only when the report is written

    run, target, data = what
    opts, as_of, period = run
    root = feedback_folder(opts, target)
    early.all_in()
    _load_writers(feedback=root is not None)
    with settled_heap():
        entries, facts, settled = judge(ledger, ctx, scan, run, progress, early)
        notice = open_elsewhere(target)
        notices = [notice] if notice else []
        feedback = SendBack(entries, facts, ctx, root, opts.jobs)  # copies begun meanwhile
        try:
            _write_outputs(target, opts, facts, ctx)
            failpoint("after-report")
        except BaseException:
            feedback.abandon()
            raise
        sent_back, why = feedback.finish()
    notices += [why] if why else []
    if settled and not why:  # keyed as the state now is (readings kept), as the next run sees it
        key = inputs_key(ledger, fingerprint(ctx), scan, run, target)
        tree = root / period.code if root is not None else None
        outputs.remember(opts.state, key, (target, opts.json_out, tree), asdict(facts.digest), data)
    return Outcome(
        period, facts, scan.new, target, opts.json_out, as_of, notices, feedback=sent_back
    )


def _load_writers(*, feedback: bool) -> None:
    """Load the report's writers (and openpyxl, for the annotated copies) now, before judging:
    the reader workers are still reading then, so the imports overlap their last files instead
    of following the judging with a core idle. Imports in this one thread, done before the
    judging forks more readers and the feedback helpers."""
    import aggregator.write.jsonout
    import aggregator.write.report

    if feedback:
        import aggregator.write.annotate
        import aggregator.write.feedbackform  # noqa: F401


def run_status(opts: Options, progress: Progress | None = None) -> Outcome:
    """Take in the inbox and say who has returned what (no report written)."""
    _, as_of = clocks(opts)
    period = _period(opts.period, as_of)
    with run_lock(opts.state, wait=opts.lock_wait, what="status"):
        ledger = Ledger(opts.state)
        try:
            with settled_heap():
                _, _, facts, new = collect(opts, ledger, as_of, period, progress)
        except sqlite3.Error as e:
            raise StateError(state_message(e, opts.state)) from e
        finally:
            ledger.close()
    return Outcome(period, facts, new, None, None, as_of)


def run_intake(opts: Options) -> Scan:
    """``intake``: take in what is new and record when it arrived, without reading or writing a
    report. Files already recorded (same name, size and time) are not even hashed again."""
    with run_lock(opts.state, wait=opts.lock_wait, what="intake"):
        ledger = Ledger(opts.state)
        try:
            return intake_into(ledger, opts, load_context().policy.limits, quick=True)
        except sqlite3.Error as e:
            raise StateError(state_message(e, opts.state)) from e
        finally:
            ledger.close()
