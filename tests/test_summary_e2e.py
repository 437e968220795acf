"""A whole synthetic province through the CLI: JSON facts, then the workbook, sheet by sheet."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import province as pv
import pytest
from conftest import summary_args, tree_hashes
from content import METRICS
from typer.testing import CliRunner

from aggregator.cli import app

REG = pv.REG


def run(
    runner: CliRunner, base: Path, period: str, as_of: str, name: str
) -> tuple[dict[str, Any], Path]:
    out = base / "reports" / name
    result = runner.invoke(
        app,
        summary_args(
            base / "inbox",
            base / "state",
            out,
            "--jobs",
            "2",
            period=period,
            json_out=base / f"{name}.json",
            now=as_of,
        ),
    )
    assert result.exit_code == 0, result.output
    return json.loads((base / f"{name}.json").read_text(encoding="utf-8")), out


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("province")
    inbox = base / "inbox"
    runner = CliRunner()
    pv.plans(inbox)
    run(runner, base, "2023H1", "2023-03-10T12:00", "march")
    pv.half_year(inbox)
    run(runner, base, "2023H1", "2023-06-08T12:00", "june8")
    pv.late_h1(inbox)
    pv.correction(inbox)
    hashes = tree_hashes(inbox)
    h1, h1_dir = run(runner, base, "2023H1", "2023-06-12T12:00", "h1")
    assert tree_hashes(inbox) == hashes  # the inbox is never changed
    pv.whole_year(inbox)
    fy, fy_dir = run(runner, base, "2023FY", "2023-12-09T12:00", "fy")
    return {
        "base": base,
        "h1": h1,
        "h1_book": h1_dir / "2023H1_专家服务活动成果汇总表.xlsx",
        "fy": fy,
        "fy_book": fy_dir / "2023FY_专家服务活动成果汇总表.xlsx",
        "runner": runner,
    }


def expected_totals(
    value: Any, cities: list[str], override: dict[tuple[str, str], int] | None = None
) -> dict[str, int]:
    out = dict.fromkeys(METRICS, 0)
    for c in REG.counties:
        if c.city in cities and c.name != "文成县":
            for m in METRICS:
                out[m] += (override or {}).get((c.name, m), value(c.name, m))
    return out


H1_CITIES = [c.name for c in REG.cities if c.name != "丽水市"]
CORRECTION = {("海曙区", "teams_completed"): 99}


def test_h1_json_totals_and_completeness(province: dict[str, Any]) -> None:
    d = province["h1"]
    assert d["period"] == "2023H1" and d["metrics"] == METRICS
    assert d["province"]["totals"] == expected_totals(pv.h1_value, H1_CITIES, CORRECTION)
    assert d["province"]["counties_expected"] == 90
    assert d["province"]["counties_reported"] == 90 - 1 - 9  # 文成县, and 丽水's nine counties
    assert [c["city"] for c in d["cities"]] == [c.name for c in REG.cities]
    wz = next(c for c in d["cities"] if c["city"] == "温州市")
    assert wz["missing_counties"] == ["文成县"] and wz["counties_reported"] == 11
    lishui = next(c for c in d["cities"] if c["city"] == "丽水市")
    assert lishui["counties_reported"] == 0 and lishui["totals"] == dict.fromkeys(METRICS, 0)
    wencheng = next(c for c in d["counties"] if c["county"] == "文成县")
    assert wencheng["reported"] is False and wencheng["metrics"] is None
    haishu = next(c for c in d["counties"] if c["county"] == "海曙区")
    assert haishu["metrics"]["teams_completed"] == 99  # the correction counts


def test_h1_quotas(province: dict[str, Any]) -> None:
    d = province["h1"]
    by = {c["county"]: c for c in d["counties"]}
    assert by["淳安县"]["planned_activities"] == 2 and by["淳安县"]["activities_ok"] is False
    assert by["西湖区"]["planned_activities"] == 5 and by["西湖区"]["activities_ok"] is True
    assert (
        by["淳安县"]["paired_with"] == ["西湖区"]
        and by["淳安县"]["joint_activities"] == 1
        and by["淳安县"]["joint_ok"] is True
    )
    assert by["永嘉县"]["paired_with"] == [] and by["永嘉县"]["joint_ok"] is None
    assert by["庆元县"]["joint_ok"] is False  # paired with 海曙区, no joint activity planned
    cities = {c["city"]: c for c in d["cities"]}
    assert cities["舟山市"]["demo_team_ok"] is False and cities["杭州市"]["demo_team_ok"] is True
    assert cities["杭州市"]["demo_team_activities"] == 1


def test_h1_submissions_supersession_and_timeliness(province: dict[str, Any]) -> None:
    subs = {s["file"]: s for s in province["h1"]["submissions"]}
    assert subs["宁波市/上半年_宁波市.xlsx"]["status"] == "superseded"
    assert subs["宁波市/上半年_宁波市（更正）.xlsx"]["status"] == "accepted"
    assert (
        subs["湖州市/上半年_湖州市.xlsx"]["on_time"] is False
        and subs["湖州市/上半年_湖州市.xlsx"]["late_days"] == 2
    )
    assert subs["杭州市/上半年_杭州市.xlsx"]["on_time"] is True
    assert subs["杭州市/附件4_杭州市.xlsx"]["received_at"] == "2023-03-10T12:00:00+08:00"
    assert all(s["sha256"] and len(s["sha256"]) == 64 for s in subs.values())
    codes = [i["code"] for i in province["h1"]["issues"]]
    assert "superseded" in codes and "return-late" in codes and "return-missing" in codes


def test_wrong_total_reported_with_both_figures(province: dict[str, Any]) -> None:
    issues = [i for i in province["h1"]["issues"] if i["code"] == "total-mismatch"]
    assert len(issues) == 1 and issues[0]["city"] == "金华市"
    jh = sum(pv.h1_value(c.name, "teams_completed") for c in REG.counties_of("金华市"))
    assert f"填报 {jh + 1}，各行相加为 {jh}" in issues[0]["message"]
    assert issues[0]["cell"] and issues[0]["sheet"]


def _sheet_rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_h1_workbook_says_the_same_as_the_json(province: dict[str, Any]) -> None:
    d = province["h1"]
    wb = openpyxl.load_workbook(province["h1_book"], data_only=True)
    assert wb.sheetnames == [
        "成果汇总",
        "分县明细",
        "配额达标",
        "报送情况",
        "活动计划",
        "申报与推荐",
        "数据问题",
        "更正记录",
        "收到的文件",
        "说明",
        "图表数据",
    ]
    assert wb["图表数据"].sheet_state == "hidden"
    assert "丽水市" not in [r[0] for r in _sheet_rows(wb["图表数据"])]
    ws = wb["成果汇总"]
    assert ws["A1"].value == "附件"
    assert ws["A2"].value.startswith("2023年上半年“智聚山海")
    assert ws["A3"].value.startswith("填报单位（盖章）：") and len(ws["A3"].value) > 9
    assert any(str(r[0]).startswith("审核人：") for r in _sheet_rows(ws))
    assert "填报日期：2023年6月12日" in _sheet_rows(ws)[2]
    rows = _sheet_rows(ws)
    for i, city in enumerate(d["cities"]):
        assert rows[4 + i][1] == city["city"]
        if city["counties_reported"]:
            assert rows[4 + i][2:13] == [city["totals"][m] for m in METRICS]
        else:  # missing is not zero
            assert rows[4 + i][2:14] == ["未报送"] * 12
    assert next(r for r in rows if r[1] == "温州市")[13] == "已报 11/12"
    assert rows[15][0] == "全省合计" and rows[15][2:13] == [
        d["province"]["totals"][m] for m in METRICS
    ]
    formulas = openpyxl.load_workbook(province["h1_book"])["成果汇总"]
    assert formulas["C16"].value == "=SUM(C5:C15)"

    detail = _sheet_rows(wb["分县明细"])
    wencheng = next(r for r in detail if r[1] == "文成县")
    assert wencheng[2:13] == ["未报送"] * 11
    chunan = next(r for r in detail if r[1] == "淳安县")
    assert chunan[2] == pv.h1_value("淳安县", "teams_completed")
    lishui = next(r for r in detail if r[0] == "丽水市" and r[1] == "小计")
    assert lishui[2:13] == ["未报送"] * 11
    subtotal = next(r for r in detail if r[0] == "温州市" and r[1] == "小计")
    assert subtotal[2:13] == [
        next(c for c in d["cities"] if c["city"] == "温州市")["totals"][m] for m in METRICS
    ]

    quotas = _sheet_rows(wb["配额达标"])
    assert quotas[2][:2] == ["设区市", "应完成的任务"]
    hz = next(r for r in quotas if r[0] == "杭州市")
    assert "淳安县" in hz[7] and "尚差 2" in hz[7]
    row = next(r for r in quotas if r[1] == "淳安县" and str(r[2]).startswith("计划活动"))
    assert (row[3], row[4], row[5], row[6]) == (4, 2, "未达标", 2)
    assert row[7].startswith("尚差 2（要求 4，实有 2）")
    assert any(r[3] and str(r[3]).startswith("附件4") for r in quotas)  # data sources shown
    assert not any("文件中补充" in str(r[7]) for r in quotas)
    assert any(r[1] == "永嘉县" and r[5] == "无法核验" for r in quotas)
    assert any(r[0] == "舟山市" and r[1] == "（全市）" and r[5] == "未达标" for r in quotas)

    returns = _sheet_rows(wb["报送情况"])
    huzhou = next(r for r in returns if r[0] == "湖州市" and "附件5" in str(r[1]))
    assert huzhou[5] == "逾期 2 天" and huzhou[7] == "湖州联系人" and huzhou[8] == "0571-87654321"
    assert huzhou[4] in ("首次读取", "在收件箱出现的时间")
    lishui = next(r for r in returns if r[0] == "丽水市" and "附件5" in str(r[1]))
    assert lishui[5] == "未报送"
    chase = returns[returns.index(next(r for r in returns if r[0] == "催报名单")) :]
    assert chase[1][0] == "设区市" and chase[1][6] == "截止日期" and chase[1][7] == "联系人"
    assert any(r[0] == "丽水市" and "附件5" in str(r[1]) and r[6] for r in chase)
    wz = next(r for r in chase if r[0] == "温州市" and "文成县" in str(r[1]))
    assert wz[7] and wz[6]

    plan = _sheet_rows(wb["活动计划"])
    assert plan[0][0] == "2023年“智聚山海·助力共富”专家服务工程活动计划汇总表"
    plan = plan[3:]
    n_acts = sum(2 if c.name == "淳安县" else 4 for c in REG.counties) + 1
    assert len([r for r in plan if r[0]]) == n_acts
    order = [c.name for c in REG.cities]
    seen = [str(r[1]).split("\n")[0] for r in plan]
    assert seen == sorted(seen, key=order.index)  # 杭宁温嘉湖绍金衢舟台丽
    joint = next(r for r in plan if r[2] == "山海协作联合义诊")
    assert joint[7] == "是\n西湖区、淳安县"
    assert {r[8] for r in plan} == {"是", "否"}

    issues = _sheet_rows(wb["数据问题"])[3:]
    assert len(issues) == len(d["issues"]) and len(issues[0]) == 8
    levels = [r[1] for r in issues]
    assert levels == sorted(levels, key=lambda x: x != "错误")
    assert any(r[2] == "金华市" and "各行相加为" in r[7] for r in issues)
    assert not any(r[6] and str(r[7]).startswith(f"{r[6]}：") for r in issues)

    changes = _sheet_rows(wb["更正记录"])[3:]
    old = pv.h1_value("海曙区", "teams_completed")
    assert [r[1:3] for r in changes] == [["海曙区", f"本地区已完成服务团数量：{old} → 99"]]
    assert len(changes[0]) == 5  # one row per county and file, the changed figures in it

    about = " ".join(str(c) for r in _sheet_rows(wb["说明"]) for c in r)
    assert not any(s["sha256"] in about for s in d["submissions"])
    files = {r[2] for r in _sheet_rows(wb["收到的文件"])}
    assert all(s["file"] in files for s in d["submissions"])


def test_fy_after_h1(province: dict[str, Any]) -> None:
    d = province["fy"]
    assert d["period"] == "2023FY"
    assert d["province"]["totals"] == expected_totals(pv.fy_value, [c.name for c in REG.cities])
    issues = [i for i in d["issues"] if i["code"] == "fy-below-h1"]
    # 南湖区 by construction; 海曙区 because its corrected half-year figure (99) is above FY
    assert sorted(i["county"] for i in issues) == ["南湖区", "海曙区"]
    assert any("全年数 " in i["message"] and "小于上半年数 99" in i["message"] for i in issues)
    by = {c["county"]: c for c in d["counties"]}
    teams = pv.fy_value("淳安县", "teams_completed")
    assert by["淳安县"]["activities_ok"] is (teams >= 4)
    assert not [
        i for i in d["issues"] if i["code"] == "total-mismatch" and "上半年" in i["file"]
    ]  # H1's problems stay in H1
    wb = openpyxl.load_workbook(province["fy_book"], data_only=True)
    assert wb["成果汇总"]["A2"].value.startswith("2023年度“智聚山海")
    detail = wb["分县明细"]
    marked = [c for row in detail.iter_rows() for c in row if c.comment]
    assert {c.offset(0, -c.column + 2).value for c in marked} >= {"南湖区", "海曙区"}
    assert all("※" in c.number_format for c in marked)
    notes = [str(r[0]) for r in _sheet_rows(wb["成果汇总"]) if r[0]]
    assert sum("※" in n and "全年数" in n for n in notes) == 2


def test_rerun_with_nothing_new_changes_nothing(province: dict[str, Any], tmp_path: Path) -> None:
    base = province["base"]
    runner = province["runner"]
    again, _ = run(runner, base, "2023H1", "2023-06-12T12:00", "h1-again")
    first = dict(province["h1"])
    assert {k: v for k, v in again.items()} == first


def test_status_lists_late_missing_and_who_to_chase(province: dict[str, Any]) -> None:
    base = province["base"]
    result = province["runner"].invoke(
        app,
        [
            "status",
            "--period",
            "2023H1",
            "--inbox",
            str(base / "inbox"),
            "--state",
            str(base / "state"),
            "--now",
            "2023-06-12T12:00",
        ],
        terminal_width=260,
    )
    assert result.exit_code == 0, result.output
    assert (
        "逾期 2 天" in result.output and "未报送" in result.output and "催报名单" in result.output
    )
    assert "缺少县（市、区）：文成县" in result.output


def test_period_auto_picks_latest_passed_deadline(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "inbox").mkdir()
    d, out = run(runner, tmp_path, "auto", "2023-07-01", "auto")
    assert d["period"] == "2023H1"
    d, out = run(runner, tmp_path, "auto", "2023-12-11T09:00", "auto2")
    assert d["period"] == "2023FY"


def test_empty_inbox_says_no_county_has_returned(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "inbox").mkdir()
    result = runner.invoke(
        app,
        summary_args(tmp_path / "inbox", tmp_path / "state", tmp_path / "out", now="2023-06-20"),
    )
    assert result.exit_code == 0 and "尚无县（市、区）报送" in result.output
    wb = openpyxl.load_workbook(tmp_path / "out" / "2023H1_专家服务活动成果汇总表.xlsx")
    assert any("已报送 0 个" in str(r[0]) for r in _sheet_rows(wb["成果汇总"]))


def test_bad_period_is_a_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "inbox").mkdir()
    result = runner.invoke(
        app,
        [
            "summary",
            "--period",
            "2023Q3",
            "--inbox",
            str(tmp_path / "inbox"),
            "--state",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 2 and "2023H1" in result.output


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_workbook_opens_in_libreoffice(province: dict[str, Any], tmp_path: Path) -> None:
    book = province["h1_book"]
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / (book.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000


@pytest.mark.parametrize(("as_of", "period"), [("2023-06-09", "2023H1"), ("2023-12-09", "2023FY")])
def test_official_title_without_period_is_read_by_receipt_time(
    tmp_path: Path, runner: CliRunner, as_of: str, period: str
) -> None:
    from content import a5_sample

    from aggregator.demo.samples import write_a5

    sample = a5_sample()
    sample.title = "2023年“智聚山海·助力共富”专家服务活动成果汇总表"  # as printed in the notice
    sample.filled = None
    (tmp_path / "inbox" / "宁波市").mkdir(parents=True)
    write_a5(tmp_path / "inbox" / "宁波市" / "成果汇总表.xlsx", sample, "xlsxwriter")
    result = runner.invoke(
        app,
        summary_args(
            tmp_path / "inbox",
            tmp_path / "state",
            tmp_path / "out",
            period=period,
            json_out=tmp_path / "s.json",
            now=as_of,
        ),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (
        doc["submissions"][0]["status"] == "accepted" and doc["submissions"][0]["period"] == period
    )
    assert doc["province"]["counties_reported"] == 10
    note = next(i for i in doc["issues"] if i["code"] == "period-from-receipt")
    assert note["severity"] == "warning" and "请在标题中注明期次" in note["message"]
