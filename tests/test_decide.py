"""decide: duplicates, rejections, supersession unit by unit, timeliness, period by receipt."""

from __future__ import annotations

from judge_inputs import (
    FY,
    ON_TIME_H1,
    act,
    issue_codes,
    plan,
    rejected,
    results,
    run,
    sub,
    vals,
)

from aggregator.judge.decide import Change, decide, entry_keys
from aggregator.read.returns import ReturnRead
from aggregator.rulebook import Context
from aggregator.vocab import Status


def test_same_bytes_twice_is_a_duplicate_of_the_first(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals()})
    first = sub("宁波.xlsx", ON_TIME_H1, content="same")
    again = sub("再次/宁波（副本）.xlsx", "2023-06-06T09:00:00+08:00", content="same")
    entries, facts = run(ctx, (first, r), (again, r))
    assert [e.status for e in entries] == [Status.ACCEPTED, Status.DUPLICATE]
    assert "宁波.xlsx" in entries[1].reason and entries[1].on_time is None
    assert entries[1].keys_won == []
    dup = [i for i in facts.json["issues"] if i["code"] == "duplicate"]
    assert [(i["file"], i["severity"]) for i in dup] == [("再次/宁波（副本）.xlsx", "warning")]
    # counted once
    assert facts.json["province"]["totals"]["teams_completed"] == 10


def test_a_rejected_read_stays_rejected_with_its_reason(ctx: Context) -> None:
    bad = rejected("宁波.pdf", "file-pdf", "这是 PDF 文件，不是 Excel 报表。")
    entries, facts = run(ctx, (sub("宁波.pdf", ON_TIME_H1), bad))
    (e,) = entries
    assert (e.status, e.reason, e.counted) == (
        Status.REJECTED,
        "这是 PDF 文件，不是 Excel 报表。",
        False,
    )
    (s,) = facts.json["submissions"]
    assert (s["status"], s["on_time"], s["reason"]) == ("rejected", None, e.reason)
    assert "file-pdf" in issue_codes(facts)


def test_a_later_return_supersedes_county_by_county(ctx: Context) -> None:
    old = results("宁波_v1.xlsx", "宁波市", {"海曙区": vals(10), "江北区": vals(20)})
    new = results("宁波_v2.xlsx", "宁波市", {"海曙区": vals(10, expert_visits=15)})
    entries, facts = run(
        ctx,
        (sub("宁波_v1.xlsx", "2023-06-01T09:00:00+08:00"), old),
        (sub("宁波_v2.xlsx", "2023-06-02T09:00:00+08:00"), new),
    )
    a, b = entries
    assert (a.status, a.keys_won) == (Status.ACCEPTED, ["江北区"])
    assert (b.status, b.keys_won) == (Status.ACCEPTED, ["海曙区"])
    assert b.changes == [Change("海曙区", "宁波_v1.xlsx", "宁波_v2.xlsx", "expert_visits", 10, 15)]
    assert a.changes == []
    assert facts.changes == b.changes
    by = {c["county"]: c for c in facts.json["counties"]}
    assert by["海曙区"]["metrics"]["expert_visits"] == 15
    assert by["江北区"]["metrics"]["expert_visits"] == 20
    assert "superseded" not in issue_codes(facts)


def test_a_return_covering_every_unit_supersedes_the_earlier_one(ctx: Context) -> None:
    old = results("宁波_v1.xlsx", "宁波市", {"海曙区": vals(10)})
    new = results("宁波_v2.xlsx", "宁波市", {"海曙区": vals(12), "江北区": vals(3)})
    entries, facts = run(
        ctx,
        (sub("宁波_v1.xlsx", "2023-06-01T09:00:00+08:00"), old),
        (sub("宁波_v2.xlsx", "2023-06-02T09:00:00+08:00"), new),
    )
    a, b = entries
    assert a.status == Status.SUPERSEDED and "宁波_v2.xlsx" in a.reason
    assert (a.keys_won, b.keys_won) == ([], ["海曙区", "江北区"])
    assert {(c.metric, c.old, c.new) for c in b.changes} == {(m, 10, 12) for m in vals()}
    issues = [i for i in facts.json["issues"] if i["code"] == "superseded"]
    assert [i["file"] for i in issues] == ["宁波_v1.xlsx"]
    # the superseded file still shows in 报送情况, and its receipt time is the return's
    (row,) = [r for r in facts.returns if r.city == "宁波市" and r.form == "A5"]
    assert row.files == "宁波_v1.xlsx\n宁波_v2.xlsx" and row.on_time


