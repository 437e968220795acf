"""`aggregator check`: what was understood, every problem, exit codes, annotated copies."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from conftest import modules_after, sha256
from content import A5_HEADER, a5_sample
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import write_a5

TITLE = "2023年上半年“智聚山海·助力共富”专家服务活动成果汇总表"
HEADER = A5_HEADER


def _bad(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    for row in (
        [TITLE],
        ["填报市局（盖章）：宁波市人力社保局"],
        HEADER,
        [1, "海曙区", "12人次", 12.5, *[1] * 9, '=HYPERLINK("http://x")'],
    ):
        ws.append(row)
    ws["N4"].data_type = "s"  # a remark that looks like a formula, typed as text
    wb.save(path)
    return path


def test_clean_return_exits_0_and_says_what_was_read(tmp_path: Path, runner: CliRunner) -> None:
    p = write_a5(tmp_path / "宁波.xlsx", a5_sample(), "xlsxwriter")
    result = runner.invoke(app, ["check", str(p), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (
        "附件5 成果汇总表" in result.output
        and "宁波市" in result.output
        and "2023年上半年" in result.output
    )
    assert "读取行数：11" in result.output


def test_errors_exit_1_with_cell_and_message(tmp_path: Path, runner: CliRunner) -> None:
    p = _bad(tmp_path / "bad.xlsx")
    result = runner.invoke(app, ["check", str(p)], terminal_width=200)
    assert result.exit_code == 1
    assert "D4：“邀请专家总人次”填的是“12.5”" in result.output
    assert "C4：数字中含有单位“人次”，已按 12 读取。" in result.output


def test_missing_file_is_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_json_output(tmp_path: Path, runner: CliRunner) -> None:
    p = _bad(tmp_path / "bad.xlsx")
    result = runner.invoke(app, ["check", "--json", str(p)])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc[0]["form"] == "A5" and doc[0]["city"] == "宁波市" and doc[0]["period"] == "2023H1"
    issue = next(i for i in doc[0]["issues"] if i["cell"] == "D4")
    assert issue == {
        "severity": "error",
        "code": "value-invalid",
        "file": str(p),
        "sheet": "汇总",
        "cell": "D4",
        "city": "宁波市",
        "county": "海曙区",
        "message": issue["message"],
    }


def test_annotated_copy_marks_cells_and_lists_problems_original_untouched(
    tmp_path: Path, runner: CliRunner
) -> None:
    p = _bad(tmp_path / "bad.xlsx")
    before = sha256(p)
    out = tmp_path / "annotated"
    result = runner.invoke(app, ["check", str(p), "--annotate", str(out)])
    assert result.exit_code == 1
    assert sha256(p) == before
    copy = out / "bad_问题标注.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "问题清单"
    ws = wb["汇总"]
    assert ws["D4"].comment is not None and "12.5" in ws["D4"].comment.text
    assert ws["D4"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["C4"].fill.fgColor.rgb.endswith("FFEB9C")
    listing = wb["问题清单"]
    assert listing["A1"].value == "问题清单：bad.xlsx"
    assert "宁波市" in listing["A2"].value and "错误 1 个" in listing["A2"].value
    assert "重新报送" in listing["A3"].value
    assert listing["A5"].value == "序号" and listing.max_row == 8  # C4, D4, missing counties
    assert listing["B6"].value == "错误"  # errors first
    assert {listing.cell(r, 4).value for r in range(6, 9)} == {
        "C4",
        "D4",
        None,
    }  # openpyxl reads "" as None
    assert listing.print_title_rows == "$5:$5"
    assert listing.page_setup.orientation == "landscape" and listing.page_setup.fitToWidth == 1
    assert ws["N4"].data_type == "s" and ws["N4"].value.startswith("=")  # still text, not a formula


def test_xls_is_converted_before_annotating(tmp_path: Path, runner: CliRunner) -> None:
    from aggregator.demo.samples import A5Sample

    s = a5_sample()
    s = A5Sample(
        s.sender,
        s.title,
        [("海曙区", {"teams_completed": "3场"}), *s.rows[1:]],
        filled=s.filled,
        contact=s.contact,
    )
    p = write_a5(tmp_path / "r.xls", s, "xls")
    before = sha256(p)
    result = runner.invoke(app, ["check", str(p), "--annotate", str(tmp_path / "a")])
    assert sha256(p) == before
    wb = openpyxl.load_workbook(tmp_path / "a" / "r_问题标注.xlsx")
    assert result.exit_code == 0
    assert wb["Sheet1"]["C4"].comment is not None


def test_rejected_file_gets_a_problem_list_copy(tmp_path: Path, runner: CliRunner) -> None:
    p = tmp_path / "说明.pdf"
    p.write_bytes(b"%PDF-1.4 x")
    result = runner.invoke(app, ["check", str(p), "--annotate", str(tmp_path / "a")])
    assert result.exit_code == 1 and "PDF" in result.output
    wb = openpyxl.load_workbook(tmp_path / "a" / "说明_问题标注.xlsx")
    assert wb.sheetnames == ["问题清单"]  # no blank sheet standing for the original
    assert "PDF" in wb["问题清单"]["E6"].value
    assert "未能作为报表读取" in wb["问题清单"]["A4"].value


def test_a_workbook_without_a_form_gets_an_accurate_problem_list(
    tmp_path: Path, runner: CliRunner
) -> None:
    p = tmp_path / "会议通知.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "关于召开专家服务工作会议的通知"
    wb.active["A2"] = "请各市派员参加。"
    wb.save(p)
    result = runner.invoke(app, ["check", str(p), "--annotate", str(tmp_path / "a")])
    assert result.exit_code == 1
    copy = openpyxl.load_workbook(tmp_path / "a" / "会议通知_问题标注.xlsx")
    # no blank sheet called 原文件无法打开: the list, then the original for reference
    assert copy.sheetnames == ["问题清单", "Sheet"]
    assert copy["Sheet"]["A1"].value == "关于召开专家服务工作会议的通知"
    listing = copy["问题清单"]
    assert listing["A1"].value == "问题清单：会议通知.xlsx"
    assert "未能作为报表读取" in listing["A4"].value and listing["B6"].value == "错误"
    assert "没有找到附件4" in listing["E6"].value


def test_annotated_copy_never_shows_a_full_identity_or_bank_number(
    tmp_path: Path, runner: CliRunner
) -> None:
    p = _bad(tmp_path / "bad.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["汇总"]["A7"] = "联系人身份证 330102199001011234，账号 6222 0212 3456 7890 123"
    wb["汇总"]["A8"] = 6222021234567890
    wb.save(p)
    runner.invoke(app, ["check", str(p), "--annotate", str(tmp_path / "a")])
    copy = openpyxl.load_workbook(tmp_path / "a" / "bad_问题标注.xlsx")["汇总"]
    assert "330102199001011234" not in copy["A7"].value and copy["A7"].value.count("1234") == 1
    assert "6222 0212" not in copy["A7"].value and copy["A7"].value.endswith("0123")
    assert copy["A8"].value == "************7890"
    assert copy["A2"].value == "填报市局（盖章）：宁波市人力社保局"  # other text as it was


def test_annotated_word_copy_never_shows_a_full_identity_number(
    tmp_path: Path, runner: CliRunner
) -> None:
    import docx
    from content import a4_sample

    from aggregator.demo.wordsamples import write_a4_docx

    src = write_a4_docx(tmp_path / "宁波市计划.docx", a4_sample(), "split")
    doc = docx.Document(str(src))
    doc.add_paragraph("专家身份证号 330102199001011234")
    doc.tables[0].rows[1].cells[-1].paragraphs[0].add_run("（330102199001011234）")
    doc.save(str(src))
    runner.invoke(app, ["check", str(src), "--annotate", str(tmp_path / "a"), "--jobs", "0"])
    copy = docx.Document(str(tmp_path / "a" / "宁波市计划_问题标注.docx"))
    text = "\n".join(p.text for p in copy.paragraphs) + "".join(
        c.text for t in copy.tables for r in t.rows for c in r.cells
    )
    assert "330102199001011234" not in text and "**************1234" in text
    assert "请修改标色的单元格" in text and "设区市：宁波市" in text


def test_check_with_annotated_copies_loads_no_pandas(tmp_path: Path) -> None:
    """City staff check a file and get its marked copy: no judging, so no pandas to load
    (≈0.4 s of a ≈0.6 s check)."""
    p = _bad(tmp_path / "附件5_bad.xlsx")
    out = tmp_path / "a"
    loaded = modules_after(["check", str(p), "--annotate", str(out)], "pandas")
    assert [c.name for c in out.iterdir()] == ["附件5_bad_问题标注.xlsx"]
    assert loaded == []
