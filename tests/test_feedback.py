"""The feedback folder a summary writes for the cities: per city the annotated copies of its
returns with problems and one printable 问题反馈单; and every workbook the tool writes keeps
its text inside its columns (no LibreOffice needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import province as pv
import pytest
from conftest import modules_after, summary_args, tree_hashes
from sheetwidth import overflowing
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.period import Period
from aggregator.rulebook import Context
from aggregator.vocab import Form
from aggregator.write.feedback import resend_by

NOW = "2023-06-12T12:00"  # two days after the half-year deadline


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A half-year summary of the synthetic province (金华's 合计 row is wrong)."""
    base = tmp_path_factory.mktemp("feedback")
    inbox = base / "inbox"
    pv.plans(inbox)
    pv.half_year(inbox)
    before = tree_hashes(inbox)
    result = CliRunner().invoke(app, summary_args(inbox, base / "state", base / "out", now=NOW))
    assert result.exit_code == 0, result.output
    assert "问题反馈" in result.output and "金华市：2 个文件，错误 1 个" in result.output
    assert tree_hashes(inbox) == before  # the returns are only read
    return base


def _form(folder: Path, city: str) -> openpyxl.worksheet.worksheet.Worksheet:
    wb = openpyxl.load_workbook(folder / city / f"{city}_2023年上半年_问题反馈单.xlsx")
    assert wb.sheetnames == ["问题反馈单"]
    return wb["问题反馈单"]


def _texts(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_each_city_with_problems_gets_a_folder(run: Path) -> None:
    folder = run / "out" / "反馈" / "2023H1"
    jinhua = folder / "金华市"
    names = {p.name for p in jinhua.iterdir()}
    assert names == {
        "上半年_金华市_问题标注.xlsx",
        "附件4_金华市_问题标注.xlsx",
        "金华市_2023年上半年_问题反馈单.xlsx",
    }
    assert not [p for p in (run / "out" / "反馈").iterdir() if p.name.startswith(".")]
    copy = openpyxl.load_workbook(jinhua / "上半年_金华市_问题标注.xlsx")
    listing = copy["问题清单"]
    assert listing["A1"].value == "问题清单：上半年_金华市.xls"
    assert "金华市" in listing["A2"].value and "错误 1 个" in listing["A2"].value
    assert "于6月17日前重新报送" in listing["A3"].value  # deadline passed: five days on
    errors = [
        c for ws in copy.worksheets[1:] for row in ws.iter_rows() for c in row
        if c.fill is not None and str(c.fill.fgColor.rgb).endswith("FFC7CE")
    ]  # fmt: skip
    assert errors and errors[0].comment is not None and "合计" in errors[0].comment.text


def test_the_summary_marks_the_error_it_sends_back(run: Path) -> None:
    ws = openpyxl.load_workbook(run / "out" / "2023H1_专家服务活动成果汇总表.xlsx")["成果汇总"]
    assert any("金华市报表合计行与各县相加不符" in t for t in _texts(ws))


def test_feedback_form_says_what_by_when_and_whom_to_call(run: Path) -> None:
    ws = _form(run / "out" / "反馈" / "2023H1", "金华市")
    texts = _texts(ws)
    assert ws["A1"].value == "2023年上半年专家服务报表问题反馈单"
    assert texts[1].startswith("致：金华市")
    assert any("请于2023年6月17日前" in t for t in texts)
    assert any(t.startswith("1．上半年_金华市.xls（附件5 成果汇总表）") for t in texts)
    first_file = texts.index(next(t for t in texts if t.startswith("1．")))
    assert texts[first_file + 2] == "错误"  # the error before the warnings
    assert any("浙江省专家与留学人员服务中心" in t and "联系电话" in t for t in texts)
    assert not any("-" in t and t.islower() for t in texts)  # no problem codes on the page
    assert ws.print_title_rows and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.page_setup.paperSize == 9 and ws.oddFooter.center.text
    only_warnings = _texts(_form(run / "out" / "反馈" / "2023H1", "杭州市"))
    assert any("核实无误的不必重报" in t for t in only_warnings)


def test_a_rerun_replaces_the_folder_and_no_feedback_writes_none(run: Path) -> None:
    folder = run / "out" / "反馈" / "2023H1"
    stale = folder / "杭州市" / "旧的.txt"
    stale.write_text("x")
    args = summary_args(run / "inbox", run / "state", run / "out", now=NOW)
    assert CliRunner().invoke(app, args).exit_code == 0
    assert not stale.exists() and (folder / "杭州市").is_dir()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    other = run / "elsewhere"
    result = CliRunner().invoke(app, [*args, "--feedback", str(other)])
    assert result.exit_code == 0 and (other / "2023H1" / "金华市").is_dir()
    out2 = run / "out2"
    args2 = summary_args(run / "inbox", run / "state", out2, "--no-feedback", now=NOW)
    assert CliRunner().invoke(app, args2).exit_code == 0
    assert not (out2 / "反馈").exists()
    inside = summary_args(
        run / "inbox", run / "state", out2, "--feedback", str(run / "inbox" / "反馈"), now=NOW
    )
    assert CliRunner().invoke(app, inside).exit_code == 2


def test_the_summary_process_loads_no_word_library(run: Path, tmp_path: Path) -> None:
    """Judging and annotating spreadsheets need no python-docx: a summary's own process never
    loads it (a reader worker or feedback helper does, for a Word return)."""
    args = summary_args(run / "inbox", tmp_path / "state", tmp_path / "out", now=NOW)
    loaded = modules_after(args, "docx,aggregator.read.wordgrid")
    assert len(list((tmp_path / "out" / "反馈" / "2023H1" / "金华市").iterdir())) == 3
    assert [m for m in loaded if m.split(".")[0] == "docx" or m == "aggregator.read.wordgrid"] == []


def test_a_feedback_folder_that_cannot_be_written_leaves_the_old_one(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = run / "out" / "反馈" / "2023H1"
    before = tree_hashes(folder)

    def full_disk(*a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aggregator.write.feedbackform.write_feedback_form", full_disk)
    args = summary_args(run / "inbox", run / "state", run / "out", now=NOW)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "反馈文件夹" in result.output, result.output
    assert tree_hashes(folder) == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_resend_date_is_the_deadline_until_it_has_passed(ctx: Context) -> None:
    h1 = Period.half(2023)
    china = dt.timezone(dt.timedelta(hours=8))
    early = dt.datetime(2023, 6, 1, 9, tzinfo=china)
    assert resend_by(ctx.policy, Form.RESULTS, h1, early) == dt.date(2023, 6, 10)
    assert resend_by(ctx.policy, Form.PLAN, h1, early) == dt.date(2023, 6, 6)
    assert resend_by(ctx.policy, Form.EXPERT, h1, early) == dt.date(2023, 6, 6)
    late = dt.datetime(2023, 6, 20, 9, tzinfo=china)
    assert resend_by(ctx.policy, Form.RESULTS, h1, late) == dt.date(2023, 6, 25)


def test_every_workbook_keeps_its_text_inside_its_columns(run: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["templates", "--out", str(tmp_path / "t")]).exit_code == 0
    books = [run / "out" / "2023H1_专家服务活动成果汇总表.xlsx"]
    books += sorted((tmp_path / "t").glob("*.xlsx"))
    books += sorted((run / "out" / "反馈" / "2023H1").rglob("*.xlsx"))
    assert len(books) > 30
    problems = {b.name: overflowing(b) for b in books}
    assert not {k: v for k, v in problems.items() if v}
