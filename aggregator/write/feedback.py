"""The feedback folder of a summary run: for each city whose returns have problems, annotated
copies of those returns and one printable 问题反馈单, ready to send back.

Layout: ``<folder>/<期次>/<城市>/``. The period's folder is built beside its final place and
then put there in one step, so a re-run replaces it cleanly and a failed run leaves the
previous one as it was. Returns in the inbox and the stored copies are only ever read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from aggregator.clock import CHINA
from aggregator.judge.decide import Entry
from aggregator.period import Period
from aggregator.problems import Problem, Severity
from aggregator.rulebook import Context
from aggregator.rulebook.policy import Policy
from aggregator.store.atomic import umask
from aggregator.vocab import Form, Status
from aggregator.write.feedbackcopies import CopyJob, CopyRun

if TYPE_CHECKING:  # the facts (pandas) are made by the judge; the folder's place needs none
    from aggregator.judge.facts import Facts

FEEDBACK_DIR = "反馈"
UNKNOWN_CITY = "未能确定所属市"
SENT_BACK = (Status.ACCEPTED, Status.REJECTED)


@dataclass
class FileFeedback:
    """One return to send back: its problems (errors first) and its annotated copy."""

    entry: Entry
    problems: list[Problem]
    resend_by: dt.date
    annotated: Path | None = None  # set when written

    @property
    def file(self) -> str:
        """The file's name as dropped in the inbox."""
        return self.entry.sub.name

    @property
    def errors(self) -> int:
        """How many of its problems are errors."""
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        """How many of its problems are warnings."""
        return len(self.problems) - self.errors


@dataclass
class CityFeedback:
    """What goes back to one city."""

    city: str
    files: list[FileFeedback]
    contact: str = ""  # the city's own filler, from its returns
    phone: str = ""
    form: Path | None = None  # the 问题反馈单, once written

    @property
    def resend_by(self) -> dt.date:
        """The earliest date by which any of its files is due again."""
        return min(f.resend_by for f in self.files)


@dataclass
class FeedbackResult:
    """Where the period's feedback went, city by city."""

    folder: Path
    cities: list[CityFeedback] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the terminal says about it: the folder, then one line per city."""
        if not self.cities:
            return [f"问题反馈：各市报表均无问题，无需反馈（{self.folder}）。"]
        out = [f"问题反馈：{self.folder}（{len(self.cities)} 个市，逐市文件夹）"]
        for c in self.cities:
            errors = sum(f.errors for f in c.files)
            warnings = sum(f.warnings for f in c.files)
            out.append(
                f"  {c.city}：{len(c.files)} 个文件，错误 {errors} 个，提醒 {warnings} 个，"
                f"限 {c.resend_by:%Y-%m-%d} 前重报"
            )
        return out


def default_feedback_dir(report: Path) -> Path:
    """The feedback folder beside a report: ``<report folder>/反馈``."""
    return report.parent / FEEDBACK_DIR


def resend_by(policy: Policy, form: str | None, period: Period, as_of: dt.datetime) -> dt.date:
    """By when a return must come back: its form's deadline, or, once that has passed,
    ``resend_days`` after the report's cut-off."""
    if form == Form.PLAN:
        due = policy.deadline(period.plan)
    elif form in (Form.DEMO_PROJECT, Form.BASE, Form.EXPERT):
        due = policy.deadline(period.plan, "applications")
    else:
        due = policy.deadline(period)
    today = as_of.astimezone(CHINA).date()
    return due if today < due else today + dt.timedelta(days=policy.resend_days)


def _problem(i: dict[str, Any]) -> Problem:
    keys = ("code", "message", "file", "sheet", "cell", "city", "county")
    where: dict[str, Any] = {k: str(i.get(k) or "") for k in keys}
    severity: Severity = "error" if i["severity"] == "error" else "warning"
    return Problem(severity, **where)


