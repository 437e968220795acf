"""Reading in batches on several workers gives exactly what one process reading file by file
gives: the same readings, the same facts and JSON; a worker lost in the middle of a batch costs
only the file that killed it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import province as pv
import pytest
from conftest import h1_run

from aggregator.clock import parse_time
from aggregator.period import Period
from aggregator.read.reader import Context, read_return
from aggregator.read.returns import ReturnRead
from aggregator.read.workers import _Pool, _read_file, read_many
from aggregator.runs import Options, run_summary


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A province's plans, half-year returns (four styles), a late one and a correction."""
    box = tmp_path_factory.mktemp("pooled") / "inbox"
    pv.plans(box)
    pv.half_year(box)
    pv.late_h1(box)
    pv.correction(box)
    return box


def _files(inbox: Path) -> list[tuple[Path, str]]:
    return [(p, p.relative_to(inbox).as_posix()) for p in sorted(inbox.rglob("*")) if p.is_file()]


def test_batches_on_two_workers_read_as_one_process_does(inbox: Path, ctx: Context) -> None:
    files = _files(inbox)
    assert len(files) > 20
    serial = [r.to_dict() for r in read_many(files, ctx, jobs=0)]
    for batch in (None, 1, 5):
        pooled = read_many(files, ctx, jobs=2, batch=batch)
        assert [r.to_dict() for r in pooled] == serial


def _dies_on(path: str, label: str, ctx: Context) -> ReturnRead:
    if label.endswith("abort"):
        os.abort()
    return read_return(Path(path), label, ctx)


def test_a_worker_lost_in_a_batch_costs_only_the_file_that_killed_it(
    inbox: Path, ctx: Context
) -> None:
    files = _files(inbox)[:12]
    files[5] = (files[5][0], files[5][1] + "#abort")
    serial = [r.to_dict() for r in read_many(files, ctx, jobs=0, reader=_dies_on_serially)]
    pooled = read_many(files, ctx, jobs=2, batch=4, reader=_dies_on)
    assert pooled[5].rejected and pooled[5].problems[-1].code == "file-reader-crashed"
    others = [r.to_dict() for i, r in enumerate(pooled) if i != 5]
    assert others == [r for i, r in enumerate(serial) if i != 5]


def test_a_batch_for_a_worker_already_gone_is_read_by_another(inbox: Path, ctx: Context) -> None:
    """A worker dead between two batches (killed, or out of memory): handing it the next
    batch breaks the pipe. That is no file's fault: the batch is kept for a live worker."""
    files = _files(inbox)[:3]
    pool = _Pool(ctx, _read_file, 1, None, len(files))
    gone = pool._spawn()
    gone.proc.kill()
    gone.proc.join()
    assert pool._send(gone, [(0, str(files[0][0]), files[0][1])]) is False
    assert not gone.batches
    # and a run whose only worker is gone before its first batch still reads every file
    first, real = iter([gone]), pool._spawn
    pool._spawn = lambda: next(first, None) or real()  # type: ignore[method-assign]
    tasks = [(i, str(p), label) for i, (p, label) in enumerate(files)]
    pool.run(tasks, 1)
    pool.close()
    serial = [r.to_dict() for r in read_many(files, ctx, jobs=0)]
    assert [pool.results[i].to_dict() for i in range(3)] == serial


def _dies_on_serially(path: str, label: str, ctx: Context) -> ReturnRead:
    return read_return(Path(path), label, ctx)  # the same files, nothing aborting


def test_summary_facts_and_json_identical_pooled_or_single(inbox: Path, tmp_path: Path) -> None:
    docs = []
    for jobs in (0, 2):
        outcome = run_summary(h1_run(inbox, tmp_path, f"summary{jobs}", jobs))
        assert outcome.facts is not None and not outcome.unchanged
        docs.append(json.loads((tmp_path / f"summary{jobs}.json").read_text(encoding="utf-8")))
    assert docs[0] == docs[1]


def test_files_read_early_as_they_arrive_read_as_one_process_does(
    inbox: Path, ctx: Context
) -> None:
    """Files handed over one by one while the intake goes on (reading overlapping taking in):
    the same readings as one process; a file that kills its worker is the only one rejected,
    as the machine's failure (never remembered), not a verdict."""
    from aggregator.read.early import EarlyReads
    from aggregator.read.workers import is_unsettled

    files = _files(inbox)[:12]
    files[5] = (files[5][0], files[5][1] + "#abort")
    serial = [r.to_dict() for r in read_many(files, ctx, jobs=0, reader=_dies_on_serially)]
    early = EarlyReads(ctx, 2, reader=_dies_on)
    for p, label in files:
        early.add(str(p), label, label)
    got = early.results()
    assert list(got) == [label for _, label in files]
    killed = got[files[5][1]][0]
    assert killed.problems[-1].code == "file-reader-crashed" and is_unsettled(killed)
    others = [got[label][0].to_dict() for i, (_, label) in enumerate(files) if i != 5]
    assert others == [r for i, r in enumerate(serial) if i != 5]
    assert all(got[label][1] for i, (_, label) in enumerate(files) if i != 5)  # cache texts
    # each reading says which bytes it is of; none for the file whose reader died
    digests = {label: hashlib.sha256(p.read_bytes()).hexdigest() for p, label in files}
    assert all(got[label][2] == digests[label] for i, (_, label) in enumerate(files) if i != 5)
    assert got[files[5][1]][2] == ""


