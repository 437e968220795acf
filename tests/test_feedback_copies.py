"""The feedback folder's copies made by forked helpers: same names and order as one process,
and a helper that dies, stalls or fails leaves its copies to the main process."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from aggregator.write import feedbackcopies
from aggregator.write.feedbackcopies import CopyJob, make_copies


class _File:
    """Stands in for a FileFeedback: a name and where its copy went."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.annotated: Path | None = None


def _jobs(tmp_path: Path, n: int) -> tuple[Path, list[CopyJob]]:
    work = tmp_path / "work"
    (work / "city").mkdir(parents=True)
    # every other file has the same name: numbering must follow the order of the jobs
    files: list[Any] = [_File(f"f{i // 2}.xlsx") for i in range(n)]
    return work, [CopyJob(f, work / "city") for f in files]


def _place(job: CopyJob, made: Path) -> None:
    target = job.folder / made.name
    n = 2
    while target.exists():
        target = job.folder / f"{made.stem}（{n}）{made.suffix}"
        n += 1
    made.rename(target)
    job.file.annotated = target


def _run(tmp_path: Path, make: Any, n: int = 9) -> list[tuple[str, str]]:
    work, jobs = _jobs(tmp_path, n)
    make_copies(jobs, work, make, _place)
    assert sorted(p.name for p in work.iterdir()) == ["city"]  # no staging left behind
    return [(j.file.annotated.name, j.file.annotated.read_text()) for j in jobs]


def _plain(f: Any, stage: Path) -> Path:
    out = stage / f.name
    out.write_text(f.name)
    return out


def _alone(tmp_path: Path) -> list[tuple[str, str]]:
    """The copies as one process makes them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(feedbackcopies, "helpers_wanted", lambda copies, processes=None: 0)
        return _run(tmp_path / "alone", _plain)


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedbackcopies, "helpers_wanted", lambda copies, processes=None: 2)


def test_helpers_give_the_names_of_one_process(tmp_path: Path, helpers: None) -> None:
    alone = _alone(tmp_path)
    assert _run(tmp_path / "b", _plain) == alone
    assert alone[1][0] == "f0（2）.xlsx"


def test_a_helper_that_dies_leaves_its_copies_to_the_main_process(
    tmp_path: Path, helpers: None
) -> None:
    main = os.getpid()

    def dies(f: Any, stage: Path) -> Path:
        if os.getpid() != main and f.name == "f2.xlsx":
            (stage / "half").write_text("x")
            os._exit(9)
        return _plain(f, stage)

    assert _run(tmp_path / "b", dies) == _alone(tmp_path)


def test_a_helper_that_fails_or_stalls_is_replaced(
    tmp_path: Path, helpers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = os.getpid()
    monkeypatch.setattr(feedbackcopies, "SECONDS_PER_COPY", 0.2)

    def trouble(f: Any, stage: Path) -> Path:
        if os.getpid() != main and f.name == "f1.xlsx":
            raise OSError("disk full, in a helper only")
        if os.getpid() != main and f.name == "f3.xlsx":
            time.sleep(60)
        return _plain(f, stage)

    assert _run(tmp_path / "b", trouble) == _alone(tmp_path)


def test_a_failure_in_the_main_process_is_raised(tmp_path: Path, helpers: None) -> None:
    def broken(f: Any, stage: Path) -> Path:
        raise OSError("no space left")

    with pytest.raises(OSError):
        _run(tmp_path, broken)


def test_copies_given_up_half_way_leave_no_helper_and_no_staging(
    tmp_path: Path, helpers: None
) -> None:
    work, jobs = _jobs(tmp_path, 9)

    def slow(f: Any, stage: Path) -> Path:
        time.sleep(0.2)
        return _plain(f, stage)

    run = feedbackcopies.CopyRun(jobs, work, slow)
    procs = [p for p, _ in run.helpers]
    assert len(procs) == 2
    run.close()  # as when the report cannot be written
    assert not any(p.is_alive() for p in procs)
    assert sorted(p.name for p in work.iterdir()) == ["city"]
    assert not list((work / "city").iterdir())


def test_jobs_zero_makes_every_copy_in_this_process() -> None:
    """`--jobs 0` (read in this process) forks no copy helper either; `--jobs 2` at most one."""
    assert feedbackcopies.helpers_wanted(40, 0) == 0
    assert feedbackcopies.helpers_wanted(40, 2) <= 1
    assert feedbackcopies.helpers_wanted(2) == 0  # a handful: not worth a fork


def test_helpers_end_with_the_run_killed_alone(tmp_path: Path) -> None:
    """kill -9 of the run while its helpers are making copies: no helper writes on."""
    from orphans import children_outlive_a_kill

    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from aggregator.write.feedbackcopies import CopyJob, CopyRun\n"
        "out = Path(sys.argv[1])\n"
        "def make(f, stage):\n"
        "    (out / f'{os.getpid()}.pid').write_text(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "work = out / 'work'\n"
        "work.mkdir()\n"
        "CopyRun([CopyJob(i, work) for i in range(6)], work, make, 3)\n"
        "time.sleep(60)\n"
    )
    assert children_outlive_a_kill(script, tmp_path / "pids", expected=2) == []
