"""Attachments 1–3 as offices really make them, read through the whole reader (``read_return``):
Word tables with merged label cells and several paragraphs per cell, full-width labels, check
boxes written every way, a form over two pages, WPS/LibreOffice merged ranges and conversions,
several forms (of several cities) in a file, lists, an A4 plan that mentions 姓名. Personal
numbers: ``test_appprivacy``."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from appfiles import docx_forms, xlsx_forms
from test_applications import ID2, expert, project

from aggregator import gather
from aggregator.demo.samples import A4Sample, write_a4
from aggregator.judge.applications import title_ok
from aggregator.read.appmodels import from_json
from aggregator.read.reader import read_return
from aggregator.read.returns import ReturnRead
from aggregator.rulebook import Context

GOOD_ID = "110101199003078515"  # check character right
BANK = "6222021234567890123"


def _read(path: Path, ctx: Context, label: str | None = None) -> ReturnRead:
    return read_return(path, label or path.name, ctx)


def _records(r: ReturnRead) -> list[Any]:
    return [from_json(a) for a in r.applications]


def _everything(r: ReturnRead) -> str:
    """All a reading can show: records, problems, reason, sheet notes."""
    parts = [json.dumps(r.applications, ensure_ascii=False), r.reason, r.title]
    parts += [json.dumps(p.to_json(), ensure_ascii=False) for p in r.problems]
    parts += [repr(s) for s in r.sheets]
    return "\n".join(parts)


def _a3_docx_two_pages(path: Path, number: str = GOOD_ID) -> Path:
    """An A3 form as Word makes it over two pages: a merged label column, cells with several
    paragraphs, full-width labels, and the second page a separate table of another width."""
    doc = docx.Document()
    doc.add_paragraph("专家服务基层重点联系专家推荐表")
    doc.add_paragraph("填报市局（盖章）：嘉兴市人力资源和社会保障局\t填报日期：2023年3月2日")
    t = doc.add_table(rows=6, cols=6)
    t.style = "Table Grid"
    cells = [
        ["基本信息", "姓　　名：", "周九", "性　别", "女", ""],
        ["", "证件类型", "居民身份证", "证件号码", number, ""],
        ["", "所在单位", "嘉兴学院\n生物与化学工程学院", "行政职务", "院长", ""],
        ["", "专业技术职务", "高级工程师", "外国语种", "英语", ""],
        ["", "院　　士", "是□　否☑", "全国杰出专业技术人才", "□是 ☒否", ""],
        ["", "享受政府特殊津贴专家", "是（√）否（ ）", "", "", ""],
    ]
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            if v:
                t.cell(r, c).text = ""
                paras = v.split("\n")
                t.cell(r, c).paragraphs[0].text = paras[0]
                for p in paras[1:]:
                    t.cell(r, c).add_paragraph(p)
    t.cell(0, 0).merge(t.cell(5, 0))  # the section label down the left
    t.cell(1, 4).merge(t.cell(1, 5))
    doc.add_page_break()
    t2 = doc.add_table(rows=4, cols=4)
    t2.style = "Table Grid"
    page2 = [
        ["主要从事的学科", "一级学科", "化学工程", ""],
        ["", "研究方向", "绿色化工", ""],
        ["手 机 号", "13912345678", "办公电话", "0573-1"],
        ["银行账号", BANK, "开户银行", "农业银行嘉兴分行"],
    ]
    for r, row in enumerate(page2):
        for c, v in enumerate(row):
            t2.cell(r, c).text = v
    t2.cell(0, 0).merge(t2.cell(1, 0))
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"推荐专家周九 证件号码 {number}"
    section.footer.paragraphs[0].text = f"账号 {BANK}"
    doc.save(str(path))
    return path


def test_word_form_over_two_pages_with_merged_labels(tmp_path: Path, ctx: Context) -> None:
    r = _read(_a3_docx_two_pages(tmp_path / "推荐表.docx"), ctx)
    assert not r.rejected and r.form == "A3" and r.city == "嘉兴市"
    (e,) = _records(r)
    assert (e.name, e.gender, e.title) == ("周九", "女", "高级工程师")
    assert e.unit == "嘉兴学院 生物与化学工程学院"
    assert e.main_discipline == "化学工程" and e.main_direction == "绿色化工"  # page two
    assert e.bank_account is not None and e.bank_account.masked.endswith(BANK[-4:])
    assert e.bank == "农业银行嘉兴分行"
    assert (e.academician, e.outstanding_talent, e.special_allowance) == (False, False, True)
    assert not r.errors, [p.message for p in r.errors]
    text = _everything(r)
    assert GOOD_ID not in text and BANK not in text


def test_check_boxes_written_every_way(tmp_path: Path, ctx: Context) -> None:
    forms = []
    for i, (yes, no) in enumerate(
        [
            ("■是 □否", "是□ 否■"),
            ("√是 □否", "☐是 ✓否"),
            ("是 ☒ 否 □", "是 □ 否 ☒"),
            ("是(√) 否( )", "是（ ）否（√）"),
            ("是（☑）否（□）", "是 □ 否 √"),
        ]  # fmt: skip
    ):
        rows = expert(f"专家{i}", "浙江大学", "教授", "", "湖州市")
        rows[9] = ["院士", yes, "全国杰出专业技术人才", no]
        forms.append(rows)
    r = _read(docx_forms(tmp_path / "湖州.docx", forms), ctx)
    got = [(e.academician, e.outstanding_talent) for e in _records(r)]
    assert got == [(True, False)] * 5


def test_wps_excel_merged_ranges(tmp_path: Path, ctx: Context) -> None:
    """Label and value each in a merged range, as WPS and LibreOffice lay out a printed form."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐表"
    ws["A1"] = "专家服务基层重点联系专家推荐表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报市局（盖章）：绍兴市人力社保局"
    ws.merge_cells("A2:H2")
    pairs = [("姓　名：", "吴十", "性　别：", "男"), ("证件号码：", GOOD_ID, "所在单位：", "绍兴文理学院"),
             ("专业技术职务：", "副教授", "民　族：", "汉"), ("一级学科：", "教育学", "研究方向：", "职业教育")]  # fmt: skip
    for i, (l1, v1, l2, v2) in enumerate(pairs, start=3):
        ws[f"A{i}"], ws[f"C{i}"], ws[f"E{i}"], ws[f"G{i}"] = l1, v1, l2, v2
        for a, b in (("A", "B"), ("C", "D"), ("E", "F"), ("G", "H")):
            ws.merge_cells(f"{a}{i}:{b}{i}")
    path = tmp_path / "绍兴.xlsx"
    wb.save(path)
    r = _read(path, ctx)
    (e,) = _records(r)
    assert (e.name, e.gender, e.unit, e.title, e.main_discipline) == (
        "吴十", "男", "绍兴文理学院", "副教授", "教育学",
    )  # fmt: skip
    assert e.city == "绍兴市" and GOOD_ID not in _everything(r)


