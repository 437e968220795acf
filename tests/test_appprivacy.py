"""Attachment 3's personal numbers however they are written (grouped, lower-case x, full-width,
a digit per box, in a sheet name, in a Word header or footer): never shown in full, and one
expert stays one expert whatever the spelling of the number."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from appfiles import xlsx_forms
from rich.console import Console
from test_applications import expert
from test_appprobe import BANK, GOOD_ID, _a3_docx_two_pages, _read, _records
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.judge.applications import Received, count_applications
from aggregator.privacy import scrub
from aggregator.read.applications import grids_from_rows, read_applications
from aggregator.rulebook import Context


def test_numbers_however_written_are_masked() -> None:
    for written in (
        "33010219900101123x", "330102 19900101 123X", "330102-1990-0101-123X",
        "３３０１０２１９９００１０１１２３Ｘ", "6222 0212 3456 7890 123", "330102\u300019900101123X",
    ):  # fmt: skip
        shown = scrub(f"证件号码：{written}。")
        digits = [ch for ch in shown if ch.isdigit() or ch in "Xx"]
        assert len(digits) <= 4, (written, shown)


def test_no_full_number_in_a_sheet_name_on_the_terminal(tmp_path: Path) -> None:
    """A sheet named after the expert's identity number: the terminal and JSON show it masked
    (file names are the sender's and are shown as given: see the README). The problem keeps
    the real sheet name, so the annotated copy still finds the sheet."""
    rows = expert("郑十一", "衢州学院", "教授", GOOD_ID, "衢州市")
    rows[3][3] = ""  # 性别 left blank: an error located on that sheet
    path = xlsx_forms(tmp_path / "衢州推荐表.xlsx", {GOOD_ID: rows})
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("aggregator.cli.console", Console(width=200))
        shown = runner.invoke(app, ["check", str(path)])
    as_json = runner.invoke(app, ["check", "--json", str(path)])
    assert shown.exit_code == 1 and "性别" in shown.output
    assert "*" * 14 + GOOD_ID[-4:] in shown.output
    for out in (shown.output, as_json.output):
        assert GOOD_ID not in out


def test_annotated_word_copy_masks_headers_and_footers(tmp_path: Path) -> None:
    """The annotated copy of a Word form keeps the document's header and footer: numbers
    there are masked as in the body."""
    bad = GOOD_ID[:-1] + "6"  # a wrong check character: a warning, so a copy is written
    path = _a3_docx_two_pages(tmp_path / "推荐表.docx", bad)
    result = CliRunner().invoke(app, ["check", "--annotate", str(tmp_path / "ann"), str(path)])
    copy = tmp_path / "ann" / "推荐表_问题标注.docx"
    assert result.exit_code == 0 and copy.is_file()
    with zipfile.ZipFile(copy) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert bad not in text and BANK not in text


def test_the_same_expert_with_the_number_written_differently_counts_once(ctx: Context) -> None:
    t0 = dt.datetime(2023, 3, 1, 9, tzinfo=dt.UTC)
    items = []
    for i, number in enumerate(("33010619850505231x", "330106 19850505 231X", "")):
        rows = expert("李梅", "浙江农林大学", "副教授", number)  # the last without a number
        got = read_applications(grids_from_rows([rows]), f"杭州市/{i}.docx", ctx.registry, b"s")
        items += [Received(rec, t0 + dt.timedelta(hours=i)) for rec in got.records]
    counts, _ = count_applications(items, ctx.policy, ["杭州市"])
    assert counts["杭州市"].facts()["experts_recommended"] == 1
    assert counts["杭州市"].experts[0].record.file == "杭州市/2.docx"  # the latest replaces


def test_annotated_excel_copy_masks_a_sheet_named_with_a_number(tmp_path: Path) -> None:
    """The annotated copy names its sheets and lists each problem's sheet as the original does,
    but a sheet named with an identity number shows it masked."""
    rows = expert("郑十一", "衢州学院", "教授", GOOD_ID, "衢州市")
    rows[3][3] = ""
    path = xlsx_forms(tmp_path / "衢州推荐表.xlsx", {GOOD_ID: rows})
    CliRunner().invoke(app, ["check", "--annotate", str(tmp_path / "ann"), str(path)])
    copy = tmp_path / "ann" / "衢州推荐表_问题标注.xlsx"
    assert openpyxl.load_workbook(copy).sheetnames
    with zipfile.ZipFile(copy) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert GOOD_ID not in text


def test_an_identity_number_a_digit_per_box(tmp_path: Path, ctx: Context) -> None:
    """证件号码 printed as 18 boxes, a digit in each: the number read is one digit; it is no key
    (was: every expert of the city whose number starts with 3 counted as one person)."""
    forms = []
    for name, number in (("子", "330106198505052314"), ("丑", "330102199001011234")):
        rows = expert(name, "温州大学", "教授", "", "温州市")
        rows[4] = ["证件类型", "居民身份证", "证件号码", *number]
        forms.append(rows)
    r = _read(xlsx_forms(tmp_path / "温州.xlsx", {"甲": forms[0], "乙": forms[1]}), ctx)
    short = [p for p in r.problems if p.code == "application-id-short"]
    assert len(short) == 2 and "只有 1 位" in short[0].message
    t0 = dt.datetime(2023, 3, 1, 9, tzinfo=dt.UTC)
    items = [Received(rec, t0) for rec in _records(r)]
    counts, _ = count_applications(items, ctx.policy, ["温州市"])
    assert counts["温州市"].facts()["experts_recommended"] == 2