def test_what_is_left_when_the_intake_ends_is_handed_over_at_once(
    inbox: Path, ctx: Context, tmp_path: Path
) -> None:
    """Once every file has come, all workers are started and given what is left (not only
    when the judging asks for it); a file that kills its worker in such a batch is still the
    only one rejected, and the rest read as one process reads them."""
    from aggregator.gather import Early
    from aggregator.read.early import EarlyReads
    from aggregator.read.workers import is_unsettled

    files = _files(inbox)[:20]
    files[7] = (files[7][0], files[7][1] + "#abort")
    serial = [r.to_dict() for r in read_many(files, ctx, jobs=0, reader=_dies_on_serially)]
    opts = Options(period="2023H1", inbox=inbox, state=tmp_path, jobs=2)
    early = Early(tmp_path, opts, Period.half(2023), ctx, None)
    early.reads = EarlyReads(ctx, 2, reader=_dies_on)
    for p, label in files:
        early.reads.add(str(p), label, label)
    assert early.reads.pool.todo  # the lone worker is fed a file or two at a time
    early.all_in()
    assert len(early.reads.pool.slots) == 2 and not early.reads.pool.todo
    got = early.results()
    killed = got[files[7][1]][0]
    assert killed.problems[-1].code == "file-reader-crashed" and is_unsettled(killed)
    others = [got[label][0].to_dict() for i, (_, label) in enumerate(files) if i != 7]
    assert others == [r for i, r in enumerate(serial) if i != 7]


@pytest.mark.parametrize("damaged_still", [True, False])
def test_a_reading_made_early_from_a_copy_found_damaged_is_not_used(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damaged_still: bool
) -> None:
    """A copy read early from bytes other than those recorded is checked (put back from the
    inbox when ``damaged_still``) and read again: the early reading is dropped. Readings of
    the recorded bytes are kept without the copy being hashed again."""
    from aggregator.read import early
    from aggregator.read.reader import reject
    from aggregator.store.ledger import Ledger

    real = early.EarlyReads.results

    def poisoned(self: early.EarlyReads) -> dict:
        got = real(self)
        return {
            k: (
                reject(ReturnRead(file=k[1]), "poisoned", "早读结果"),
                "",
                "0" * 64 if "杭州" in k[1] else digest,  # what the worker found it hashed to
            )
            for k, (_, _, digest) in got.items()
        }

    sound = Ledger.copy_is_sound
    monkeypatch.setattr(early.EarlyReads, "results", poisoned)
    checked: list[str] = []

    def check(self: Ledger, s: Any) -> bool:
        checked.append(s.name)
        return "杭州" not in s.name or not damaged_still

    monkeypatch.setattr(Ledger, "copy_is_sound", check)
    monkeypatch.setattr(Ledger, "restore_copy", lambda self, s, src: sound(self, s))
    opts = Options(
        period="2023H1",
        inbox=inbox,
        state=tmp_path / "state",
        now=parse_time("2023-06-12T12:00"),
        out=tmp_path / "out",
        json_out=tmp_path / "s.json",
        jobs=2,
    )
    outcome = run_summary(opts)
    assert outcome.facts is not None
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    hangzhou = [f for f in doc["submissions"] if "杭州" in f["file"]]
    assert hangzhou and all(f["status"] != "rejected" for f in hangzhou)  # read again
    assert "早读结果" in text  # the other files kept their (poisoned) early readings
    assert checked and all("杭州" in name for name in checked)  # only those copies hashed again


def test_a_worker_killed_once_during_the_intake_costs_no_file(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of the reader worker (the OOM killer, an operator) while it reads a file during
    the intake, where every file is read alone: that says nothing of the file, which reads
    fine the second time. The report, JSON and feedback are those of a clean run: no city is
    told to send a sound file again."""
    import signal

    import aggregator.read.early as early

    def run(name: str) -> dict[str, Any]:
        run_summary(h1_run(inbox, tmp_path, name))
        doc: dict[str, Any] = json.loads((tmp_path / f"{name}.json").read_text("utf-8"))
        return doc

    clean = run("clean")
    marker, real = tmp_path / "killed-once", early._read_file

    def killed_once(path: str, label: str, ctx: Context) -> ReturnRead:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return real(path, label, ctx)
        os.kill(os.getpid(), signal.SIGKILL)  # the machine kills the worker, once
        raise AssertionError("unreachable")

    monkeypatch.setattr(early, "_read_file", killed_once)
    killed = run("killed")
    assert marker.exists()  # a worker was killed while reading
    assert [i for i in killed["issues"] if i["code"] == "file-reader-crashed"] == []
    for key in ("submissions", "cities", "issues", "province"):
        assert killed[key] == clean[key], key
    feedback = [
        sorted(
            p.relative_to(tmp_path / f"out-{n}").as_posix()
            for p in (tmp_path / f"out-{n}" / "反馈").rglob("*")
        )
        for n in ("clean", "killed")
    ]
    assert feedback[0] == feedback[1]
