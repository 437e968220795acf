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


def _convert(files: dict[str, Path], tmp: Path) -> dict[str, list[str]]:
    """Each file's pages as text, converted by one LibreOffice run (names made unique)."""
    stage = tmp / "stage"
    stage.mkdir()
    for name, src in files.items():
        shutil.copyfile(src, stage / f"{name}{src.suffix}")
    staged = sorted(str(p) for p in stage.iterdir())
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp / "pdf"), *staged],
        capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    return {name: _pages(tmp / "pdf" / f"{name}.pdf") for name in files}


def test_forms_annotated_copy_and_feedback_form_pdf_pages(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    pv.plans(inbox)
    pv.half_year(inbox)
    run = CliRunner().invoke(
        app, summary_args(inbox, tmp_path / "state", tmp_path / "out", now="2023-06-12T12:00")
    )
    assert run.exit_code == 0, run.output
    made = CliRunner().invoke(app, ["templates", "--out", str(tmp_path / "t")])
    assert made.exit_code == 0, made.output
    t, fb = tmp_path / "t", tmp_path / "out" / "反馈" / "2023H1" / "金华市"
    pages = _convert(
        {
            "a4": t / "2023年附件4_专家服务工程活动计划表_丽水市.xlsx",
            "a5": t / "2023年附件5_专家服务活动成果汇总表_丽水市.xlsx",
            "w4": t / "2023年附件4_专家服务工程活动计划表_丽水市.docx",
            "w5": t / "2023年附件5_专家服务活动成果汇总表_丽水市.docx",
            "copy": fb / "上半年_金华市_问题标注.xlsx",
            "form": fb / "金华市_2023年上半年_问题反馈单.xlsx",
        },
        tmp_path,
    )
    assert len(pages["a4"]) <= 2 and len(pages["a5"]) == 1
    assert len(pages["w4"]) == 1 and len(pages["w5"]) == 1  # notes not pushed onto a page 2
    for name in ("a4", "a5", "w4", "w5"):
        text = "".join(pages[name])
        assert "填报市局（盖章）" in text and "填报人及联系电话" in text, name
    assert "景宁畲族自治县" in pages["a5"][0]  # the longest county name on one line
    copy = pages["copy"]
    assert len(copy) <= 3 and "###" not in "".join(copy)
    assert "问题清单" in copy[0] and "错误 1 个" in copy[0] and "6月17日前重新报送" in copy[0]
    assert "第 1 页，共" in copy[0]
    form = pages["form"]
    assert len(form) <= 2
    assert "问题反馈单" in form[0] and "致：金华市" in form[0] and "错误" in form[0]
    assert "2023年6月17日" in form[0] and "联系电话" in "".join(form)
