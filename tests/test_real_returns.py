"""Returns as real offices write them (issue 12): each test builds a return one such way and
asserts the figures and verdicts a person reading it would write down."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest
from content import A5_HEADER
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import A4Sample, write_a4
from aggregator.judge.decide import Entry, decide
from aggregator.judge.facts import build_facts
from aggregator.period import Period
from aggregator.read.reader import Context, read_return
from aggregator.read.returns import ReturnRead
from aggregator.rulebook.policy import CHINA
from aggregator.store.ledger import Submission

TITLE_H1 = "2023年上半年“智聚山海·助力共富”专家服务活动成果汇总表"
WENZHOU = "填报市局（盖章）：温州市人力资源和社会保障局"


def _book(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _row(area: str, n: object, remarks: str = "") -> list[object]:
    return ["", area, *[n] * 11, remarks]


def _read(path: Path, ctx: Context, label: str | None = None) -> ReturnRead:
    return read_return(path, label or path.name, ctx)


def codes(r: ReturnRead) -> list[str]:
    return [p.code for p in r.problems]


# -- sub-total rows ----------------------------------------------------------------------------
COUNTIES = [_row("鹿城区", 1), _row("永嘉县", 2), _row("文成县", 3)]  # 永嘉、文成: mountain


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("其中：山区26县", 5),
        ("其中:山区县", 5),
        ("山区县小计", 5),
        ("山区26县合计", 5),
        ("其中：26个山区县", 5),
        ("小计", 6),
        ("总计", 6),
        ("合 计", 6),
        ("温州市合计", 6),
        ("海岛县合计", 4),
        ("其中：海岛县", 4),
        ("沿海县小计", 1),
    ],
)
@pytest.mark.parametrize("where", ["top", "middle", "bottom"])
def test_sum_rows_are_never_counties_nor_errors(
    tmp_path: Path, ctx: Context, label: str, value: int, where: str
) -> None:
    body = list(COUNTIES)
    at = {"top": 0, "middle": 2, "bottom": 3}[where]
    if label in ("小计",) and where == "middle":
        value = 3  # a 小计 sums the block above it: 鹿城区 + 永嘉县
    body.insert(at, _row(label, value))
    r = _read(_book(tmp_path / "r.xlsx", [[TITLE_H1], [WENZHOU], A5_HEADER, *body]), ctx)
    assert not r.rejected
    assert [f.county for f in r.figures] == ["鹿城区", "永嘉县", "文成县"]
    assert [f.values["teams_completed"] for f in r.figures] == [1, 2, 3]
    assert not r.errors, r.errors
    assert [t.label for t in r.totals + r.subtotals] == [label]


def test_mountain_subtotal_checked_against_the_mountain_counties(
    tmp_path: Path, ctx: Context
) -> None:
    rows = [[TITLE_H1], [WENZHOU], A5_HEADER, *COUNTIES, _row("合计", 6), _row("其中：山区26县", 6)]
    r = _read(_book(tmp_path / "r.xlsx", rows), ctx)
    bad = [p for p in r.problems if p.code == "subtotal-mismatch"]
    assert len(bad) == 11 and all(p.severity == "error" for p in bad)
    assert bad[0].cell == "C8" and "永嘉县、文成县" in bad[0].message and "填报 6" in bad[0].message
    assert not r.rejected and [f.county for f in r.figures] == ["鹿城区", "永嘉县", "文成县"]


def test_part_subtotal_that_cannot_be_told_is_a_note(tmp_path: Path, ctx: Context) -> None:
    rows = [[TITLE_H1], [WENZHOU], A5_HEADER, *COUNTIES, _row("海岛县合计", 99)]
    r = _read(_book(tmp_path / "r.xlsx", rows), ctx)
    assert codes(r).count("subtotal-ignored") == 1 and not r.errors
    assert r.subtotals[0].kind == "part"


def test_block_subtotals_each_sum_their_block(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        [WENZHOU],
        A5_HEADER,
        _row("鹿城区", 1),
        _row("龙湾区", 2),
        _row("小计", 3),
        _row("永嘉县", 4),
        _row("文成县", 5),
        _row("小计", 10),  # wrong: 9
        _row("合计", 12),
    ]
    r = _read(_book(tmp_path / "r.xlsx", rows), ctx)
    bad = [p for p in r.problems if p.code == "subtotal-mismatch"]
    assert {p.cell[1:] for p in bad} == {"9"} and "相加为 9" in bad[0].message
    assert [f.county for f in r.figures] == ["鹿城区", "龙湾区", "永嘉县", "文成县"]


# -- one bad cell costs one cell -------------------------------------------------------------
def _entries(
    paths: list[tuple[Path, str, str]], ctx: Context
) -> list[Entry]:  # (file, label, received at)
    pairs = []
    for i, (p, label, at) in enumerate(paths, start=1):
        sub = Submission(i, label, f"{i:064x}", p.stat().st_size, at, p)
        pairs.append((sub, read_return(p, label, ctx)))
    return decide(pairs, ctx.policy)


def test_no_period_title_and_a_bad_cell_is_taken_by_receipt(tmp_path: Path, ctx: Context) -> None:
    rows = [
        ["2023年“智聚山海·助力共富”专家服务活动成果汇总表"],  # as the notice prints it: no period
        [WENZHOU],
        A5_HEADER,
        _row("鹿城区", 1),
        ["", "永嘉县", 2, "abc", *[2] * 9, ""],
        _row("文成县", "3条"),
    ]
    p = _book(tmp_path / "r.xlsx", rows)
    r = _read(p, ctx)
    assert not r.rejected and r.period is None
    bad = [x for x in r.problems if x.severity == "error"]
    assert [(x.code, x.cell, x.county) for x in bad] == [("value-invalid", "D5", "永嘉县")]
    assert [f.values["expert_visits"] for f in r.figures] == [1, None, 3]
    assert [f.values["suggestions"] for f in r.figures] == [1, 2, 3]  # 3条 is 3
    (e,) = _entries([(p, "温州市/成果汇总表.xlsx", "2023-06-09T10:00:00+08:00")], ctx)
    assert (e.status, e.read.period) == ("accepted", "2023H1")
    assert "period-from-receipt" in codes(e.read) and "value-invalid" in codes(e.read)
    assert "period-unknown" not in codes(e.read)


def test_check_does_not_refuse_a_file_whose_only_faults_are_cells(
    tmp_path: Path, ctx: Context, runner: CliRunner
) -> None:
    rows = [
        ["2023年“智聚山海·助力共富”专家服务活动成果汇总表"],
        [WENZHOU],
        A5_HEADER,
        _row("鹿城区", 1),
        ["", "永嘉县", 2, "abc", *[2] * 9, ""],
    ]
    p = _book(tmp_path / "r.xlsx", rows)
    result = runner.invoke(app, ["check", str(p)])
    assert "拒收" not in result.output and "D5" in result.output


# -- a county's own return -------------------------------------------------------------------
PLAN_TITLE = "2023年“智聚山海·助力共富”专家服务工程活动计划表"
UNNAMED_HOSTS = ["县人力社保局", "本局", "县科协", "", "县人力社保局、县农业农村局"]


def _plan(path: Path, sender: str, hosts: list[str], style: str = "xlsxwriter") -> Path:
    rows = [
        {
            "activity_name": f"专家服务活动{i}",
            "content": "技术指导",
            "planned_date": f"2023年{i + 3}月",
            "hosts": h,
            "experts_invited": "5人",
            "demo_team_activity": "否",
        }
        for i, h in enumerate(hosts, start=1)
    ]
    return write_a4(path, A4Sample(sender, PLAN_TITLE, rows, county_column=False), style)


@pytest.mark.parametrize(
    ("sender", "label"),
    [
        ("淳安县人力资源和社会保障局", "附件4.xlsx"),
        ("淳安县人力社保局（盖章）", "x.xlsx"),
        ("", "杭州市/淳安县/附件4.xlsx"),
        ("", "淳安县2023年活动计划表.xlsx"),
    ],
)
def test_county_own_plan_rows_with_unnamed_hosts_are_the_county_s(
    tmp_path: Path, ctx: Context, sender: str, label: str
) -> None:
    r = _read(_plan(tmp_path / "p.xlsx", sender, UNNAMED_HOSTS), ctx, label)
    assert (r.city, r.sender_county) == ("杭州市", "淳安县")
    assert [a.county for a in r.activities] == ["淳安县"] * 5
    assert "activity-county-unknown" not in codes(r)


def test_county_own_plan_co_hosted_row_is_the_county_s_and_joint(
    tmp_path: Path, ctx: Context
) -> None:
    r = _read(_plan(tmp_path / "p.xlsx", "淳安县人力社保局", ["县人力社保局、西湖区科协"]), ctx)
    (a,) = r.activities
    assert (a.county, a.counties, a.joint) == ("淳安县", ["淳安县", "西湖区"], True)


def test_three_county_plans_of_one_city_all_count(tmp_path: Path, ctx: Context) -> None:
    made = [
        (_plan(tmp_path / "a.xlsx", "淳安县人力社保局", UNNAMED_HOSTS[:4]), "杭州市/a.xlsx"),
        (_plan(tmp_path / "b.xlsx", "", UNNAMED_HOSTS[:3]), "杭州市/建德市/附件4.xlsx"),
        (_plan(tmp_path / "c.xlsx", "", UNNAMED_HOSTS, "openpyxl"), "杭州市/桐庐县附件4.xlsx"),
    ]
    entries = _entries([(p, label, "2023-03-10T09:00:00+08:00") for p, label in made], ctx)
    assert [e.status for e in entries] == ["accepted"] * 3
    facts = build_facts(
        entries, ctx, Period.parse("2023H1"), dt.datetime(2023, 3, 20, tzinfo=CHINA), [], []
    )
    county = {c["county"]: c for c in facts.json["counties"]}
    assert [county[n]["planned_activities"] for n in ("淳安县", "建德市", "桐庐县")] == [4, 3, 5]
    assert [county[n]["activities_ok"] for n in ("淳安县", "建德市", "桐庐县")] == [
        True,
        False,
        True,
    ]
    city = next(c for c in facts.json["cities"] if c["city"] == "杭州市")
    assert city["planned_activities"] == 12  # nothing counted as 市本级


@pytest.mark.parametrize(
    ("sender", "area", "label"),
    [
        ("填报单位：淳安县人力社保局", "本县", "x.xlsx"),
        ("填报单位：淳安县人力社保局", "", "x.xlsx"),
        ("填报单位：", "本县", "杭州市/淳安县/附件5.xlsx"),
        ("填报单位：淳安县人力社保局", "淳安县", "x.xlsx"),
    ],
)
def test_county_own_results_return(
    tmp_path: Path, ctx: Context, sender: str, area: str, label: str
) -> None:
    rows = [[TITLE_H1], [sender], A5_HEADER, _row(area, 7), _row("合计", 7)]
    r = _read(_book(tmp_path / "r.xlsx", rows), ctx, label)
    assert (r.city, r.sender_county) == ("杭州市", "淳安县")
    assert [(f.county, f.values["teams_completed"]) for f in r.figures] == [("淳安县", 7)]
    assert not r.errors and "county-not-listed" not in codes(r)
    assert ("area-is-sender" in codes(r)) == (area == "")  # a blank area is named, 本县 is not


# -- joint activities --------------------------------------------------------------------------
def _quotas(tmp_path: Path, ctx: Context, hosts: list[str]) -> dict[str, dict[str, object]]:
    p = _plan(tmp_path / "lishui.xlsx", "丽水市人力资源和社会保障局", hosts)
    entries = _entries([(p, "丽水市/附件4.xlsx", "2023-03-10T09:00:00+08:00")], ctx)
    facts = build_facts(
        entries, ctx, Period.parse("2023H1"), dt.datetime(2023, 3, 20, tzinfo=CHINA), [], []
    )
    return {r.county: asdict(r) for r in facts.quotas if r.quota.startswith("与结对地区联办")}


def test_joint_activities_as_a_reader_would_count_them(tmp_path: Path, ctx: Context) -> None:
    q = _quotas(
        tmp_path,
        ctx,
        [
            "龙泉市人力社保局、秀洲区人力社保局",  # a listed pair, across two cities
            "景宁县人社局、上城区人社局",  # mountain + coastal, not in the pairing file
            "缙云县人力社保局",  # a mountain county whose pair is not known
        ],
    )
    assert (q["龙泉市"]["status"], q["龙泉市"]["actual"]) == ("达标", 1)
    assert (q["秀洲区"]["status"], q["秀洲区"]["actual"]) == ("达标", 1)  # another city's county
    assert q["龙泉市"]["note"] == ""
    assert (q["景宁畲族自治县"]["status"], q["上城区"]["status"]) == ("达标", "达标")
    assert "上城区" in str(q["景宁畲族自治县"]["note"]) and "不在结对名单" in str(
        q["上城区"]["note"]
    )
    assert q["缙云县"]["status"] == "无法核验" and "未掌握其结对" in str(q["缙云县"]["note"])
    assert q["拱墅区"]["status"] == "不适用" and q["拱墅区"]["actual"] is None
    assert q["海盐县"]["status"] == "未达标"  # paired with 景宁, whose plan shows no joint with it
    assert q["西湖区"]["status"] == "无法核验"  # paired with 淳安县; 杭州市's plan not in


# -- 市本级 and 备注 ----------------------------------------------------------------------------
def test_city_own_row_and_remarks_reach_the_summary(tmp_path: Path, ctx: Context) -> None:
    rows = [
        [TITLE_H1],
        [WENZHOU],
        A5_HEADER,
        _row("鹿城区", 1, "含线上培训2场"),
        _row("永嘉县", 2),
        _row("市本级", 4, "市局直接组织"),
        _row("合计", 7),
    ]
    p = _book(tmp_path / "r.xlsx", rows)
    (e,) = _entries([(p, "温州市/r.xlsx", "2023-06-09T10:00:00+08:00")], ctx)
    facts = build_facts(
        [e], ctx, Period.parse("2023H1"), dt.datetime(2023, 6, 20, tzinfo=CHINA), [], []
    )
    county = {c["county"]: c for c in facts.json["counties"]}
    assert county["鹿城区"]["remarks"] == "含线上培训2场" and county["永嘉县"]["remarks"] == ""
    assert [asdict(r) for r in facts.city_rows] == [
        {"city": "温州市", "metrics": {m: 4 for m in facts.json["metrics"]}}
    ]
    city = next(c for c in facts.json["cities"] if c["city"] == "温州市")
    assert city["totals"]["teams_completed"] == 7
    assert not [i for i in facts.json["issues"] if i["code"] == "total-mismatch"]


def test_blank_city_own_template_row_is_no_warning(tmp_path: Path, ctx: Context) -> None:
    rows = [[TITLE_H1], [WENZHOU], A5_HEADER, _row("鹿城区", 1), ["", "市本级", *[""] * 12]]
    r = _read(_book(tmp_path / "r.xlsx", rows), ctx)
    assert [f.county for f in r.figures] == ["鹿城区"] and "county-blank" not in codes(r)
