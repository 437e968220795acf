"""Issue 14: one dead process, one odd file or one broken state never blocks the province or
changes its totals unseen."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import sha256, summary_args
from content import a5_sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robustness import _cli, _inbox_with_returns, _run_args
from typer.testing import CliRunner, Result

from aggregator.cli import app
from aggregator.demo.samples import write_a5
from aggregator.read.reader import Context, read_return, reject
from aggregator.read.returns import ReturnRead
from aggregator.store import ledger as ledger_module
from aggregator.store.intake import scan_inbox
from aggregator.store.lock import run_lock


def _json(base: Path) -> dict[str, object]:
    return json.loads((base / "out" / "s.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _processes_mentioning(text: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if text in (d / "cmdline").read_bytes().decode(errors="replace"):
                    out.append(int(d.name))
            except OSError:
                continue
    return out


@pytest.mark.slow
def test_killing_only_the_main_process_frees_the_lock_for_the_next_run(tmp_path: Path) -> None:
    base = tmp_path / "run"
    _inbox_with_returns(base)
    killed = _cli(
        base,
        "--jobs",
        "2",
        env={"AGGREGATOR_FAILPOINT": "while-reading", "AGGREGATOR_PAUSE": "reading:6"},
    )
    assert killed.returncode == -9
    time.sleep(0.5)
    assert _processes_mentioning(str(base / "state")) == []  # no orphaned reader
    again = _cli(base, "--wait", "2")
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean"
    shutil.copytree(base / "inbox", clean / "inbox")
    assert _cli(clean).returncode == 0
    assert _json(base) == _json(clean)


def test_a_lock_held_by_an_orphan_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    info = {"pid": int(dead.stdout), "host": socket.gethostname(), "started": "x"}
    (state / "run.lock").write_text(json.dumps(info), encoding="utf-8")
    orphan = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR);"
            " fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
            str(state / "run.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert orphan.stdout is not None and orphan.stdout.readline().strip() == "locked"
        with run_lock(state, wait=1):
            assert json.loads((state / "run.lock").read_text())["pid"] == os.getpid()
    finally:
        orphan.kill()
        orphan.wait()


def _summary(runner: CliRunner, base: Path, *extra: str) -> Result:
    return runner.invoke(app, _run_args(base, *extra))


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _stopped(result: Result, *words: str) -> str:
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, no traceback
    for w in words:
        assert w in result.output, result.output
    return result.output


def _forget_readings(base: Path) -> None:
    db = sqlite3.connect(base / "state" / "ledger.sqlite")
    db.execute("DELETE FROM reads")
    db.commit()
    db.close()


def _codes(base: Path) -> set[str]:
    return {i["code"] for i in _json(base)["issues"]}  # type: ignore[attr-defined]


def test_a_missing_stored_copy_is_restored_from_the_inbox_or_left_unjudged(
    tmp_path: Path, runner: CliRunner
) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    first = _json(tmp_path)
    blobs = sorted(p for p in (tmp_path / "state" / "blobs").glob("??/*"))
    assert blobs and all(p.stat().st_mode & 0o077 == 0 for p in blobs)  # owner-only copies
    saved = {p: p.read_bytes() for p in blobs}
    for p in blobs:
        p.unlink()
    _forget_readings(tmp_path)  # e.g. a new reader version: everything is read again
    _ok(_summary(runner, tmp_path))
    assert "stored-copy-restored" in _codes(tmp_path)
    assert _json(tmp_path)["province"] == first["province"]
    # the copy damaged and the inbox cleaned: not readable this run, and not remembered
    blobs[0].write_bytes(b"damaged")
    shutil.rmtree(tmp_path / "inbox")
    (tmp_path / "inbox").mkdir()
    _forget_readings(tmp_path)
    _ok(_summary(runner, tmp_path))
    assert "stored-copy-missing" in _codes(tmp_path)
    blobs[0].write_bytes(saved[blobs[0]])
    _ok(_summary(runner, tmp_path))
    assert _json(tmp_path)["province"] == first["province"]


def test_a_failure_of_the_machine_is_never_remembered_as_a_verdict(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    good = _json(tmp_path)
    _forget_readings(tmp_path)

    def timed_out(files: list[tuple[Path, str]], *a: object, **k: object) -> list[ReturnRead]:
        return [reject(ReturnRead(file=label), "file-timeout", "超时") for _, label in files]

    monkeypatch.setattr("aggregator.read.workers.read_many", timed_out)  # imported when used
    _ok(_summary(runner, tmp_path))
    assert all(s["status"] == "rejected" for s in _json(tmp_path)["submissions"])  # type: ignore[index]
    monkeypatch.undo()
    _ok(_summary(runner, tmp_path))
    assert _json(tmp_path) == good


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "missing"])
def test_a_lost_ledger_stops_the_run_and_can_be_rebuilt(
    tmp_path: Path, runner: CliRunner, damage: str
) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    good = _json(tmp_path)
    before = sha256(tmp_path / "out" / "s.json")
    ledger = tmp_path / "state" / "ledger.sqlite"
    db = sqlite3.connect(ledger)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = ledger.read_bytes()
    for extra in ("-wal", "-shm"):
        Path(f"{ledger}{extra}").unlink(missing_ok=True)
    if damage == "missing":
        ledger.unlink()
    else:
        ledger.write_bytes(
            {"empty": b"", "truncated": data[: len(data) // 3], "garbage": b"x" * 4096}[damage]
        )
    shutil.rmtree(tmp_path / "inbox")  # cleaned: only the stored copies remain
    (tmp_path / "inbox").mkdir()
    _stopped(_summary(runner, tmp_path), "rebuild-ledger", "台账")
    assert sha256(tmp_path / "out" / "s.json") == before
    _ok(runner.invoke(app, ["rebuild-ledger", "--state", str(tmp_path / "state")]))
    _ok(_summary(runner, tmp_path))
    assert _json(tmp_path) == good  # names and receipt times came back


def test_a_full_state_disk_is_not_blamed_on_the_inbox_file(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox_with_returns(tmp_path)
    real = os.open

    def full(path: object, flags: int, *a: object) -> int:
        if "blobs" in str(path) and flags & os.O_WRONLY:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, flags, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_module.os, "open", full)
    _stopped(_summary(runner, tmp_path), "磁盘已满")
    monkeypatch.undo()
    assert not [p for p in (tmp_path / "state" / "blobs").rglob("*") if p.is_file()]
    assert not (tmp_path / "out" / "s.json").exists()


def test_a_read_only_ledger_is_a_message(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    db = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    (tmp_path / "state" / "ledger.sqlite").chmod(0o444)
    if os.access(tmp_path / "state" / "ledger.sqlite", os.W_OK):
        pytest.skip("running as root: a read-only file is still writable")
    _stopped(_summary(runner, tmp_path), "不可写")


def test_workbook_and_json_are_replaced_together_or_not_at_all(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    report = tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx"
    before = (sha256(report), sha256(tmp_path / "out" / "s.json"))

    _inbox_with_returns(tmp_path, extra=True)  # a correction: the report is to be written again
    written: list[int] = []

    def full_disk(*a: object, **k: object) -> str:
        written.extend(p.stat().st_size for p in (tmp_path / "out").glob(".*.tmp"))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("aggregator.write.jsonout.scrubbed_json", full_disk)
    _stopped(_summary(runner, tmp_path), "原有汇总表未改动")
    assert max(written, default=0) > 1000  # the JSON failed after the new workbook was written
    assert (sha256(report), sha256(tmp_path / "out" / "s.json")) == before
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_xlsxwriter_file_create_error_is_a_message(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsxwriter.exceptions import FileCreateError

    _inbox_with_returns(tmp_path)

    def cannot(*a: object, **k: object) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr("aggregator.write.report.write_report", cannot)
    _stopped(_summary(runner, tmp_path), "无法写出汇总表", "No space left on")


def test_outputs_only_replace_regular_files(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    (tmp_path / "out" / "s.json").mkdir(parents=True)
    _stopped(_summary(runner, tmp_path), "不是普通文件")
    assert (tmp_path / "out" / "s.json").is_dir()
    assert not (tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx").exists()


def test_outputs_keep_the_previous_mode_or_follow_the_umask(
    tmp_path: Path, runner: CliRunner
) -> None:
    _inbox_with_returns(tmp_path)
    old = os.umask(0o022)
    try:
        _ok(_summary(runner, tmp_path))
        report = tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx"
        assert stat.S_IMODE(report.stat().st_mode) == 0o644
        report.chmod(0o664)
        _ok(_summary(runner, tmp_path))
        assert stat.S_IMODE(report.stat().st_mode) == 0o664
        assert stat.S_IMODE((tmp_path / "out" / "s.json").stat().st_mode) == 0o644
        feedback = [p for p in (tmp_path / "out" / "反馈").rglob("*")]
        assert feedback  # colleagues on a shared drive can open every folder and file in it
        assert all(stat.S_IMODE(p.stat().st_mode) & 0o044 == 0o044 for p in feedback)
    finally:
        os.umask(old)


def test_output_inside_the_inbox_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    args = summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "inbox" / "汇总")
    _stopped(runner.invoke(app, args), "收件箱")


def test_a_workbook_open_in_an_office_program_is_noticed(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    (tmp_path / "out" / ".~lock.2023H1_专家服务活动成果汇总表.xlsx#").write_text("x")
    again = _summary(runner, tmp_path, "--as-of", "2023-06-09T12:00")  # a new cut-off: rewritten
    assert "似乎正被" in _ok(again).output


def test_an_unreadable_city_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _inbox_with_returns(tmp_path)
    real = os.walk

    def walk(top: object, onerror: Callable[[OSError], None] | None = None, **k: object):  # type: ignore[no-untyped-def]
        if onerror:
            onerror(PermissionError(13, "Permission denied", str(inbox / "杭州市")))
        return real(top, onerror=onerror, **k)  # type: ignore[arg-type, call-overload]

    monkeypatch.setattr("aggregator.store.intake.os.walk", walk)
    scan = scan_inbox(inbox)
    assert [(p.code, p.file) for p in scan.problems] == [("inbox-folder-unreadable", "杭州市")]


def test_a_file_without_read_permission_is_not_called_copying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _inbox_with_returns(tmp_path)
    real = os.access
    monkeypatch.setattr(
        "aggregator.store.intake.os.access",
        lambda p, mode: "计划" not in str(p) and real(p, mode),
    )
    scan = scan_inbox(inbox)
    assert [p.code for p in scan.problems] == ["file-no-permission"] and not scan.pending


def test_a_broken_file_dated_in_the_future_is_not_copying_forever(tmp_path: Path) -> None:
    inbox = _inbox_with_returns(tmp_path)
    bad = inbox / "宁波市" / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    later = time.time() + 86400
    os.utime(bad, (later, later))
    scan = scan_inbox(inbox, settle=0)
    assert "宁波市/坏.xlsx" not in scan.pending
    assert ("宁波市/坏.xlsx", bad) in scan.candidates


def test_symlink_loops_and_odd_names_never_stop_a_run(tmp_path: Path, runner: CliRunner) -> None:
    inbox = _inbox_with_returns(tmp_path)
    (inbox / "a.xlsx").symlink_to(inbox / "b.xlsx")
    (inbox / "b.xlsx").symlink_to(inbox / "a.xlsx")
    odd = os.path.join(os.fsencode(inbox / "宁波市"), b"\xc4\xfe\xb2\xa8.xlsx")
    with open(odd, "wb") as f:
        f.write((inbox / "宁波市" / "上半年.xlsx").read_bytes())
    os.utime(odd, (time.time() - 3600,) * 2)
    _ok(_summary(runner, tmp_path))
    assert "inbox-link-outside" in _codes(tmp_path)


_ANY = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    # a workbook cannot hold NaN or infinity as a number: people type them as text
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([10**19, 2**63, 2**53 + 1, 5 * 10**18, 1e308, -1e308, 1.5, "nan", "inf"]),
    st.text(max_size=40),
    st.integers(min_value=0, max_value=10**40).map(str),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(_ANY, min_size=1, max_size=11))
def test_any_figure_in_any_metric_reads_and_merges_without_raising_or_wrapping(
    tmp_path: Path, ctx: Context, values: list[object]
) -> None:
    metrics = [m.key for m in ctx.schemas["A5"].metrics]
    s = a5_sample()
    for i, (county, vals) in enumerate(s.rows):
        s.rows[i] = (county, {**vals, **dict(zip(metrics, values[i:] + values[:i], strict=False))})
    path = write_a5(tmp_path / "x.xlsx", s, "xlsxwriter")
    r = read_return(path, "宁波市/x.xlsx", ctx)
    for f in r.figures:
        for m, v in f.values.items():
            assert v is None or 0 <= v <= ctx.policy.figure_bound(m)
    for m in metrics:
        col = pd.to_numeric(pd.Series([f.values.get(m) for f in r.figures]), errors="coerce")
        total = col.astype("Int64").sum()
        assert 0 <= int(total) <= len(r.figures) * ctx.policy.figure_bound(m)


def test_an_absurd_figure_is_a_cell_error_not_a_number(tmp_path: Path, ctx: Context) -> None:
    s = a5_sample()
    s.rows[0] = (s.rows[0][0], {**s.rows[0][1], "teams_completed": 10**19})
    r = read_return(write_a5(tmp_path / "x.xlsx", s, "xlsxwriter"), "宁波市/x.xlsx", ctx)
    assert r.figures[0].values["teams_completed"] is None
    assert any(p.code == "value-invalid" and "上限" in p.message for p in r.problems)


def _a5_with_a_problem(path: Path) -> Path:
    s = a5_sample()
    s.rows[0] = (s.rows[0][0], {**s.rows[0][1], "teams_completed": "若干"})
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_a5(path, s, "xlsxwriter")


def test_check_annotates_same_named_files_from_different_folders_apart(
    tmp_path: Path, runner: CliRunner
) -> None:
    a = _a5_with_a_problem(tmp_path / "杭州市" / "附件5.xlsx")
    b = _a5_with_a_problem(tmp_path / "宁波市" / "附件5.xlsx")
    out = tmp_path / "标注"
    result = runner.invoke(
        app, ["check", str(a), str(b), "--json", "--annotate", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 1, result.output
    items = json.loads(result.stdout)
    annotated = [i["annotated"] for i in items]
    assert [i["file"] for i in items] == [str(a), str(b)]
    assert len(set(annotated)) == 2 and all(annotated)
    assert {Path(p).name for p in annotated} == {
        "杭州市_附件5_问题标注.xlsx",
        "宁波市_附件5_问题标注.xlsx",
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in annotated)


def test_check_json_is_valid_utf8_whatever_the_file_name(tmp_path: Path, runner: CliRunner) -> None:
    good = _a5_with_a_problem(tmp_path / "x.xlsx")
    odd = os.path.join(os.fsencode(tmp_path), b"\xff\xfe\x80\xe5.xlsx")
    with open(odd, "wb") as f:
        f.write(good.read_bytes())
    name = os.fsdecode(odd)
    result = runner.invoke(
        app, ["check", name, "--json", "--annotate", str(tmp_path / "out"), "--jobs", "1"]
    )
    assert result.exit_code == 1, result.output
    text = result.stdout_bytes.decode("utf-8")  # strictly: raises on invalid UTF-8
    item = json.loads(text)[0]
    assert item["file"].endswith("\\xff\\xfe\\x80\\xe5.xlsx")
    assert item["issues"] and item["annotated"]


def _encrypted_xls(path: Path) -> Path:
    """An .xls as Excel saves it with a password: FILEPASS (RC4) right after the BOF."""
    import struct

    import xlwt
    from xlwt import CompoundDoc

    wb = xlwt.Workbook()
    wb.add_sheet("附件5").write(0, 0, "成果汇总表")
    data = wb.get_biff_data()
    bof_end = 4 + int.from_bytes(data[2:4], "little")
    filepass = struct.pack("<HHHHH", 0x2F, 54, 1, 1, 1) + b"\x11" * 48
    CompoundDoc.XlsDoc().save(str(path), data[:bof_end] + filepass + data[bof_end:])
    return path


def _encrypted_ods(path: Path) -> Path:
    """An .ods saved with a password: the manifest lists encryption data, content is cipher."""
    import zipfile

    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/>'
        "</manifest:encryption-data></manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", os.urandom(2000))
    return path


def _biff4(path: Path) -> Path:
    """An Excel 4.0 worksheet: a bare BIFF4 stream (BOF 0x0409, worksheet), a cell, EOF."""
    import struct

    bof = struct.pack("<HHHHH", 0x0409, 6, 0, 0x10, 0)
    number = struct.pack("<HHHHHd", 0x0203, 14, 0, 0, 0, 12.0)
    path.write_bytes(bof + number + struct.pack("<HH", 0x0A, 0))
    return path


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (_encrypted_xls, "file-encrypted", "已加密"),
        (_encrypted_ods, "file-encrypted", "已加密"),
        (_biff4, "file-old-excel", "旧版 Excel"),
    ],
)
def test_open_errors_are_named_for_what_they_are(
    tmp_path: Path, ctx: Context, make: Callable[[Path], Path], code: str, words: str
) -> None:
    path = make(tmp_path / f"宁波市.{'ods' if make is _encrypted_ods else 'xls'}")
    r = read_return(path, path.name, ctx)
    assert r.rejected and [p.code for p in r.problems] == [code]
    assert words in r.problems[0].message and "损坏" not in r.problems[0].message
    assert "文本文件" not in r.problems[0].message
    if code == "file-old-excel":
        assert ".xlsx" in r.problems[0].message


def test_the_parser_is_asked_for_the_real_reason_a_file_did_not_open(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import zipfile

    from aggregator.read import sealed

    monkeypatch.setattr(sealed, "xls_encrypted", lambda path: False)  # past the sniffing
    r = read_return(_encrypted_xls(tmp_path / "加密.xls"), "加密.xls", ctx)
    assert [p.code for p in r.problems] == ["file-unreadable"]
    assert "已加密" in r.problems[0].message
    good = write_a5(tmp_path / "好.xlsx", a5_sample(), "xlsxwriter").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for i in zin.infolist():
            data = zin.read(i)
            zout.writestr(i, data[: len(data) // 2] if i.filename == "xl/workbook.xml" else data)
    (tmp_path / "坏.xlsx").write_bytes(buf.getvalue())
    r = read_return(tmp_path / "坏.xlsx", "坏.xlsx", ctx)
    message = r.problems[0].message
    assert "XML" in message and "Cannot detect file format" not in message


def test_the_annotated_copy_of_a_file_without_a_form_keeps_its_cells(
    tmp_path: Path, runner: CliRunner
) -> None:
    import openpyxl

    src = tmp_path / "随便.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "名单"
    wb.active.append(["姓名", "单位"])
    wb.active.append(["张三", "宁波市人力社保局"])
    wb.save(src)
    out = tmp_path / "标注"
    result = runner.invoke(app, ["check", str(src), "--annotate", str(out), "--jobs", "1"])
    assert result.exit_code == 1 and "form-not-found" not in result.output
    copy = openpyxl.load_workbook(out / "随便_问题标注.xlsx")
    assert "原文件无法打开" not in copy.sheetnames
    assert copy["名单"]["A2"].value == "张三"
    listed = [c.value or "" for c in copy["问题清单"]["E"]]
    assert any("没有找到附件4" in text for text in listed)


def test_json_pointing_at_a_fifo_is_refused_and_left_alone(
    tmp_path: Path, runner: CliRunner
) -> None:
    _inbox_with_returns(tmp_path)
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "s.json")  # like /dev/full: not a regular file
    _stopped(_summary(runner, tmp_path), "不是普通文件")
    assert stat.S_ISFIFO((tmp_path / "out" / "s.json").stat().st_mode)
    assert not (tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx").exists()


def test_a_read_only_ledger_is_a_message_even_as_root(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox_with_returns(tmp_path)
    _ok(_summary(runner, tmp_path))
    real = sqlite3.connect

    def read_only(path: object, *a: object, **k: object) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", *a, uri=True, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_module.sqlite3, "connect", read_only)
    _stopped(_summary(runner, tmp_path), "不可写")
