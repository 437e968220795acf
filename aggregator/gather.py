"""The first half of every run: take in the inbox, have every submission's reading at hand
(cached, else read now in the workers), decide what counts and build the facts; and the key of
everything a summary is made from."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.clock import iso
from aggregator.faults import failpoint
from aggregator.period import Period
from aggregator.privacy import load_salt
from aggregator.problems import Problem, warning
from aggregator.read.returns import ReturnRead
from aggregator.read.versions import APP_READER_VERSION, READER_VERSION
from aggregator.rulebook import Context, PolicyBasics, load_context, policy_basics
from aggregator.rulebook.datafiles import data_dir
from aggregator.rulebook.policy import Limits, Policy
from aggregator.runopts import Options, UsageError, clocks, feedback_folder
from aggregator.store import evidence, outputs
from aggregator.store.intake import Scan, container_read, scan_inbox, take_in
from aggregator.store.ledger import Arrival, Ledger, Submission

if TYPE_CHECKING:  # the readers and the judge (pandas) are loaded only by the runs that use them
    from aggregator.judge.decide import Entry
    from aggregator.judge.facts import Facts
    from aggregator.read.early import EarlyReads
    from aggregator.read.workers import Progress


def fingerprint(ctx: Context) -> str:
    """Reader version plus the data files reading depends on: a change re-reads everything."""
    return fingerprint_of(ctx.policy, ctx.salt)


def fingerprint_of(policy: Policy | PolicyBasics, salt: bytes) -> str:
    """:func:`fingerprint` from the policy's year and figure bounds and the salt."""
    h = hashlib.sha256(READER_VERSION.encode())
    h.update(APP_READER_VERSION.encode())  # Attachments 1–3 reading
    for folder in ("reference", "schemas"):
        for p in sorted(data_dir(folder).glob("*")):
            if p.is_file():  # a folder kept inside (an old version, say) is read by nothing
                h.update(p.name.encode())
                h.update(p.read_bytes())
    h.update(str(policy.year).encode())
    h.update(hashlib.sha256(salt).digest())  # A3 identity digests depend on the salt
    h.update(repr(sorted(policy.max_figures.items())).encode())
    return h.hexdigest()[:16]


def _copies_at_hand(
    ledger: Ledger, subs: list[Submission], inbox: Path, problems: list[Problem]
) -> tuple[dict[int, ReturnRead], set[int]]:
    """Check the stored copy of each submission to be read against its sha256; put back a
    missing or damaged one from the inbox (with a warning). Those that cannot be put back get a
    rejection for this run only (never cached): the file is not judged on a broken copy.
    Returns those rejections and the ids of the copies put back."""
    from aggregator.read.reader import reject

    unreadable: dict[int, ReturnRead] = {}
    restored: set[int] = set()
    for s in subs:
        if ledger.copy_is_sound(s):
            continue
        if ledger.restore_copy(s, inbox / s.name):
            restored.add(s.id)
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
    return unreadable, restored


def _inside(name: str, containers: set[str]) -> bool:
    """Whether a label ``a.zip/b.zip`` lies inside one of the containers named."""
    parts = name.split("/")
    return any("/".join(parts[:n]) in containers for n in range(1, len(parts)))


def _read_all(
    ledger: Ledger,
    ctx: Context,
    as_of: dt.datetime,
    opts: Options,
    scan: Scan,
    progress: Progress | None,
    early: Early | None = None,
) -> tuple[list[tuple[Submission, ReturnRead]], bool]:
    """Every submission received by ``as_of`` with its reading (cached, read early as it was
    taken in, else read now), and whether every reading is settled (none failed for the
    machine's sake or a missing copy); containers are unpacked again for their problems, never
    read as a form. A copy is hashed again here only when no worker vouches that the reading
    is of the recorded bytes (see :func:`_copies_at_hand`)."""
    from aggregator.read.workers import is_unsettled

    subs = ledger.submissions(until=iso(as_of))
    version = fingerprint(ctx)
    cached: dict[int, ReturnRead] = {}
    todo = []
    outer = {s.name for s in subs if s.container}
    for s in subs:
        if s.container and _inside(s.name, outer):
            # a nested container: the outermost one's unpacking already says its problems
            cached[s.id] = ReturnRead(file=s.name, kind=s.container)
            continue
        if s.container:
            cached[s.id], lock_files = container_read(s, ctx.policy.limits)
            scan.ignored += [(n, "") for n in lock_files]
            continue
        r = ledger.cached_read(s.sha256, s.name, version)
        if r is None:
            todo.append(s)
        else:
            cached[s.id] = r
    pre = early.results() if early is not None else {}
    vouched = _vouched(todo, pre)
    unvouched = [s for s in todo if s.id not in vouched]
    missing, restored = _copies_at_hand(ledger, unvouched, opts.inbox, scan.problems)
    for s in unvouched:
        if s.id in restored:  # read early from a copy since found damaged: read again
            pre.pop((s.sha256, s.name), None)
    cached.update(missing)
    settled = not missing
    todo = [s for s in todo if s.id not in cached]
    if todo:
        read = _read_todo(todo, pre, ctx, opts, progress)
        # a worker killed, out of time or memory is the machine's failure: not remembered
        ledger.save_reads(
            [(s.sha256, s.name, version, t or r) for s, r, t in read if not is_unsettled(r)]
        )
        settled = settled and not any(is_unsettled(r) for _, r, _ in read)
        for s, r, _ in read:
            cached[s.id] = r
    return [(s, cached[s.id]) for s in subs], settled