def test_an_a1_and_two_a3_in_one_file(tmp_path: Path, ctx: Context) -> None:
    forms = [
        project("畲乡服务团", "丽水市"),
        expert("甲", "丽水学院", "中级", "", "丽水市"),
        expert("乙", "丽水学院", "", ID2, "丽水市"),
    ]
    r = _read(docx_forms(tmp_path / "丽水市申报材料.docx", forms), ctx)
    recs = _records(r)
    assert [x.form for x in recs] == ["A1", "A3", "A3"] and r.form == "A3"
    assert [x.name for x in recs[1:]] == ["甲", "乙"] and recs[0].project_name == "畲乡服务团"


def test_an_a4_plan_mentioning_names_stays_a4(tmp_path: Path, ctx: Context) -> None:
    row = {"county": "婺城区", "activity_name": "专家义诊（姓名：张三、性别：男）",
           "content": "所在单位：金华市中心医院；专业技术职务：主任医师", "hosts": "婺城区人社局",
           "planned_date": "2023年5月", "experts_invited": 3, "contact_person": "姓名 王芳",
           "contact_phone": "0579-1", "demo_team_activity": "否"}  # fmt: skip
    sample = A4Sample("金华市人力社保局", "2023年专家服务工程活动计划表", [row], contact="王芳")
    path = tmp_path / "金华计划.xlsx"
    write_a4(path, sample, "xlsxwriter")
    r = _read(path, ctx)
    assert r.form == "A4" and not r.applications and len(r.activities) == 1


