"""``summary`` and ``status``: take in the inbox, decide what counts, build the facts, write."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.clock import iso, now
from aggregator.faults import failpoint
from aggregator.judge.digest import Digest
from aggregator.period import Period
from aggregator.problems import Problem, warning
from aggregator.read.reader import READER_VERSION, Context, reject
from aggregator.read.returns import ReturnRead
from aggregator.read.workers import Progress, is_unsettled, read_many
from aggregator.rulebook import load_context, resolve_period
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.policy import Limits
from aggregator.store import evidence, outputs
from aggregator.store.atomic import atomic_paths, remove_stale
from aggregator.store.intake import Scan, container_read, scan_inbox, take_in
from aggregator.store.ledger import Ledger, Submission
from aggregator.store.lock import run_lock
from aggregator.store.state import StateError, state_message

if TYPE_CHECKING:  # the judge (pandas) and the writers are loaded only by the runs that use them
    from aggregator.judge.decide import Entry
    from aggregator.judge.facts import Facts


class UsageError(Exception):
    """The options do not make sense (exit code 2)."""


@dataclass
class Options:
    """What a summary or status run works on."""

    period: str
    inbox: Path
    state: Path
    as_of: dt.datetime | None = None  # the report's cut-off (default: ``now``)
    now: dt.datetime | None = None  # the run's clock (default: the system clock)
    out: Path | None = None
    json_out: Path | None = None
    jobs: int | None = None
    lock_wait: float = 10.0


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


def clocks(opts: Options) -> tuple[dt.datetime, dt.datetime]:
    """The run's clock and the report's cut-off (``--as-of`` defaults to ``--now``)."""
    run_now = opts.now or now()
    return run_now, opts.as_of or run_now


def _period(text: str, as_of: dt.datetime) -> Period:
    try:
        return resolve_period(text, as_of)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _fingerprint(ctx: Context) -> str:
    """Reader version plus the data files reading depends on: a change re-reads everything."""
    h = hashlib.sha256(READER_VERSION.encode())
    for folder in ("reference", "schemas"):
        for p in sorted(data_dir(folder).glob("*")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    h.update(str(ctx.policy.year).encode())
    h.update(repr(sorted(ctx.policy.max_figures.items())).encode())
    return h.hexdigest()[:16]


def _copies_at_hand(
    ledger: Ledger, subs: list[Submission], inbox: Path, problems: list[Problem]
) -> dict[int, ReturnRead]:
    """Check the stored copy of each submission to be read against its sha256; put back a
    missing or damaged one from the inbox (with a warning). Those that cannot be put back get a
    rejection for this run only (never cached): the file is not judged on a broken copy."""
    unreadable: dict[int, ReturnRead] = {}
    for s in subs:
        if ledger.copy_is_sound(s):
            continue
        if ledger.restore_copy(s, inbox / s.name):
            problems.append(
                warning(
                    "stored-copy-restored",
                    f"“{s.name}”在台账文件夹中保存的副本缺失或已损坏，已从收件箱中的原文件恢复。",
                    file=s.name,
                )
            )
            continue
        unreadable[s.id] = reject(
            ReturnRead(file=s.name),
            "stored-copy-missing",
            f"“{s.name}”在台账文件夹中保存的副本缺失或已损坏，收件箱中也已没有同样内容的原文件，"
            "本次无法读取（不作为对该文件的结论）。请把原文件放回收件箱后重新运行。",
        )
    return unreadable


def _read_all(
    ledger: Ledger,
    ctx: Context,
    as_of: dt.datetime,
    opts: Options,
    scan: Scan,
    progress: Progress | None,
) -> tuple[list[tuple[Submission, ReturnRead]], bool]:
    """Every submission received by ``as_of`` with its reading (cached, else read now), and
    whether every reading is settled (none failed for the machine's sake or a missing copy);
    containers are unpacked again for their problems, never read as a form."""
    subs = ledger.submissions(until=iso(as_of))
    version = _fingerprint(ctx)
    cached: dict[int, ReturnRead] = {}
    todo = []
    for s in subs:
        if s.container:
            cached[s.id], lock_files = container_read(s, ctx.policy.limits)
            scan.ignored += [(n, "") for n in lock_files]
            continue
        r = ledger.cached_read(s.sha256, s.name, version)
        if r is None:
            todo.append(s)
        else:
            cached[s.id] = r
    missing = _copies_at_hand(ledger, todo, opts.inbox, scan.problems)
    cached.update(missing)
    settled = not missing
    todo = [s for s in todo if s.id not in cached]
    if todo:
        files = [(s.stored, s.name) for s in todo]
        texts: dict[int, str] = {}  # the readings as cached, made by the workers
        results = read_many(files, ctx, jobs=opts.jobs, progress=progress, texts=texts)
        pairs = list(zip(todo, results, strict=True))
        # a worker killed, out of time or memory is the machine's failure: not remembered
        ledger.save_reads(
            [
                (s.sha256, s.name, version, texts.get(i) or r)
                for i, (s, r) in enumerate(pairs)
                if not is_unsettled(r)
            ]
        )
        settled = settled and not any(is_unsettled(r) for _, r in pairs)
        for s, r in pairs:
            cached[s.id] = r
    return [(s, cached[s.id]) for s in subs], settled


def intake_into(ledger: Ledger, opts: Options, limits: Limits, *, quick: bool = False) -> Scan:
    """Take in what is new in the inbox (at the run's clock) and apply the analyst's
    registrations; the scan carries the count in ``new`` and every problem met."""
    run_now, _ = clocks(opts)
    if not opts.inbox.is_dir():
        raise UsageError(f"收件箱文件夹不存在：{opts.inbox}")
    scan = scan_inbox(opts.inbox)
    scan.new = take_in(ledger, scan, run_now, limits, quick=quick)
    paths = evidence.receipt_files(opts.state, opts.inbox)
    if paths:
        regs, problems = evidence.load_registrations(paths, run_now)
        scan.problems += problems + evidence.apply_registrations(ledger, regs)
    return scan


def collect(
    opts: Options,
    ledger: Ledger,
    as_of: dt.datetime,
    period: Period,
    progress: Progress | None = None,
) -> tuple[Context, list[Entry], Facts, int]:
    """Take in the inbox and build the facts of a resolved period (shared by summary and status)."""
    ctx = load_context(year=period.year)
    scan = intake_into(ledger, opts, ctx.policy.limits)
    failpoint("after-intake")
    entries, facts, _ = judge(ledger, ctx, scan, (opts, as_of, period), progress)
    return ctx, entries, facts, scan.new


def judge(
    ledger: Ledger,
    ctx: Context,
    scan: Scan,
    run: tuple[Options, dt.datetime, Period],
    progress: Progress | None = None,
) -> tuple[list[Entry], Facts, bool]:
    """Read what is to be read, decide what counts and build the facts (statuses stored);
    whether every reading is settled (see :func:`_read_all`)."""
    from aggregator.judge.decide import decide
    from aggregator.judge.facts import build_facts

    opts, as_of, period = run
    pairs, settled = _read_all(ledger, ctx, as_of, opts, scan, progress)
    failpoint("after-reads")
    entries = decide(pairs, ctx.policy)
    ignored = [(n, "") for n, _ in scan.ignored]
    facts = build_facts(entries, ctx, period, as_of, scan.problems, ignored)
    outputs.forget(opts.state)  # statuses decided again: the last report's record no longer holds
    ledger.set_statuses(
        [(e.sub.id, e.read.form, e.read.city, e.read.period, e.status, e.reason) for e in entries]
    )
    return entries, facts, settled


def inputs_key(
    ledger: Ledger, ctx: Context, scan: Scan, run: tuple[Options, dt.datetime, Period], target: Path
) -> str:
    """A key of everything a summary is made from: code, data files, every recorded submission
    (content, arrival evidence) and which have a reading kept, what this look at the inbox
    found, period, cut-off, outputs."""
    opts, as_of, period = run
    version = _fingerprint(ctx)
    rows = ledger.db.execute(
        "SELECT id, name, sha256, size, first_seen, received_at, received_from, sender,"
        " container FROM submissions ORDER BY id"
    ).fetchall()
    readings = ledger.db.execute(  # readings forgotten (or not made): read again, rewrite
        "SELECT sha256, name FROM reads WHERE version=? ORDER BY sha256, name", (version,)
    ).fetchall()
    return outputs.inputs_key(
        [
            version,
            readings,
            outputs.files_digest([data_dir("policy")]),
            period.code,
            iso(as_of),
            str(target.resolve()),
            str(opts.json_out.resolve()) if opts.json_out else None,
            rows,
            scan.problems,
            scan.ignored,
            sorted(scan.pending),
        ]
    )


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

    from aggregator.write.report import write_report

    targets = [target] + ([opts.json_out] if opts.json_out else [])
    for t in targets:
        remove_stale(t)
    with atomic_paths(*targets) as tmps:
        try:
            write_report(tmps[0], facts, ctx)
        except FileCreateError as e:
            cause = e.__cause__ or (e.args[0] if e.args else None)
            no = getattr(cause, "errno", 0) or 0
            raise OSError(no, getattr(cause, "strerror", None) or str(e), str(target)) from e
        failpoint("report-half-written")
        if opts.json_out:
            text = json.dumps(facts.json, ensure_ascii=False, indent=2) + "\n"
            tmps[1].write_text(text, encoding="utf-8")


def run_summary(opts: Options, progress: Progress | None = None) -> Outcome:
    """Take in the inbox and write the provincial summary workbook (and JSON) atomically; when
    nothing is new since the last summary of the same period and cut-off (same code and data
    files, the report and JSON still as written), leave them as they are."""
    run_now, as_of = clocks(opts)
    period = _period(opts.period, as_of)
    target = _report_target(opts, period)
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
    opts, as_of, period = run
    run_id = ledger.start_run(iso(run_now), iso(as_of), period.code)
    ctx = load_context(year=period.year)
    scan = intake_into(ledger, opts, ctx.policy.limits)
    failpoint("after-intake")
    key = inputs_key(ledger, ctx, scan, run, target)
    kept = outputs.unchanged(opts.state, key, target, opts.json_out)
    if kept is not None:
        ledger.finish_run(run_id, iso(now()), str(target), scan.new)
        said = [UNCHANGED]
        return Outcome(period, None, 0, target, opts.json_out, as_of, said, Digest(**kept), True)
    _, facts, settled = judge(ledger, ctx, scan, run, progress)
    notice = open_elsewhere(target)
    _write_outputs(target, opts, facts, ctx)
    failpoint("after-report")
    if settled:  # keyed as the state now is (its readings kept), as the next run will see it
        key = inputs_key(ledger, ctx, scan, run, target)
        outputs.remember(opts.state, key, target, opts.json_out, asdict(facts.digest))
    ledger.finish_run(run_id, iso(now()), str(target), scan.new)
    return Outcome(
        period, facts, scan.new, target, opts.json_out, as_of, [notice] if notice else []
    )


def run_status(opts: Options, progress: Progress | None = None) -> Outcome:
    """Take in the inbox and say who has returned what (no report written)."""
    _, as_of = clocks(opts)
    period = _period(opts.period, as_of)
    with run_lock(opts.state, wait=opts.lock_wait, what="status"):
        ledger = Ledger(opts.state)
        try:
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
