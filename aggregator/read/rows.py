"""Rows of a found form as typed values: Attachment 5 figures and totals, Attachment 4 activities."""

from __future__ import annotations

from typing import Any

from aggregator.cells import RowNames, a1
from aggregator.problems import Severity
from aggregator.read.areas import area_of, note_alias, resolve_problem
from aggregator.read.grid import SheetGrid
from aggregator.read.layout import Layout, row_is_empty
from aggregator.read.returns import Activity, Figures, ReturnRead, TotalRow
from aggregator.read.values import FLOAT_COUNTS, Count, When, parse_count, parse_flag, parse_when
from aggregator.rulebook import Context
from aggregator.rulebook.policy import MAX_EXACT
from aggregator.rulebook.reference import Registry, Resolution
from aggregator.rulebook.words import Words, default_words
from aggregator.textnorm import clean, norm, norm_cell
from aggregator.vocab import Form

# what a count cell that did not read cleanly is told: by Count.status
_COUNT_PROBLEMS: dict[str, tuple[Severity, str, str]] = {
    "missing": ("warning", "value-missing", "“{label}”为空，按“未填”处理（不是0）。没有请填0。"),
    "unit": ("warning", "value-unit", "数字中含有单位“{detail}”，已按 {value} 读取。"),
    "approx": ("warning", "value-approx", "“{label}”填的是{detail}。请填写确切的整数。"),
    "error": (
        "error",
        "value-invalid",
        "“{label}”填的是“{shown}”，{detail}。此数未计入，请改为不小于0的整数。",
    ),
}


def _count_problem(
    out: ReturnRead, sheet: str, cell: str, c: Count, raw: Any, label: str, county: str
) -> None:
    """Record what is wrong with a count cell (nothing when it read cleanly)."""
    if c.status not in _COUNT_PROBLEMS:
        return
    severity, code, text = _COUNT_PROBLEMS[c.status]
    told = text.format(label=label, detail=c.detail, value=c.value, shown=clean(raw))
    out.add(severity, code, f"{cell}：{told}", sheet=sheet, cell=cell, county=county)


def read_a5(out: ReturnRead, g: SheetGrid, layout: Layout, end: int, ctx: Context) -> None:
    """Read the county rows (and 合计 and sub-total rows, kept aside) of an Attachment 5 table."""
    schema = ctx.schemas[Form.RESULTS]
    cols = layout.columns
    area_c = cols["area"]
    at = [(c.key, cols[c.key]) for c in schema.metrics if c.key in cols]
    area_names = schema.column("area").names
    names = RowNames(at)
    words = default_words()
    seen: dict[str, int] = {}
    for r in range(layout.first_data_row, end):
        row = g.rows[r]
        if row_is_empty(row):
            continue
        raw_area = g.cell(r, area_c)
        area = norm_cell(raw_area)
        if area in area_names:
            continue  # header repeated (a second page pasted below)
        n = len(row)
        raw = {k: row[c] if 0 <= c < n else "" for k, c in at}  # SheetGrid.cell, row in hand
        cells = names(r)
        blank = all(norm_cell(v) == "" for v in raw.values())
        kind = _sum_kind(words, raw_area)
        if kind is not None:
            if kind == "total" or not blank:
                values = _a5_values(out, g.name, raw, cells, ctx, "", total=True)
                total = TotalRow(g.name, r + 1, clean(raw_area), values, cells, kind)
                (out.totals if kind == "total" else out.subtotals).append(total)
            continue
        if area == "" and blank:
            continue
        res = area_of(out, g.name, a1(r, area_c), raw_area, ctx)
        if res is None:
            continue
        if res.kind == "total":  # a total wording the sum-row table does not know
            values = _a5_values(out, g.name, raw, cells, ctx, "", total=True)
            out.totals.append(TotalRow(g.name, r + 1, clean(raw_area), values, cells))
            continue
        _figures_row(out, g, (r, cols), res, (raw, cells, blank), seen, ctx)


