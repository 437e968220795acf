"""Returns as they really arrive: --now and --as-of apart, arrival evidence, intake, containers,
GBK file names."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import summary_args
from content import a4_sample, a5_sample
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import write_a4, write_a5
from aggregator.store import evidence

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _books(folder: Path) -> dict[str, bytes]:
    """宁波市's plan and half-year results as bytes, written once into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_a5(folder / "上半年.xlsx", a5_sample(), "xlsxwriter")
    write_a4(folder / "计划.xlsx", a4_sample(), "xlsxwriter")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _email(books: dict[str, bytes], date: str = "Fri, 09 Jun 2023 16:20:00 +0800") -> bytes:
    msg = EmailMessage()
    msg["From"] = "宁波市人社局 <nb@example.cn>"
    msg["To"] = "centre@example.cn"
    msg["Subject"] = "宁波市报表"
    msg["Date"] = date
    msg.set_content("附件是报表。")
    for name, data in books.items():
        msg.add_attachment(data, *XLSX, filename=name)
    return bytes(msg)


def _zip(books: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in books.items():
            zf.writestr(name, data)
        zf.writestr("~$上半年.xlsx", b"lock")
    return buf.getvalue()


def _old(inbox: Path) -> None:
    """Settled files (not still being copied)."""
    t = dt.datetime.now().timestamp() - 3600
    for p in inbox.rglob("*"):
        os.utime(p, (t, t))


def _summary(runner: CliRunner, base: Path, name: str, *extra: str) -> dict[str, Any]:
    args = summary_args(
        base / "inbox", base / "state", base / "out", *extra, json_out=base / f"{name}.json"
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads((base / f"{name}.json").read_text(encoding="utf-8"))
    return doc


def _receipts(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {s["file"]: (s["received_at"], s["received_from"]) for s in doc["submissions"]}


def test_back_dated_report_changes_no_receipt(tmp_path: Path, runner: CliRunner) -> None:
    books = _books(tmp_path / "books")
    for base in (tmp_path / "a", tmp_path / "b"):
        (base / "inbox" / "宁波市").mkdir(parents=True)
        for name, data in books.items():
            (base / "inbox" / "宁波市" / name).write_bytes(data)
        _old(base / "inbox")
    early = _summary(runner, tmp_path / "a", "early", "--now", "2023-06-09T10:00",
                     "--as-of", "2023-01-01")  # fmt: skip
    assert early["province"]["counties_reported"] == 0  # nothing was received by then
    a = _summary(runner, tmp_path / "a", "a", "--now", "2023-06-20")
    b = _summary(runner, tmp_path / "b", "b", "--now", "2023-06-09T10:00")
    b = _summary(runner, tmp_path / "b", "b", "--now", "2023-06-20")
    assert _receipts(a) == _receipts(b)
    assert {r for r in _receipts(a).values()} == {("2023-06-09T10:00:00+08:00", "observed")}
    assert all(s["on_time"] for s in a["submissions"] if s["form"] == "A5")
    again = _summary(runner, tmp_path / "a", "again", "--as-of", "2023-06-09T09:00")
    assert again["province"]["counties_reported"] == 0  # before the files came
    assert _receipts(_summary(runner, tmp_path / "a", "last")) == _receipts(a)


def test_file_dropped_before_deadline_is_on_time(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = _books(tmp_path / "inbox" / "宁波市")
    assert books
    _old(tmp_path / "inbox")
    dropped = dt.datetime(2023, 6, 9, 17, 0, tzinfo=evidence.CHINA).timestamp()
    monkeypatch.setattr(evidence, "inode_change_time", lambda st: dropped)
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-11T07:00")
    for s in doc["submissions"]:
        assert s["received_from"] == "inbox-file"
        assert s["received_at"] == "2023-06-09T17:00:00+08:00"
        assert s["on_time"] is (s["form"] == "A5")  # the plan was due in March
    wb = openpyxl.load_workbook(tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx")
    rows = [[c.value for c in r] for r in wb["报送情况"].iter_rows()]
    ningbo = next(r for r in rows if r[0] == "宁波市" and "附件5" in str(r[1]))
    assert ningbo[4] == "在收件箱出现的时间" and ningbo[5] == "按时"


def test_email_is_on_time_by_its_date(tmp_path: Path, runner: CliRunner) -> None:
    books = _books(tmp_path / "books")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "来信.eml").write_bytes(_email(books))
    _old(tmp_path / "inbox")
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-11T07:00")
    subs = {s["file"]: s for s in doc["submissions"]}
    assert subs["来信.eml"]["status"] == "unpacked"
    member = subs["来信.eml/上半年.xlsx"]
    assert member["status"] == "accepted" and member["on_time"] is True
    assert (member["received_at"], member["received_from"]) == (
        "2023-06-09T16:20:00+08:00",
        "email",
    )
    assert "nb@example.cn" in member["sender"]
    status = runner.invoke(
        app,
        ["status", "--period", "2023H1", "--inbox", str(tmp_path / "inbox"),
         "--state", str(tmp_path / "state"), "--now", "2023-06-11T08:00"],
    )  # fmt: skip
    assert status.exit_code == 0 and "邮件发送时间" in status.output


def _figures(doc: dict[str, Any]) -> tuple[Any, ...]:
    return doc["province"], doc["cities"], doc["counties"]


def test_zip_and_email_give_the_figures_of_files_dropped_alone(
    tmp_path: Path, runner: CliRunner
) -> None:
    books = _books(tmp_path / "books")
    docs = []
    for kind in ("alone", "zip", "eml", "zip-in-eml"):
        inbox = tmp_path / kind / "inbox"
        inbox.mkdir(parents=True)
        if kind == "alone":
            for name, data in books.items():
                (inbox / name).write_bytes(data)
        elif kind == "zip":
            (inbox / "宁波.zip").write_bytes(_zip(books))
        elif kind == "eml":
            (inbox / "来信.eml").write_bytes(_email(books))
        else:
            (inbox / "来信.eml").write_bytes(_email({"宁波.zip": _zip(books)}))
        _old(inbox)
        docs.append(_summary(runner, tmp_path / kind, "s", "--now", "2023-06-20"))
    assert docs[0]["province"]["counties_reported"] > 0
    for d in docs[1:]:
        assert _figures(d) == _figures(docs[0])
    zipped = {s["file"]: s["status"] for s in docs[1]["submissions"]}
    assert zipped["宁波.zip"] == "unpacked"
    assert zipped["宁波.zip/上半年.xlsx"] == "accepted"
    assert zipped["宁波.zip/~$上半年.xlsx"] == "ignored"  # lock files inside too


def test_nested_container_is_listed_as_unpacked(tmp_path: Path, runner: CliRunner) -> None:
    books = _books(tmp_path / "books")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "来信.eml").write_bytes(_email({"宁波.zip": _zip(books)}))
    _old(tmp_path / "inbox")
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    subs = {s["file"]: s for s in doc["submissions"]}
    nested = subs["来信.eml/宁波.zip"]
    assert nested["status"] == "unpacked" and nested["form"] is None
    assert (nested["received_at"], nested["received_from"]) == (
        "2023-06-09T16:20:00+08:00",
        "email",
    )
    assert subs["来信.eml/宁波.zip/上半年.xlsx"]["status"] == "accepted"
    ignored = [s for s in doc["submissions"] if s["status"] == "ignored"]
    assert [s["file"] for s in ignored] == ["来信.eml/宁波.zip/~$上半年.xlsx"]  # listed once
    again = _summary(runner, tmp_path, "again", "--now", "2023-06-21")
    kept = [s for s in doc["submissions"] if s["status"] != "ignored"]
    assert [s for s in again["submissions"] if s["status"] != "ignored"] == kept  # nothing new


def test_corrupt_zip_problem_goes_to_the_issues(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "坏.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    _old(tmp_path / "inbox")
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    assert [s["status"] for s in doc["submissions"]] == ["unpacked"]
    assert any(i["code"] == "container-corrupt" and i["file"] == "坏.zip" for i in doc["issues"])


def test_gbk_file_name_is_shown_readably(tmp_path: Path, runner: CliRunner) -> None:
    books = _books(tmp_path / "books")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw = os.fsencode(inbox) + b"/" + "宁波市上半年.xlsx".encode("gbk")
    with open(raw, "wb") as f:
        f.write(books["上半年.xlsx"])
    os.utime(raw, (0, 0))
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    [sub] = doc["submissions"]
    assert sub["file"] == "宁波市上半年.xlsx" and sub["status"] == "accepted"
    wb = openpyxl.load_workbook(tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx")
    assert any("宁波市上半年.xlsx" in str(c.value) for r in wb["报送情况"].iter_rows() for c in r)


def test_registered_receipt_and_its_validation(tmp_path: Path, runner: CliRunner) -> None:
    _books(tmp_path / "inbox" / "宁波市")
    _old(tmp_path / "inbox")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "receipts.csv").write_text(
        "文件,收到时间,说明\n"
        "宁波市/上半年.xlsx,2023-06-10 15:00,纸质件按时送达\n"
        "宁波市/计划.xlsx,六月十日,\n"
        "不存在.xlsx,2023-06-01,\n",
        encoding="utf-8-sig",
    )
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    subs = {s["file"]: s for s in doc["submissions"]}
    assert (subs["宁波市/上半年.xlsx"]["received_from"], subs["宁波市/上半年.xlsx"]["on_time"]) == (
        "registered",
        True,
    )
    assert subs["宁波市/计划.xlsx"]["received_from"] == "observed"
    messages = {i["message"]: i["code"] for i in doc["issues"] if i["code"].startswith("receipt-")}
    assert any(
        "第 3 行" in m and "六月十日" in m and c == "receipt-invalid" for m, c in messages.items()
    )
    assert any(
        "第 4 行" in m and "不存在.xlsx" in m and c == "receipt-unknown-file"
        for m, c in messages.items()
    )


def test_intake_records_arrival_without_a_report(tmp_path: Path, runner: CliRunner) -> None:
    _books(tmp_path / "inbox" / "宁波市")
    _old(tmp_path / "inbox")
    args = ["intake", "--inbox", str(tmp_path / "inbox"), "--state", str(tmp_path / "state")]
    first = runner.invoke(app, [*args, "--now", "2023-06-09T10:00"])
    assert first.exit_code == 0 and "本次新收 2 份" in first.output, first.output
    again = runner.invoke(app, [*args, "--now", "2023-06-09T10:15"])
    assert again.exit_code == 0 and "本次新收 0 份" in again.output
    assert not (tmp_path / "out").exists()
    doc = _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    assert {s["received_at"] for s in doc["submissions"]} == {"2023-06-09T10:00:00+08:00"}


def test_old_ledger_gets_the_evidence_column(tmp_path: Path, runner: CliRunner) -> None:
    state = tmp_path / "state"
    state.mkdir()
    db = sqlite3.connect(state / "ledger.sqlite")
    db.execute(
        "CREATE TABLE submissions (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " size INTEGER NOT NULL, mtime REAL, first_seen TEXT NOT NULL, form TEXT, city TEXT,"
        " period TEXT, status TEXT, reason TEXT, UNIQUE (name, sha256))"
    )
    db.commit()
    db.close()
    (tmp_path / "inbox").mkdir()
    _summary(runner, tmp_path, "s", "--now", "2023-06-20")
    cols = {r[1] for r in sqlite3.connect(state / "ledger.sqlite").execute(
        "PRAGMA table_info(submissions)")}  # fmt: skip
    assert {"received_at", "received_from"} <= cols
