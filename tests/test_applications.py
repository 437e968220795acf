"""Attachments 1–3: label/value forms from xlsx (xlsxwriter, openpyxl), Word tables; masking;
per-city counting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from aggregator.judge.applications import Received, count_applications, title_ok
from aggregator.privacy import mask, scrub, scrub_obj
from aggregator.read.applications import (
    ApplicationsRead,
    grids_from_docx,
    grids_from_rows,
    read_applications,
)
from aggregator.read.appmodels import (
    BaseApplication,
    DemoProjectApplication,
    ExpertRecommendation,
    check_models,
    from_json,
)
from aggregator.read.grid import read_grids
from aggregator.read.sniff import sniff
from aggregator.rulebook.appforms import default_app_forms, label_key
from aggregator.rulebook.policy import Limits

ID = "33010219900101123X"  # a planted identity number (its check character is wrong: a warning)
ID2 = "330106198505052314"
BANK = "6222021234567890123"
SALT = b"test-salt"


def expert(
    name: str, unit: str, title: str, number: str = ID, city: str = "杭州市"
) -> list[list[Any]]:
    """An A3 form as rows (labels left, values right), as in the seed."""
    return [
        ["专家服务基层重点联系专家推荐表（模板）"],
        [f"填报市局（盖章）：{city}人力社保局", "", "填报日期：2023年3月1日"],
        ["一、基本信息"],
        ["姓 名", name, "性别", "男", "民族", "汉"],
        ["证件类型", "居民身份证", "证件\n号码", number],
        ["所在单位", unit, "行政职务", ""],
        ["专业技术职务", title, "外国语种", "英语"],
        ["主要从事的学科", "一级学科", "农学"],
        ["", "研究方向", "茶树栽培"],
        ["院士", "□是 ☑否", "全国杰出专业技术人才", "□是■否"],
        ["享受政府特殊津贴专家", "√是 □否"],
        ["手 机 号", "13812345678", "办公电话", "0571-88888888"],
        ["银行账号", BANK, "开户银行", "示例：工商银行北京XX区XX支行"],
    ]


def project(name: str, city: str = "杭州市") -> list[list[Any]]:
    """An A1 form (check boxes after the option text)."""
    return [
        ["2023年专家服务基层示范团项目申报表"],
        [f"填报市局（盖章）：{city}人力资源和社会保障局"],
        ["1.基本信息"],
        ["项目名称", name],
        ["承办地区/\n单位", "淳安县人力社保局"],
        ["活动时间", "2023年5-10月", "服务次数", "6次"],
        ["活动地点", "淳安县"],
        ["负责部门", "专技处", "联系人", "李四", "办公电话", "0571-1"],
        ["2.对口帮扶\n情况\n（可多选）", "跨省帮扶", "国家乡村振兴重点帮扶县 □"],
        ["", "", "非国家乡村振兴重点帮扶县 □"],
        ["", "省内帮扶", "国家乡村振兴重点帮扶县 ☑"],
        ["", "", "非国家乡村振兴重点帮扶县 □"],
        ["3.拟采取的\n服务形式\n（可多选）", "技术指导☑ 技术推广□ 项目合作■ 成果转化□"],
        ["4.拟开展的\n服务内容", "茶叶种植技术指导"],
        ["5.经费保障", "财政经费20万元"],
    ]


def base(name: str, region: str = "宁波市") -> list[list[Any]]:
    """An A2 form (cover fields, then 是 □ 否 □)."""
    return [
        ["2023年国家级专家服务基地申报表"],
        ["申报地区", region],
        ["联 系 人", "王五"],
        ["一、基本信息"],
        ["基地名称", name],
        ["依托单位名称", "宁波农科院"],
        ["是否省级专家服务基地", "是 ☑ 否 □", "设立时间", "2019年6月"],
        ["所属行业领域", "农业", "所在地", "宁波"],
        ["依托单位类型", "高新技术开发区 □ 基层科研机构 ☑"],
        ["本单位专家：12", "外单位专家：5"],
        ["3.近年来开展专家服务活动情况及成效", "成效显著"],
    ]


MERGES = [(8, 0, 11, 0), (8, 1, 9, 1), (10, 1, 11, 1)]  # A1's 对口帮扶 label and groups


def write_xlsxwriter(path: Path, sheets: dict[str, list[list[Any]]], merges: list[Any]) -> Path:
    """Sheets written with xlsxwriter; labels merged as the offices do."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v != "":
                    ws.write(r, c, v)
        for r1, c1, r2, c2 in merges if "项目" in name else []:
            ws.merge_range(r1, c1, r2, c2, rows[r1][c1])
    wb.close()
    return path


