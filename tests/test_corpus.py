"""Every spreadsheet of the calamine test corpus ends in a clear message: never a traceback,
a hang or a blown memory limit."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from conftest import CORPUS, summary_args
from typer.testing import CliRunner

from aggregator.cli import app

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")


def test_whole_corpus_through_check(runner: CliRunner) -> None:
    files = sorted(str(p) for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 100
    start = time.monotonic()
    result = runner.invoke(app, ["check", "--json", "--jobs", "2", *files])
    elapsed = time.monotonic() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    doc = json.loads(result.stdout)
    assert [d["file"] for d in doc] == files
    for d in doc:
        assert d["rejected"] or d["form"], d
        for issue in d["issues"]:
            assert issue["message"] and issue["severity"] in ("error", "warning")
            assert "Traceback" not in issue["message"]
    assert elapsed < 120
    assert (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000
    )  # KiB: the test process stays small


def test_memory_exhausting_files_end_in_a_message(runner: CliRunner) -> None:
    names = [
        n
        for n in ("OOM_alloc.xls", "OOM_alloc2.xls", "OOM_alloc3.xls", "issue_594_dos.ods")
        if (CORPUS / n).exists()
    ]
    result = runner.invoke(app, ["check", "--json", *[str(CORPUS / n) for n in names]])
    doc = json.loads(result.stdout)
    assert len(doc) == len(names) and all(d["rejected"] for d in doc)
    assert all(d["issues"][-1]["message"] for d in doc)


@pytest.mark.slow
def test_whole_corpus_through_summary(tmp_path: Path, runner: CliRunner) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in CORPUS.iterdir():
        (inbox / p.name).write_bytes(p.read_bytes())
    result = runner.invoke(
        app,
        summary_args(
            inbox,
            tmp_path / "state",
            tmp_path / "out",
            json_out=tmp_path / "s.json",
            now="2023-06-20",
        ),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    statuses = {s["status"] for s in doc["submissions"]}
    assert statuses <= {"rejected", "duplicate", "ignored", "accepted", "superseded"}
    assert len(doc["submissions"]) == len(list(CORPUS.iterdir()))
    assert doc["province"]["counties_reported"] == 0
