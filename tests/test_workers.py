"""Reading in supervised workers: a reader that dies or hangs costs one file, not the run."""

from __future__ import annotations

import os
import time
from pathlib import Path

from content import a5_sample

from aggregator.demo.samples import write_a4, write_a5
from aggregator.read.reader import Context, read_return
from aggregator.read.returns import ReturnRead
from aggregator.read.workers import read_many
from aggregator.rulebook.policy import Limits


def _dying_reader(path: str, label: str, ctx: Context) -> ReturnRead:
    if "abort" in label:
        os.abort()  # what python-calamine does on some hostile files: no exception to catch
    if "hang" in label:
        time.sleep(60)
    if "raise" in label:
        raise RuntimeError("bug")
    return read_return(Path(path), label, ctx)


def _files(tmp_path: Path) -> list[tuple[Path, str]]:
    good = write_a5(tmp_path / "good.xlsx", a5_sample(), "xlsxwriter")
    return [
        (good, "1.xlsx"),
        (good, "abort.xlsx"),
        (good, "2.xlsx"),
        (good, "hang.xlsx"),
        (good, "3.xlsx"),
        (good, "raise.xlsx"),
    ]


def test_a_dying_or_hanging_reader_rejects_one_file_and_the_run_goes_on(
    tmp_path: Path, ctx: Context
) -> None:
    quick = Context(ctx.registry, ctx.schemas, _with_timeout(ctx, 3))
    out = read_many(_files(tmp_path), quick, jobs=2, reader=_dying_reader)
    assert [r.file for r in out] == [
        "1.xlsx",
        "abort.xlsx",
        "2.xlsx",
        "hang.xlsx",
        "3.xlsx",
        "raise.xlsx",
    ]
    assert [r.rejected for r in out] == [False, True, False, True, False, True]
    assert out[5].problems[-1].code == "file-internal-error" and "RuntimeError" in out[5].reason
    assert out[1].problems[-1].code == "file-reader-crashed" and "异常退出" in out[1].reason
    assert out[3].problems[-1].code == "file-timeout" and "3 秒" in out[3].reason
    assert all(len(out[i].figures) == 10 for i in (0, 2, 4))


def test_a_bug_in_reading_is_reported_in_process_too(tmp_path: Path, ctx: Context) -> None:
    good = write_a5(tmp_path / "good.xlsx", a5_sample(), "xlsxwriter")
    out = read_many([(good, "raise.xlsx"), (good, "ok.xlsx")], ctx, jobs=0, reader=_dying_reader)
    assert out[0].rejected and out[0].problems[-1].code == "file-internal-error"
    assert not out[1].rejected


def test_parallel_results_identical_to_single_process(tmp_path: Path, ctx: Context) -> None:
    from content import a4_sample

    files = []
    for i, style in enumerate(["xlsxwriter", "openpyxl", "pandas", "xls"] * 3):
        ext = "xls" if style == "xls" else "xlsx"
        p = tmp_path / f"{i}.{ext}"
        (write_a5 if i % 2 else write_a4)(p, a5_sample() if i % 2 else a4_sample(), style)  # type: ignore[operator]
        files.append((p, p.name))
    serial = read_many(files, ctx, jobs=0)
    parallel = read_many(files, ctx, jobs=2)
    assert [r.to_dict() for r in serial] == [r.to_dict() for r in parallel]


def _with_timeout(ctx: Context, seconds: float):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(ctx.policy, limits=Limits(read_timeout_seconds=seconds))