def write_openpyxl_below(path: Path, forms: list[list[list[Any]]]) -> Path:
    """Forms stacked in one sheet with each value below its (merged) label."""
    wb = openpyxl.Workbook()
    ws = wb.active
    r = 1
    for rows in forms:
        for row in rows:
            if len(row) == 1 or (row and str(row[0]).endswith("表")):
                ws.cell(r, 1, row[0])
                r += 1
                continue
            labels, values = row[0::2], row[1::2]
            for i, label in enumerate(labels):
                ws.cell(r, 1 + 2 * i, label)
                ws.merge_cells(start_row=r, start_column=1 + 2 * i, end_row=r, end_column=2 + 2 * i)
                if i < len(values):
                    ws.cell(r + 1, 1 + 2 * i, values[i])
            r += 2
        r += 2
    wb.save(path)
    return path


def read(path: Path, ctx: Any, label: str) -> ApplicationsRead:
    grids, _ = read_grids(path, sniff(path, Limits()), label)
    return read_applications(grids, label, ctx.registry, SALT)


def dump(result: ApplicationsRead) -> str:
    """Every output of the reader as text: records' JSON, reprs, problems."""
    parts = [json.dumps([r.to_json() for r in result.records], ensure_ascii=False)]
    parts += [repr(r) for r in result.records] + [str(r) for r in result.records]
    parts += [json.dumps(p.to_json(), ensure_ascii=False) for p in result.problems]
    return "\n".join(parts)


def test_schema_loads_and_matches_records() -> None:
    forms = default_app_forms()
    check_models(forms)
    assert forms["A3"].field("id_number").sensitive == "id"
    assert label_key("2.对口帮扶\n情况\n（可多选）") == "对口帮扶情况"
    assert label_key("填报市局（盖章）：") == "填报市局"


def test_xlsxwriter_several_sheets(tmp_path: Path, ctx: Any) -> None:
    sheets = {
        "专家1": expert("张三", "浙江大学", "■副高 □正高"),
        "专家2": expert("李梅", "浙江农林大学", "研究员", ID2),
        "项目": project("茶产业专家服务团"),
    }
    path = write_xlsxwriter(tmp_path / "杭州市申报材料.xlsx", sheets, MERGES)
    result = read(path, ctx, "杭州市/杭州市申报材料.xlsx")
    experts = [r for r in result.records if isinstance(r, ExpertRecommendation)]
    assert [e.name for e in experts] == ["张三", "李梅"]
    zs = experts[0]
    assert zs.title == "副高" and zs.city == "杭州市" and zs.gender == "男"
    assert zs.academician is False and zs.outstanding_talent is False and zs.special_allowance
    assert zs.main_discipline == "农学" and zs.bank == ""
    assert zs.id_number is not None and zs.id_number.masked == "*" * 14 + "123X"
    (proj,) = [r for r in result.records if isinstance(r, DemoProjectApplication)]
    assert proj.service_count == 6 and proj.host == "淳安县人力社保局"
    assert proj.support == ("省内帮扶/国家乡村振兴重点帮扶县",)
    assert proj.service_forms == ("技术指导", "项目合作")
    assert not [p for p in result.problems if p.severity == "error"]
    out = dump(result)
    assert ID not in out and BANK not in out and ID2 not in out and "123X" in out


def test_openpyxl_values_below_stacked(tmp_path: Path, ctx: Any) -> None:
    forms = [expert("张三", "浙江大学", "副教授"), expert("赵六", "宁波大学", "讲师", ID2)]
    path = write_openpyxl_below(tmp_path / "a.xlsx", forms)
    result = read(path, ctx, "宁波市/a.xlsx")
    names = [
        (r.name, r.unit, r.title) for r in result.records if isinstance(r, ExpertRecommendation)
    ]
    assert names == [("张三", "浙江大学", "副教授"), ("赵六", "宁波大学", "讲师")]
    assert ID not in dump(result) and ID2 not in dump(result)


def test_missing_mandatory_names_cell(ctx: Any) -> None:
    rows = expert("", "浙江大学", "教授")
    result = read_applications(grids_from_rows([rows]), "x/杭州.docx", ctx.registry, SALT)
    blank = [p for p in result.problems if p.code == "application-field-blank"]
    assert blank and blank[0].cell == "B4" and "姓名" in blank[0].message
    assert blank[0].sheet == "表1" and blank[0].severity == "error"


def test_base_application(ctx: Any) -> None:
    result = read_applications(
        grids_from_rows([base("宁波茶叶基地")]), "f.xlsx", ctx.registry, SALT
    )
    (b,) = result.records
    assert isinstance(b, BaseApplication)
    assert b.city == "宁波市" and b.provincial_base is True and b.cover_contact == "王五"
    assert b.host_unit_type == ("基层科研机构",) and b.experts_own == 12 and b.experts_external == 5
    assert b.established == dt.date(2019, 6, 1) and b.activities == "成效显著"
    assert from_json(json.loads(json.dumps(b.to_json()))) == b


