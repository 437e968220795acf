"""The annotated copies of a feedback folder, written by this process and forked helpers.

Each copy is made in a staging folder of its own inside the (not yet published) period folder;
this process then moves them into their city folders in the standard order, so names and
numbering are those of a one-process run. A helper that dies, overruns or fails leaves its
copies to this process, which makes them again itself: a helper's trouble is never a verdict
on a sender's file, and the period folder is only published whole by the caller.
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

if TYPE_CHECKING:
    from aggregator.write.feedback import FileFeedback

STAGE = ".copies"
SECONDS_PER_COPY = 30.0  # a helper's allowance per copy before this process takes over

MakeCopy = Callable[["FileFeedback", Path], "Path | None"]


@dataclass
class CopyJob:
    """One annotated copy to make: the file, and the city folder it goes into."""

    file: FileFeedback
    folder: Path


def helpers_wanted(copies: int) -> int:
    """Forked helpers beside this process: one per further core (at most 3), none for a
    handful of copies or where processes cannot be forked."""
    if copies < 4 or "fork" not in mp.get_all_start_methods():
        return 0
    return max(0, min(3, (os.cpu_count() or 1) - 1, copies // 2))


def make_copies(
    jobs: list[CopyJob], work: Path, make: MakeCopy, place: Callable[[CopyJob, Path], None]
) -> None:
    """Make every job's copy (``make`` writes one into a staging folder and says where) and
    ``place`` each, in the order of ``jobs``; helpers share the work when there is enough."""
    stage = work / STAGE
    stage.mkdir()
    try:
        made = _make_all(jobs, stage, make)
        for i, job in enumerate(jobs):
            copy = made.get(i)
            if copy is not None:
                place(job, copy)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _make_one(i: int, job: CopyJob, stage: Path, make: MakeCopy) -> Path | None:
    where = stage / str(i)
    shutil.rmtree(where, ignore_errors=True)  # what a lost helper left half-written
    where.mkdir()
    return make(job.file, where)


def _make_all(jobs: list[CopyJob], stage: Path, make: MakeCopy) -> dict[int, Path | None]:
    n = helpers_wanted(len(jobs)) + 1
    if n == 1:
        return {i: _make_one(i, j, stage, make) for i, j in enumerate(jobs)}
    mpc = mp.get_context("fork")
    helpers = []
    for k in range(1, n):
        mine = list(range(k, len(jobs), n))
        parent, child = mpc.Pipe(duplex=False)
        proc = mpc.Process(target=_helper, args=(child, mine, jobs, stage, make), daemon=True)
        proc.start()
        child.close()
        helpers.append((proc, parent, mine))
    made: dict[int, Path | None] = {}
    try:
        for i in range(0, len(jobs), n):
            made[i] = _make_one(i, jobs[i], stage, make)
        for proc, conn, mine in helpers:
            made.update(_collect(proc, conn, len(mine) * SECONDS_PER_COPY))
    finally:
        for proc, conn, _ in helpers:
            _stop(proc, conn)
    for i, job in enumerate(jobs):  # a helper's share it did not finish: made here
        if i not in made:
            made[i] = _make_one(i, job, stage, make)
    return made


def _helper(
    conn: Connection, mine: list[int], jobs: list[CopyJob], stage: Path, make: MakeCopy
) -> None:
    """A forked helper: make its copies, saying after each where it went; stop at the first
    failure (this process makes that copy again and reports what goes wrong)."""
    try:
        for i in mine:
            result = _make_one(i, jobs[i], stage, make)
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
