"""The summary rendered by LibreOffice reads as a document: stamp block on page 1, a missing
city not printed as numbers, and a bounded number of pages (skipped without LibreOffice)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import province as pv
import pytest
from conftest import summary_args
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.write.pdf import to_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler not installed",
)


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode().split("\f")[:-1]


@pytest.mark.slow
def test_summary_pdf_pages(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    pv.plans(inbox)
    pv.half_year(inbox)
    result = CliRunner().invoke(
        app, summary_args(inbox, tmp_path / "state", tmp_path / "out", as_of="2023-06-12T12:00")
    )
    assert result.exit_code == 0, result.output
    book = tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx"
    pages = _pages(to_pdf(book, tmp_path / "pdf"))
    first = pages[0]
    assert "附件" in first and "填报单位（盖章）" in first and "审核人" in first
    assert "填报日期：2023年6月12日" in first
    lishui = next(line for line in first.splitlines() if "丽水市" in line and "未报送" in line)
    assert not any(ch.isdigit() for ch in lishui.split("丽水市", 1)[1])  # missing is not zero
    by_sheet: dict[str, int] = {}
    for p in pages:
        head = p.strip().splitlines()[0] if p.strip() else ""
        key = next(
            (k for k in ("分县明细", "配额", "报送情况", "计划汇总", "数据问题") if k in head), ""
        )
        by_sheet[key] = by_sheet.get(key, 0) + 1
    assert by_sheet.get("分县明细", 0) <= 12  # a page per city
    assert by_sheet.get("报送情况", 0) <= 3
    assert len(pages) <= 60
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert names[0] == "成果汇总"
