"""build_facts: county and city tables, 报送情况, the chase list, submissions and the digest."""

from __future__ import annotations

from judge_inputs import (
    AS_OF,
    FY,
    H1,
    ON_TIME_H1,
    ON_TIME_PLAN,
    act,
    issue_codes,
    plan,
    rejected,
    results,
    run,
    sub,
    vals,
)

from aggregator.judge.decide import decide
from aggregator.judge.facts import build_facts
from aggregator.judge.reporting import MISSING
from aggregator.rulebook import Context
from aggregator.vocab import Status

CONTACT = ("陈静", "0574-87654321")


def test_a_missing_county_has_no_metrics_and_totals_add_reported_figures(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals(10), "江北区": vals(5, suggestions=None)})
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), r))
    by = {c["county"]: c for c in facts.json["counties"]}
    assert len(by) == len(ctx.registry.counties) == 90
    assert (by["北仑区"]["reported"], by["北仑区"]["metrics"]) == (False, None)
    assert by["江北区"]["reported"] and by["江北区"]["metrics"]["suggestions"] is None
    ningbo = next(c for c in facts.json["cities"] if c["city"] == "宁波市")
    assert ningbo["totals"]["teams_completed"] == 15
    assert ningbo["totals"]["suggestions"] == 10  # a blank adds nothing
    assert (ningbo["counties_expected"], ningbo["counties_reported"]) == (10, 2)
    assert ningbo["missing_counties"] == [c.name for c in ctx.registry.counties_of("宁波市")][2:]
    hangzhou = next(c for c in facts.json["cities"] if c["city"] == "杭州市")
    assert set(hangzhou["totals"].values()) == {0} and hangzhou["counties_reported"] == 0
    province = facts.json["province"]
    assert (province["counties_expected"], province["counties_reported"]) == (90, 2)
    assert province["totals"]["expert_visits"] == 15
    assert next(c for c in facts.counties if c.county == "海曙区").file == "宁波.xlsx"


def test_returns_and_chase_list(ctx: Context) -> None:
    p = plan("宁波计划.xlsx", "宁波市", [act("海曙区", "宁波市")], contact=CONTACT)
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals()}, contact=("李明", "0574-1"))
    late = results("杭州.xlsx", "杭州市", {"西湖区": vals()})
    _, facts = run(
        ctx,
        (sub("宁波计划.xlsx", ON_TIME_PLAN), p),
        (sub("宁波.xlsx", ON_TIME_H1), r),
        (sub("杭州.xlsx", "2023-06-13T10:00:00+08:00"), late),
    )
    rows = {(x.city, x.form): x for x in facts.returns}
    assert len(rows) == 2 * len(ctx.registry.cities)
    ningbo = rows[("宁波市", "A5")]
    assert (ningbo.state, ningbo.files, ningbo.on_time) == ("按时", "宁波.xlsx", True)
    assert (ningbo.contact, ningbo.phone) == ("李明", "0574-1")  # the latest contact
    assert str(ningbo.deadline) == "2023-06-10" and ningbo.form_label.startswith("附件5")
    hz = rows[("杭州市", "A5")]
    assert (hz.state, hz.on_time, hz.late_days) == ("逾期 3 天", False, 3)
    assert (rows[("杭州市", "A4")].state, rows[("杭州市", "A4")].received_at) == (MISSING, None)
    assert str(rows[("杭州市", "A4")].deadline) == "2023-03-13"
    chase = [(c.city, c.missing) for c in facts.chase]
    assert ("杭州市", "附件4 活动计划表（2023年）") in chase
    assert ("温州市", "附件5 成果汇总表（2023年上半年）") in chase
    assert not any(city == "宁波市" and what.startswith(("附件4", "附件5")) for city, what in chase)
    # after 3月6日 every city without three recommended experts is asked for its 附件3 as well
    a3 = "附件3 专家服务基层重点联系专家推荐表（未报送；应推荐不少于 3 名专家）"
    assert ("宁波市", a3) in chase
    # a city whose results are in, with counties missing, is called about them
    ningbo_missing = [c for c in facts.chase if c.city == "宁波市" and "附件3" not in c.missing]
    missing_names = [n.name for n in ctx.registry.counties_of("宁波市")][1:]
    assert [c.missing for c in ningbo_missing] == ["缺少县（市、区）：" + "、".join(missing_names)]
    assert (ningbo_missing[0].contact, ningbo_missing[0].phone) == ("李明", "0574-1")
    # a city with nothing in is not asked for its counties, only for its returns
    assert [c.missing for c in facts.chase if c.city == "温州市"] == [
        "附件4 活动计划表（2023年）",
        "附件5 成果汇总表（2023年上半年）",
        a3,
    ]
    (lateness,) = [i for i in facts.json["issues"] if i["code"] == "return-late"]
    assert (lateness["file"], lateness["city"]) == ("杭州.xlsx", "杭州市")
    assert "逾期 3 天" in lateness["message"] and "2023-06-10" in lateness["message"]
    missing = [i for i in facts.json["issues"] if i["code"] == "return-missing"]
    assert len(missing) == 2 * len(ctx.registry.cities) - 3
    assert {i["severity"] for i in missing} == {"warning"}


