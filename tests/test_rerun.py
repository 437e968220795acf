"""A rerun with nothing new costs nothing: unchanged inbox files are not hashed again, and an
unchanged report is left as written (and the analyst is told); anything new rewrites it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import sha256
from content import a5_sample

from aggregator.clock import parse_time
from aggregator.demo.samples import write_a5
from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.runs import Options, run_status, run_summary
from aggregator.store import intake
from aggregator.store.ledger import Ledger


def _opts(tmp_path: Path, now: str = "2023-06-09") -> Options:
    return Options(
        period="2023H1",
        inbox=tmp_path / "inbox",
        state=tmp_path / "state",
        now=parse_time(now),
        out=tmp_path / "out",
        json_out=tmp_path / "out" / "summary.json",
        jobs=0,
    )


def _inbox(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "宁波市"
    folder.mkdir(parents=True)
    path = write_a5(folder / "附件5_宁波市.xlsx", a5_sample(), "xlsxwriter")
    old = path.stat().st_mtime - 3600
    os.utime(path, (old, old))


def test_a_rerun_with_nothing_new_leaves_the_report_and_hashes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inbox(tmp_path)
    first = run_summary(_opts(tmp_path))
    assert not first.unchanged and first.report is not None
    report, doc = sha256(first.report), (tmp_path / "out" / "summary.json").read_text()
    read_bytes = Path.read_bytes
    inbox_reads: list[Path] = []

    def counting(self: Path) -> bytes:
        if "inbox" in self.parts:
            inbox_reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    monkeypatch.setattr(intake, "copy_in", lambda *a: pytest.fail("copied again"))
    monkeypatch.setattr(intake, "_read_settled", lambda *a: pytest.fail("read again"))
    again = run_summary(_opts(tmp_path))
    assert again.unchanged and again.facts is None and again.digest == first.digest
    assert "汇总表未重写" in again.notices[0]  # the analyst is told
    assert not inbox_reads  # the inbox file's signature is unchanged: not read, not hashed
    assert sha256(first.report) == report
    assert (tmp_path / "out" / "summary.json").read_text() == doc


def test_a_new_cut_off_a_status_run_or_a_changed_output_rewrites(tmp_path: Path) -> None:
    _inbox(tmp_path)
    assert not run_summary(_opts(tmp_path)).unchanged
    assert run_summary(_opts(tmp_path)).unchanged
    assert not run_summary(_opts(tmp_path, "2023-06-10")).unchanged  # another cut-off
    run_status(_opts(tmp_path))  # statuses decided again: the record is forgotten
    assert not run_summary(_opts(tmp_path, "2023-06-10")).unchanged
    json_path = tmp_path / "out" / "summary.json"
    json_path.write_text("{}")  # the JSON was changed by hand
    again = run_summary(_opts(tmp_path, "2023-06-10"))
    assert not again.unchanged and json.loads(json_path.read_text())["period"] == "2023H1"


def test_an_edited_data_file_rewrites_and_a_broken_one_stops_before_intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    for kind in ("policy", "schemas", "reference"):
        shutil.copytree(data_dir(kind), data / kind)
    monkeypatch.setenv("AGGREGATOR_DATA", str(data))
    _inbox(tmp_path)
    assert not run_summary(_opts(tmp_path)).unchanged
    with monkeypatch.context() as m:  # nothing new: the reference data is not even loaded
        m.setattr("aggregator.gather.load_context", lambda **k: pytest.fail("loaded"))
        assert run_summary(_opts(tmp_path)).unchanged
    policy = data / "policy" / "2023.toml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# 改过\n", encoding="utf-8")
    assert not run_summary(_opts(tmp_path)).unchanged
    assert run_summary(_opts(tmp_path)).unchanged
    (data / "policy" / "pairings-2023.csv").write_text("mountain_county,partner\n")
    write_a5(tmp_path / "inbox" / "宁波市" / "附件5_宁波市（更正）.xlsx", a5_sample(), "xlsxwriter")
    with pytest.raises(DataFileError):  # checked in full before anything new is taken in
        run_summary(_opts(tmp_path))
    ledger = Ledger(tmp_path / "state")
    try:
        assert len(ledger.submissions()) == 1
    finally:
        ledger.close()


def test_a_folder_kept_inside_a_data_folder_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An analyst keeps the old reference files in a sub-folder (reference/旧版/): nothing
    reads it, so the summary is written as before, and a rerun leaves it as written."""
    data = tmp_path / "data"
    for kind in ("policy", "schemas", "reference"):
        shutil.copytree(data_dir(kind), data / kind)
    monkeypatch.setenv("AGGREGATOR_DATA", str(data))
    _inbox(tmp_path)
    for kind in ("reference", "schemas"):
        old = data / kind / "旧版"
        old.mkdir()
        first = sorted(p for p in (data / kind).iterdir() if p.is_file())[0]
        shutil.copy(first, old / first.name)
    outcome = run_summary(_opts(tmp_path))
    assert outcome.facts is not None and not outcome.unchanged
    assert (tmp_path / "out" / "summary.json").exists()
    assert run_summary(_opts(tmp_path)).unchanged