def _vouched(
    todo: list[Submission], pre: dict[tuple[str, str], tuple[ReturnRead, str, str]]
) -> set[int]:
    """Ids of the submissions read early from bytes that hash to what was recorded: their
    copies are sound, no need to hash them again. An early reading of other bytes is dropped
    from ``pre`` (its copy is checked, put back and read again)."""
    vouched = set()
    for s in todo:
        digest = pre[(s.sha256, s.name)][2] if (s.sha256, s.name) in pre else ""
        if digest == s.sha256:
            vouched.add(s.id)
        elif digest:
            pre.pop((s.sha256, s.name))
    return vouched


def _read_todo(
    todo: list[Submission],
    pre: dict[tuple[str, str], tuple[ReturnRead, str, str]],
    ctx: Context,
    opts: Options,
    progress: Progress | None = None,
) -> list[tuple[Submission, ReturnRead, str]]:
    """Each submission's reading and its cache text: read early, else read now."""
    from aggregator.read.workers import read_many

    def key(s: Submission) -> tuple[str, str]:
        return (s.sha256, s.name)

    rest = [s for s in todo if key(s) not in pre]
    texts: dict[int, str] = {}  # the readings as cached, made by the workers
    files = [(s.stored, s.name) for s in rest]
    now = read_many(files, ctx, jobs=opts.jobs, progress=progress, texts=texts)
    fresh = {key(s): (r, texts.get(i, "")) for i, (s, r) in enumerate(zip(rest, now, strict=True))}
    return [(s, *(pre[key(s)][:2] if key(s) in pre else fresh[key(s)])) for s in todo]


class Early:
    """Reading begun during the intake: each new copy goes to the reader workers as soon as it
    is stored (the rulebook loaded at the first), so that reading overlaps taking in. Readings
    are keyed by content and name; one whose copy is later found damaged is not used."""

    def __init__(
        self,
        state: Path,
        opts: Options,
        period: Period,
        ctx: Context | None,
        progress: Progress | None,
    ) -> None:
        self.state, self.opts, self.period, self.ctx = state, opts, period, ctx
        self.progress = progress
        self.reads: EarlyReads | None = None

    def add(self, row: Arrival) -> None:
        """Hand one new arrival's copy to the workers (containers are unpacked, not read)."""
        if row.container or self.opts.jobs == 0:
            return
        if self.reads is None:
            from aggregator.read.early import EarlyReads

            self.ctx = self.ctx or context_for(self.opts, self.period)
            self.reads = EarlyReads(self.ctx, self.opts.jobs, self.progress)
        self.reads.add(os.path.join(self.state, row.stored), row.name, (row.sha256, row.name))

    def all_in(self) -> None:
        """Every new file has come: the workers read what is left while this process loads
        the judge (see :meth:`EarlyReads.all_in`)."""
        if self.reads is not None:
            self.reads.all_in()

    def results(self) -> dict[tuple[str, str], tuple[ReturnRead, str, str]]:
        """The readings made early, each with its cache text and the sha256 of the bytes read
        (see :meth:`EarlyReads.results`; all read by now)."""
        return self.reads.results() if self.reads is not None else {}

    def close(self) -> None:
        """Stop the workers, if any are left (the run ended early)."""
        if self.reads is not None:
            self.reads.close()


