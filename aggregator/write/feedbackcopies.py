"""The annotated copies of a feedback folder, written by this process and forked helpers.

The helpers start before the summary workbook is written and claim copies one at a time (a
copy is claimed by making its staging folder, which exactly one process can do); this process
joins in once the workbook is done. Each copy is made in its own staging folder inside the (not
yet published) period folder, then moved into its city folder in the standard order, so names
and numbering are those of a one-process run. A helper that dies, overruns or fails leaves its
copy to this process, which makes it again itself: a helper's trouble is never a verdict on a
sender's file, and the period folder is only published whole by the caller.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from aggregator.aside import die_with_parent

if TYPE_CHECKING:
    from aggregator.write.feedback import FileFeedback

STAGE = ".copies"
SECONDS_PER_COPY = 30.0  # a helper's allowance for its last copy once this process is done

MakeCopy = Callable[["FileFeedback", Path], "Path | None"]


@dataclass
class CopyJob:
    """One annotated copy to make: the file, and the city folder it goes into."""

    file: FileFeedback
    folder: Path


def helpers_wanted(copies: int, jobs: int | None = None) -> int:
    """Forked helpers beside this process: one per further core (at most 3; ``jobs`` caps the
    processes as it does the readers', 0 meaning this process alone), none for a handful of
    copies or where processes cannot be forked."""
    if copies < 4 or jobs == 0 or "fork" not in mp.get_all_start_methods():
        return 0
    cores = (os.cpu_count() or 1) if jobs is None else jobs
    return max(0, min(3, cores - 1, copies // 2))


class CopyRun:
    """Copies under way: helpers start at once, each claiming the next copy not yet taken;
    this process may do other work first (the summary workbook), then :meth:`finish`."""

    def __init__(
        self, jobs: list[CopyJob], work: Path, make: MakeCopy, processes: int | None = None
    ) -> None:
        self.jobs, self.make = jobs, make
        self.stage = work / STAGE
        self.stage.mkdir()
        self.helpers: list[tuple[mp.process.BaseProcess, Connection]] = []
        mpc = mp.get_context("fork")
        for _ in range(helpers_wanted(len(jobs), processes)):
            parent, child = mpc.Pipe(duplex=False)
            args = (child, jobs, self.stage, make, os.getpid())
            proc = mpc.Process(target=_helper, args=args, daemon=True)
            proc.start()
            child.close()
            self.helpers.append((proc, parent))

    def finish(self, place: Callable[[CopyJob, Path], None]) -> None:
        """Make the copies no helper took (or finished), then ``place`` each in job order."""
        try:
            made = self._made()
            for i, job in enumerate(self.jobs):
                copy = made.get(i)
                if copy is not None:
                    place(job, copy)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the helpers and remove the staging folder (also when given up half-way)."""
        for proc, conn in self.helpers:
            _stop(proc, conn)
        self.helpers = []
        shutil.rmtree(self.stage, ignore_errors=True)

    def _made(self) -> dict[int, Path | None]:
        made: dict[int, Path | None] = {}
        for i, job in enumerate(self.jobs):
            if _claim(self.stage, i):
                made[i] = self.make(job.file, self.stage / str(i))
        for proc, conn in self.helpers:  # each has at most one copy still in hand
            made.update(_collect(proc, conn, SECONDS_PER_COPY))
        for proc, conn in self.helpers:
            _stop(proc, conn)
        for i, job in enumerate(self.jobs):  # taken by a helper that died, failed or overran
            if i not in made:
                where = self.stage / str(i)
                shutil.rmtree(where, ignore_errors=True)
                where.mkdir()
                made[i] = self.make(job.file, where)
        return made


def make_copies(
    jobs: list[CopyJob], work: Path, make: MakeCopy, place: Callable[[CopyJob, Path], None]
) -> None:
    """Make every job's copy (``make`` writes one into the staging folder it is given and says
    where) and ``place`` each, in the order of ``jobs``; helpers share the work."""
    CopyRun(jobs, work, make).finish(place)


def _claim(stage: Path, i: int) -> bool:
    """Take copy ``i`` for this process: its staging folder is made by exactly one process."""
    try:
        (stage / str(i)).mkdir()
    except FileExistsError:
        return False
    return True


def _helper(
    conn: Connection, jobs: list[CopyJob], stage: Path, make: MakeCopy, parent: int
) -> None:
    """A forked helper: claim and make copies, saying after each where it went; stop at the
    first failure (the main process makes that copy again and reports what goes wrong) or
    when the main process is gone."""
    try:
        die_with_parent(parent)
        for i, job in enumerate(jobs):
            if os.getppid() != parent:
                return
            if _claim(stage, i):
                result = make(job.file, stage / str(i))
                conn.send((i, None if result is None else str(result)))
    except BaseException:
        pass
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def _collect(
    proc: mp.process.BaseProcess, conn: Connection, seconds: float
) -> dict[int, Path | None]:
    """What a helper made before it finished, died or ran out of time."""
    out: dict[int, Path | None] = {}
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not conn.poll(left):
            break
        try:
            i, where = conn.recv()
        except (EOFError, OSError):
            break
        out[i] = Path(where) if where is not None else None
    return out


def _stop(proc: mp.process.BaseProcess, conn: Connection) -> None:
    with contextlib.suppress(OSError):
        conn.close()
    proc.join(0.5)
    if proc.is_alive():
        proc.kill()
        proc.join()
