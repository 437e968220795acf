"""Word returns (issue 11): .docx/.doc read as the same figures as the Excel version, Word
templates read back exactly, annotated Word copies with comments."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from content import a4_sample, a5_sample, a5_values
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import A4Sample, write_a4, write_a5
from aggregator.demo.wordsamples import WORD_STYLES, write_a4_docx, write_a5_docx
from aggregator.read import convert
from aggregator.read.grid import UnreadableFile
from aggregator.read.reader import Context, read_return
from aggregator.read.returns import ReturnRead
from aggregator.read.sniff import ole_stream_names, sniff
from aggregator.read.wordgrid import docx_grids, paragraph_cells
from aggregator.read.workers import read_many
from aggregator.rulebook.policy import Limits
from aggregator.write.wordforms import add_form_table, add_line, add_title, new_document

SOFFICE = convert.soffice()
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def facts(r: ReturnRead) -> tuple[Any, ...]:
    """What the JSON is made of: who, when, counties and metrics, activities, totals."""
    figures = sorted((f.county, f.city_own, sorted(f.values.items())) for f in r.figures)
    totals = sorted((t.label, sorted(t.values.items())) for t in r.totals)
    acts = [
        (a.county, a.city, a.counties, a.name, a.when_start, a.when_end, a.when_precision)
        + (a.hosts, a.experts, a.contact_person, a.contact_phone, a.demo_team, a.joint)
        for a in r.activities
    ]
    head = (r.form, r.city, r.sender_county, r.period, r.year, r.filled_date, r.rejected)
    return (*head, r.contact_person, r.contact_phone, figures, totals, acts)


def codes(r: ReturnRead) -> list[str]:
    """Problem codes in order (locations differ between Excel and Word)."""
    return [p.code for p in r.problems]


def _read(path: Path, ctx: Context) -> ReturnRead:
    return read_return(path, f"宁波市/{path.name}", ctx)


@pytest.fixture(scope="module")
def excel(tmp_path_factory: pytest.TempPathFactory, ctx: Context) -> dict[str, ReturnRead]:
    d = tmp_path_factory.mktemp("xlsx")
    return {
        "A5": _read(write_a5(d / "a5.xlsx", a5_sample(), "xlsxwriter"), ctx),
        "A4": _read(write_a4(d / "a4.xlsx", a4_sample(), "xlsxwriter"), ctx),
    }


@pytest.mark.parametrize("style", WORD_STYLES)
def test_docx_gives_the_figures_of_the_xlsx(
    tmp_path: Path, ctx: Context, excel: dict[str, ReturnRead], style: str
) -> None:
    w5 = _read(write_a5_docx(tmp_path / "a5.docx", a5_sample(), style), ctx)
    w4 = _read(write_a4_docx(tmp_path / "a4.docx", a4_sample(), style), ctx)
    assert w5.kind == "docx" and w5.form == "A5" and len(w5.figures) == 10
    assert facts(w5) == facts(excel["A5"]) and codes(w5) == codes(excel["A5"])
    assert w4.form == "A4" and len(w4.activities) == 4
    assert facts(w4) == facts(excel["A4"]) and codes(w4) == codes(excel["A4"])


def test_problems_name_the_table_row_and_column(tmp_path: Path, ctx: Context) -> None:
    w4 = _read(write_a4_docx(tmp_path / "a4.docx", a4_sample(), "split"), ctx)
    cells = [p.cell for p in w4.problems]
    # title/填报 lines are paragraphs; table 1 holds header + 2 rows, table 2 the rest
    assert cells == ["表1 第3行第7列", "表2 第2行第7列", "表2 第3行第7列"]
    assert w4.problems[0].message.startswith("表1 第3行第7列：")
    assert all(p.sheet == "表1" for p in w4.problems)


def _long_plan(n: int) -> A4Sample:
    s = a4_sample()
    base = s.rows[0]
    s.rows = [
        {**base, "activity_name": f"海曙专家服务{i}", "planned_date": dt.date(2023, 1 + i % 12, 5)}
        for i in range(n)
    ]
    return s


def test_table_over_pages_with_repeated_header(tmp_path: Path, ctx: Context) -> None:
    """A long table: header marked as repeating, and copied by hand every 20 rows."""
    sample = _long_plan(45)
    xlsx = _read(write_a4(tmp_path / "long.xlsx", sample, "xlsxwriter"), ctx)
    schema = ctx.schemas["A4"]
    headers = [c.header for c in schema.columns]
    rows = [
        [str(i + 1) if c.key == "seq" else _text(r.get(c.key)) for c in schema.columns]
        for i, r in enumerate(sample.rows)
    ]
    body: list[list[str]] = []
    for i, row in enumerate(rows):
        if i and i % 20 == 0:
            body.append(headers)
        body.append(row)
    doc = new_document()
    add_title(doc, sample.title)
    add_line(doc, f"填报市局（盖章）：{sample.sender}", "填报日期：2023年3月10日")
    table = add_form_table(doc, headers, body)
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    add_line(doc, f"填报人及联系电话：{sample.contact}")
    doc.save(str(tmp_path / "long.docx"))
    word = _read(tmp_path / "long.docx", ctx)
    assert len(word.activities) == 45 and facts(word) == facts(xlsx)
    assert not word.problems


def _text(v: Any) -> str:
    return f"{v.year}年{v.month}月{v.day}日" if isinstance(v, dt.date) else str(v or "")


def test_grid_merged_and_multi_paragraph_cells(tmp_path: Path) -> None:
    doc = new_document()
    doc.add_paragraph("2023年专家服务活动成果汇总表")
    add_line(doc, "填报市局（盖章）：宁波市人力资源和社会保障局    填报日期：2023年6月8日")
    table = doc.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "序号"
    table.cell(0, 1).merge(table.cell(0, 3)).text = "成果"
    for j, t in enumerate(("讲座", "义诊", "备注"), start=1):
        table.cell(1, j).text = t
    cell = table.cell(2, 3)
    cell.text = "第一段"
    cell.add_paragraph("第二段")
    doc.save(str(tmp_path / "g.docx"))
    (g,) = docx_grids(tmp_path / "g.docx")
    assert g.name == "表1" and g.rows[0] == ["2023年专家服务活动成果汇总表"]
    assert g.rows[1] == ["填报市局（盖章）：宁波市人力资源和社会保障局", "填报日期：2023年6月8日"]
    assert g.rows[2] == ["序号", "成果", "", ""]  # merged: value in the first cell only
    assert g.rows[3] == ["", "讲座", "义诊", "备注"]
    assert g.rows[4][3] == "第一段\n第二段"
    assert sorted(g.merged) == [(2, 0, 3, 0), (2, 1, 2, 3)]
    assert g.label(4, 3) == "表1 第3行第4列"


def test_paragraph_lines_split_into_cells() -> None:
    assert paragraph_cells("填报市局（盖章）：宁波市人社局填报日期：2023年3月10日") == [
        "填报市局（盖章）：宁波市人社局",
        "填报日期：2023年3月10日",
    ]
    assert paragraph_cells("注：期次请写“2023年上半年”，报送期次填写后盖章") == [
        "注：期次请写“2023年上半年”，报送期次填写后盖章"
    ]


def _fill_word_a5(path: Path, values: dict[str, dict[str, int]], ctx: Context) -> None:
    doc = docx.Document(str(path))
    keys = [c.key for c in ctx.schemas["A5"].columns]
    table = doc.tables[0]
    for row in table.rows[1:]:
        area = row.cells[keys.index("area")].text
        for k, v in values.get(area, {}).items():
            row.cells[keys.index(k)].text = str(v)
    para = next(p for p in doc.paragraphs if p.text.startswith("填报市局"))
    para.runs[-1].text = para.runs[-1].text.replace("报送期次：", "报送期次：2023年上半年")
    doc.save(str(path))


def _fill_excel_a5(path: Path, values: dict[str, dict[str, int]], ctx: Context) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    keys = [c.key for c in ctx.schemas["A5"].columns]
    for r in range(4, ws.max_row + 1):
        area = ws.cell(r, keys.index("area") + 1).value
        for k, v in values.get(area, {}).items():
            ws.cell(r, keys.index(k) + 1, v)
        if area == "合计":
            for j, k in enumerate(keys):
                if k not in ("seq", "area", "remarks"):
                    col = ws.cell(r, j + 1).column_letter
                    ws.cell(r, j + 1, f"=SUM({col}4:{col}{r - 1})")
    for row in ws.iter_rows(min_row=2, max_row=2):
        for c in row:
            if c.value == "报送期次：":
                ws.cell(2, c.column + 1, "2023年上半年")
    wb.save(path)


def test_word_template_reads_back_like_the_excel_template(tmp_path: Path, ctx: Context) -> None:
    result = CliRunner().invoke(app, ["templates", "--year", "2023", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.docx"))) == 22
    counties = [c.name for c in ctx.registry.counties_of("宁波市")]
    values = {c: a5_values(i) for i, c in enumerate(counties)}
    stem = "2023年附件5_专家服务活动成果汇总表_宁波市"
    _fill_word_a5(tmp_path / f"{stem}.docx", values, ctx)
    _fill_excel_a5(tmp_path / f"{stem}.xlsx", values, ctx)
    word = _read(tmp_path / f"{stem}.docx", ctx)
    xlsx = _read(tmp_path / f"{stem}.xlsx", ctx)
    assert word.period == "2023H1" and len(word.figures) == len(counties)
    assert facts(word)[:4] == facts(xlsx)[:4] and facts(word)[-3] == facts(xlsx)[-3]
    plan = _read(tmp_path / "2023年附件4_专家服务工程活动计划表_宁波市.docx", ctx)
    assert plan.form == "A4" and plan.city == "宁波市" and not plan.activities


def test_broken_and_tableless_word_files_are_refused(tmp_path: Path, ctx: Context) -> None:
    doc = new_document()
    doc.add_paragraph("上半年工作总结")
    doc.save(str(tmp_path / "总结.docx"))
    r = _read(tmp_path / "总结.docx", ctx)
    assert r.rejected and r.problems[-1].code == "file-docx" and "没有表格" in r.reason
    (tmp_path / "坏.docx").write_bytes((tmp_path / "总结.docx").read_bytes()[:300])
    assert _read(tmp_path / "坏.docx", ctx).rejected


def test_doc_refused_with_save_as_docx_when_no_libreoffice(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode("utf-16-le")
    (tmp_path / "计划.wps").write_bytes(ole)
    monkeypatch.setattr(convert, "soffice", lambda: None)
    r = _read(tmp_path / "计划.wps", ctx)
    assert r.kind == "wps" and r.rejected and r.problems[-1].code == "file-wps"
    assert "另存为" in r.reason and ".docx" in r.reason and "WPS" in r.reason


def _to_doc(src: Path, out: Path) -> Path:
    assert SOFFICE is not None
    profile = (out / "profile").as_uri()
    cmd = [SOFFICE, "--headless", f"-env:UserInstallation={profile}", "--convert-to", "doc"]
    subprocess.run([*cmd, "--outdir", str(out), str(src)], check=True, capture_output=True)
    return out / f"{src.stem}.doc"


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("style", ["plain", "split", "merged"])
def test_doc_converted_by_libreoffice_gives_the_same_figures(
    tmp_path: Path, ctx: Context, excel: dict[str, ReturnRead], style: str
) -> None:
    a5 = _to_doc(write_a5_docx(tmp_path / "a5.docx", a5_sample(), style), tmp_path)
    a4 = _to_doc(write_a4_docx(tmp_path / "a4.docx", a4_sample(), "pages"), tmp_path)
    assert sniff(a5, ctx.policy.limits).kind == "doc"
    assert "worddocument" in ole_stream_names(a5.read_bytes())
    w5, w4 = _read(a5, ctx), _read(a4, ctx)
    assert facts(w5) == facts(excel["A5"]) and facts(w4) == facts(excel["A4"])
    (in_worker,) = read_many([(a5, "宁波市/a5.doc")], ctx, jobs=1)  # supervised, memory-capped
    assert facts(in_worker) == facts(excel["A5"])
    wps = tmp_path / "a4.wps"
    shutil.copyfile(a4, wps)
    assert _read(wps, ctx).kind == "wps" and facts(_read(wps, ctx)) == facts(excel["A4"])


def test_xls_is_told_from_doc_by_its_directory(tmp_path: Path, ctx: Context) -> None:
    xls = write_a5(tmp_path / "a.xls", a5_sample(), "xls")
    names = ole_stream_names(xls.read_bytes())
    assert "workbook" in names or "book" in names
    assert sniff(xls, ctx.policy.limits).kind == "xls"


def test_annotate_word_return_with_comments(tmp_path: Path, ctx: Context) -> None:
    src = write_a4_docx(tmp_path / "宁波市计划.docx", a4_sample(), "split")
    before = src.read_bytes()
    out = tmp_path / "标注"
    result = CliRunner().invoke(app, ["check", str(src), "--annotate", str(out), "--jobs", "0"])
    assert result.exit_code in (0, 1), result.output
    assert src.read_bytes() == before
    copy = out / "宁波市计划_问题标注.docx"
    doc = docx.Document(str(copy))
    assert doc.paragraphs[0].text.startswith("问题清单：错误 0 个，提醒 3 个")
    texts = [c.text for c in doc.comments]
    assert len(texts) == 3 and texts[1].startswith("提醒：表2 第2行第7列")
    assert "w:commentRangeStart" in doc.tables[1].rows[1].cells[6]._tc.xml
    again = _read(copy, ctx)  # the annotated copy still reads as the same plan
    assert len(again.activities) == 4


def test_oversized_word_table_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_a4_docx(tmp_path / "a4.docx", _long_plan(30), "plain")
    with pytest.raises(UnreadableFile, match="范围过大"):
        docx_grids(path, Limits(max_sheet_rows=20))
    assert len(docx_grids(path, Limits())[0].places) == 31


def test_tracked_changes_read_as_shown(tmp_path: Path) -> None:
    """A cell edited with track changes on: the insertion counts, the deletion does not."""
    from docx.oxml import parse_xml

    doc = new_document()
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "海曙区"
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    p = table.cell(0, 1).paragraphs[0]._p
    deleted = f'<w:del {w} w:id="1" w:author="a"><w:r><w:delText>12</w:delText></w:r></w:del>'
    p.append(parse_xml(deleted))
    p.append(parse_xml(f'<w:ins {w} w:id="2" w:author="a"><w:r><w:t>15</w:t></w:r></w:ins>'))
    doc.add_paragraph("")
    doc.save(str(tmp_path / "t.docx"))
    (g,) = docx_grids(tmp_path / "t.docx")
    assert g.rows == [["海曙区", "15"]]
