"""Quota verdicts: county activities (plan rows at H1, completed teams at FY), joint activities
with a paired county from the policy's pairing file, a demonstration team per city."""

from __future__ import annotations

from judge_inputs import (
    FY,
    ON_TIME_FY,
    ON_TIME_PLAN,
    act,
    plan,
    results,
    run,
    sub,
    vals,
)

from aggregator.judge.facts import Facts
from aggregator.judge.quotas import OK, SHORT, UNKNOWN, QuotaRow
from aggregator.rulebook import Context


def quota(facts: Facts, county: str, starts: str) -> QuotaRow:
    (row,) = [q for q in facts.quotas if q.county == county and q.quota.startswith(starts)]
    return row


def county(facts: Facts, name: str) -> dict:
    return next(c for c in facts.json["counties"] if c["county"] == name)


def city(facts: Facts, name: str) -> dict:
    return next(c for c in facts.json["cities"] if c["city"] == name)


def test_half_year_quota_counts_plan_rows(ctx: Context) -> None:
    assert ctx.policy.county_min_activities == 4
    rows = [act("海曙区", "宁波市")] * 4 + [act("江北区", "宁波市")] * 3
    _, facts = run(ctx, (sub("宁波计划.xlsx", ON_TIME_PLAN), plan("宁波计划.xlsx", "宁波市", rows)))
    ok, short = quota(facts, "海曙区", "计划活动"), quota(facts, "江北区", "计划活动")
    assert (ok.required, ok.actual, ok.status, ok.shortfall) == (4, 4, OK, None)
    assert (short.actual, short.status, short.shortfall) == (3, SHORT, 1)
    assert short.source == ctx.policy.quota_text["county_activities"]["source_plan"]
    # a county of a city whose plan counts, with no rows: short by the whole quota
    assert (
        quota(facts, "北仑区", "计划活动").status,
        quota(facts, "北仑区", "计划活动").shortfall,
    ) == (SHORT, 4)
    # a city without a plan: cannot be told
    unknown = quota(facts, "西湖区", "计划活动")
    assert (unknown.status, unknown.actual, unknown.shortfall) == (UNKNOWN, 0, None)
    assert unknown.note.startswith("尚未报送")
    assert (county(facts, "海曙区")["activities_ok"], county(facts, "江北区")["activities_ok"]) == (
        True,
        False,
    )
    assert county(facts, "西湖区")["activities_ok"] is None
    assert county(facts, "海曙区")["planned_activities"] == 4
    assert city(facts, "宁波市")["planned_activities"] == 7


def test_whole_year_quota_counts_completed_teams(ctx: Context) -> None:
    r = results(
        "宁波全年.xlsx",
        "宁波市",
        {"海曙区": vals(10, teams_completed=4), "江北区": vals(10, teams_completed=3)},
        FY,
    )
    p = plan("宁波计划.xlsx", "宁波市", [act("海曙区", "宁波市")] * 2)
    _, facts = run(
        ctx,
        (sub("宁波计划.xlsx", ON_TIME_PLAN), p),
        (sub("宁波全年.xlsx", ON_TIME_FY), r),
        period=FY,
    )
    ok, short = quota(facts, "海曙区", "全年至少"), quota(facts, "江北区", "全年至少")
    assert (ok.actual, ok.status, ok.note) == (4, OK, "计划 2 场")
    assert (short.actual, short.status, short.shortfall) == (3, SHORT, 1)
    missing = quota(facts, "北仑区", "全年至少")  # not reported: unknown, whatever the plan says
    assert (missing.status, missing.actual) == (UNKNOWN, None)
    assert missing.note == "尚未报送，无法核验；计划 0 场"
    assert facts.digest.counties_short == 1


def test_a_blank_count_is_not_a_missing_return(ctx: Context) -> None:
    # a county that reported with 已完成服务团数量 left blank is not "尚未报送" (not chased)
    r = results("宁波全年.xlsx", "宁波市", {"海曙区": vals(10, teams_completed=None)}, FY)
    _, facts = run(ctx, (sub("宁波全年.xlsx", ON_TIME_FY), r), period=FY)
    blank = quota(facts, "海曙区", "全年至少")
    assert (blank.status, blank.actual, blank.shortfall) == (UNKNOWN, None, None)
    assert blank.note == "已报送但未填写该数，无法核验；计划 0 场"


