"""Hostile and broken input, crashes mid-run, files arriving mid-run: nothing lost, nothing let
in, nothing hangs."""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import FIXTURES, sha256, summary_args, tree_hashes
from content import a4_sample, a5_sample
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import write_a4, write_a5
from aggregator.faults import POINTS
from aggregator.read.reader import Context
from aggregator.read.workers import read_many
from aggregator.store.intake import scan_inbox
from aggregator.store.lock import run_lock

ROOT = Path(__file__).resolve().parents[1]


def _sources(tmp_path: Path) -> list[Path]:
    out = [
        write_a5(tmp_path / "a5.xlsx", a5_sample(), "openpyxl"),
        write_a4(tmp_path / "a4.xlsx", a4_sample(), "xlsxwriter"),
        write_a5(tmp_path / "a5.xls", a5_sample(), "xls"),
    ]
    return out + [FIXTURES / "lo_a5_宁波市.ods"]


def _mutants(src: Path, rng: random.Random, n: int) -> list[bytes]:
    data = src.read_bytes()
    out = []
    for _ in range(n):
        kind = rng.choice(["truncate", "flip", "shuffle"])
        if kind == "truncate":
            out.append(data[: rng.randint(0, len(data) - 1)])
        elif kind == "flip":
            b = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
            out.append(bytes(b))
        elif data[:2] == b"PK":
            zin = zipfile.ZipFile(io.BytesIO(data))
            items = [(i, zin.read(i.filename)) for i in zin.infolist()]
            rng.shuffle(items)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
                for info, body in items:
                    if rng.random() < 0.2:
                        body = body[: len(body) // 2]
                    zout.writestr(info.filename, body)
            out.append(buf.getvalue())
        else:
            out.append(data[::-1])
    return out


def test_mutated_returns_end_accepted_or_rejected_never_a_traceback(
    tmp_path: Path, ctx: Context
) -> None:
    rng = random.Random(20230610)
    files = []
    for src in _sources(tmp_path):
        for i, blob in enumerate(_mutants(src, rng, 25)):
            p = tmp_path / "m" / f"{src.stem}_{i}{src.suffix}"
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(blob)
            files.append((p, p.name))
    results = read_many(files, ctx, jobs=2)
    assert len(results) == len(files)
    for r in results:
        assert r.rejected or r.form in ("A4", "A5"), r
        if r.rejected:
            assert r.reason and r.problems[-1].severity == "error"
        assert not any(p.code == "file-internal-error" for p in r.problems), r.problems


def _inbox_with_returns(base: Path, extra: bool = False) -> Path:
    inbox = base / "inbox"
    (inbox / "宁波市").mkdir(parents=True, exist_ok=True)
    if not extra:
        write_a5(inbox / "宁波市" / "上半年.xlsx", a5_sample(), "xlsxwriter")
        write_a4(inbox / "宁波市" / "计划.xls", a4_sample(), "xls")
    else:
        s = a5_sample()
        s.rows[0] = (s.rows[0][0], {**s.rows[0][1], "teams_completed": 77})
        write_a5(inbox / "宁波市" / "上半年（更正）.xlsx", s, "openpyxl")
    old = time.time() - 3600
    for p in inbox.rglob("*"):
        os.utime(p, (old, old))
    return inbox


def _run_args(base: Path, *extra: str) -> list[str]:
    """``summary`` over a run folder (inbox/, state/, out/ with s.json) on 9 June 2023."""
    return summary_args(
        base / "inbox",
        base / "state",
        base / "out",
        *extra,
        json_out=base / "out" / "s.json",
        now="2023-06-09",
    )


def _cli(
    base: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aggregator", *_run_args(base, *extra)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def never_interrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The summary JSON of the kill tests' two runs when neither is interrupted (run once for
    all of them: it does not depend on the fail point)."""
    clean = tmp_path_factory.mktemp("clean")
    _inbox_with_returns(clean)
    assert _cli(clean).returncode == 0
    _inbox_with_returns(clean, extra=True)
    assert _cli(clean).returncode == 0
    result: dict[str, Any] = json.loads((clean / "out" / "s.json").read_text(encoding="utf-8"))
    return result


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_killed_run_loses_nothing_and_the_next_run_completes(
    tmp_path: Path, point: str, never_interrupted: dict[str, Any]
) -> None:
    base = tmp_path / "run"
    _inbox_with_returns(base)
    first = _cli(base)
    assert first.returncode == 0, first.stderr
    report = base / "out" / "2023H1_专家服务活动成果汇总表.xlsx"
    before = sha256(report)
    _inbox_with_returns(base, extra=True)
    inbox_before = tree_hashes(base / "inbox")
    killed = _cli(base, env={"AGGREGATOR_FAILPOINT": point})
    assert killed.returncode == -9
    # the ledger is consistent, the previous report intact (or the new one complete)
    db = sqlite3.connect(base / "state" / "ledger.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    openpyxl.load_workbook(report)
    if point != "after-report":
        assert sha256(report) == before
    assert tree_hashes(base / "inbox") == inbox_before
    again = _cli(base)
    assert again.returncode == 0, again.stderr
    assert not list((base / "out").glob(".*.tmp"))
    # the same as a run that was never interrupted
    a = json.loads((base / "out" / "s.json").read_text(encoding="utf-8"))
    b = never_interrupted
    strip = lambda d: {k: v for k, v in d.items() if k != "submissions"}  # noqa: E731
    assert strip(a) == strip(b)
    assert [(s["file"], s["status"]) for s in a["submissions"]] == [
        (s["file"], s["status"]) for s in b["submissions"]
    ]
    assert [s["status"] for s in a["submissions"]] == ["accepted", "superseded", "accepted"]


def test_second_run_waits_then_says_who_holds_the_lock(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    with run_lock(tmp_path / "state", wait=1):
        result = runner.invoke(
            app,
            summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "out", "--wait", "0.5"),
        )
    assert result.exit_code == 1
    assert "另一个汇总进程正在运行" in result.output and f"进程 {os.getpid()}" in result.output


def test_unwritable_output_keeps_the_previous_report(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox_with_returns(tmp_path)
    args = summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "out", now="2023-06-09")
    assert runner.invoke(app, args).exit_code == 0
    report = tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx"
    before = sha256(report)

    def full_disk(path: Path, *a: object, **k: object) -> None:
        path.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aggregator.write.report.write_report", full_disk)
    # a later cut-off: the report must be written again (the same one would be left as it is)
    args = summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "out", now="2023-06-10")
    result = runner.invoke(app, args)
    assert (
        result.exit_code == 1
        and "No space left on device" in result.output
        and "原有汇总表未改动" in result.output
    )
    assert sha256(report) == before and not list((tmp_path / "out").glob(".*.tmp"))


def test_output_folder_that_is_a_file_is_an_error(tmp_path: Path, runner: CliRunner) -> None:
    _inbox_with_returns(tmp_path)
    (tmp_path / "blocked").write_text("x")
    result = runner.invoke(
        app,
        summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "blocked" / "r.xlsx"),
    )
    assert result.exit_code == 1 and "无法写出汇总表" in result.output


def test_links_out_of_the_inbox_are_not_followed(tmp_path: Path) -> None:
    inbox = _inbox_with_returns(tmp_path)
    secret = tmp_path / "secret.xlsx"
    write_a5(secret, a5_sample(), "xlsxwriter")
    (inbox / "link.xlsx").symlink_to(secret)
    scan = scan_inbox(inbox, settle=0)
    assert "link.xlsx" not in [n for n, _ in scan.candidates]
    assert any(p.code == "inbox-link-outside" for p in scan.problems)


def test_lock_files_and_temporaries_are_ignored(tmp_path: Path) -> None:
    inbox = _inbox_with_returns(tmp_path)
    for name in ("~$上半年.xlsx", ".~lock.上半年.xlsx#", "Thumbs.db", "下载中.xlsx.crdownload"):
        (inbox / name).write_bytes(b"x")
    scan = scan_inbox(inbox, settle=0)
    assert sorted(n for n, _ in scan.ignored) == sorted(
        ["~$上半年.xlsx", ".~lock.上半年.xlsx#", "Thumbs.db", "下载中.xlsx.crdownload"]
    )


def test_file_still_being_copied_is_left_for_the_next_run(
    tmp_path: Path, runner: CliRunner
) -> None:
    inbox = _inbox_with_returns(tmp_path)
    full = write_a5(tmp_path / "full.xlsx", a5_sample(), "openpyxl").read_bytes()
    partial = inbox / "宁波市" / "正在复制.xlsx"
    partial.write_bytes(full[: len(full) // 2])  # fresh and without its zip directory
    args = summary_args(
        inbox,
        tmp_path / "state",
        tmp_path / "out",
        json_out=tmp_path / "s.json",
        now="2023-06-09",
    )
    assert runner.invoke(app, args).exit_code == 0
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert "宁波市/正在复制.xlsx" not in [s["file"] for s in doc["submissions"]]
    assert any(i["code"] == "file-incomplete" for i in doc["issues"])
    partial.write_bytes(full)
    old = time.time() - 3600
    os.utime(partial, (old, old))
    assert runner.invoke(app, args).exit_code == 0
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert "宁波市/正在复制.xlsx" in [s["file"] for s in doc["submissions"]]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, runner: CliRunner) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "宁波市").mkdir(parents=True)
    plan = a4_sample()
    plan.rows[0]["activity_name"] = '=HYPERLINK("http://evil","点我")'
    plan.rows[1]["content"] = "+cmd|' /C calc'!A0"
    plan.rows[2]["hosts"] = "@SUM(1+1)"
    plan.rows[3]["contact_person"] = "-2+3"
    write_a4(inbox / "宁波市" / "计划.xlsx", plan, "xlsxwriter")  # typed as text, as in a real cell
    s = a5_sample()
    s.remarks = {"海曙区": "=1+1"}
    write_a5(inbox / "宁波市" / "上半年.xlsx", s, "xlsxwriter")
    result = runner.invoke(
        app,
        summary_args(inbox, tmp_path / "state", tmp_path / "out", now="2023-06-09"),
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx")
    texts = [
        c
        for row in wb["活动计划"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value and c.value[0] in "=+-@"
    ]
    assert {c.value.split("\n")[0] for c in texts} >= {  # 联系人 shares a cell with the phone
        '=HYPERLINK("http://evil","点我")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
    }
    assert all(c.data_type == "s" for c in texts)


def test_names_inside_files_never_become_paths(tmp_path: Path, runner: CliRunner) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "..%2F..%2Fevil"
    wb.active["A1"] = "x"
    wb.save(tmp_path / "r.xlsx")
    out = tmp_path / "annotated"
    runner.invoke(app, ["check", str(tmp_path / "r.xlsx"), "--annotate", str(out)])
    assert [p.name for p in out.iterdir()] == ["r_问题标注.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated", "r.xlsx"]


BOMB_DTD = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def test_xml_entity_tricks_do_not_expand(tmp_path: Path, runner: CliRunner) -> None:
    src = write_a5(tmp_path / "ok.xlsx", a5_sample(), "openpyxl")
    bad = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = BOMB_DTD.encode() + body.replace(b"<v>", b"<v>&lol9;", 1)
            elif info.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    + body
                )
            zout.writestr(info, data)
    start = time.monotonic()
    result = runner.invoke(app, ["check", "--json", "--annotate", str(tmp_path / "a"), str(bad)])
    assert time.monotonic() - start < 30
    doc = json.loads(result.stdout)
    assert doc[0]["rejected"] or doc[0]["form"] == "A5"
    assert "root:" not in result.stdout


def test_macros_are_not_copied_into_annotated_copies(tmp_path: Path, runner: CliRunner) -> None:
    from conftest import CORPUS

    src = CORPUS / "vba.xlsm"
    if not src.exists():
        pytest.skip("corpus not available")
    runner.invoke(app, ["check", str(src), "--annotate", str(tmp_path)])
    copy = tmp_path / "vba_问题标注.xlsx"
    assert copy.exists()
    with zipfile.ZipFile(copy) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]
