"""The reader copes with returns as people make them, and says exactly what is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from content import A5_HEADER, METRICS, NINGBO, a4_sample, a5_sample, a5_values

from aggregator.demo.samples import STYLES, A5Sample, write_a4, write_a5
from aggregator.read.reader import Context, read_return
from aggregator.read.returns import ReturnRead

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TITLE_H1 = "2023年上半年“智聚山海·助力共富”专家服务活动成果汇总表"


def read(path: Path, ctx: Context, label: str | None = None) -> ReturnRead:
    return read_return(path, label or path.name, ctx)


def codes(r: ReturnRead) -> set[str]:
    return {p.code for p in r.problems}


def _ext(style: str) -> str:
    return "xls" if style == "xls" else "xlsx"


@pytest.mark.parametrize("style", STYLES)
def test_a5_reads_the_same_whatever_made_it(tmp_path: Path, ctx: Context, style: str) -> None:
    p = write_a5(tmp_path / f"r.{_ext(style)}", a5_sample(), style)
    r = read(p, ctx)
    assert not r.rejected, r.problems
    assert (r.form, r.city, r.period) == ("A5", "宁波市", "2023H1")
    assert [f.county for f in r.figures] == NINGBO
    for i, f in enumerate(r.figures):
        assert f.values == a5_values(i)
    assert len(r.totals) == 1 and not [p for p in r.problems if p.severity == "error"]


@pytest.mark.parametrize("style", STYLES)
def test_a4_reads_the_same_whatever_made_it(tmp_path: Path, ctx: Context, style: str) -> None:
    p = write_a4(tmp_path / f"r.{_ext(style)}", a4_sample(), style)
    r = read(p, ctx)
    assert not r.rejected, r.problems
    assert (r.form, r.city, r.period) == ("A4", "宁波市", "2023")
    acts = r.activities
    assert [a.county for a in acts] == ["海曙区"] * 4
    assert [a.when_precision for a in acts] == ["day", "month", "quarter", "part-month"]
    assert [a.experts for a in acts] == [6, 5, 10, 6]
    assert [a.demo_team for a in acts] == [False, True, False, True]
    assert acts[1].joint and acts[1].counties == ["海曙区", "庆元县"]
    assert acts[0].contact_phone == "0574-87000001"
    assert {"value-approx", "value-unit"} <= codes(r)


@pytest.mark.parametrize("name", ["lo_a5_宁波市.ods", "lo_a5_宁波市.xls", "lo_a5_宁波市.xlsx"])
def test_libreoffice_saved_returns(ctx: Context, name: str) -> None:
    r = read(FIXTURES / name, ctx)
    assert not r.rejected, r.problems
    assert [f.county for f in r.figures] == NINGBO
    assert r.figures[3].values == a5_values(3)
    assert r.totals and r.totals[0].values["teams_completed"] == sum(
        a5_values(i)["teams_completed"] for i in range(10)
    )


def test_libreoffice_saved_plan_xls(ctx: Context) -> None:
    r = read(FIXTURES / "lo_a4_宁波市.xls", ctx)
    assert r.form == "A4" and len(r.activities) == 4 and r.activities[0].when_start == "2023-04-12"


def test_contact_kept_for_the_chase_list(tmp_path: Path, ctx: Context) -> None:
    r = read(write_a5(tmp_path / "r.xlsx", a5_sample(), "xlsxwriter"), ctx)
    assert (r.contact_person, r.contact_phone) == ("陈静", "0574-87654321")
    assert r.filled_date == "2023-06-08"


def _sheet(
    path: Path,
    rows: list[list[object]],
    *,
    hidden: list[list[list[object]]] | None = None,
    extra: dict[str, list[list[object]]] | None = None,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    for i, h in enumerate(hidden or []):
        hs = wb.create_sheet(f"隐藏{i}")
        for row in h:
            hs.append(row)
        hs.sheet_state = "hidden"
    for name, sheet_rows in (extra or {}).items():
        es = wb.create_sheet(name)
        for row in sheet_rows:
            es.append(row)
    wb.save(path)
    return path


HEADER = A5_HEADER


def _row(area: str, vals: list[object]) -> list[object]:
    return [1, area, *vals, ""]


def test_cells_of_problems_are_named_in_chinese(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        ["填报市局（盖章）：宁波市人力社保局"],
        HEADER,
        _row("海曙区", ["１２", "12人次", "1,200", "无", "", 12.5, -3, "若干", 1, 2, 3]),
        _row("江北", [1] * 11),
        _row("谆海区", [1] * 11),
        _row("下城区", [1] * 11),
        _row("西湖区", [1] * 11),
        _row("海曙区", [9] * 11),
        ["", "合计", *[1] * 11],
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    by = {(p.code, p.cell): p for p in r.problems}
    assert by[("value-unit", "D4")].message == "D4：数字中含有单位“人次”，已按 12 读取。"
    assert (
        by[("value-missing", "G4")].severity == "warning"
        and "不是0" in by[("value-missing", "G4")].message
    )
    assert (
        by[("value-invalid", "H4")].severity == "error"
        and "12.5" in by[("value-invalid", "H4")].message
    )
    assert (
        "负数" in by[("value-invalid", "I4")].message
        and "若干" in by[("value-invalid", "J4")].message
    )
    hai = r.figures[0]
    assert (
        hai.values["teams_completed"],
        hai.values["expert_visits"],
        hai.values["onsite_guidance"],
        hai.values["lectures_trainings"],
    ) == (12, 12, 1200, 0)
    assert (
        hai.values["suggestions"] is None and hai.values["clinic_visits"] is None
    )  # blank is missing, bad is not counted
    assert (
        "“谆海区”" in by[("county-unknown", "B6")].message
        and "海曙区" in by[("county-unknown", "B6")].message
    )
    assert "2021年4月" in by[("county-retired", "B7")].message
    assert "杭州市" in by[("county-wrong-city", "B8")].message
    assert ("county-duplicate", "B9") in by
    assert [f.county for f in r.figures] == ["海曙区", "江北区"]
    assert all(p.sheet == "Sheet1" and p.file == "r.xlsx" for p in r.problems if p.cell)


def test_two_row_merged_header_reordered_extra_and_missing_columns(
    tmp_path: Path, ctx: Context
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE_H1])
    ws.append(
        [
            "填报市局（盖章）：",
            None,
            "宁波市人社局",
            None,
            None,
            "填报日期：",
            dt.datetime(2023, 6, 9),
        ]
    )
    heads = [
        "邀请专\n家总人\n次",
        "本地区已\n完成服务\n团数量",
        "现场技\n术指导\n总数",
        "开展专\n题讲座、\n网络远\n程培训\n总数",
        "提出合\n理化建\n议总数",
        "义诊\n总人次",
        "对接专\n业项目\n总数",
        "破解技\n术难题\n总数",
        "达成中\n长期合\n作意向\n总数",
        "指导培\n训基层\n专业技\n术人才\n总人数",
        "填表人",
    ]
    ws.append(["序　号", "市、县", *[h[:3] for h in heads]])
    ws.append([None, "（市、区）", *[h[3:] for h in heads]])
    ws.merge_cells("A3:A4")
    ws.append([1, "海曙区", 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, "张"])
    wb.save(tmp_path / "r.xlsx")
    r = read(tmp_path / "r.xlsx", ctx)
    assert not r.rejected, r.problems
    f = r.figures[0]
    assert (
        f.values["expert_visits"],
        f.values["teams_completed"],
        f.values["professionals_trained"],
    ) == (5, 1, 9)
    assert f.values["residents_benefited"] is None
    missing = [p for p in r.problems if p.code == "column-missing"]
    assert (
        len(missing) == 1
        and "惠及当地群众总人数" in missing[0].message
        and missing[0].severity == "error"
    )
    extra = [p for p in r.problems if p.code == "column-extra"]
    assert extra and "填表人" in extra[0].message and extra[0].severity == "warning"


def test_hidden_sheet_reported_and_skipped_and_every_form_sheet_read(
    tmp_path: Path, ctx: Context
) -> None:
    one = [[TITLE_H1], ["填报单位：海曙区人力社保局"], HEADER, _row("海曙区", [1] * 11)]
    two = [[TITLE_H1], ["填报单位：江北区人力社保局"], HEADER, _row("江北区", [2] * 11)]
    r = read(
        _sheet(
            tmp_path / "宁波市.xlsx",
            one,
            hidden=[[HEADER, _row("北仑区", [3] * 11)]],
            extra={"江北区": two, "说明": [["填表说明：请按时报送"]]},
        ),
        ctx,
    )
    assert [f.county for f in r.figures] == ["海曙区", "江北区"]
    assert "sheet-hidden" in codes(r) and "sheet-no-form" in codes(r)
    assert r.city == "宁波市"


def test_no_form_is_reported_not_guessed(tmp_path: Path, ctx: Context) -> None:
    r = read(_sheet(tmp_path / "r.xlsx", [["姓名", "单位"], ["张三", "某局"]]), ctx)
    assert r.rejected and codes(r) == {"form-not-found"}


@pytest.mark.parametrize(
    ("sender", "label", "city"),
    [
        ("宁波市人力社保局", "x.xlsx", "宁波市"),
        ("", "宁波市/上半年.xlsx", "宁波市"),
        ("", "2023年上半年成果汇总表（宁波）.xlsx", "宁波市"),
        ("", "x.xlsx", "宁波市"),
    ],
)
def test_city_from_sender_line_folder_file_name_or_counties(
    tmp_path: Path, ctx: Context, sender: str, label: str, city: str
) -> None:
    rows = [[TITLE_H1], [f"填报市局（盖章）：{sender}"], HEADER, _row("海曙区", [1] * 11)]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx, label)
    assert r.city == city


def test_county_sender(tmp_path: Path, ctx: Context) -> None:
    rows = [[TITLE_H1], ["填报单位：景宁县人力社保局"], HEADER, _row("景宁县", [1] * 11)]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert (r.city, r.sender_county) == ("丽水市", "景宁畲族自治县")
    assert r.figures[0].county == "景宁畲族自治县"
    assert "county-not-listed" not in codes(r)  # a county's own return is not missing the others


def test_city_unknown_is_an_error_saying_what_to_add(tmp_path: Path, ctx: Context) -> None:
    rows = [[TITLE_H1], HEADER, ["1", "市本级", *[1] * 11]]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert r.rejected and "city-unknown" in codes(r)
    assert "填报市局" in r.reason


@pytest.mark.parametrize(
    ("title", "label", "period_line", "period"),
    [
        ("2023年上半年成果汇总表", "x.xlsx", None, "2023H1"),
        ("2023年度成果汇总表", "x.xlsx", None, "2023FY"),
        ("2023年半年度成果汇总表", "x.xlsx", None, "2023H1"),
        ("成果汇总表", "宁波市2023年度.xlsx", None, "2023FY"),
        ("成果汇总表", "x.xlsx", "2023年上半年", "2023H1"),
    ],
)
def test_period_from_title_file_name_or_period_line(
    tmp_path: Path, ctx: Context, title: str, label: str, period_line: str | None, period: str
) -> None:
    rows: list[list[object]] = [
        [title],
        ["填报市局（盖章）：宁波市人社局", None, "报送期次：", period_line or ""],
        HEADER,
        _row("海曙区", [1] * 11),
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx, label)
    assert r.period == period


def test_period_from_filled_date_with_a_warning(tmp_path: Path, ctx: Context) -> None:
    rows = [
        ["成果汇总表"],
        ["填报市局（盖章）：宁波市人社局", None, "填报日期：2023年12月8日"],
        HEADER,
        _row("海曙区", [1] * 11),
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert r.period == "2023FY" and "period-from-date" in codes(r)


def test_period_unknown_is_a_warning_not_a_refusal(tmp_path: Path, ctx: Context) -> None:
    rows = [["成果汇总表"], ["填报市局（盖章）：宁波市人社局"], HEADER, _row("海曙区", [1] * 11)]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert not r.rejected and r.period is None and "period-unknown" in codes(r)
    note = next(p for p in r.problems if p.code == "period-unknown")
    assert note.severity == "warning" and "按收到时间" in note.message


def test_totals_kept_aside_and_footer_skipped(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        ["填报市局（盖章）：宁波市人社局"],
        HEADER,
        ["", "总计", *[3] * 11],
        _row("海曙区", [1] * 11),
        _row("江北区", [2] * 11),
        ["", "小计", *[3] * 11],
        ["填报人及联系电话：王芳 13800001111"],
        ["注：数据为累计数"],
        ["", "北仑区", *[5] * 11],
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert [f.county for f in r.figures] == ["海曙区", "江北区"]
    assert [t.label for t in r.totals] == ["总计"]
    assert [(t.label, t.kind) for t in r.subtotals] == [("小计", "block")]
    assert "subtotal-mismatch" not in codes(r)
    assert r.contact_phone == "13800001111"


def test_city_row_equal_to_the_sum_is_a_total(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        HEADER,
        _row("宁波市", [7] * 11),
        _row("海曙区", [1] * 11),
        _row("江北区", [2] * 11),
        _row("宁波市本级", [4] * 11),
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert [t.label for t in r.totals] == ["宁波市"]
    own = [f for f in r.figures if f.city_own]
    assert len(own) == 1 and own[0].values["teams_completed"] == 4


def test_city_row_not_equal_to_the_sum_counts_as_city_own(tmp_path: Path, ctx: Context) -> None:
    rows = [[TITLE_H1], HEADER, _row("海曙区", [1] * 11), _row("宁波市", [5] * 11)]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert not r.totals and [f.city_own for f in r.figures] == [False, True]
    assert "city-row-as-own" in codes(r)


def test_formulas_without_cached_values_are_evaluated(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        ["填报市局（盖章）：宁波市人社局"],
        HEADER,
        _row("海曙区", [1] * 11),
        _row("江北区", ["=C4+1", *[2] * 10]),
        ["", "合计", "=SUM(C4:C5)", "=AVERAGE(D4:D5)", *[3] * 9],
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert r.figures[1].values["teams_completed"] == 2
    assert r.totals[0].values["teams_completed"] == 3
    bad = [p for p in r.problems if p.code == "formula-no-value"]
    assert len(bad) == 1 and bad[0].cell == "D6" and bad[0].severity == "error"


def test_stale_cached_formula_value_is_recomputed(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # xlsxwriter caches 0 for formulas unless told
    ws = wb.add_worksheet()
    ws.write(0, 0, TITLE_H1)
    ws.write(1, 0, "填报市局（盖章）：宁波市人社局")
    for j, h in enumerate(HEADER):
        ws.write(2, j, h)
    for j, v in enumerate(_row("海曙区", [1] * 11)):
        ws.write(3, j, v)
    ws.write(4, 1, "合计")
    for j in range(2, 13):
        ws.write_formula(4, j, f"=SUM({chr(65 + j)}4:{chr(65 + j)}4)")
    wb.close()
    r = read(path, ctx)
    assert r.totals[0].values["teams_completed"] == 1
    assert "formula-stale" in codes(r)


def test_full_width_header_and_spaces(tmp_path: Path, ctx: Context) -> None:
    header = ["序 号", "市、县(市、区)", *[" ".join(h) for h in HEADER[2:13]], "备　注"]
    r = read(
        _sheet(
            tmp_path / "r.xlsx",
            [[TITLE_H1], ["填报市局：宁波市"], header, _row("海曙区", [1] * 11)],
        ),
        ctx,
    )
    assert not r.rejected and r.figures[0].values["residents_benefited"] == 1


A4_HEADER = [
    "序号",
    "活动名称",
    "活动主要内容",
    "拟举办\n日期",
    "举办单位",
    "（拟）邀\n请专家数",
    "活动联系人",
    "联系电话",
    "是否为本市专家\n示范团活动",
]


def test_a4_county_from_hosts_sender_or_city_level(tmp_path: Path, ctx: Context) -> None:
    rows = [
        ["2023年活动计划表"],
        ["填报市局（盖章）：丽水市人力社保局"],
        A4_HEADER,
        [1, "义诊", "", "2023年4月", "景宁县卫健局", 5, "", "", "是"],
        [2, "联办", "", "第三季度", "龙泉市人社局/秀洲区人社局", 8, "", "", ""],
        [3, "示范团", "", "待定", "丽水市人力社保局", 10, "", "", "√"],
        [4, "", "只有内容", "", "", "", "", "", ""],
        [5, "讲座", "", "4月", "松阳县", "很多", "", 13800001111, "也许"],
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    a = r.activities
    assert [x.county for x in a] == ["景宁畲族自治县", "龙泉市", None, "松阳县"]
    assert a[1].joint and a[1].counties == ["龙泉市", "秀洲区"]
    assert a[2].city == "丽水市" and a[2].demo_team
    assert a[3].contact_phone == "13800001111" and a[3].experts is None
    c = codes(r)
    assert {
        "activity-county-unknown",
        "date-unparsed",
        "activity-name-missing",
        "value-invalid",
        "flag-unclear",
    } <= c


def test_a4_county_sender_assigns_its_activities(tmp_path: Path, ctx: Context) -> None:
    rows = [
        ["2023年活动计划表"],
        ["填报单位：淳安县人力社保局"],
        A4_HEADER,
        [1, "茶叶技术", "", "5月", "县农业农村局", 5, "", "", ""],
    ]
    r = read(_sheet(tmp_path / "r.xlsx", rows), ctx)
    assert r.activities[0].county == "淳安县" and r.city == "杭州市"


def test_macros_never_run_and_are_reported(ctx: Context) -> None:
    from conftest import CORPUS

    path = CORPUS / "vba.xlsm"
    if not path.exists():
        pytest.skip("corpus not available")
    r = read(path, ctx)
    assert "file-macros" in codes(r)


def test_repeated_header_rows_are_skipped(tmp_path: Path, ctx: Context) -> None:
    sample = A5Sample("宁波市", TITLE_H1, [("海曙区", {m: 1 for m in METRICS})], with_total=False)
    path = write_a5(tmp_path / "r.xlsx", sample, "xlsxwriter")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.insert_rows(5)
    for j in range(1, 15):
        ws.cell(5, j, ws.cell(3, j).value)
    ws.cell(6, 2, "江北区")
    for j in range(3, 14):
        ws.cell(6, j, 2)
    wb.save(path)
    r = read(path, ctx)
    assert [f.county for f in r.figures] == ["海曙区", "江北区"]