def test_a_list_of_experts_counts_every_row(tmp_path: Path, ctx: Context) -> None:
    """推荐专家名单: a header row of the form's labels and one expert a row (not three forms):
    every row is an expert (was: the first only, the others silently lost)."""
    rows = [
        ["专家服务基层重点联系专家推荐汇总表"],
        ["填报市局（盖章）：舟山市人力社保局"],
        ["序号", "姓名", "性别", "所在单位", "专业技术职务", "证件号码", "一级学科", "研究方向"],
        [1, "甲", "男", "浙江海洋大学", "教授", GOOD_ID, "水产", "养殖"],
        [2, "乙", "女", "舟山医院", "主任医师", ID2, "临床医学", "心内"],
        [3, "丙", "男", "舟山农科所", "中级", "", "农学", "育种"],
        ["", "", "", "", "", "", "", ""],
        ["填报人：陈一", "", "", "联系电话：0580-1"],
    ]
    r = _read(xlsx_forms(tmp_path / "舟山市推荐专家名单.xlsx", {"名单": rows}), ctx)
    recs = _records(r)
    assert [(e.name, e.unit, e.title, e.city) for e in recs] == [
        ("甲", "浙江海洋大学", "教授", "舟山市"), ("乙", "舟山医院", "主任医师", "舟山市"),
        ("丙", "舟山农科所", "中级", "舟山市"),
    ]  # fmt: skip
    assert recs[0].main_direction == "养殖" and recs[0].cell == "B4"
    missing = [p for p in r.problems if p.code == "application-field-missing"]
    assert len(missing) == 1 and "手机号" in missing[0].message  # told once, not per row
    (note,) = [p for p in r.problems if p.code == "application-list"]
    assert note.severity == "warning" and "B4–B6" in note.message and "共 3 名" in note.message
    blank = [p.cell for p in r.problems if p.code == "application-field-blank"]
    assert blank == ["F6"]  # 丙's identity number
    assert GOOD_ID not in _everything(r)


def test_a_form_with_its_values_below_is_still_one_form(tmp_path: Path, ctx: Context) -> None:
    """A header of labels with a single row of values under it is one form, not a list."""
    rows = [
        ["专家服务基层重点联系专家推荐表"],
        ["填报市局（盖章）：舟山市人力社保局"],
        ["姓名", "性别", "所在单位", "专业技术职务", "一级学科"],
        ["丁", "女", "舟山学院", "副教授", "海洋科学"],
    ]
    r = _read(xlsx_forms(tmp_path / "舟山市推荐表.xlsx", {"表": rows}), ctx)
    assert [(e.name, e.title) for e in _records(r)] == [("丁", "副教授")]


def test_titles_as_written(ctx: Context) -> None:
    """高级工程师 and 副教授 count as 副高级以上; 中级, 中级职称 and blank get the warning."""
    ok = ["高级工程师", "副教授", "教授级高级工程师", "副主任医师", "正高级经济师"]
    low = ["中级", "中级职称", "", "助理工程师", "工程师（中级）"]
    assert [t for t in ok if not title_ok(t, ctx.policy)] == []
    assert [t for t in low if title_ok(t, ctx.policy)] == []


def test_check_boxes_inline_and_in_cells_of_their_own(tmp_path: Path, ctx: Context) -> None:
    rows = expert("王十二", "湖州师院", "教授", "", "湖州市")
    rows[9] = ["院士：☑是 □否", "", "全国杰出专业技术人才", "□", "是", "☑", "否"]
    rows[10] = ["享受政府特殊津贴专家", "是", "■", "否", "□"]
    r = _read(docx_forms(tmp_path / "湖州.docx", [rows]), ctx)
    (e,) = _records(r)
    assert (e.academician, e.outstanding_talent, e.special_allowance) == (True, False, True)


