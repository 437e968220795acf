"""The demo's Attachments 1–3: applications and expert recommendations from a few cities, as
Word documents (a form per table) and Excel workbooks (a form per sheet), as offices send them.

杭州 and 温州 recommend three experts each (温州's third is 中级: a warning), 宁波 two (short of
the quota), 嘉兴 one, after the deadline. The identity and bank numbers are made up (well-formed,
so the demo shows them masked in every output).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import docx
import xlsxwriter

APPLICATIONS_STAGE = "0-申报材料"
Rows = list[list[str]]


class _Stage(Protocol):
    name: str
    files: list[Path]


def identity_number(seed: int) -> str:
    """A made-up 18-character identity number with a correct check character."""
    body = f"3301021980{seed % 100:02d}{(seed * 7) % 28 + 1:02d}{seed % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch) * w for ch, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def expert_form(city: str, name: str, unit: str, title: str, field: str, seed: int) -> Rows:
    """附件3 filled in for one expert."""
    return [
        ["专家服务基层重点联系专家推荐表"],
        [f"填报市局（盖章）：{city}人力资源和社会保障局", "", "填报日期：2023年3月3日"],
        ["姓名", name, "性别", "男" if seed % 2 else "女", "民族", "汉"],
        ["证件类型", "居民身份证", "证件号码", identity_number(seed)],
        ["所在单位", unit, "行政职务", ""],
        ["专业技术职务", title, "外国语种", "英语"],
        ["主要从事的学科", "一级学科", field.split("/")[0]],
        ["", "研究方向", field.split("/")[-1]],
        ["院士", "□是 ☑否", "享受政府特殊津贴专家", "□是 ☑否"],
        ["手机号", f"1385710{seed:04d}", "办公电话", "0571-87654321"],
        ["开户名", name, "开户银行", "中国工商银行杭州分行"],
        ["银行账号", f"622202{seed:013d}", "", ""],
    ]


def project_form(city: str, project: str, host: str, content: str) -> Rows:
    """附件1 filled in for one demonstration-team project."""
    return [
        ["2023年专家服务基层示范团项目申报表"],
        [f"填报市局（盖章）：{city}人力资源和社会保障局", "", "填报日期：2023年3月2日"],
        ["项目名称", project],
        ["承办地区/单位", host],
        ["活动时间", "2023年5-10月", "服务次数", "6次"],
        ["活动地点", host.replace("人力社保局", "")],
        ["负责部门", "专技处", "联系人", "陈静", "办公电话", "0571-87001234"],
        ["对口帮扶情况", "省内帮扶", "非国家乡村振兴重点帮扶县 ☑"],
        ["拟采取的服务形式", "技术指导☑ 技术推广☑ 项目合作□ 成果转化□"],
        ["拟开展的服务内容", content],
        ["经费保障", "市级人才专项经费 20 万元"],
    ]


def base_form(region: str, name: str, unit: str, industry: str) -> Rows:
    """附件2 filled in for one expert service base."""
    return [
        ["2023年国家级专家服务基地申报表"],
        ["申报地区", region],
        ["联系人", "王伟", "联系电话", "0574-87001234"],
        ["基地名称", name],
        ["依托单位名称", unit],
        ["是否省级专家服务基地", "是 ☑ 否 □", "设立时间", "2019年6月"],
        ["所属行业领域", industry, "所在地", region],
        ["依托单位类型", "高新技术开发区 □ 基层科研机构 ☑"],
        ["本单位专家：12", "外单位专家：5"],
        ["近年来开展专家服务活动情况及成效", "年均开展技术服务 20 余次"],
    ]


def write_word(path: Path, forms: Sequence[Rows]) -> Path:
    """One table per form, its title a paragraph above, a page break between forms."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for i, rows in enumerate(forms):
        if i:
            document.add_page_break()
        document.add_paragraph(rows[0][0])
        body = rows[1:]
        table = document.add_table(rows=len(body), cols=max(len(r) for r in body))
        table.style = "Table Grid"
        for r, row in enumerate(body):
            for c, v in enumerate(row):
                table.cell(r, c).text = v
    document.save(str(path))
    return path


def write_excel(path: Path, forms: dict[str, Rows]) -> Path:
    """One sheet per form, every value written as text (identity numbers too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for sheet, rows in forms.items():
        ws = wb.add_worksheet(sheet)
        ws.set_column(0, 5, 18)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v:
                    ws.write_string(r, c, v)
    wb.close()
    return path


def _files(folder: Path) -> list[tuple[Path, Any]]:
    hz, nb, wz = "杭州市", "宁波市", "温州市"
    return [
        (folder / hz / "杭州市重点联系专家推荐表.xlsx", {
            "专家1": expert_form(hz, "张立群", "浙江大学", "教授", "农学/茶树栽培", 11),
            "专家2": expert_form(hz, "李梅", "浙江省农业科学院", "研究员", "园艺学/果树", 12),
            "专家3": expert_form(hz, "王建国", "浙江大学医学院附属第一医院", "主任医师",
                                 "临床医学/心血管", 13),
        }),
        (folder / hz / "杭州市示范团项目申报表.docx", [project_form(
            hz, "山区茶产业专家服务团", "淳安县人力社保局", "茶园绿色防控、茶叶加工技术指导")]),
        (folder / nb / "宁波市国家级专家服务基地申报表.docx", [base_form(
            nb, "宁波现代渔业专家服务基地", "宁波市海洋与渔业研究院", "渔业")]),
        (folder / nb / "宁波市重点联系专家推荐表.docx", [
            expert_form(nb, "陈海涛", "宁波大学", "教授", "水产/大黄鱼养殖", 21),
            expert_form(nb, "周晓燕", "宁波市海洋与渔业研究院", "副研究员", "水产/病害防治", 22),
        ]),
        (folder / wz / "温州市申报材料.xlsx", {
            "示范团项目": project_form(wz, "瓯柑产业专家服务团", "文成县人力社保局", "瓯柑种植技术"),
            "专家1": expert_form(wz, "林志远", "温州医科大学", "教授", "临床医学/眼科", 31),
            "专家2": expert_form(wz, "郑秀丽", "温州大学", "副教授", "化学/新材料", 32),
            "专家3": expert_form(wz, "黄晓明", "温州市农业科学研究院", "农艺师", "农学/瓯柑", 33),
        }),
    ]  # fmt: skip


def write_applications(returns: Path, stage: _Stage, late: _Stage) -> None:
    """Write the applications into ``stage`` (on time) and 嘉兴's recommendation into ``late``."""
    for path, forms in _files(returns / stage.name):
        writer = write_word if path.suffix == ".docx" else write_excel
        stage.files.append(writer(path, forms))
    jx = expert_form("嘉兴市", "沈国平", "嘉兴学院", "教授", "机械工程/智能制造", 41)
    late.files.append(write_word(returns / late.name / "嘉兴市" / "嘉兴市专家推荐表.docx", [jx]))