def test_a_rejected_return_leaves_the_city_on_the_chase_list(ctx: Context) -> None:
    bad = rejected("宁波.xlsx", "form-not-found", "没有找到表头", form=None)
    _, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), bad))
    row = next(x for x in facts.returns if (x.city, x.form) == ("宁波市", "A5"))
    assert row.state == MISSING
    assert ("宁波市", "附件5 成果汇总表（2023年上半年）") in [
        (c.city, c.missing) for c in facts.chase
    ]


def test_whole_year_summary_owes_the_plan_and_the_whole_year_return(ctx: Context) -> None:
    h1 = results("宁波上半年.xlsx", "宁波市", {"海曙区": vals()})
    _, facts = run(ctx, (sub("宁波上半年.xlsx", ON_TIME_H1), h1), period=FY)
    forms = {(x.form, x.deadline.isoformat()) for x in facts.returns if x.city == "宁波市"}
    assert forms == {("A4", "2023-03-13"), ("A5", "2023-12-10")}
    assert next(x for x in facts.returns if (x.city, x.form) == ("宁波市", "A5")).state == MISSING
    assert facts.json["province"]["counties_reported"] == 0  # half-year figures do not count
    assert facts.json["period"] == "2023FY" and facts.json["period_label"] == "2023年度"


def test_submissions_and_digest(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals(6, teams_completed=5), "江北区": vals(7)})
    newer = results("宁波_v2.xlsx", "宁波市", {"海曙区": vals(6), "江北区": vals(7)})
    pairs = [
        (sub("宁波.xlsx", "2023-06-01T09:00:00+08:00", content="a"), r),
        (sub("宁波（副本）.xlsx", "2023-06-01T10:00:00+08:00", content="a"), r),
        (sub("宁波_v2.xlsx", "2023-06-11T10:00:00+08:00"), newer),
        (
            sub("坏.xlsx", ON_TIME_H1),
            rejected("坏.xlsx", "no-rows", "表头下面没有读到任何数据行。"),
        ),
    ]
    entries = decide(pairs, ctx.policy)
    assert [e.status for e in entries] == ["superseded", "duplicate", "accepted", "rejected"]
    facts = build_facts(entries, ctx, H1, AS_OF, [], [("~$宁波.xlsx", "abc")])
    subs = facts.json["submissions"]
    assert [(s["file"], s["status"], s["on_time"], s["late_days"]) for s in subs] == [
        ("宁波.xlsx", "superseded", True, 0),
        ("宁波（副本）.xlsx", "duplicate", None, 0),
        ("宁波_v2.xlsx", "accepted", False, 1),
        ("坏.xlsx", "rejected", None, 0),
        ("~$宁波.xlsx", "ignored", None, 0),
    ]
    assert subs[0]["received_at"] == "2023-06-01T09:00:00+08:00"
    assert [(f.file, f.status) for f in facts.inputs][-1] == ("坏.xlsx", Status.REJECTED)
    d = facts.digest
    assert d.statuses == {
        "accepted": 1, "rejected": 1, "superseded": 1, "duplicate": 1, "ignored": 1, "unpacked": 0,
    }  # fmt: skip
    assert d.files == 5
    assert (d.counties_reported, d.counties_expected) == (2, 90)
    assert (d.teams, d.expert_visits) == (6 + 7, 6 + 7)
    issues = facts.json["issues"]
    assert d.errors == sum(i["severity"] == "error" for i in issues) == 1  # the rejected file's
    assert d.warnings == len(issues) - 1
    assert {"duplicate", "superseded", "no-rows", "pairing-unknown"} <= set(issue_codes(facts))
    # the earliest return of the city decides timeliness (the first came on time)
    row = next(x for x in facts.returns if (x.city, x.form) == ("宁波市", "A5"))
    assert (row.state, row.files) == ("按时", "宁波.xlsx\n宁波_v2.xlsx")
    assert "return-late" not in issue_codes(facts)
    assert d.counties_short == 0 and d.cities_without_demo_team == 0


def test_other_periods_row_problems_are_left_out(ctx: Context) -> None:
    h1 = results("宁波上半年.xlsx", "宁波市", {"海曙区": vals()})
    h1.add("warning", "value-approx", "约数")
    pairs = [(sub("宁波上半年.xlsx", ON_TIME_H1), h1)]
    _, half = run(ctx, *pairs)
    _, whole = run(ctx, *pairs, period=FY)
    assert "value-approx" in issue_codes(half)
    assert "value-approx" not in issue_codes(whole)
    extra = [i for i in half.json["issues"] if i["code"] == "value-approx"]
    assert extra[0]["file"] == "宁波上半年.xlsx" and extra[0]["city"] == "宁波市"