def test_supersession_stays_within_form_city_and_period(ctx: Context) -> None:
    h1 = results("宁波_上半年.xlsx", "宁波市", {"海曙区": vals(10)})
    fy = results("宁波_全年.xlsx", "宁波市", {"海曙区": vals(20)}, FY)
    other = results("杭州.xlsx", "杭州市", {"西湖区": vals(5)})
    entries = decide(
        [
            (sub("宁波_上半年.xlsx", ON_TIME_H1), h1),
            (sub("宁波_全年.xlsx", "2023-12-01T09:00:00+08:00"), fy),
            (sub("杭州.xlsx", ON_TIME_H1), other),
        ],
        ctx.policy,
    )
    assert all(e.status == Status.ACCEPTED for e in entries)
    assert all(e.changes == [] for e in entries)


def test_a_later_plan_records_the_change_of_planned_count(ctx: Context) -> None:
    old = plan("宁波计划_v1.xlsx", "宁波市", [act("海曙区", "宁波市")] * 2)
    new = plan("宁波计划_v2.xlsx", "宁波市", [act("海曙区", "宁波市")] * 4)
    entries = decide(
        [
            (sub("宁波计划_v1.xlsx", "2023-03-01T09:00:00+08:00"), old),
            (sub("宁波计划_v2.xlsx", "2023-03-02T09:00:00+08:00"), new),
        ],
        ctx.policy,
    )
    assert entries[0].status == Status.SUPERSEDED
    assert entries[1].changes == [
        Change("海曙区", "宁波计划_v1.xlsx", "宁波计划_v2.xlsx", "planned_activities", 2, 4)
    ]


def test_a_citys_own_unit_is_its_own_key(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals(1), None: vals(7)})
    assert entry_keys(r) == ["海曙区", "市本级:宁波市"]
    p = plan("宁波计划.xlsx", "宁波市", [act(None, "宁波市"), act("海曙区", "宁波市")])
    p.activities[0].city = None  # a city-level row speaks for the return's city
    assert entry_keys(p) == ["市本级:宁波市", "海曙区"]
    # a later return of the 市本级 row alone supersedes that row only
    own = results("宁波市本级.xlsx", "宁波市", {None: vals(9)})
    entries, facts = run(
        ctx,
        (sub("宁波.xlsx", "2023-06-01T09:00:00+08:00"), r),
        (sub("宁波市本级.xlsx", "2023-06-02T09:00:00+08:00"), own),
    )
    assert [e.keys_won for e in entries] == [["海曙区"], ["市本级:宁波市"]]
    assert [(c.key, c.old, c.new) for c in entries[1].changes][0] == ("市本级:宁波市", 7, 9)
    assert [(o.city, o.metrics["teams_completed"]) for o in facts.city_rows] == [("宁波市", 9)]
    ningbo = next(c for c in facts.cities if c.city == "宁波市")
    assert ningbo.totals["teams_completed"] == 1 + 9  # the county and the city's own row
    assert ningbo.counties_reported == 1  # 市本级 is not a county
    assert "市本级" not in {c.county for c in facts.counties}