def intake_into(
    ledger: Ledger,
    opts: Options,
    limits: Limits,
    *,
    quick: bool = False,
    on_new: Callable[[Arrival], None] | None = None,
) -> Scan:
    """Take in what is new in the inbox (at the run's clock) and apply the analyst's
    registrations; the scan carries the count in ``new`` and every problem met."""
    run_now, _ = clocks(opts)
    if not opts.inbox.is_dir():
        raise UsageError(f"收件箱文件夹不存在：{opts.inbox}")
    scan = scan_inbox(opts.inbox)
    scan.new = take_in(ledger, scan, run_now, limits, quick=quick, on_new=on_new)
    paths = evidence.receipt_files(opts.state, opts.inbox)
    if paths:
        regs, problems = evidence.load_registrations(paths, run_now)
        scan.problems += problems + evidence.apply_registrations(ledger, regs)
    return scan


def context_for(opts: Options, period: Period) -> Context:
    """The year's rulebook, with the state folder's salt for identity digests."""
    return replace(load_context(year=period.year), salt=load_salt(opts.state))


def data_key(period: Period) -> str:
    """A key of the data files (reference, schemas, policy) and the code that checks them."""
    folders = [data_dir(k) for k in ("reference", "schemas", "policy")]
    return outputs.inputs_key([outputs.files_digest(folders), period.year])


def light_start(opts: Options, period: Period) -> tuple[Context | None, Limits, str, str]:
    """The rulebook a summary starts with: (context, limits, fingerprint, data key). When the
    data files and code are those the last report was made with (so they were loaded and
    checked in full then), the context is None: only the policy's basics are read, and the
    reference data is loaded only if the report is to be written again."""
    data = data_key(period)
    if outputs.same_data(opts.state, data):
        basics = policy_basics(period.year)
        return None, basics.limits, fingerprint_of(basics, load_salt(opts.state)), data
    ctx = context_for(opts, period)
    return ctx, ctx.policy.limits, fingerprint(ctx), data


def collect(
    opts: Options,
    ledger: Ledger,
    as_of: dt.datetime,
    period: Period,
    progress: Progress | None = None,
) -> tuple[Context, list[Entry], Facts, int]:
    """Take in the inbox and build the facts of a resolved period (shared by summary and status)."""
    ctx = context_for(opts, period)
    scan = intake_into(ledger, opts, ctx.policy.limits)
    failpoint("after-intake")
    entries, facts, _ = judge(ledger, ctx, scan, (opts, as_of, period), progress)
    return ctx, entries, facts, scan.new


_HEAP = {"held": 0}  # how many settled_heap blocks the run is in


@contextmanager
def settled_heap() -> Iterator[None]:
    """A run's judging and writing: the collector leaves alone what exists at the start and the
    readings once made (they live to the end of the run; its full passes over them cost more
    than a second at 10,000 returns). Everything is handed back to it at the end."""
    _HEAP["held"] += 1
    gc.freeze()
    try:
        yield
    finally:
        _HEAP["held"] -= 1
        if not _HEAP["held"]:
            gc.unfreeze()


def judge(
    ledger: Ledger,
    ctx: Context,
    scan: Scan,
    run: tuple[Options, dt.datetime, Period],
    progress: Progress | None = None,
    early: Early | None = None,
) -> tuple[list[Entry], Facts, bool]:
    """Read what is to be read (or was read ``early``), decide what counts and build the facts
    (statuses stored); whether every reading is settled (see :func:`_read_all`)."""
    from aggregator.judge.decide import decide
    from aggregator.judge.facts import build_facts

    opts, as_of, period = run
    pairs, settled = _read_all(ledger, ctx, as_of, opts, scan, progress, early)
    failpoint("after-reads")
    if _HEAP["held"]:
        gc.freeze()  # the readings too (see settled_heap)
    entries = decide(pairs, ctx.policy)
    ignored = [(n, "") for n, _ in scan.ignored]
    facts = build_facts(entries, ctx, period, as_of, scan.problems, ignored)
    outputs.forget(opts.state)  # statuses decided again: the last report's record no longer holds
    ledger.set_statuses(
        [(e.sub.id, e.read.form, e.read.city, e.read.period, e.status, e.reason) for e in entries]
    )
    return entries, facts, settled


def inputs_key(
    ledger: Ledger, version: str, scan: Scan, run: tuple[Options, dt.datetime, Period], target: Path
) -> str:
    """A key of everything a summary is made from: code, data files (``version``: the
    readings' fingerprint), every recorded submission (content, arrival evidence) and which
    have a reading kept, what this look at the inbox found, period, cut-off, outputs."""
    opts, as_of, period = run
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
            outputs.rows_digest(readings),
            outputs.files_digest([data_dir("policy")]),
            period.code,
            iso(as_of),
            str(target.resolve()),
            str(opts.json_out.resolve()) if opts.json_out else None,
            str(feedback_folder(opts, target)),
            outputs.rows_digest(rows),
            scan.problems,
            scan.ignored,
            sorted(scan.pending),
        ]
    )