def test_docx_tables(tmp_path: Path, ctx: Any) -> None:
    docx = pytest.importorskip("docx")
    doc = docx.Document()
    for rows in (
        expert("张三", "浙江大学", "教授"),
        expert("钱七", "温州医科大学", "主任医师", ID2),
    ):
        table = doc.add_table(rows=len(rows), cols=6)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                table.cell(r, c).text = str(v)
    path = tmp_path / "温州市专家推荐表.docx"
    doc.save(str(path))
    result = read_applications(grids_from_docx(path), path.name, ctx.registry, SALT)
    assert [r.city for r in result.records] == ["杭州市", "杭州市"]  # the 填报市局 line wins
    assert ID not in dump(result)


def test_scrub_and_mask() -> None:
    assert mask(ID) == "**************123X"
    text = f"证件号码{ID}，账号 6222 0212 3456 7890 123，手机13812345678，日期20230306"
    s = scrub(text)
    assert ID not in s and "6222 0212" not in s and "13812345678" in s and "20230306" in s
    assert scrub_obj({"a": [text]})["a"][0] == s


def _items(ctx: Any) -> list[Received]:
    t0 = dt.datetime(2023, 3, 1, 9, tzinfo=dt.UTC)
    recs: list[tuple[list[list[Any]], str, dt.datetime]] = [
        (expert("张三", "浙江大学", "高级工程师", ID), "杭州市/1.xlsx", t0),
        (expert("李梅", "浙江农林大学", "研究员", ID2), "杭州市/2.xlsx", t0),
        (expert("张三", "浙江大学", "教授", ID), "杭州市/3.xlsx", t0 + dt.timedelta(days=1)),
        (expert("王五", "杭州医院", "主治医师", "110101199003078515"), "杭州市/4.xlsx", t0),
        (expert("甲", "宁波大学", "教授", "", "宁波市"), "宁波市/1.xlsx", t0),
        (expert("乙", "宁波大学", "", "", "宁波市"), "宁波市/2.xlsx", t0),
        (expert("丙", "宁波大学", "助理研究员", "", "宁波市"), "宁波市/3.xlsx", t0),
        (expert("丙", "宁波大学", "副研究员", "", "宁波市"), "宁波市/4.xlsx", t0 + dt.timedelta(1)),
        (project("茶产业服务团", "温州市"), "温州市/p.xlsx", t0),
        (project("茶产业服务团", "温州市"), "温州市/p2.xlsx", t0 + dt.timedelta(days=10)),
        (base("宁波基地"), "宁波市/b.xlsx", t0),
    ]
    out = []
    for rows, file, when in recs:
        res = read_applications(grids_from_rows([rows]), file, ctx.registry, SALT)
        out += [Received(r, when) for r in res.records]
    return out


def test_per_city_counts(ctx: Any) -> None:
    cities = [c.name for c in ctx.registry.cities]
    counts, problems = count_applications(_items(ctx), ctx.policy, cities)
    hz, nb, wz = counts["杭州市"].facts(), counts["宁波市"].facts(), counts["温州市"].facts()
    assert hz["experts_recommended"] == 3 and hz["experts_ok"] is True
    assert nb["experts_recommended"] == 3 and nb["bases_applied"] == 1
    assert wz["demo_projects_applied"] == 1 and wz["experts_ok"] is False
    assert counts["湖州市"].facts()["experts_recommended"] == 0
    assert counts["湖州市"].on_time is None and wz["applications_on_time"] is False
    zs = [i.record for i in counts["杭州市"].experts if i.record.name == "张三"]  # type: ignore[attr-defined]
    assert zs[0].title == "教授"  # the later form replaced the earlier
    below = {p.message for p in problems if p.code == "expert-title-below"}
    assert any("王五" in m for m in below) and any("乙" in m and "未填写" in m for m in below)
    assert not any("丙" in m for m in below)
    assert any(p.code == "application-late" and p.city == "温州市" for p in problems)
    text = json.dumps([p.to_json() for p in problems], ensure_ascii=False)
    assert ID not in text and "110101199003078515" not in text


def test_title_words(ctx: Any) -> None:
    ok = ["正高级工程师", "副教授", "副主任医师", "高级讲师", "研究员"]
    low = ["助理研究员", "讲师", "工程师", "", "主治医师"]
    assert all(title_ok(t, ctx.policy) for t in ok)
    assert not any(title_ok(t, ctx.policy) for t in low)


def test_scrub_leaves_telephone_numbers() -> None:
    for phone in ("0571-87654321", "057187654321", "13812345678", "0571 8765 4321"):
        assert scrub(f"联系电话：{phone}") == f"联系电话：{phone}"
    assert scrub("账号 622202123456") == "账号 ********3456"  # 12 digits in one run