_SUM_KINDS: tuple[Words, dict[str, str | None]] | None = None


def _sum_kind(words: Words, text: object) -> str | None:
    """:meth:`Words.sum_kind`, remembered for texts (area names and 合计 recur in every return)."""
    global _SUM_KINDS
    if type(text) is not str:
        return words.sum_kind(text)
    if _SUM_KINDS is None or _SUM_KINDS[0] is not words:
        _SUM_KINDS = (words, {})
    memo = _SUM_KINDS[1]
    if text in memo:
        return memo[text]
    got = words.sum_kind(text)
    if len(memo) < 50_000 and len(text) <= 200:
        memo[text] = got
    return got


Bounds = list[tuple[str, str, int]]  # (metric key, label, bound), in the form's order
_BOUNDS: tuple[object, object, dict[str, int], Bounds] | None = None


def _bounds(ctx: Context) -> Bounds:
    """Every metric of Attachment 5 with its bound, for the context at hand (remembered while
    the same schema and policy, with the same bounds, are in use)."""
    global _BOUNDS
    metrics, policy = ctx.schemas[Form.RESULTS].metrics, ctx.policy
    b = _BOUNDS
    if b is None or b[0] is not metrics or b[1] is not policy or b[2] != policy.max_figures:
        listed = [(m.key, m.label, policy.figure_bound(m.key)) for m in metrics]
        b = _BOUNDS = (metrics, policy, dict(policy.max_figures), listed)
    return b[3]


def _a5_values(
    out: ReturnRead,
    sheet: str,
    raw: dict[str, Any],
    cells: dict[str, str],
    ctx: Context,
    county: str,
    *,
    total: bool = False,
) -> dict[str, int | None]:
    """Every metric of a row as a count (None when blank, unusable or beyond the policy's bound
    for the metric — never arithmetic on an absurd figure — the problem recorded). A 合计 or
    小计 row adds up many counties: only checked, never counted, it is bounded where whole
    numbers stay exact (2^53), not by one county's bound."""
    values: dict[str, int | None] = {}
    for key, label, bound in _bounds(ctx):
        if key not in raw:
            values[key] = None
            continue
        v = raw[key]
        c = FLOAT_COUNTS.get(v) if type(v) is float else None  # parse_count's own memo
        if c is None:
            c = parse_count(v)
        if total:
            bound = MAX_EXACT
        if c.value is not None and c.value > bound:
            c = Count(None, "error", f"超过合理上限 {bound}，疑似填错")
        values[key] = c.value
        if c.status != "ok":
            _count_problem(out, sheet, cells[key], c, raw[key], label, county)
    return values


def _figures_row(
    out: ReturnRead,
    g: SheetGrid,
    at: tuple[int, dict[str, int]],
    res: Resolution,
    row: tuple[dict[str, Any], dict[str, str], bool],
    seen: dict[str, int],
    ctx: Context,
) -> None:
    """One county's (or the city's own) row of figures, unless blank, of another city or repeated."""
    r, cols = at
    raw, cells, blank = row
    cell = a1(r, cols["area"])
    area_text = clean(g.cell(r, cols["area"])) or (res.county.name if res.county else "")
    county = res.county.name if res.county else None
    where = {"sheet": g.name, "cell": cell}
    if blank and res.city_own:
        return  # the template's 市本级 row, left empty: the city bureau held nothing itself
    if blank:
        out.add(
            "warning",
            "county-blank",
            f"{cell}：“{area_text}”这一行没有填写任何数字，视为未报送。未开展活动请填0。",
            county=county or "",
            **where,
        )
        return
    values = _a5_values(out, g.name, raw, cells, ctx, county or "")
    city = res.county.city if res.county else res.city.name if res.city else None
    if out.city and city and city != out.city:
        out.add(
            "error",
            "county-wrong-city",
            f"{cell}：“{area_text}”属于{city}，不属于{out.city}。此行未计入。",
            **where,
        )
        return
    key = county or (f"{city}:own" if res.city_own else f"{city}:name")
    if key in seen:
        out.add(
            "error",
            "county-duplicate",
            f"{cell}：“{area_text}”在第{seen[key]}行已经出现过，此行未计入。",
            county=county or "",
            **where,
        )
        return
    seen[key] = r + 1
    remarks = clean(g.cell(r, cols["remarks"])) if "remarks" in cols else ""
    out.figures.append(
        Figures(g.name, r + 1, area_text, county, city, res.city_own, values, cells, remarks)
    )