def test_on_time_until_the_end_of_the_deadline_day_china_time(ctx: Context) -> None:
    # the H1 deadline is 2023-06-10: on time until 24:00 China time, late one second after
    times = [
        "2023-06-10T23:59:59+08:00",
        "2023-06-10T15:59:59Z",  # the same moment in UTC
        "2023-06-11T00:00:00+08:00",
        "2023-06-10T16:00:01Z",
        "2023-06-12T00:00:00+08:00",
        "2023-06-12T00:00:01+08:00",
        "2023-06-10",  # a bare date is the end of that day
    ]
    pairs = [
        (sub(f"r{i}.xlsx", t), results(f"r{i}.xlsx", "宁波市", {"海曙区": vals()}))
        for i, t in enumerate(times)
    ]
    got = [(e.on_time, e.late_days) for e in decide(pairs, ctx.policy)]
    assert got == [(True, 0), (True, 0), (False, 1), (False, 1), (False, 1), (False, 2), (True, 0)]


def test_a_late_plan_is_late_against_the_plan_deadline(ctx: Context) -> None:
    p = plan("宁波计划.xlsx", "宁波市", [act("海曙区", "宁波市")])
    (e,) = decide([(sub("宁波计划.xlsx", "2023-03-15T10:00:00+08:00"), p)], ctx.policy)
    assert (e.on_time, e.late_days) == (False, 2)  # deadline 2023-03-13


def _no_period(file: str, *extra: tuple[str, str]) -> ReturnRead:
    r = results(file, "宁波市", {"海曙区": vals()})
    r.period = None
    r.rejected, r.reason = True, "无法判断报送期次"
    r.add("warning", "column-extra", "多出的列")
    r.add("error", "period-unknown", r.reason)
    for code, msg in extra:
        r.add("error", code, msg)
    return r


def test_a_results_return_without_period_is_taken_by_receipt_time(ctx: Context) -> None:
    june = _no_period("宁波六月.xlsx")
    october = _no_period("宁波十月.xlsx")
    entries, facts = run(
        ctx,
        (sub("宁波六月.xlsx", "2023-06-08T10:00:00+08:00"), june),
        (sub("宁波十月.xlsx", "2023-10-08T10:00:00+08:00"), october),
    )
    a, b = entries
    assert (a.status, a.read.period, a.read.rejected, a.on_time) == (
        "accepted",
        "2023H1",
        False,
        True,
    )
    assert (b.status, b.read.period) == ("accepted", "2023FY")
    assert [p.code for p in a.read.problems] == ["column-extra", "period-from-receipt"]
    note = next(i for i in facts.json["issues"] if i["code"] == "period-from-receipt")
    assert (note["severity"], note["file"]) == ("warning", "宁波六月.xlsx")
    assert "2023-06-08" in note["message"] and "上半年" in note["message"]
    assert facts.json["province"]["counties_reported"] == 1
    # the input's reading is not changed in place
    assert june.rejected and june.period is None


def test_no_period_and_a_cell_error_is_still_taken_by_receipt_time(ctx: Context) -> None:
    # one bad cell costs that cell, never the file (issue 12)
    r = _no_period("宁波.xlsx", ("value-invalid", "D5：无法识别"))
    (e,) = decide([(sub("宁波.xlsx", ON_TIME_H1), r)], ctx.policy)
    assert (e.status, e.read.period) == (Status.ACCEPTED, "2023H1")
    codes = [p.code for p in e.read.problems]
    assert "period-from-receipt" in codes and "value-invalid" in codes


def test_a_return_refused_for_something_else_stays_rejected(ctx: Context) -> None:
    r = results("宁波.xlsx", "宁波市", {"海曙区": vals()})
    r.period = None
    r.rejected, r.reason = True, "文件无法打开"
    r.add("error", "file-unreadable", r.reason)
    (e,) = decide([(sub("宁波.xlsx", ON_TIME_H1), r)], ctx.policy)
    assert (e.status, e.read.period) == (Status.REJECTED, None)
    assert "period-from-receipt" not in [p.code for p in e.read.problems]