def test_joint_activity_with_the_paired_county(ctx: Context) -> None:
    # pairings-2023.csv: 庆元县 (丽水市, mountain) is paired with 海曙区 (宁波市)
    assert ctx.policy.partners("庆元县") == ["海曙区"]
    assert ctx.policy.partners("海曙区") == ["庆元县"]
    rows = [act("海曙区", "宁波市", with_=("庆元县",)), act("镇海区", "宁波市", with_=("庆元县",))]
    _, facts = run(ctx, (sub("宁波计划.xlsx", ON_TIME_PLAN), plan("宁波计划.xlsx", "宁波市", rows)))
    haishu, qingyuan = quota(facts, "海曙区", "与结对"), quota(facts, "庆元县", "与结对")
    assert haishu.quota == "与结对地区联办活动（庆元县）"
    assert (haishu.actual, haishu.status) == (1, OK)
    # 丽水市 sent no plan, but the partner's plan counts for both sides; and a mountain county
    # co-hosting with a coastal county is a joint activity on its face (issue 12), so the row
    # with 镇海区 counts too, noted as a pairing the pairing file does not list
    assert (qingyuan.actual, qingyuan.status) == (2, OK)
    assert county(facts, "庆元县")["joint_activities"] == 2
    assert county(facts, "庆元县")["mountain"] is True
    assert ctx.policy.partners("镇海区") == []
    zhenhai = quota(facts, "镇海区", "与结对")
    assert (zhenhai.status, zhenhai.actual) == (OK, 1)
    assert "不在结对名单中" in zhenhai.note
    assert county(facts, "镇海区")["joint_unlisted"] == ["庆元县"]


def test_joint_quota_short_or_unknown(ctx: Context) -> None:
    # 淳安县 (mountain) and 西湖区 are both in 杭州市
    assert ctx.policy.partners("淳安县") == ["西湖区"]
    rows = [act("西湖区", "杭州市")] * 4
    _, facts = run(ctx, (sub("杭州计划.xlsx", ON_TIME_PLAN), plan("杭州计划.xlsx", "杭州市", rows)))
    short = quota(facts, "西湖区", "与结对")
    assert (short.actual, short.status, short.shortfall) == (0, SHORT, 1)
    assert county(facts, "西湖区")["joint_ok"] is False
    # every pair with a side in 杭州市 is judged: 西湖区—淳安县, 滨江区—泰顺县, 余杭区—柯城区
    short_ones = {c["county"] for c in facts.json["counties"] if c["joint_ok"] is False}
    assert short_ones == {"西湖区", "淳安县", "滨江区", "泰顺县", "余杭区", "柯城区"}
    assert facts.digest.joint_short == 6
    # neither side of 庆元县—海曙区 sent a plan: unknown
    assert quota(facts, "庆元县", "与结对").status == UNKNOWN


def test_demo_team_per_city(ctx: Context) -> None:
    ningbo = plan(
        "宁波计划.xlsx", "宁波市", [act("海曙区", "宁波市", demo=True), act("江北区", "宁波市")]
    )
    hangzhou = plan("杭州计划.xlsx", "杭州市", [act("西湖区", "杭州市")])
    _, facts = run(
        ctx,
        (sub("宁波计划.xlsx", ON_TIME_PLAN), ningbo),
        (sub("杭州计划.xlsx", ON_TIME_PLAN), hangzhou),
    )
    demo = {q.city: q for q in facts.quotas if q.quota.startswith("专家服务示范团")}
    assert len(demo) == len(ctx.registry.cities)
    assert (demo["宁波市"].status, demo["宁波市"].actual, demo["宁波市"].county) == (OK, 1, "")
    assert (demo["杭州市"].status, demo["杭州市"].actual, demo["杭州市"].shortfall) == (SHORT, 0, 1)
    assert (demo["温州市"].status, demo["温州市"].actual) == (UNKNOWN, None)
    assert (city(facts, "宁波市")["demo_team_ok"], city(facts, "杭州市")["demo_team_ok"]) == (
        True,
        False,
    )
    assert city(facts, "温州市")["demo_team_ok"] is None
    assert facts.digest.cities_without_demo_team == 1


def test_every_county_gets_two_quota_rows_and_every_city_two(ctx: Context) -> None:
    _, facts = run(ctx)
    assert len(facts.quotas) == 2 * len(ctx.registry.counties) + 2 * len(ctx.registry.cities)
    experts = [q for q in facts.quotas if q.quota.startswith("推荐基层重点联系专家")]
    # a city that sent no Attachment 3 has 0 experts: short, not unknown
    assert {(q.status, q.actual, q.shortfall) for q in experts} == {(SHORT, 0, 3)}
    others = [q for q in facts.quotas if q not in experts]
    assert {q.status for q in others} == {UNKNOWN, "不适用"}
