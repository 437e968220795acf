"""分县明细: every county's figures, a page per city, 未报送 never counted as 0; and the
errors the checks found on those figures, to be marked where they sit."""

from __future__ import annotations

from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aggregator.cells import col_letter
from aggregator.judge.facts import Facts
from aggregator.judge.merge import CityFacts, CountyFacts
from aggregator.rulebook.schema import Column
from aggregator.write.layout import finish, new_sheet, sub, top
from aggregator.write.xlsx import Styles


@dataclass
class Marks:
    """Errors found in the figures: per (county, metric) cell, and per city (合计 rows)."""

    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    cities: dict[str, list[str]] = field(default_factory=dict)

    def city_metrics(self, facts: Facts) -> dict[tuple[str, str], list[str]]:
        """(city, metric) → the messages of its counties' marked cells."""
        city_of = {c.county: c.city for c in facts.counties}
        out: dict[tuple[str, str], list[str]] = {}
        for (county, metric), msg in self.cells.items():
            out.setdefault((city_of.get(county, ""), metric), []).append(msg)
        return out


def error_marks(facts: Facts, metrics: list[Column]) -> Marks:
    """The whole-year-below-half-year cells and the cities whose 合计 row disagrees."""
    marks = Marks()
    for i in facts.json["issues"]:
        if i["code"] == "fy-below-h1":
            for m in metrics:
                if f"“{m.label}”" in i["message"]:
                    marks.cells[(i["county"], m.key)] = i["message"]
        elif i["code"] == "total-mismatch" and i["city"]:
            marks.cities.setdefault(i["city"], []).append(i["message"])
    return marks


def county_sheet(
    wb: xlsxwriter.Workbook, st: Styles, facts: Facts, title: str, metrics: list[Column]
) -> None:
    """分县明细 (one printed page per city)."""
    ws = new_sheet(wb, "分县明细")
    heads = (
        [("设区市", 9), ("县（市、区）", 15)]
        + [(c.header, 9) for c in metrics]
        + [("山区县", 6), ("备注", 12)]
    )
    r = top(ws, st, title.replace("汇总表", "分县明细表"), sub(facts), heads)
    marks = error_marks(facts, metrics)
    subtotal_rows: list[int] = []
    breaks: list[int] = []
    own = {c.city: c.metrics for c in facts.city_rows}
    mine: dict[str, list[CountyFacts]] = {}
    for c in facts.counties:
        mine.setdefault(c.city, []).append(c)
    for city in facts.cities:
        if subtotal_rows:
            breaks.append(r)
        block = (mine.get(city.city, []), own.get(city.city))
        r, subtotal = _city_block(ws, st, city, block, r, metrics, marks)
        subtotal_rows.append(subtotal)
    ws.merge_range(r, 0, r, 1, "全省合计", st.total_label)
    for j, m in enumerate(metrics):
        col = col_letter(2 + j)
        refs = ",".join(f"{col}{x + 1}" for x in subtotal_rows)
        ws.write_formula(
            r, 2 + j, f"=SUM({refs})", st.total_int, facts.json["province"]["totals"][m.key]
        )
    ws.write_blank(r, 2 + len(metrics), None, st.total_label)
    ws.write_blank(r, 3 + len(metrics), None, st.total_label)
    ws.set_h_pagebreaks(breaks)
    ws.autofilter(2, 0, r - 1, 3 + len(metrics))
    finish(ws)


def _city_block(
    ws: Worksheet,
    st: Styles,
    city: CityFacts,
    block: tuple[list[CountyFacts], dict[str, int | None] | None],
    r: int,
    metrics: list[Column],
    marks: Marks,
) -> tuple[int, int]:
    """One city's counties, its 市本级 row (``block``: the counties, the 市本级 figures if any)
    and its 小计; the next row and the 小计 row."""
    first = r
    counties, own = block
    for c in counties:
        ws.write_string(r, 0, city.city, st.text_center)
        ws.write_string(r, 1, c.county, st.text_center)
        for j, m in enumerate(metrics):
            v = c.metrics[m.key] if c.metrics else None
            if not c.reported:
                ws.write_string(r, 2 + j, "未报送", st.missing)
            elif v is None:
                ws.write_string(r, 2 + j, "未填", st.unknown)
            elif (c.county, m.key) in marks.cells:
                ws.write_number(r, 2 + j, v, st.flag_int)
                ws.write_comment(r, 2 + j, marks.cells[(c.county, m.key)], {"x_scale": 2})
            else:
                ws.write_number(r, 2 + j, v, st.int)
        ws.write_string(r, 2 + len(metrics), "是" if c.mountain else "", st.text_center)
        ws.write_string(r, 3 + len(metrics), "" if c.reported else "未报送", st.text_center)
        r += 1
    if own is not None:
        ws.write_string(r, 0, city.city, st.text_center)
        ws.write_string(r, 1, "市本级", st.text_center)
        for j, m in enumerate(metrics):
            v = own[m.key]
            if v is None:
                ws.write_string(r, 2 + j, "未填", st.unknown)
            else:
                ws.write_number(r, 2 + j, v, st.int)
        ws.write_blank(r, 2 + len(metrics), None, st.text)
        ws.write_blank(r, 3 + len(metrics), None, st.text)
        r += 1
    ws.write_string(r, 0, city.city, st.total_label)
    ws.write_string(r, 1, "小计", st.total_label)
    for j, m in enumerate(metrics):
        if not city.counties_reported:
            ws.write_string(r, 2 + j, "未报送", st.missing)
            continue
        col = col_letter(2 + j)
        formula = f"=SUM({col}{first + 1}:{col}{r})"
        ws.write_formula(r, 2 + j, formula, st.total_int, city.totals[m.key])
    ws.write_blank(r, 2 + len(metrics), None, st.total_label)
    ws.write_string(
        r,
        3 + len(metrics),
        f"已报 {city.counties_reported}/{city.counties_expected}",
        st.total_label,
    )
    return r + 1, r
