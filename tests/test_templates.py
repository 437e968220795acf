"""`aggregator templates` writes 22 blank forms that look like the notice's and guard their cells."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.read.reader import Context
from aggregator.textnorm import norm


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    result = CliRunner().invoke(app, ["templates", "--year", "2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "22" in result.output
    return out


def test_one_pair_of_forms_per_city(templates: Path, ctx: Context) -> None:
    names = sorted(p.name for p in templates.glob("*.xlsx"))
    assert len(names) == 22
    for city in ctx.registry.cities:
        assert f"2023年附件4_专家服务工程活动计划表_{city.name}.xlsx" in names
        assert f"2023年附件5_专家服务活动成果汇总表_{city.name}.xlsx" in names


def _open(templates: Path, form: str, city: str) -> openpyxl.worksheet.worksheet.Worksheet:
    stem = "附件4_专家服务工程活动计划表" if form == "A4" else "附件5_专家服务活动成果汇总表"
    return openpyxl.load_workbook(templates / f"2023年{stem}_{city}.xlsx").active


@pytest.mark.parametrize("city", ["杭州市", "丽水市", "舟山市"])
def test_a5_title_header_counties_and_sum_formulas(
    templates: Path, ctx: Context, city: str
) -> None:
    ws = _open(templates, "A5", city)
    schema = ctx.schemas["A5"]
    assert ws["A1"].value == ctx.policy.titles["A5"]
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value.startswith("填报市局（盖章）：") and city in ws["A2"].value
    assert [ws.cell(3, i + 1).value for i in range(len(schema.columns))] == [
        c.header for c in schema.columns
    ]
    counties = [c.name for c in ctx.registry.counties_of(city)] + ["市本级"]
    assert [ws.cell(4 + i, 2).value for i in range(len(counties))] == counties
    total_row = 4 + len(counties)
    assert ws.cell(total_row, 2).value == "合计"
    for j in range(3, 14):
        col = openpyxl.utils.get_column_letter(j)
        assert ws.cell(total_row, j).value == f"=SUM({col}4:{col}{total_row - 1})"
    assert ws.cell(total_row + 1, 1).value == "填报人及联系电话："


def test_a5_metric_cells_accept_only_whole_numbers(templates: Path) -> None:
    ws = _open(templates, "A5", "杭州市")
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    dv = dvs["C4:C17"]  # 13 counties and 市本级
    assert dv.type == "whole" and dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
    assert dv.showErrorMessage and "整数" in dv.error and "整数" in dv.prompt
    assert len([d for d in dvs.values() if d.type == "whole"]) == 11


def test_a4_dropdowns_date_and_protection(templates: Path, ctx: Context) -> None:
    ws = _open(templates, "A4", "衢州市")
    schema = ctx.schemas["A4"]
    assert [ws.cell(3, i + 1).value for i in range(len(schema.columns))] == [
        c.header for c in schema.columns
    ]
    dvs = list(ws.data_validations.dataValidation)
    lists = {str(d.sqref): d.formula1 for d in dvs if d.type == "list"}
    county_list = lists["B4:B63"].strip('"').split(",")
    assert county_list == [c.name for c in ctx.registry.counties_of("衢州市")] + ["市本级"]
    assert lists["J4:J63"] == '"是,否"'
    assert any(d.type == "date" and str(d.sqref) == "E4:E63" for d in dvs)
    assert ws.protection.sheet and not ws.protection.password
    assert ws["A3"].protection.locked and not ws["C4"].protection.locked


def test_print_setup_a4_landscape_header_repeated(templates: Path) -> None:
    ws = _open(templates, "A5", "温州市")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$3"
    assert ws.column_dimensions["B"].width >= 10  # fits 市、县（市、区）


def test_blank_template_reads_back_as_the_form(templates: Path, ctx: Context) -> None:
    from aggregator.read.reader import read_return

    p = templates / "2023年附件5_专家服务活动成果汇总表_湖州市.xlsx"
    r = read_return(p, p.name, ctx)
    assert r.form == "A5" and r.city == "湖州市"
    assert not r.figures  # nothing filled in: nothing reported
    assert {x.code for x in r.problems} >= {"county-blank"}
    assert norm(r.title) == norm(ctx.policy.titles["A5"])


def test_contact_cell_is_unlocked_on_the_protected_sheet(templates: Path) -> None:
    """Cities must be able to write 填报人及联系电话 on both forms."""
    for path in sorted(templates.glob("*.xlsx")):
        ws = openpyxl.load_workbook(path).worksheets[0]
        assert ws.protection.sheet
        cells = [
            c
            for row in ws.iter_rows()
            for c in row
            if str(c.value or "").startswith("填报人及联系电话")
        ]
        assert cells, path.name
        assert not any(c.protection.locked for c in cells), path.name
