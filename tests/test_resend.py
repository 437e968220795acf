"""Issue 14, defect 3 (resend): arrival by name and content together with an arrival number, so
version A, correction B, then A again under the same name makes A the latest; old ledgers are
migrated without losing receipt times."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from conftest import summary_args
from content import a5_sample
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import write_a5
from aggregator.store.ledger import Ledger
from aggregator.store.schema import SCHEMA_VERSION

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _version(path: Path, teams: int) -> bytes:
    s = a5_sample()
    s.rows[0] = (s.rows[0][0], {**s.rows[0][1], "teams_completed": teams})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_a5(path, s, "xlsxwriter")
    return path.read_bytes()


def _drop(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - 3600
    os.utime(path, (old, old))


def _run(runner: CliRunner, base: Path, now: str) -> tuple[str, dict[str, Any]]:
    out = base / "out" / "s.json"
    args = summary_args(base / "inbox", base / "state", base / "out", json_out=out, now=now)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text(encoding="utf-8"))


def _teams(doc: dict[str, Any]) -> int | None:
    first = next(c for c in doc["counties"] if c["city"] == "宁波市" and c["reported"])
    return first["metrics"]["teams_completed"]  # type: ignore[no-any-return]


def test_resending_the_original_after_a_correction_is_a_new_arrival(
    tmp_path: Path, runner: CliRunner
) -> None:
    a = _version(tmp_path / "a.xlsx", 11)
    b = _version(tmp_path / "b.xlsx", 22)
    target = tmp_path / "inbox" / "宁波市" / "上半年.xlsx"
    _drop(target, a)
    _, doc = _run(runner, tmp_path, "2023-06-01")
    assert _teams(doc) == 11
    _drop(target, b)
    _, doc = _run(runner, tmp_path, "2023-06-05")
    assert _teams(doc) == 22
    _drop(target, a)
    said, doc = _run(runner, tmp_path, "2023-06-08")
    assert "本次新收 1 个文件" in said, said
    assert _teams(doc) == 11  # the latest send wins
    statuses = [(s["received_at"][:10], s["status"]) for s in doc["submissions"]]
    assert statuses == [
        ("2023-06-01", "superseded"),
        ("2023-06-05", "superseded"),
        ("2023-06-08", "accepted"),
    ]
    said, again = _run(runner, tmp_path, "2023-06-09")  # nothing new: nothing changes
    assert "本次新收 0 个文件" in said and again["submissions"] == doc["submissions"]


def test_the_same_content_twice_is_still_a_duplicate(tmp_path: Path, runner: CliRunner) -> None:
    a = _version(tmp_path / "a.xlsx", 11)
    _drop(tmp_path / "inbox" / "宁波市" / "上半年.xlsx", a)
    _run(runner, tmp_path, "2023-06-01")
    _drop(tmp_path / "inbox" / "宁波市" / "上半年 - 副本.xlsx", a)
    _, doc = _run(runner, tmp_path, "2023-06-02")
    assert [s["status"] for s in doc["submissions"]] == ["accepted", "duplicate"]
    assert _teams(doc) == 11


def _schema_1_ledger(state: Path) -> None:
    state.mkdir()
    db = sqlite3.connect(state / "ledger.sqlite")
    db.executescript(
        "CREATE TABLE submissions (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL, first_seen TEXT NOT NULL,"
        " form TEXT, city TEXT, period TEXT, status TEXT, reason TEXT,"
        " received_at TEXT, received_from TEXT NOT NULL DEFAULT 'observed',"
        " sender TEXT NOT NULL DEFAULT '', container TEXT, UNIQUE (name, sha256));"
        "CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, stored TEXT NOT NULL);"
    )
    rows = [
        (
            1,
            "宁波市/上半年.xlsx",
            "a" * 64,
            "2023-06-01T09:00:00+08:00",
            "2023-05-30T08:00:00+08:00",
        ),
        (2, "宁波市/计划.xlsx", "c" * 64, "2023-03-01T09:00:00+08:00", None),
        (
            3,
            "宁波市/上半年.xlsx",
            "b" * 64,
            "2023-06-05T09:00:00+08:00",
            "2023-06-04T10:00:00+08:00",
        ),
    ]
    for i, name, sha, first, received in rows:
        db.execute(
            "INSERT INTO submissions (id, name, sha256, size, first_seen, received_at,"
            " received_from, status) VALUES (?,?,?,?,?,?,?,?)",
            (i, name, sha, 10, first, received, "email" if received else "observed", "accepted"),
        )
        db.execute("INSERT OR IGNORE INTO blobs VALUES (?,?,?)", (sha, 10, f"blobs/{sha}"))
    db.commit()
    db.close()


def test_an_old_ledger_is_migrated_keeping_every_receipt(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _schema_1_ledger(state)
    ledger = Ledger(state)
    try:
        got = ledger.db.execute(
            "SELECT id, name, arrival, first_seen, received_at, received_from, status"
            " FROM submissions ORDER BY id"
        ).fetchall()
        assert [(r[0], r[2]) for r in got] == [(1, 1), (2, 1), (3, 2)]
        assert got[0][3:] == (
            "2023-06-01T09:00:00+08:00",
            "2023-05-30T08:00:00+08:00",
            "email",
            "accepted",
        )
        assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert not ledger.known("宁波市/上半年.xlsx", "a" * 64)  # B came after it
        assert ledger.known("宁波市/上半年.xlsx", "b" * 64)
    finally:
        ledger.close()
    again = Ledger(state)  # opening again changes nothing
    try:
        n = again.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        assert n == 3
    finally:
        again.close()


def _garbled(path: Path, rows: slice) -> bytes:
    s = a5_sample()
    for i in range(len(s.rows))[rows]:
        s.rows[i] = (s.rows[i][0], dict.fromkeys(s.rows[i][1], "若干"))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_a5(path, s, "xlsxwriter")
    return path.read_bytes()


def test_a_correction_without_one_usable_number_changes_nothing(
    tmp_path: Path, runner: CliRunner
) -> None:
    _drop(tmp_path / "inbox" / "宁波市" / "上半年.xlsx", _version(tmp_path / "a.xlsx", 11))
    _, before = _run(runner, tmp_path, "2023-06-01")
    _drop(
        tmp_path / "inbox" / "宁波市" / "上半年（更正）.xlsx",
        _garbled(tmp_path / "b.xlsx", slice(None)),
    )
    _, doc = _run(runner, tmp_path, "2023-06-05")
    assert doc["province"] == before["province"] and doc["counties"] == before["counties"]
    assert doc["cities"] == before["cities"]
    assert [s["status"] for s in doc["submissions"]] == ["accepted", "rejected"]
    refusal = [i for i in doc["issues"] if i["code"] == "no-valid-figures"]
    assert refusal and "不取代此前报送的数字" in refusal[0]["message"]


def test_a_county_row_without_one_usable_number_keeps_the_earlier_figures(
    tmp_path: Path, runner: CliRunner
) -> None:
    _drop(tmp_path / "inbox" / "宁波市" / "上半年.xlsx", _version(tmp_path / "a.xlsx", 11))
    _, before = _run(runner, tmp_path, "2023-06-01")
    _drop(
        tmp_path / "inbox" / "宁波市" / "上半年（更正）.xlsx",
        _garbled(tmp_path / "b.xlsx", slice(0, 1)),
    )
    _, doc = _run(runner, tmp_path, "2023-06-05")
    first = a5_sample().rows[0][0]
    old = next(c for c in before["counties"] if c["county"] == first)
    new = next(c for c in doc["counties"] if c["county"] == first)
    assert new["metrics"] == old["metrics"] and new["reported"]
    codes = [(i["code"], i["county"]) for i in doc["issues"] if i["code"].startswith("county-no")]
    assert codes == [("county-no-valid-figures", first)]
    assert [s["status"] for s in doc["submissions"]] == ["accepted", "accepted"]


def test_a_registration_dates_the_first_arrival_of_a_name_only(
    tmp_path: Path, runner: CliRunner
) -> None:
    target = tmp_path / "inbox" / "宁波市" / "上半年.xlsx"
    _drop(target, _version(tmp_path / "a.xlsx", 11))
    _run(runner, tmp_path, "2023-06-12")
    _drop(target, _version(tmp_path / "b.xlsx", 22))
    _run(runner, tmp_path, "2023-06-20")
    (tmp_path / "state" / "receipts.csv").write_text(
        "文件,收到时间,说明\n宁波市/上半年.xlsx,2023-06-10 15:00,纸质件按时送达\n", encoding="utf-8"
    )
    _, doc = _run(runner, tmp_path, "2023-06-21")
    got = [(s["received_at"][:16], s["received_from"]) for s in doc["submissions"]]
    assert got == [("2023-06-10T15:00", "registered"), ("2023-06-20T23:59", "observed")]


def test_a_rebuilt_ledger_keeps_every_arrival_of_a_resent_name(
    tmp_path: Path, runner: CliRunner
) -> None:
    target = tmp_path / "inbox" / "宁波市" / "上半年.xlsx"
    for day, teams in (("01", 11), ("05", 22), ("08", 11)):
        _drop(target, _version(tmp_path / f"{teams}.xlsx", teams))
        _, doc = _run(runner, tmp_path, f"2023-06-{day}")
    (tmp_path / "state" / "ledger.sqlite").unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / "state" / f"ledger.sqlite{extra}").unlink(missing_ok=True)
    result = runner.invoke(app, ["rebuild-ledger", "--state", str(tmp_path / "state")])
    assert result.exit_code == 0, result.output
    _, again = _run(runner, tmp_path, "2023-06-08")
    assert again["submissions"] == doc["submissions"] and _teams(again) == 11


def test_renaming_the_original_after_a_correction_changes_nothing(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Tidying the inbox is not resending: the analyst renames the corrected original
    “（作废）” (void) after the correction came; the correction still stands."""
    a = _version(tmp_path / "a.xlsx", 11)
    b = _version(tmp_path / "b.xlsx", 22)
    folder = tmp_path / "inbox" / "宁波市"
    _drop(folder / "上半年.xlsx", a)
    _run(runner, tmp_path, "2023-06-01")
    _drop(folder / "上半年（更正）.xlsx", b)
    _, doc = _run(runner, tmp_path, "2023-06-05")
    assert _teams(doc) == 22
    (folder / "上半年.xlsx").rename(folder / "上半年（作废）.xlsx")
    _drop(tmp_path / "inbox" / "备份" / "上半年 - 副本.xlsx", a)  # and a stray copy of it
    _, doc = _run(runner, tmp_path, "2023-06-08")
    assert _teams(doc) == 22
    status = {s["file"]: s["status"] for s in doc["submissions"]}
    assert status["宁波市/上半年（作废）.xlsx"] == "duplicate"
    assert status["备份/上半年 - 副本.xlsx"] == "duplicate"


