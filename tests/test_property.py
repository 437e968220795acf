"""Issue 14: any figure in any metric, through value parsing → decide → merge → quotas → facts,
never raises and never wraps; and numbers near 2^53 give no false 合计 mismatch."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import openpyxl
from content import A5_HEADER, METRICS, NINGBO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from judge_inputs import ON_TIME_H1, fig, run, sub

from aggregator.read.reader import read_return
from aggregator.read.returns import ReturnRead
from aggregator.read.rows import _a5_values
from aggregator.rulebook import Context

_INTS = st.one_of(
    st.integers(),
    st.sampled_from([10**19, -(10**19), 2**53 + 1, 2**53, 2**63, -(2**63), 2**64 + 7, 0]),
)
_FLOATS = st.one_of(
    st.floats(),
    st.sampled_from([1e308, -1e308, math.nan, math.inf, -math.inf, -0.0, 0.5, 2.0**53 + 2]),
)
_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789", min_size=1, max_size=6000),  # past int()'s digit limit
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats().map(repr),
    st.sampled_from(["１２", "12人次", "1.2万", "无", "#REF!", "", " ", "12.0", "-0", "1e5"]),
)
_ANY = st.one_of(_INTS, _FLOATS, _TEXT, st.none(), st.booleans(), st.just(dt.date(2023, 6, 1)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.lists(_ANY, min_size=11, max_size=11), min_size=1, max_size=10))
def test_any_value_at_any_metric_through_build_facts_never_raises_or_wraps(
    ctx: Context, cells: list[list[object]]
) -> None:
    read = ReturnRead(file="宁波.xlsx", kind="xlsx", form="A5", city="宁波市", period="2023H1")
    read.year = 2023
    for i, row in enumerate(cells):
        raw = dict(zip(METRICS, row, strict=True))
        where = {m: f"{chr(ord('C') + j)}{5 + i}" for j, m in enumerate(METRICS)}
        values = _a5_values(read, "Sheet1", raw, where, ctx, NINGBO[i])
        for m, v in values.items():  # a value is a bounded count, or its cell has a problem
            blank = raw[m] is None or (isinstance(raw[m], str) and not raw[m].strip())
            flagged = any(p.cell == where[m] for p in read.problems)
            assert (v is not None and 0 <= v <= ctx.policy.figure_bound(m)) or blank or flagged
        read.figures.append(fig(NINGBO[i], "宁波市", values, row=5 + i))
    entries, facts = run(ctx, (sub("宁波.xlsx", ON_TIME_H1), read))
    counted = [f for f in entries[0].read.figures if entries[0].counted]
    for m in METRICS:
        exact = sum(f.values[m] or 0 for f in counted)  # Python ints: no wrapping
        got = facts.json["province"]["totals"][m]
        assert type(got) is int and got == exact, (m, got, exact)
        assert 0 <= got <= len(NINGBO) * ctx.policy.figure_bound(m)
    json.dumps(facts.json, allow_nan=False)  # a number the JSON cannot hold never gets there


TITLE = "2023年上半年“智聚山海·助力共富”专家服务活动成果汇总表"


def _book(path: Path, teams: list[object], total: object) -> Path:
    """宁波市's return: ``teams`` down the first metric (others 0), and a 合计 row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ([TITLE], ["填报市局（盖章）：宁波市人力社保局"], A5_HEADER):
        ws.append(row)
    for i, county in enumerate(NINGBO):
        ws.append([i + 1, county, teams[i] if i < len(teams) else 0, *[0] * 10, ""])
    ws.append(["", "合计", total, *[0] * 10, ""])
    wb.save(path)
    return path


def _wide(ctx: Context) -> Context:
    """The policy with the largest bound it allows (2^53) on 已完成服务团数量."""
    bounds = {**ctx.policy.max_figures, "teams_completed": 2**53}
    return replace(ctx, policy=replace(ctx.policy, max_figures=bounds))


def _facts_of(path: Path, ctx: Context) -> tuple[ReturnRead, dict[str, object]]:
    read = read_return(path, path.name, ctx)
    return read, run(ctx, (sub(path.name, ON_TIME_H1), read))[1].json


def test_figures_near_2_53_give_no_false_total_mismatch(tmp_path: Path, ctx: Context) -> None:
    wide = _wide(ctx)
    read, doc = _facts_of(_book(tmp_path / "a.xlsx", [2**53 - 2, 1], 2**53 - 1), wide)
    assert [f.values["teams_completed"] for f in read.figures[:2]] == [2**53 - 2, 1]
    assert not [i for i in doc["issues"] if i["code"] == "total-mismatch"]  # type: ignore[attr-defined]
    assert doc["province"]["totals"]["teams_completed"] == 2**53 - 1  # type: ignore[index]
    # beyond 2^53 a float has already rounded: the figures are cell errors, the 合计 not compared
    big = [10**17 + 1, 10**17]
    read, doc = _facts_of(_book(tmp_path / "b.xlsx", big, float(sum(big))), ctx)
    codes = [i["code"] for i in doc["issues"]]  # type: ignore[attr-defined]
    assert "total-mismatch" not in codes and codes.count("value-invalid") >= 2
    # a figure written as text one past 2^53 is not silently read as 2^53
    read, doc = _facts_of(_book(tmp_path / "c.xlsx", ["9007199254740993", 0], 0), wide)
    assert read.figures[0].values["teams_completed"] is None
    assert any(p.code == "value-invalid" and "上限" in p.message for p in read.problems)


def test_a_total_above_one_countys_bound_is_checked_not_called_absurd(
    tmp_path: Path, ctx: Context
) -> None:
    n = len(NINGBO)
    path = _book(tmp_path / "t.xlsx", [600_000] * n, 600_000 * n)  # each county within 1e6
    read, doc = _facts_of(path, ctx)
    assert not read.problems, read.problems
    assert doc["province"]["totals"]["teams_completed"] == 600_000 * n  # type: ignore[index]
    read, doc = _facts_of(_book(tmp_path / "u.xlsx", [600_000] * n, 600_000 * n + 1), ctx)
    codes = [i["code"] for i in doc["issues"]]  # type: ignore[attr-defined]
    assert codes.count("total-mismatch") == 1 and "value-invalid" not in codes
