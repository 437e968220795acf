"""申报与推荐: Attachments 1–3 per city, in the standard city order — the counts and the expert
quota, then every demonstration-team project (附件1), expert service base (附件2) and recommended
expert (附件3), with what the province needs to choose its projects and base.

No identity-document, bank or mobile number is written: the sheet names experts by name, unit,
title and field only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.judge.applications import CityApplications, Received, title_ok
from aggregator.judge.facts import Facts
from aggregator.privacy import scrub
from aggregator.read.appmodels import BaseApplication, DemoProjectApplication, ExpertRecommendation
from aggregator.rulebook.policy import Policy
from aggregator.write.layout import city_rank, finish, new_sheet, sub, text
from aggregator.write.xlsx import Styles, print_setup

SHEET = "申报与推荐"
WIDTHS = (5, 9, 20, 22, 14, 16, 18, 18)
Row = Callable[[Received], Sequence[Any]]


def applications_sheet(wb: xlsxwriter.Workbook, st: Styles, facts: Facts, policy: Policy) -> None:
    """The sheet: per-city counts, then the A1, A2 and A3 lists (cities in the standard order)."""
    ws = new_sheet(wb, SHEET)
    last = len(WIDTHS) - 1
    title = f"{policy.year}年专家服务基层示范团项目、国家级专家服务基地申报及重点联系专家推荐汇总"
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, title, st.title)
    ws.merge_range(1, 0, 1, last, sub(facts), st.subtitle)
    for i, w in enumerate(WIDTHS):
        ws.set_column(i, i, w)
    ws.text_widths = list(WIDTHS)
    rank = city_rank(facts)
    apps = sorted(facts.applications, key=lambda a: rank.get(a.city, 99))
    r = _counts(ws, st, apps, policy, 3)
    r = _block(
        ws,
        st,
        r + 1,
        "附件1 专家服务基层示范团项目申报",
        _PROJECT_HEADS,
        apps,
        "projects",
        _project,
    )
    r = _block(ws, st, r + 1, "附件2 国家级专家服务基地申报", _BASE_HEADS, apps, "bases", _base)
    experts = partial(_expert, policy=policy)
    r = _block(
        ws, st, r + 1, "附件3 专家服务基层重点联系专家推荐", _EXPERT_HEADS, apps, "experts", experts
    )
    print_setup(ws, (0, 1), footer=SHEET)
    ws.print_area(0, 0, max(r - 1, 2), last)
    finish(ws)


def _heads(ws: Worksheet, st: Styles, r: int, heads: Sequence[str]) -> None:
    ws.set_row(r, 30)
    for c, h in enumerate(heads):
        ws.write_string(r, c, h, st.header)


def _counts(ws: Worksheet, st: Styles, apps: list[CityApplications], policy: Policy, r: int) -> int:
    """各市申报与推荐情况: one row per city; the next free row."""
    ws.merge_range(r - 1, 0, r - 1, len(WIDTHS) - 1, "一、各市申报与推荐情况", st.stamp)
    need = policy.city_min_experts
    heads = ["序号", "设区市", "示范团项目\n申报（个）", "国家级基地\n申报（个）",
             "推荐专家\n（名）", f"专家数达标\n（不少于{need}名）", "收到情况", "截止日期"]  # fmt: skip
    _heads(ws, st, r, heads)
    deadline = policy.deadlines.get("applications", policy.deadlines["plan"])
    for i, a in enumerate(apps, start=1):
        r += 1
        f = a.facts()
        ws.write_number(r, 0, i, st.text_center)
        ws.write_string(r, 1, a.city, st.text_center)
        ws.write_number(r, 2, f["demo_projects_applied"], st.int_center)
        ws.write_number(r, 3, f["bases_applied"], st.int_center)
        ws.write_number(r, 4, f["experts_recommended"], st.int_center)
        ok = f["experts_ok"]
        ws.write_string(r, 5, "达标" if ok else "未达标", st.ok if ok else st.bad)
        state = {None: "未报送", True: "按时", False: "有逾期"}[a.on_time]
        ws.write_string(r, 6, state, st.text_center if a.on_time else st.unknown)
        ws.write_string(r, 7, f"{deadline:%Y-%m-%d}", st.text_center)
    return r + 2


def _block(
    ws: Worksheet,
    st: Styles,
    r: int,
    label: str,
    heads: Sequence[str],
    apps: list[CityApplications],
    attr: str,
    row: Row,
) -> int:
    """One list: its label, header, and a row per record kept (city by city); the next free row."""
    ws.merge_range(r, 0, r, len(WIDTHS) - 1, label, st.stamp)
    r += 1
    _heads(ws, st, r, heads)
    n = 0
    for a in apps:
        for item in getattr(a, attr):
            r, n = r + 1, n + 1
            ws.write_number(r, 0, n, st.text_center)
            ws.write_string(r, 1, a.city, st.text_center)
            for c, v in enumerate(row(item), start=2):
                text(ws, r, c, scrub("" if v is None else str(v)), st.text)
    if not n:
        r += 1
        ws.merge_range(r, 0, r, len(WIDTHS) - 1, "（尚未收到）", st.text_center)
    return r + 2


_PROJECT_HEADS = ["序号", "设区市", "项目名称", "承办地区/单位", "活动时间\n服务次数",
                  "服务形式", "服务内容\n经费保障", "负责部门\n联系人、电话"]  # fmt: skip
_BASE_HEADS = ["序号", "设区市", "基地名称", "依托单位名称", "是否省级基地\n设立时间",
               "所属行业领域\n所在地", "本单位/外单位专家", "联系人、电话"]  # fmt: skip
_EXPERT_HEADS = ["序号", "设区市", "姓名", "所在单位", "专业技术职务",
                 "主要学科\n研究方向", "副高级以上", "来源文件"]  # fmt: skip


def _lines(*parts: object) -> str:
    return "\n".join(str(p) for p in parts if p not in (None, ""))


def _project(item: Received) -> list[Any]:
    p = item.record
    assert isinstance(p, DemoProjectApplication)
    count = f"{p.service_count} 次" if p.service_count is not None else ""
    return [
        p.project_name, p.host, _lines(p.activity_time, count), "、".join(p.service_forms),
        _lines(p.service_content, p.funding), _lines(p.department, p.contact, p.office_phone),
    ]  # fmt: skip


def _base(item: Received) -> list[Any]:
    b = item.record
    assert isinstance(b, BaseApplication)
    provincial = {True: "是", False: "否", None: ""}[b.provincial_base]
    since = f"{b.established:%Y-%m}" if b.established else ""
    experts = f"{b.experts_own if b.experts_own is not None else '—'}/" + (
        f"{b.experts_external if b.experts_external is not None else '—'}"
    )
    return [
        b.base_name, b.host_unit, _lines(provincial, since), _lines(b.industry, b.location),
        experts, _lines(b.contact or b.cover_contact, b.office_phone or b.cover_phone),
    ]  # fmt: skip


def _expert(item: Received, policy: Policy) -> list[Any]:
    e = item.record
    assert isinstance(e, ExpertRecommendation)
    field = _lines(e.main_discipline, e.main_direction)
    return [
        e.name, e.unit, e.title or "（未填写）", field,
        "是" if title_ok(e.title, policy) else "否（请核实）", e.file,
    ]  # fmt: skip