def _city_of(e: Entry, problems: list[Problem], cities: set[str]) -> str:
    """The city a return goes back to: as read, else as its problems or inbox folder say."""
    if e.read.city:
        return e.read.city
    for p in problems:
        if p.city in cities:
            return p.city
    first = PurePosixPath(e.sub.name).parts[0]
    return first if first in cities else UNKNOWN_CITY


def _answers(e: Entry, period: Period, policy: Policy) -> bool:
    """Whether a return that says no period arrived in this period's window (the half year's
    before the midpoint of the two deadlines, the whole year's after it)."""
    if e.received_at == dt.datetime.min or period.kind == "Y":
        return True
    return policy.period_by_receipt(e.received_at) == period


def gather(entries: list[Entry], facts: Facts, ctx: Context) -> list[CityFeedback]:
    """Every counted or rejected return of this period that has problems, city by city in the
    standard order (a return whose city cannot be told last); nothing is written."""
    by_file: dict[str, list[Problem]] = {}
    for i in facts.json["issues"]:
        if i.get("file"):
            by_file.setdefault(i["file"], []).append(_problem(i))
    period = facts.period
    relevant = (period.code, period.plan.code, None)
    as_of = dt.datetime.fromisoformat(facts.json["as_of"])
    names = {c.name for c in ctx.registry.cities}
    grouped: dict[str, list[FileFeedback]] = {}
    for e in entries:
        problems = by_file.get(e.sub.name, [])
        if e.status not in SENT_BACK or not problems or e.read.period not in relevant:
            continue
        if e.read.period is None and not _answers(e, period, ctx.policy):
            continue  # a file of unknown period sent back with the other half year's
        problems = sorted(problems, key=lambda p: p.severity != "error")
        due = resend_by(ctx.policy, e.read.form, period, as_of)
        grouped.setdefault(_city_of(e, problems, names), []).append(FileFeedback(e, problems, due))
    order = [c.name for c in ctx.registry.cities] + [UNKNOWN_CITY]
    out = []
    for city in order:
        files = grouped.get(city)
        if not files:
            continue
        files.sort(key=lambda f: (-f.errors, f.file))
        who = next((f.entry.read for f in files if f.entry.read.contact_person), None)
        out.append(
            CityFeedback(
                city, files, who.contact_person if who else "", who.contact_phone if who else ""
            )
        )
    return out


