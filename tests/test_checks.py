"""The checks: 合计 rows, whole year against half year, plausibility, pairings."""

from __future__ import annotations

from content import NINGBO
from judge_inputs import (
    FY,
    ON_TIME_FY,
    ON_TIME_H1,
    issue_codes,
    results,
    run,
    sub,
    vals,
)

from aggregator.judge.checks import check_pairings
from aggregator.judge.facts import Facts
from aggregator.rulebook import Context


def issues(facts: Facts, code: str) -> list[dict]:
    return [i for i in facts.json["issues"] if i["code"] == code]


def test_a_total_row_that_does_not_add_up(ctx: Context) -> None:
    total = vals(30, expert_visits=31, suggestions=None)  # 10 + 20 = 30; a blank is not checked
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals(10), "江北区": vals(20)}, total=total)
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), r))
    (i,) = issues(facts, "total-mismatch")
    assert (i["severity"], i["file"], i["sheet"], i["city"]) == (
        "error",
        "宁波.xlsx",
        "Sheet1",
        "宁波市",
    )
    assert i["cell"] == "D7"  # expert_visits is the second metric column, the 合计 row is row 7
    assert "31" in i["message"] and "30" in i["message"] and "邀请专家总人次" in i["message"]
    # the total row is never counted
    assert facts.json["province"]["totals"]["expert_visits"] == 30


def test_a_total_row_over_blank_cells_says_so(ctx: Context) -> None:
    r = results(
        "宁波.xlsx", "宁波市", {"海曙区": vals(10), "江北区": vals(20, lectures_trainings=None)},
        total=vals(30),
    )  # fmt: skip
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), r))
    (i,) = issues(facts, "total-mismatch")
    assert "部分县未填" in i["message"] and "各行相加为 10" in i["message"]


def test_whole_year_below_half_year(ctx: Context) -> None:
    h1 = results("宁波上半年.xlsx", "宁波市", {"海曙区": vals(10), "江北区": vals(10)})
    fy = results(
        "宁波全年.xlsx", "宁波市", {"海曙区": vals(12, suggestions=9), "江北区": vals(10)}, FY
    )
    pairs = [(sub("宁波上半年.xlsx", ON_TIME_H1), h1), (sub("宁波全年.xlsx", ON_TIME_FY), fy)]
    _, facts = run(ctx, *pairs, period=FY)
    (i,) = issues(facts, "fy-below-h1")
    assert (i["severity"], i["county"], i["city"], i["file"]) == (
        "error",
        "海曙区",
        "宁波市",
        "宁波全年.xlsx",
    )
    assert "全年数 9 小于上半年数 10" in i["message"]
    # the half-year summary does not compare
    _, half = run(ctx, *pairs)
    assert issues(half, "fy-below-h1") == []


def test_expert_visits_below_completed_teams(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals(10, teams_completed=12), "江北区": vals(10)})
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), r))
    (i,) = issues(facts, "visits-below-teams")
    assert (i["severity"], i["county"], i["file"]) == ("warning", "海曙区", "宁波.xlsx")
    assert "（10）" in i["message"] and "（12）" in i["message"]


def test_a_value_far_outside_the_other_counties(ctx: Context) -> None:
    rows = {c: vals(10 + i) for i, c in enumerate(NINGBO)}
    rows["北仑区"] = vals(12, residents_benefited=50000)
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), results("宁波.xlsx", "宁波市", rows)))
    (i,) = issues(facts, "value-outlier")
    assert (i["severity"], i["county"], i["city"], i["file"]) == (
        "warning",
        "北仑区",
        "宁波市",
        "宁波.xlsx",
    )
    assert "惠及当地群众总人数" in i["message"] and "50000" in i["message"]


def test_outliers_need_enough_counties_and_a_large_multiple(ctx: Context) -> None:
    assert ctx.policy.outlier_min_counties == 8
    few = {c: vals(10) for c in NINGBO[:7]}
    few["北仑区"] = vals(10, suggestions=5000)  # 7 counties: too few to tell
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), results("宁波.xlsx", "宁波市", few)))
    assert issues(facts, "value-outlier") == []
    # all equal but one (no spread): flagged only beyond the median multiple
    rows = {c: vals(10) for c in NINGBO}
    rows["海曙区"] = vals(10, suggestions=100, clinic_visits=101)
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), results("宁波.xlsx", "宁波市", rows)))
    assert [i["message"][:16] for i in issues(facts, "value-outlier")] == [
        "海曙区“义诊总人次”为 101，"
    ]
    assert "∞" in issues(facts, "value-outlier")[0]["message"]


def test_mountain_counties_without_a_usable_pairing(ctx: Context) -> None:
    _, facts = run(ctx)
    (i,) = issues(facts, "pairing-unknown")
    assert i["severity"] == "warning" and "pairings-2023.csv" in i["message"]
    unpaired = [m for m in ctx.policy.mountain if not ctx.policy.partners(m)]
    assert "永嘉县" in unpaired and "淳安县" not in unpaired
    assert all(m in i["message"] for m in unpaired)
    assert "淳安县" not in i["message"]
    # with every mountain county paired there is nothing to say
    paired = [c for c in facts.counties if c.mountain and c.paired_with]
    assert check_pairings(paired, ctx.policy) == []


def test_a_clean_return_raises_no_data_problem(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {c: vals(10) for c in NINGBO}, total=vals(100))
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), r))
    data_codes = {"total-mismatch", "fy-below-h1", "visits-below-teams", "value-outlier"}
    assert data_codes.isdisjoint(issue_codes(facts))
