"""Blank Attachment 4 and 5 workbooks for each city, made from the form schemas."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.cells import col_letter
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.reference import Registry
from aggregator.rulebook.schema import Column, FormSchema
from aggregator.vocab import CITY_OWN, Form
from aggregator.write.cityforms import (
    month_day,
    sender_label,
    template_name,
    write_city_forms,
)
from aggregator.write.wordforms import write_word_templates
from aggregator.write.xlsx import Styles, print_setup, write_form_top

__all__ = ["sender_label", "template_name", "write_templates"]

PLAN_ROWS = 60
COUNT_MESSAGE = {
    "input_title": "请填写整数",
    "input_message": "只填不小于0的整数，不带单位；没有请填0。",
    "error_title": "数字格式不对",
    "error_message": "此处只能填写不小于0的整数（不要带“人”“场”等单位，不要填小数）。",
}


def write_templates(
    policy: Policy, registry: Registry, schemas: dict[str, FormSchema], out: Path
) -> list[Path]:
    """Write the Attachment 4 and 5 workbooks of every city into ``out``, then their Word
    versions; return their paths."""
    written = write_city_forms(
        policy, registry, schemas, out, ".xlsx", partial(_write_form, policy, registry)
    )
    written.extend(write_word_templates(policy, registry, schemas, out))
    return written


def _write_form(
    policy: Policy, registry: Registry, path: Path, form: Form, schema: FormSchema, city: str
) -> None:
    counties = [c.name for c in registry.counties_of(city)] + [CITY_OWN]
    write = _write_a4 if form == Form.PLAN else _write_a5
    write(path, policy, schema, city, counties)


def _new_sheet(path: Path, name: str) -> tuple[xlsxwriter.Workbook, Styles, Worksheet]:
    wb = xlsxwriter.Workbook(str(path))
    return wb, Styles(wb), wb.add_worksheet(name)


def _finish(
    wb: xlsxwriter.Workbook, ws: Worksheet, first: int, frozen_cols: int, footer: str
) -> None:
    """Freeze the header, set up printing, protect the sheet and close the workbook."""
    ws.freeze_panes(first, frozen_cols)
    print_setup(ws, (0, first - 1), footer=footer)
    _protect(ws)
    wb.close()


def _protect(ws: Worksheet) -> None:
    ws.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": True,
            "format_rows": True,
            "format_columns": True,
            "autofilter": True,
        },
    )


def _footer_rows(ws: Worksheet, st: Styles, row: int, last: int, note: str) -> None:
    # unlocked: the city writes its contact here on the protected sheet
    ws.merge_range(row, 0, row, last, "填报人及联系电话：", st.footer_input)
    ws.merge_range(row + 1, 0, row + 1, last, note, st.note)
    ws.set_row(row + 1, 30)


def _write_a5(
    path: Path, policy: Policy, schema: FormSchema, city: str, counties: list[str]
) -> None:
    wb, st, ws = _new_sheet(path, "成果汇总表")
    cols = list(schema.columns)
    last = len(cols) - 1
    choices = [p.label for p in policy.periods()]  # 2023年上半年, 2023年度
    first = write_form_top(
        ws, st, policy.titles[Form.RESULTS], cols, sender_label(city), period_choice=choices
    )
    for i, county in enumerate(counties):
        r = first + i
        for j, col in enumerate(cols):
            if col.key == "seq":
                ws.write_number(r, j, i + 1, st.text_center)
            elif col.key == "area":
                ws.write_string(r, j, county, st.text_center)
            elif col.metric:
                ws.write_blank(r, j, None, st.input_int)
            else:
                ws.write_blank(r, j, None, st.input_text)
    total = first + len(counties)
    ws.write_blank(total, 0, None, st.total_label)
    ws.write_string(total, 1, "合计", st.total_label)
    for j, col in enumerate(cols):
        if col.metric:
            ws.data_validation(
                first,
                j,
                total - 1,
                j,
                {"validate": "integer", "criteria": ">=", "value": 0, **COUNT_MESSAGE},
            )
            ref = f"{col_letter(j)}{first + 1}:{col_letter(j)}{total}"
            ws.write_formula(total, j, f"=SUM({ref})", st.total_int, 0)
        elif col.key not in ("seq", "area"):
            ws.write_blank(total, j, None, st.total_label)
    note = f"报送要求：此表每年{month_day(policy.deadlines['H1'])}、{month_day(policy.deadlines['FY'])}前报送，分别报送半年度、年度成果汇总表（数据为累计数）。未开展的项目请填0，不要留空。"
    _footer_rows(ws, st, total + 1, last, note)
    _finish(wb, ws, first, 2, f"{city} 附件5")


def _write_a4(
    path: Path, policy: Policy, schema: FormSchema, city: str, counties: list[str]
) -> None:
    wb, st, ws = _new_sheet(path, "活动计划表")
    cols = list(schema.columns)
    last = len(cols) - 1
    first = write_form_top(ws, st, policy.titles[Form.PLAN], cols, sender_label(city))
    end = first + PLAN_ROWS - 1
    year = policy.year
    for r in range(first, end + 1):
        for j, col in enumerate(cols):
            fmt = {
                "seq": st.input_text_center,
                "county": st.input_text_center,
                "planned_date": st.input_date,
                "experts_invited": st.input_int,
                "contact_phone": st.input_phone,
                "demo_team_activity": st.input_text_center,
            }.get(col.key, st.input_text)
            if col.key == "seq":
                ws.write_number(r, j, r - first + 1, fmt)
            else:
                ws.write_blank(r, j, None, fmt)
    for j, col in enumerate(cols):
        _validate_a4(ws, col, j, first, end, counties, year)
    _footer_rows(
        ws,
        st,
        end + 1,
        last,
        f"报送要求：请于{month_day(policy.deadlines['plan'])}前报送。各县（市、区）全年至少开展{policy.county_min_activities}场活动；沿海县（市、区）与对口结对地区全年至少联办{policy.coastal_min_joint_activities}场活动（举办单位写明双方）；各市至少开展{policy.city_min_demo_team_activities}次专家服务示范团活动。",
    )
    _finish(wb, ws, first, 3, f"{city} 附件4")


def _validate_a4(
    ws: Worksheet, col: Column, j: int, first: int, end: int, counties: list[str], year: int
) -> None:
    dv = ws.data_validation
    if col.key == "county":
        dv(
            first,
            j,
            end,
            j,
            {
                "validate": "list",
                "source": counties,
                "input_title": "县（市、区）",
                "input_message": "请从下拉列表选择活动所属县（市、区）。",
            },
        )
    elif col.key == "demo_team_activity":
        dv(
            first,
            j,
            end,
            j,
            {
                "validate": "list",
                "source": ["是", "否"],
                "input_title": "是否示范团活动",
                "input_message": "本市专家服务示范团的活动选“是”，其他选“否”。",
            },
        )
    elif col.key == "experts_invited":
        dv(first, j, end, j, {"validate": "integer", "criteria": ">=", "value": 0, **COUNT_MESSAGE})
    elif col.key == "planned_date":
        dv(
            first,
            j,
            end,
            j,
            {
                "validate": "date",
                "criteria": "between",
                "minimum": dt.date(year, 1, 1),
                "maximum": dt.date(year, 12, 31),
                "error_type": "warning",
                "input_title": "拟举办日期",
                "input_message": f"请填写日期，如 {year}-05-12；只能确定月份的，可写“{year}年5月”。",
                "error_title": "日期",
                "error_message": f"建议填写{year}年内的具体日期。确需填写月份或季度，请点“是”保留。",
            },
        )