def city_row_as_total(out: ReturnRead) -> None:
    """A row naming just the city is its total when it equals the sum of the other rows;
    otherwise it is the city's own (市本级) figures, said so in a warning."""
    counties = [f for f in out.figures if f.county]
    for f in [f for f in out.figures if f.county is None and not f.city_own]:
        others = counties + [x for x in out.figures if x.city_own and x.city == f.city]
        sums = {k: sum(x.values.get(k) or 0 for x in others) for k in f.values}
        out.figures.remove(f)
        if others and all(v is None or v == sums[k] for k, v in f.values.items()):
            out.totals.append(TotalRow(f.sheet, f.row, f.area_text, f.values, f.cells))
        elif any(x.city_own and x.city == f.city for x in out.figures):
            out.add(
                "error",
                "county-duplicate",
                f"第{f.row}行“{f.area_text}”与各县之和不一致，且已有市本级行，无法判断其含义，此行未计入。",
                sheet=f.sheet,
            )
        else:
            f.city_own = True
            out.figures.append(f)
            out.add(
                "warning",
                "city-row-as-own",
                f"第{f.row}行“{f.area_text}”不等于各县之和，按市本级数据计入。如是合计行，请改名为“合计”并核对数字。",
                sheet=f.sheet,
            )


def _text(g: SheetGrid, r: int, cols: dict[str, int], key: str) -> str:
    if key not in cols:
        return ""
    v = g.cell(r, cols[key])
    if isinstance(v, float) and v == int(v):
        v = int(v)
    return clean(v)


def read_a4(out: ReturnRead, g: SheetGrid, layout: Layout, end: int, ctx: Context) -> None:
    """Read the activity rows of an Attachment 4 table."""
    cols = layout.columns
    header_names = {norm(n) for n in ctx.schemas[Form.PLAN].column("activity_name").names}
    for r in range(layout.first_data_row, end):
        filled = [k for k, c in cols.items() if k != "seq" and norm_cell(g.cell(r, c)) != ""]
        if not filled:
            continue
        name = _text(g, r, cols, "activity_name")
        if name and norm(name) in header_names:
            continue  # repeated header
        if not name:
            cell = a1(r, cols.get("activity_name", 0))
            out.add(
                "error",
                "activity-name-missing",
                f"{cell}：这一行没有填“活动名称”，此行未计入。",
                cell=cell,
                sheet=g.name,
            )
            continue
        out.activities.append(_activity(out, g, (r, cols), name, ctx))


def _activity(
    out: ReturnRead, g: SheetGrid, at: tuple[int, dict[str, int]], name: str, ctx: Context
) -> Activity:
    """One named activity row, its problems recorded on the way."""
    r, cols = at
    reg = ctx.registry
    hosts = _text(g, r, cols, "hosts")
    county, counties = _activity_counties(out, g, r, cols, hosts, reg)
    city = reg.county_by_name[county].city if county else out.city
    if county and out.city and city != out.city:
        # a joint activity hosted by the other side is still this city's plan row
        own = [c for c in counties if reg.county_by_name[c].city == out.city]
        county, city = (own[0], out.city) if own else (county, city)
    w = _planned_when(out, g, at, ctx.policy.year, county or "")
    experts = _experts_invited(out, g, at, county or "")
    demo = _demo_flag(out, g, at, county or "")
    city_level = "county" in cols and reg.resolve(g.cell(r, cols["county"])).kind == "city"
    if county is None and not city_level:
        cell = a1(r, cols.get("hosts", cols["activity_name"]))
        out.add(
            "warning",
            "activity-county-unknown",
            f"{cell}：无法判断活动“{name}”属于哪个县（市、区），计为市级活动。请在“举办单位”中写明县（市、区）。",
            cell=cell,
            sheet=g.name,
        )
    return Activity(
        g.name,
        r + 1,
        county,
        city,
        counties,
        name,
        _text(g, r, cols, "content"),
        w.text,
        w.start.isoformat() if w.start else None,
        w.end.isoformat() if w.end else None,
        w.precision,
        hosts,
        experts,
        _text(g, r, cols, "contact_person"),
        _text(g, r, cols, "contact_phone"),
        demo,
        len(counties) >= 2,
    )