def test_a_new_way_of_reading_applications_reads_cached_files_again(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = gather.fingerprint(ctx)
    monkeypatch.setattr(gather, "APP_READER_VERSION", "test")
    assert gather.fingerprint(ctx) != before


def test_a_form_without_a_city_takes_the_city_of_the_file(tmp_path: Path, ctx: Context) -> None:
    """An A1 naming 丽水市 and an A3 whose 填报市局 line names no city, in one file: the expert
    is 丽水's (was: left out of every count, with a warning that the city is unknown)."""
    forms = [project("畲乡服务团", "丽水市"), expert("戊", "丽水学院", "教授", "", city="")]
    r = _read(docx_forms(tmp_path / "申报材料.docx", forms), ctx)
    assert [x.city for x in _records(r)] == ["丽水市", "丽水市"] and r.city == "丽水市"
    assert "application-city-unknown" not in {p.code for p in r.problems}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_word_form_saved_as_doc_by_libreoffice(tmp_path: Path, ctx: Context) -> None:
    src = _a3_docx_two_pages(tmp_path / "嘉兴推荐表.docx")
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    args = [
        "soffice",
        profile,
        "--headless",
        "--convert-to",
        "doc",
        "--outdir",
        str(tmp_path / "doc"),
    ]
    subprocess.run([*args, str(src)], capture_output=True, timeout=180, check=True)
    r = _read(tmp_path / "doc" / "嘉兴推荐表.doc", ctx)
    (e,) = _records(r)
    assert (r.form, e.city, e.name, e.main_discipline) == ("A3", "嘉兴市", "周九", "化学工程")
    assert GOOD_ID not in _everything(r)


def test_forms_of_several_cities_in_one_word_file_keep_their_own_city(
    tmp_path: Path, ctx: Context
) -> None:
    """Tables are joined only when the later one starts no form: each form keeps its own
    填报市局 line (a first join of every table gave the A3 the A1's city)."""
    forms = [project("畲乡服务团", "丽水市"), expert("己", "宁波大学", "教授", "", "宁波市"),
             project("海岛服务团", "舟山市")]  # fmt: skip
    r = _read(docx_forms(tmp_path / "合订.docx", forms), ctx)
    assert [(x.form, x.city) for x in _records(r)] == [
        ("A1", "丽水市"), ("A3", "宁波市"), ("A1", "舟山市"),
    ]  # fmt: skip


def test_forms_of_several_cities_stacked_in_one_sheet(tmp_path: Path, ctx: Context) -> None:
    """An A1, an A3, an A1 stacked in one sheet: each form runs from its own title, wherever the
    previous form of another attachment ended (was: the A3 took the A1's 填报市局 line)."""
    rows = [*project("畲乡服务团", "丽水市"), [""], *expert("己", "宁波大学", "教授", "", "宁波市"),
            [""], *project("海岛服务团", "舟山市")]  # fmt: skip
    r = _read(xlsx_forms(tmp_path / "合订.xlsx", {"申报材料": rows}), ctx)
    assert [(x.form, x.city, x.cell) for x in _records(r)] == [
        ("A1", "丽水市", "A4"), ("A3", "宁波市", "A20"), ("A1", "舟山市", "A34"),
    ]  # fmt: skip


def test_a2_in_word_with_dates_written_with_a_dot(tmp_path: Path, ctx: Context) -> None:
    """设立时间 written 2020.05 is a date, not a section heading like 1.基本信息 (was: the value
    below it, 职业教育, was read and reported as not a date); cover line, inline check boxes,
    options over merged rows."""
    doc = docx.Document()
    doc.add_paragraph("2023年国家级专家服务基地申报表")
    doc.add_paragraph("申报地区：金华市　　　联系人：陈二　　　联系电话：0579-2")
    rows = [
        ["一、基本信息", "", ""], ["基地名称", "金华职业技术学院专家服务基地", ""],
        ["依托单位名称", "金华职业技术学院", ""],
        ["是否省级专家服务基地：是☑ 否□", "设立时间", "2020.05"],
        ["所属行业领域", "职业教育", "所在地：金华"],
        ["依托单位类型", "高新技术开发区□　经济技术开发区□　产业园区□", ""],
        ["", "创业园区□　技术示范基地☑　产业化示范基地□", ""], ["", "其他□", ""],
        ["本单位专家：12人", "外单位专家：5人", ""],
        ["近年来开展专家服务活动情况及成效", "成效显著\n服务企业20家", ""],
    ]  # fmt: skip
    t = doc.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v:
                t.cell(r, c).text = v
    t.cell(5, 0).merge(t.cell(7, 0))
    path = tmp_path / "金华基地.docx"
    doc.save(str(path))
    r = _read(path, ctx)
    (b,) = _records(r)
    assert (b.city, b.provincial_base, b.established) == ("金华市", True, dt.date(2020, 5, 1))
    assert (b.industry, b.location, b.host_unit_type) == ("职业教育", "金华", ("技术示范基地",))
    assert (b.experts_own, b.experts_external) == (12, 5)
    assert (r.contact_person, r.contact_phone) == ("陈二", "0579-2")  # the cover's contact
    assert not r.problems, [p.message for p in r.problems]


def _symbol_boxes(path: Path) -> Path:
    """An A3 whose check boxes were put in with Word's Insert → Symbol (Wingdings ``w:sym``) or
    typed in the Wingdings 2 font (R ☑, £ □), as Word users do."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rows = expert("辛", "台州学院", "教授", "", "台州市")
    rows[9] = ["院士", "", "全国杰出专业技术人才", ""]
    rows[10] = ["享受政府特殊津贴专家", ""]
    docx_forms(path, [rows])
    doc = docx.Document(str(path))
    table = doc.tables[0]

    def sym(par: Any, font: str, char: str, text: str) -> None:
        run = par.add_run()
        el = OxmlElement("w:sym")
        el.set(qn("w:font"), font)
        el.set(qn("w:char"), char)
        run._r.append(el)
        par.add_run(text)

    def wing2(par: Any, glyph: str, text: str) -> None:
        run = par.add_run(glyph)
        run.font.name = "Wingdings 2"
        par.add_run(text)

    p = table.cell(8, 1).paragraphs[0]  # 院士: 是 □ 否 ☑ (Wingdings)
    sym(p, "Wingdings", "F0A8", "是 ")
    sym(p, "Wingdings", "F0FE", "否")
    p = table.cell(8, 3).paragraphs[0]  # 全国杰出: ☑是 □否 (Wingdings 2, typed)
    wing2(p, "R", "是 ")
    wing2(p, "£", "否")
    p = table.cell(9, 1).paragraphs[0]  # 特殊津贴: ☑是 □否 (Wingdings 2 symbols)
    sym(p, "Wingdings 2", "F052", "是 ")
    sym(p, "Wingdings 2", "F0A3", "否")
    doc.save(str(path))
    return path


def test_check_boxes_inserted_as_word_symbols(tmp_path: Path, ctx: Context) -> None:
    r = _read(_symbol_boxes(tmp_path / "台州.docx"), ctx)
    (e,) = _records(r)
    assert (e.academician, e.outstanding_talent, e.special_allowance) == (False, True, True)


def test_values_below_four_labels_then_more_labels_is_one_form(
    tmp_path: Path, ctx: Context
) -> None:
    """Four labels in a row with their values below, then the next row of labels: one form
    laid out with values below, not a list of two persons."""
    rows = [
        ["专家服务基层重点联系专家推荐表"],
        ["填报市局（盖章）：台州市人力社保局"],
        ["姓名", "性别", "民族", "所在单位"],
        ["壬", "男", "汉", "台州学院"],
        ["专业技术职务", "证件号码", "一级学科", "研究方向"],
        ["教授", GOOD_ID, "化学", "催化"],
    ]
    r = _read(xlsx_forms(tmp_path / "台州推荐表.xlsx", {"表": rows}), ctx)
    assert [(e.name, e.unit, e.title, e.main_discipline) for e in _records(r)] == [
        ("壬", "台州学院", "教授", "化学")
    ]