def _mail(books: dict[str, bytes], date: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "nb@example.cn"
    msg["Date"] = date
    msg["Subject"] = "报表"
    msg.set_content("见附件")
    for name, data in books.items():
        msg.add_attachment(data, *XLSX, filename=name)
    return bytes(msg)


def test_the_original_sent_again_by_email_after_a_correction_counts(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A deliberate resend under another name (the city emails the original again: “use this
    one”) is a new arrival; the same email merely renamed in the inbox is not."""
    a = _version(tmp_path / "a.xlsx", 11)
    b = _version(tmp_path / "b.xlsx", 22)
    inbox = tmp_path / "inbox"
    _drop(inbox / "来信1.eml", _mail({"上半年.xlsx": a}, "Thu, 01 Jun 2023 09:00:00 +0800"))
    _drop(inbox / "来信2.eml", _mail({"上半年（更正）.xlsx": b}, "Mon, 05 Jun 2023 09:00:00 +0800"))
    _, doc = _run(runner, tmp_path, "2023-06-06")
    assert _teams(doc) == 22
    (inbox / "来信1.eml").rename(inbox / "宁波来信1.eml")  # same email, same Date
    _, doc = _run(runner, tmp_path, "2023-06-07")
    assert _teams(doc) == 22
    _drop(inbox / "来信3.eml", _mail({"上半年.xlsx": a}, "Thu, 08 Jun 2023 09:00:00 +0800"))
    _, doc = _run(runner, tmp_path, "2023-06-09")
    assert _teams(doc) == 11
    status = {s["file"]: s["status"] for s in doc["submissions"]}
    assert status["来信3.eml/上半年.xlsx"] == "accepted"
    assert status["宁波来信1.eml/上半年.xlsx"] == "duplicate"