def _unique(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, numbered (2), (3)… when already taken."""
    target = folder / name
    stem, dot, ext = name.rpartition(".")
    n = 2
    while target.exists():
        target = folder / f"{stem}（{n}）{dot}{ext}"
        n += 1
    return target


def _made(f: FileFeedback, stage: Path) -> Path | None:
    """Write the annotated copy of one file (from the stored copy) into ``stage``."""
    from aggregator.write.annotate import write_annotated

    source = f.entry.sub.stored
    if not source.is_file():
        return None
    read = replace(f.entry.read, file=f.file, problems=f.problems)
    return write_annotated(source, read, stage, resend_by=f.resend_by)


def _place(job: CopyJob, made: Path) -> None:
    """Move a made copy into its city's folder under its own name, numbered when taken."""
    target = _unique(job.folder, made.name)
    made.rename(target)
    job.file.annotated = target


class PendingFeedback:
    """A period's feedback folder under way: built beside its final place, the annotated
    copies begun by forked helpers, so that the summary workbook is written meanwhile."""

    def __init__(
        self,
        cities: list[CityFeedback],
        folder: Path,
        facts: Facts,
        processes: int | None = None,
    ) -> None:
        self.cities, self.facts = cities, facts
        self.final = folder / facts.period.code
        # folders made for it, deepest first: removed again if the report is not written
        self.made = [p for p in (folder, *folder.parents) if not p.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f".{facts.period.code}.*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.work = Path(tempfile.mkdtemp(prefix=f".{facts.period.code}.", dir=folder))
        try:
            self.work.chmod(0o777 & ~umask())  # mkdtemp's 0700 would shut colleagues out
            jobs = []
            for c in cities:
                (self.work / c.city).mkdir()
                jobs += [CopyJob(f, self.work / c.city) for f in c.files]
            if jobs:  # openpyxl loaded once, before the helpers are forked, not in each
                import aggregator.write.annotate  # noqa: F401
            self.copies = CopyRun(jobs, self.work, _made, processes)
        except BaseException:
            shutil.rmtree(self.work, ignore_errors=True)
            raise

    def finish(self, ctx: Context) -> FeedbackResult:
        """Finish the copies, write each city's 问题反馈单 and put the folder in place whole
        (the previous one is replaced only now)."""
        from aggregator.write.feedbackform import feedback_name, write_feedback_form

        work, final, period = self.work, self.final, self.facts.period
        try:
            self.copies.finish(_place)
            for c in self.cities:
                c.form = work / c.city / feedback_name(c.city, period)
                write_feedback_form(c.form, c, self.facts, ctx)
            _swap(work, final)
        except BaseException:
            self.copies.close()
            shutil.rmtree(work, ignore_errors=True)
            raise
        for c in self.cities:  # paths as they now stand
            c.form = _moved(c.form, work, final)
            for f in c.files:
                f.annotated = _moved(f.annotated, work, final)
        return FeedbackResult(final, self.cities)

    def abandon(self) -> None:
        """Give the new folder up (the report failed): helpers stopped, nothing published."""
        self.copies.close()
        shutil.rmtree(self.work, ignore_errors=True)
        for p in self.made:
            with contextlib.suppress(OSError):
                p.rmdir()


def write_feedback(
    cities: list[CityFeedback], folder: Path, facts: Facts, ctx: Context
) -> FeedbackResult:
    """Write ``<folder>/<期次>/`` afresh: per city the annotated copies and the 问题反馈单.
    An existing period folder is replaced only once the new one is complete."""
    return PendingFeedback(cities, folder, facts).finish(ctx)


def _not_written(folder: Path, e: OSError) -> str:
    why = e.strerror or str(e)
    return f"问题反馈文件夹 {folder} 未能写出（{why}）；汇总表已写出，原有的反馈文件夹未改动。"


class SendBack:
    """The period's feedback, begun before the report is written and finished after it: a
    folder that cannot be written is a notice then, the previous one kept."""

    def __init__(
        self,
        entries: list[Entry],
        facts: Facts,
        ctx: Context,
        folder: Path | None,
        jobs: int | None = None,
    ):
        self.folder, self.ctx = folder, ctx
        self.pending: PendingFeedback | None = None
        self.error: OSError | None = None
        if folder is not None:
            try:
                self.pending = PendingFeedback(gather(entries, facts, ctx), folder, facts, jobs)
            except OSError as e:
                self.error = e

    def finish(self) -> tuple[FeedbackResult | None, str | None]:
        """The folder written and in place, or why not."""
        if self.folder is None:
            return None, None
        try:
            if self.error is not None:
                raise self.error
            assert self.pending is not None
            return self.pending.finish(self.ctx), None
        except OSError as e:
            return None, _not_written(self.folder, e)

    def abandon(self) -> None:
        """The report was not written: no new feedback folder either."""
        if self.pending is not None:
            self.pending.abandon()


def send_back(
    entries: list[Entry], facts: Facts, ctx: Context, folder: Path | None
) -> tuple[FeedbackResult | None, str | None]:
    """Gather and write the period's feedback (nothing when ``folder`` is None). The report is
    written by then: a folder that cannot be written is a notice, the previous one kept."""
    return SendBack(entries, facts, ctx, folder).finish()


def _moved(p: Path | None, work: Path, final: Path) -> Path | None:
    return final / p.relative_to(work) if p is not None else None


def _swap(work: Path, final: Path) -> None:
    """Put ``work`` at ``final``: the old folder is renamed aside first, removed last."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{work.name.rsplit('.', 1)[-1]}")
        final.rename(old)
    try:
        work.rename(final)
    except BaseException:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