def _planned_when(
    out: ReturnRead, g: SheetGrid, at: tuple[int, dict[str, int]], year: int, county: str
) -> When:
    """The planned date as read (a warning when it cannot be understood)."""
    r, cols = at
    if "planned_date" not in cols:
        return parse_when("", year)
    raw = g.cell(r, cols["planned_date"])
    w = parse_when(raw, year)
    if w.precision == "unknown":
        cell = a1(r, cols["planned_date"])
        shown = clean(raw)
        msg = (
            f"{cell}：无法识别拟举办日期“{shown}”，已保留原文。"
            if shown
            else f"{cell}：没有填拟举办日期。"
        )
        out.add("warning", "date-unparsed", msg, cell=cell, county=county, sheet=g.name)
    return w


def _experts_invited(
    out: ReturnRead, g: SheetGrid, at: tuple[int, dict[str, int]], county: str
) -> int | None:
    """The number of experts to invite (approximate numbers allowed, a blank is no problem)."""
    r, cols = at
    if "experts_invited" not in cols:
        return None
    raw = g.cell(r, cols["experts_invited"])
    count = parse_count(raw, allow_approx=True)
    if count.status not in ("ok", "missing"):
        cell = a1(r, cols["experts_invited"])
        _count_problem(out, g.name, cell, count, raw, "（拟）邀请专家数", county)
    return count.value


def _demo_flag(out: ReturnRead, g: SheetGrid, at: tuple[int, dict[str, int]], county: str) -> bool:
    """Whether the row is a 专家示范团 activity (an unclear answer counts as no, with a warning)."""
    r, cols = at
    if "demo_team_activity" not in cols:
        return False
    raw = g.cell(r, cols["demo_team_activity"])
    flag = parse_flag(raw)
    if flag is None:
        cell = a1(r, cols["demo_team_activity"])
        out.add(
            "warning",
            "flag-unclear",
            f"{cell}：“是否为本市专家示范团活动”填的是“{clean(raw)}”，无法判断，按“否”处理。请填“是”或“否”。",
            cell=cell,
            county=county,
            sheet=g.name,
        )
    return bool(flag)


def _activity_counties(
    out: ReturnRead, g: SheetGrid, r: int, cols: dict[str, int], hosts: str, reg: Registry
) -> tuple[str | None, list[str]]:
    """(the county an activity belongs to, every county it involves).

    In a county's own plan every row is that county's unless its county column says otherwise:
    hosts naming no county (``县人力社保局``, ``本局``, blank) are the county's own units, and
    other counties named are co-hosts."""
    mentioned = [c.name for c in reg.mentions(hosts, out.city)]
    county: str | None = None
    if "county" in cols and norm(g.cell(r, cols["county"])):
        res = reg.resolve(g.cell(r, cols["county"]), out.city)
        cell = a1(r, cols["county"])
        if res.kind == "county" and res.county:
            county = res.county.name
            note_alias(out, res, g.name, cell)
        elif res.kind != "city":
            resolve_problem(out, res, g.name, cell)
    if county is None and out.sender_county:
        county = out.sender_county
    if county is None and mentioned:
        own = [c for c in mentioned if out.city and reg.county_by_name[c].city == out.city]
        county = (own or mentioned)[0]
    involved = list(dict.fromkeys(([county] if county else []) + mentioned))
    return county, involved
