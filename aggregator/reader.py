"""Read one return file: the form, who sent it and for when, every row as typed values, problems."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from aggregator.formfind import Layout, Meta, find_layout, is_footer, read_meta, row_is_empty
from aggregator.grid import SheetGrid, UnreadableFile, read_grids
from aggregator.model import Activity, Figures, ReturnRead, SheetNote, TotalRow
from aggregator.policy import Policy
from aggregator.problems import Problem, a1, error, warning
from aggregator.reference import Registry, Resolution
from aggregator.schema import FormSchema
from aggregator.sniff import SPREADSHEET_KINDS, sniff
from aggregator.textnorm import clean, norm
from aggregator.values import Count, parse_count, parse_flag, parse_when

READER_VERSION = "1"


@dataclass(frozen=True)
class Context:
    """What reading needs besides the file: reference data, schemas, policy."""

    registry: Registry
    schemas: dict[str, FormSchema]
    policy: Policy


def reject(out: ReturnRead, code: str, message: str, **where: Any) -> ReturnRead:
    """Mark a return rejected with one error naming why."""
    out.rejected = True
    out.reason = message
    out.problems.append(error(code, message, file=out.file, **where))
    return out


def read_return(path: Path, label: str, ctx: Context) -> ReturnRead:
    """Read one file as ``summary`` and ``check`` do. ``label`` is the name shown to people
    (the path as dropped in the inbox); folder and file names help tell the city and period."""
    out = ReturnRead(file=label)
    sn = sniff(path, ctx.policy.limits)
    out.kind = sn.kind
    if sn.problem:
        return reject(out, f"file-{sn.problem}", f"{PurePosixPath(label).name}：{sn.message}")
    if sn.kind not in SPREADSHEET_KINDS:
        return reject(out, "file-unknown", f"{PurePosixPath(label).name}：无法识别的文件格式。")
    if sn.has_macros:
        out.problems.append(warning("file-macros", "文件含有宏（VBA）。宏不会被运行，也不会被复制到汇总表中；请尽量报送不含宏的 .xlsx 文件。", file=label))
    try:
        grids, problems = read_grids(path, sn, label)
    except UnreadableFile as e:
        return reject(out, "file-unreadable", f"{PurePosixPath(label).name}：{e}")
    out.problems.extend(problems)
    _read_sheets(out, grids, label, ctx)
    return out


def _read_sheets(out: ReturnRead, grids: list[SheetGrid], label: str, ctx: Context) -> None:
    found: list[tuple[SheetGrid, Layout]] = []
    for g in grids:
        if not g.visible:
            if any(not row_is_empty(r) for r in g.rows[:50]):
                out.sheets.append(SheetNote(g.name, "hidden"))
                out.problems.append(warning("sheet-hidden", f"工作表“{g.name}”是隐藏的，未读取。如其中有要报送的数据，请取消隐藏后重新报送。", file=label, sheet=g.name))
            continue
        if not g.rows or all(row_is_empty(r) for r in g.rows):
            out.sheets.append(SheetNote(g.name, "empty"))
            continue
        layout = find_layout(g, ctx.schemas)
        if layout is None:
            out.sheets.append(SheetNote(g.name, "no-form"))
            continue
        found.append((g, layout))
    if not found:
        names = "、".join(f"“{s.name}”" for s in out.sheets if s.status == "no-form") or "（无可读工作表）"
        reject(out, "form-not-found", f"在工作表 {names} 中没有找到附件4（活动计划表）或附件5（成果汇总表）的表头。请使用下发的模板，保留表头行。")
        return
    forms = Counter(layout.form for _, layout in found)
    main = "A5" if forms["A5"] >= forms["A4"] else "A4"
    out.form = main
    for s in out.sheets:
        if s.status == "no-form":
            out.problems.append(warning("sheet-no-form", f"工作表“{s.name}”中没有找到报表表头，未读取。", file=label, sheet=s.name))
    metas: list[Meta] = []
    readable: list[tuple[SheetGrid, Layout, int]] = []
    for g, layout in found:
        if layout.form != main:
            out.sheets.append(SheetNote(g.name, "other-form", layout.form))
            other = ctx.schemas[layout.form]
            out.problems.append(warning("sheet-other-form", f"工作表“{g.name}”是{other.name}（{other.long_name}），本文件按{ctx.schemas[main].name}读取，该表未读取；请分开报送。", file=label, sheet=g.name))
            continue
        end = _data_end(g, layout)
        metas.append(read_meta(g, layout, end))
        readable.append((g, layout, end))
    meta = _merge_meta(metas)
    out.title = meta.title
    out.contact_person, out.contact_phone = meta.contact_parts()
    _who(out, meta, label, ctx)
    _when(out, meta, label, ctx)
    for g, layout, end in readable:
        note = SheetNote(g.name, "read", main, a1(layout.header_row, min(layout.columns.values())))
        out.sheets.append(note)
        _columns_problems(out, g, layout, ctx.schemas[main])
        if any(c.required and c.key in ("area", "activity_name") for c in layout.missing_required):
            continue
        before = len(out.figures) + len(out.activities) + len(out.totals)
        if main == "A5":
            _read_a5(out, g, layout, end, ctx)
        else:
            _read_a4(out, g, layout, end, ctx)
        note.rows_read = len(out.figures) + len(out.activities) + len(out.totals) - before
    if main == "A5":
        _city_row_as_total(out)
    if out.city is None:
        cities = {f.city for f in out.figures if f.city} | {a.city for a in out.activities if a.city}
        if len(cities) == 1:
            out.city = cities.pop()
    if out.city is None:
        reject(out, "city-unknown", "无法判断报送的市：请在“填报市局（盖章）：”后填写市局名称（如“杭州市人力资源和社会保障局”）。")
    elif main == "A5" and out.period is None:
        reject(out, "period-unknown", "无法判断报送期次（上半年还是全年）：请在标题中注明“上半年”或“年度”，或在“报送期次”中选择。")
    if main == "A5" and out.city and not out.sender_county and not out.rejected:
        got = {f.county for f in out.figures}
        missing = [c.name for c in ctx.registry.counties_of(out.city) if c.name not in got]
        if missing:
            out.problems.append(warning("county-not-listed", f"本表缺少以下县（市、区）的数据：{'、'.join(missing)}。如未开展活动请填0，不要删行。", file=label, city=out.city))
    if not out.figures and not out.activities and not out.rejected:
        reject(out, "no-rows", "表头下面没有读到任何数据行。")


def _merge_meta(metas: list[Meta]) -> Meta:
    m = Meta()
    for x in metas:
        m.title = m.title or x.title
        m.sender = m.sender or x.sender
        m.filled = m.filled if m.filled not in (None, "") else x.filled
        m.contact = m.contact or x.contact
        m.period_text = m.period_text or x.period_text
    return m


def _data_end(g: SheetGrid, layout: Layout) -> int:
    for r in range(layout.first_data_row, len(g.rows)):
        if is_footer(g.rows[r]):
            return r
    return len(g.rows)


def _columns_problems(out: ReturnRead, g: SheetGrid, layout: Layout, schema: FormSchema) -> None:
    hr = layout.header_row
    for col in layout.missing_required:
        out.problems.append(error("column-missing", f"缺少必填列“{col.label}”。请使用下发的模板。", file=out.file, sheet=g.name, cell=a1(hr, 0)))
    for c, text in layout.extra:
        out.problems.append(warning("column-extra", f"{a1(hr, c)}：多出的列“{text}”不在表格规定中，未读取。", file=out.file, sheet=g.name, cell=a1(hr, c)))
    for key, text in layout.fuzzy:
        col = schema.column(key)
        if norm(text) not in col.names():
            c = layout.columns[key]
            out.problems.append(warning("column-renamed", f"{a1(hr, c)}：列名“{text}”与规定的“{col.label}”不同，已按“{col.label}”读取。", file=out.file, sheet=g.name, cell=a1(hr, c)))


# -- who and when -----------------------------------------------------------------------------
def _who(out: ReturnRead, meta: Meta, label: str, ctx: Context) -> None:
    reg = ctx.registry
    if meta.sender:
        res = reg.resolve(meta.sender)
        if res.kind == "county" and res.county:
            out.sender_county, out.city = res.county.name, res.county.city
            return
        if res.kind == "city" and res.city:
            out.city = res.city.name
            return
        city = reg.city_of(meta.sender)
        if city:
            out.city = city.name
            return
    parts = PurePosixPath(label).parts
    for part in reversed(parts):
        city = reg.city_of(Path(part).stem)
        if city:
            out.city = city.name
            counties = reg.mentions(Path(part).stem, city.name)
            if part == parts[-1] and len(counties) == 1 and not meta.sender:
                out.sender_county = counties[0].name
            return


_YEAR = re.compile(r"(20\d\d)\s*年?")


def period_of_text(text: str) -> str | None:
    """``H1`` or ``FY`` from a title, a 报送期次 value or a file name, if it says."""
    t = norm(text).upper()
    if not t:
        return None
    if any(w in t for w in ("上半年", "半年", "1-6月", "1—6月", "1至6月", "一至六月", "H1")):
        return "H1"
    if any(w in t for w in ("年度", "全年", "1-12月", "1—12月", "1至12月", "FY", "年报")):
        return "FY"
    return None


def _when(out: ReturnRead, meta: Meta, label: str, ctx: Context) -> None:
    year = ctx.policy.year
    texts = [meta.title, meta.period_text]
    for t in texts:
        m = _YEAR.search(norm(t))
        if m:
            found = int(m.group(1))
            if found != year:
                out.problems.append(warning("year-mismatch", f"标题或期次写的是{found}年，与{year}年的通知不符（是否沿用了旧表？）。已按{year}年读取，请核对。", file=out.file))
            break
    out.year = year
    filled = _filled_date(meta.filled, year)
    out.filled_date = filled.isoformat() if filled else None
    if out.form == "A4":
        out.period = str(year)
        return
    for source in (meta.period_text, meta.title, PurePosixPath(label).name, *PurePosixPath(label).parts[:-1]):
        p = period_of_text(source)
        if p:
            out.period = f"{year}{p}"
            return
    if filled:
        h1_end = ctx.policy.deadlines["H1"] + dt.timedelta(days=100)
        p = "H1" if dt.date(year, 4, 1) <= filled <= h1_end else "FY" if filled > h1_end else None
        if p:
            out.period = f"{year}{p}"
            out.problems.append(warning("period-from-date", f"标题未注明“上半年”或“年度”，按填报日期 {filled.isoformat()} 判断为{'上半年' if p == 'H1' else '全年'}。请在标题中注明。", file=out.file))


def _filled_date(v: Any, year: int) -> dt.date | None:
    if v in (None, ""):
        return None
    w = parse_when(v, year)
    return w.start if w.precision == "day" else None


# -- rows -----------------------------------------------------------------------------------
def _count_problem(out: ReturnRead, sheet: str, cell: str, c: Count, raw: Any, label: str, county: str) -> None:
    where = {"file": out.file, "sheet": sheet, "cell": cell, "city": out.city or "", "county": county}
    shown = clean(raw)
    if c.status == "missing":
        out.problems.append(warning("value-missing", f"{cell}：“{label}”为空，按“未填”处理（不是0）。没有请填0。", **where))
    elif c.status == "unit":
        out.problems.append(warning("value-unit", f"{cell}：数字中含有单位“{c.detail}”，已按 {c.value} 读取。", **where))
    elif c.status == "approx":
        out.problems.append(warning("value-approx", f"{cell}：“{label}”填的是{c.detail}。请填写确切的整数。", **where))
    elif c.status == "error":
        out.problems.append(error("value-invalid", f"{cell}：“{label}”填的是“{shown}”，{c.detail}。此数未计入，请改为不小于0的整数。", **where))


def _resolve_problem(out: ReturnRead, res: Resolution, sheet: str, cell: str) -> None:
    where = {"file": out.file, "sheet": sheet, "cell": cell, "city": out.city or ""}
    text = clean(res.text)
    if res.kind == "legacy" and res.legacy:
        out.problems.append(error("county-retired", f"{cell}：“{text}”是已撤销的区划名称。{res.legacy.message}此行未计入。", **where))
    elif res.kind == "ambiguous":
        out.problems.append(error("county-ambiguous", f"{cell}：“{text}”可能指{'、'.join(res.candidates)}，无法确定。请填写完整名称。此行未计入。", **where))
    elif res.kind == "unknown":
        hint = f"是否为“{'”或“'.join(res.candidates)}”？" if res.candidates else "请填写现行县（市、区）的完整名称。"
        out.problems.append(error("county-unknown", f"{cell}：不认识的县（市、区）名称“{text}”，{hint}此行未计入。", **where))


def _note_alias(out: ReturnRead, res: Resolution, sheet: str, cell: str) -> None:
    if res.how == "former" and res.county:
        out.problems.append(warning("county-former-name", f"{cell}：“{clean(res.text)}”是旧称，已按现名“{res.county.name}”读取。", file=out.file, sheet=sheet, cell=cell, city=out.city or "", county=res.county.name))


def _read_a5(out: ReturnRead, g: SheetGrid, layout: Layout, end: int, ctx: Context) -> None:
    schema = ctx.schemas["A5"]
    cols = layout.columns
    area_c = cols["area"]
    metrics = [c for c in schema.metrics if c.key in cols]
    area_names = schema.column("area").names()
    seen: dict[str, int] = {}
    for r in range(layout.first_data_row, end):
        row = g.rows[r]
        if row_is_empty(row):
            continue
        raw_area = g.cell(r, area_c)
        if norm(raw_area) in area_names:
            continue  # header repeated (a second page pasted below)
        res = ctx.registry.resolve(raw_area, out.city)
        raw = {m.key: g.cell(r, cols[m.key]) for m in metrics}
        cells = {m.key: a1(r, cols[m.key]) for m in metrics}
        if res.kind == "empty":
            if all(norm(v) == "" for v in raw.values()):
                continue
            out.problems.append(error("area-missing", f"{a1(r, area_c)}：这一行填了数字，但没有填县（市、区）名称，此行未计入。", file=out.file, sheet=g.name, cell=a1(r, area_c), city=out.city or ""))
            continue
        if not res.ok:
            _resolve_problem(out, res, g.name, a1(r, area_c))
            continue
        if res.kind == "county" and res.county:
            _note_alias(out, res, g.name, a1(r, area_c))
        county = res.county.name if res.county else None
        if res.kind != "total" and metrics and all(norm(raw[m.key]) == "" for m in metrics):
            out.problems.append(warning("county-blank", f"{a1(r, area_c)}：“{clean(raw_area)}”这一行没有填写任何数字，视为未报送。未开展活动请填0。", file=out.file, sheet=g.name, cell=a1(r, area_c), city=out.city or "", county=county or ""))
            continue
        values: dict[str, int | None] = {}
        for m in metrics:
            c = parse_count(raw[m.key])
            values[m.key] = c.value
            if c.status != "ok":
                _count_problem(out, g.name, cells[m.key], c, raw[m.key], m.label, county or "")
        for m in schema.metrics:
            values.setdefault(m.key, None)
        if res.kind == "total":
            out.totals.append(TotalRow(g.name, r + 1, clean(raw_area), values, cells))
            continue
        city = res.county.city if res.county else res.city.name if res.city else None
        if out.city and city and city != out.city:
            out.problems.append(error("county-wrong-city", f"{a1(r, area_c)}：“{clean(raw_area)}”属于{city}，不属于{out.city}。此行未计入。", file=out.file, sheet=g.name, cell=a1(r, area_c), city=out.city))
            continue
        key = county or (f"{city}:own" if res.city_own else f"{city}:name")
        if key in seen:
            out.problems.append(error("county-duplicate", f"{a1(r, area_c)}：“{clean(raw_area)}”在第{seen[key]}行已经出现过，此行未计入。", file=out.file, sheet=g.name, cell=a1(r, area_c), city=out.city or "", county=county or ""))
            continue
        seen[key] = r + 1
        remarks = clean(g.cell(r, cols["remarks"])) if "remarks" in cols else ""
        out.figures.append(Figures(g.name, r + 1, clean(raw_area), county, city, res.city_own, values, cells, remarks))


def _city_row_as_total(out: ReturnRead) -> None:
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
            out.problems.append(error("county-duplicate", f"第{f.row}行“{f.area_text}”与各县之和不一致，且已有市本级行，无法判断其含义，此行未计入。", file=out.file, sheet=f.sheet, city=out.city or ""))
        else:
            f.city_own = True
            out.figures.append(f)
            out.problems.append(warning("city-row-as-own", f"第{f.row}行“{f.area_text}”不等于各县之和，按市本级数据计入。如是合计行，请改名为“合计”并核对数字。", file=out.file, sheet=f.sheet, city=out.city or ""))


def _text(g: SheetGrid, r: int, cols: dict[str, int], key: str) -> str:
    if key not in cols:
        return ""
    v = g.cell(r, cols[key])
    if isinstance(v, float) and v == int(v):
        v = int(v)
    return clean(v)


def _read_a4(out: ReturnRead, g: SheetGrid, layout: Layout, end: int, ctx: Context) -> None:
    cols = layout.columns
    reg = ctx.registry
    year = ctx.policy.year
    for r in range(layout.first_data_row, end):
        row = g.rows[r]
        filled = [k for k, c in cols.items() if k != "seq" and norm(g.cell(r, c)) != ""]
        if not filled:
            continue
        name = _text(g, r, cols, "activity_name")
        if name and norm(name) in {norm(n) for n in ctx.schemas["A4"].column("activity_name").names()}:
            continue  # repeated header
        where = {"file": out.file, "sheet": g.name, "city": out.city or ""}
        if not name:
            c = cols.get("activity_name", 0)
            out.problems.append(error("activity-name-missing", f"{a1(r, c)}：这一行没有填“活动名称”，此行未计入。", cell=a1(r, c), **where))
            continue
        hosts = _text(g, r, cols, "hosts")
        county, counties = _activity_counties(out, g, r, cols, hosts, reg)
        city = reg.county_by_name[county].city if county else out.city
        if county and out.city and city != out.city:
            # a joint activity hosted by the other side is still this city's plan row
            own = [c for c in counties if reg.county_by_name[c].city == out.city]
            county, city = (own[0], out.city) if own else (county, city)
        w = parse_when(g.cell(r, cols["planned_date"]) if "planned_date" in cols else "", year)
        if "planned_date" in cols and w.precision == "unknown":
            cell = a1(r, cols["planned_date"])
            shown = clean(g.cell(r, cols["planned_date"]))
            msg = f"{cell}：无法识别拟举办日期“{shown}”，已保留原文。" if shown else f"{cell}：没有填拟举办日期。"
            out.problems.append(warning("date-unparsed", msg, cell=cell, county=county or "", **where))
        experts: int | None = None
        if "experts_invited" in cols:
            raw = g.cell(r, cols["experts_invited"])
            c = parse_count(raw, allow_approx=True)
            experts = c.value
            if c.status not in ("ok", "missing"):
                _count_problem(out, g.name, a1(r, cols["experts_invited"]), c, raw, "（拟）邀请专家数", county or "")
        demo = False
        if "demo_team_activity" in cols:
            raw = g.cell(r, cols["demo_team_activity"])
            flag = parse_flag(raw)
            if flag is None:
                cell = a1(r, cols["demo_team_activity"])
                out.problems.append(warning("flag-unclear", f"{cell}：“是否为本市专家示范团活动”填的是“{clean(raw)}”，无法判断，按“否”处理。请填“是”或“否”。", cell=cell, county=county or "", **where))
            demo = bool(flag)
        if county is None:
            c = cols.get("hosts", cols["activity_name"])
            out.problems.append(warning("activity-county-unknown", f"{a1(r, c)}：无法判断活动“{name}”属于哪个县（市、区），计为市级活动。请在“举办单位”中写明县（市、区）。", cell=a1(r, c), **where))
        out.activities.append(
            Activity(
                g.name, r + 1, county, city, counties, name, _text(g, r, cols, "content"),
                w.text, w.start.isoformat() if w.start else None, w.end.isoformat() if w.end else None, w.precision,
                hosts, experts, _text(g, r, cols, "contact_person"), _text(g, r, cols, "contact_phone"),
                demo, len(counties) >= 2,
            )
        )
        del row


def _activity_counties(out: ReturnRead, g: SheetGrid, r: int, cols: dict[str, int], hosts: str, reg: Registry) -> tuple[str | None, list[str]]:
    """(the county an activity belongs to, every county it involves)."""
    mentioned = [c.name for c in reg.mentions(hosts, out.city)]
    county: str | None = None
    if "county" in cols and norm(g.cell(r, cols["county"])):
        res = reg.resolve(g.cell(r, cols["county"]), out.city)
        cell = a1(r, cols["county"])
        if res.kind == "county" and res.county:
            county = res.county.name
            _note_alias(out, res, g.name, cell)
        elif res.kind != "city":
            _resolve_problem(out, res, g.name, cell)
    if county is None and mentioned:
        own = [c for c in mentioned if out.city and reg.county_by_name[c].city == out.city]
        county = (own or mentioned)[0]
    if county is None and out.sender_county:
        county = out.sender_county
    involved = list(dict.fromkeys(([county] if county else []) + mentioned))
    return county, involved
