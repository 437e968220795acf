"""Read one return file: the form, who sent it and for when, every row as typed values, problems."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from aggregator.cells import a1, cell_labeler, cell_labels
from aggregator.privacy import scrub
from aggregator.read.grid import SheetGrid, UnreadableFile, read_grids
from aggregator.read.layout import Layout, find_layout, is_footer, row_is_empty
from aggregator.read.meta import Meta, read_meta
from aggregator.read.returns import ReturnRead, SheetNote
from aggregator.read.rows import city_row_as_total, read_a4, read_a5
from aggregator.read.sniff import SPREADSHEET_KINDS, WORD_KINDS, Sniff, sniff, sniff_zip_file
from aggregator.read.subtotals import check_subtotals
from aggregator.read.whowhen import when_for, who_sent
from aggregator.rulebook import Context
from aggregator.rulebook.policy import Limits
from aggregator.rulebook.schema import FormSchema
from aggregator.textnorm import norm


def reject(out: ReturnRead, code: str, message: str, **where: Any) -> ReturnRead:
    """Mark a return rejected with one error naming why."""
    out.rejected = True
    out.reason = message
    out.add("error", code, message, **where)
    return out


def read_return(path: Path, label: str, ctx: Context) -> ReturnRead:
    """Read one file as ``summary`` and ``check`` do. ``label`` is the name shown to people
    (the path as dropped in the inbox); folder and file names help tell the city and period.
    Problem messages never show an identity or bank number in full (``privacy.scrub``)."""
    out = _read_return(path, label, ctx)
    out.problems = [p.scrubbed() for p in out.problems]
    out.reason = scrub(out.reason)
    return out


def _read_return(path: Path, label: str, ctx: Context) -> ReturnRead:
    out = ReturnRead(file=label)
    data, sn = sniff_once(path, ctx.policy.limits)
    out.kind = sn.kind
    if sn.problem:
        return reject(out, f"file-{sn.problem}", f"{PurePosixPath(label).name}：{sn.message}")
    if sn.kind in WORD_KINDS:  # Word tables become grids; everything after is shared
        from aggregator.read.wordgrid import word_grids  # python-docx: only for Word returns

        try:
            word = word_grids(path, sn.kind, ctx.policy.limits)
        except UnreadableFile as e:
            return reject(out, f"file-{sn.kind}", f"{PurePosixPath(label).name}：{e}")
        _read_sheets(out, list(word), label, ctx)
        return out
    if sn.kind not in SPREADSHEET_KINDS:
        return reject(out, "file-unknown", f"{PurePosixPath(label).name}：无法识别的文件格式。")
    if sn.has_macros:
        out.add(
            "warning",
            "file-macros",
            "文件含有宏（VBA）。宏不会被运行，也不会被复制到汇总表中；请尽量报送不含宏的 .xlsx 文件。",
        )
    try:
        grids, problems = read_grids(path, sn, label, data)
    except UnreadableFile as e:
        return reject(out, "file-unreadable", f"{PurePosixPath(label).name}：{e}")
    out.problems.extend(problems)
    _read_sheets(out, grids, label, ctx)
    return out


def sniff_once(path: Path, limits: Limits) -> tuple[bytes | None, Sniff]:
    """The safety pass, reading a file of a plausible size once: a zip-based file's bytes serve
    both the safety pass and python-calamine (returned for it; None when not read)."""
    size = path.stat().st_size
    if not 0 < size <= limits.max_file_mb * 1e6:
        return None, sniff(path, limits)  # empty or too large: said without reading it
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return data, sniff_zip_file(path, data, limits)
    return data, sniff(path, limits, data)


def _read_sheets(out: ReturnRead, grids: list[SheetGrid], label: str, ctx: Context) -> None:
    found = _forms_found(out, grids, ctx)
    if not found:  # Attachments 1–3 (their models and python-docx): loaded only when needed
        from aggregator.read.appread import read_application_forms

        if read_application_forms(out, grids, label, ctx):
            return  # Attachments 1–3: label/value forms, not a table
    if not found:
        names = (
            "、".join(f"“{s.name}”" for s in out.sheets if s.status == "no-form")
            or "（无可读工作表）"
        )
        reject(
            out,
            "form-not-found",
            f"在工作表 {names} 中没有找到附件4（活动计划表）或附件5（成果汇总表）的表头，也没有附件1–3（申报表、推荐表）。请使用下发的模板，保留表头行。",
        )
        return
    a5 = sum(1 for _, layout in found if layout.form == "A5")
    main = "A5" if a5 >= sum(1 for _, layout in found if layout.form == "A4") else "A4"
    out.form = main
    for s in out.sheets:
        if s.status == "no-form":
            out.add(
                "warning",
                "sheet-no-form",
                f"工作表“{s.name}”中没有找到报表表头，未读取。",
                sheet=s.name,
            )
    readable = _of_main_form(out, found, main, ctx)
    meta = _merge_meta([read_meta(g, layout, end) for g, layout, end in readable])
    out.title = meta.title
    out.contact_person, out.contact_phone = meta.contact_parts()
    who_sent(out, meta, label, ctx)
    when_for(out, meta, label, ctx)
    for g, layout, end in readable:
        labeler = getattr(g, "label", None)  # Word tables name cells 表1 第3行第5列
        if labeler is None and cell_labeler() is None:
            _read_rows(out, g, layout, end, main, ctx)  # A1 names already: no context to set
            continue
        with cell_labels(labeler):
            _read_rows(out, g, layout, end, main, ctx)
    if main == "A5":
        city_row_as_total(out)
        check_subtotals(out, ctx)
    _conclude(out, main, ctx)


def _forms_found(
    out: ReturnRead, grids: list[SheetGrid], ctx: Context
) -> list[tuple[SheetGrid, Layout]]:
    """The visible sheets holding a form, with its layout; other sheets noted."""
    found: list[tuple[SheetGrid, Layout]] = []
    for g in grids:
        if not g.visible:
            if any(not row_is_empty(r) for r in g.rows[:50]):
                out.sheets.append(SheetNote(g.name, "hidden"))
                out.add(
                    "warning",
                    "sheet-hidden",
                    f"工作表“{g.name}”是隐藏的，未读取。如其中有要报送的数据，请取消隐藏后重新报送。",
                    sheet=g.name,
                )
            continue
        if not g.rows or all(row_is_empty(r) for r in g.rows):
            out.sheets.append(SheetNote(g.name, "empty"))
            continue
        layout = find_layout(g, ctx.schemas)
        if layout is None:
            out.sheets.append(SheetNote(g.name, "no-form"))
            continue
        found.append((g, layout))
    return found


def _of_main_form(
    out: ReturnRead, found: list[tuple[SheetGrid, Layout]], main: str, ctx: Context
) -> list[tuple[SheetGrid, Layout, int]]:
    """The sheets of the file's main form with where their data ends; the others noted."""
    readable: list[tuple[SheetGrid, Layout, int]] = []
    for g, layout in found:
        if layout.form != main:
            out.sheets.append(SheetNote(g.name, "other-form", layout.form))
            other = ctx.schemas[layout.form]
            out.add(
                "warning",
                "sheet-other-form",
                f"工作表“{g.name}”是{other.name}（{other.long_name}），本文件按{ctx.schemas[main].name}读取，该表未读取；请分开报送。",
                sheet=g.name,
            )
            continue
        readable.append((g, layout, _data_end(g, layout)))
    return readable


def _conclude(out: ReturnRead, main: str, ctx: Context) -> None:
    """The city from the rows when no line named it; what is missing, said or refused."""
    if out.city is None:
        cities = {f.city for f in out.figures if f.city} | {
            a.city for a in out.activities if a.city
        }
        if len(cities) == 1:
            out.city = cities.pop()
    if out.city is None:
        reject(
            out,
            "city-unknown",
            "无法判断报送的市：请在“填报市局（盖章）：”后填写市局名称（如“杭州市人力资源和社会保障局”）。",
        )
    elif main == "A5" and out.period is None:
        # Not a refusal: the summary takes it as answering the deadline it arrived for.
        out.add(
            "warning",
            "period-unknown",
            "无法从标题、期次或填报日期判断报送期次（上半年还是全年）：汇总时按收到时间判断。请在标题中注明“上半年”或“年度”，或在“报送期次”中选择。",
        )
    if main == "A5" and out.city and not out.sender_county and not out.rejected:
        got = {f.county for f in out.figures}
        missing = [c.name for c in ctx.registry.counties_of(out.city) if c.name not in got]
        if missing:
            out.add(
                "warning",
                "county-not-listed",
                f"本表缺少以下县（市、区）的数据：{'、'.join(missing)}。如未开展活动请填0，不要删行。",
            )
    if not out.figures and not out.activities and not out.rejected:
        reject(out, "no-rows", "表头下面没有读到任何数据行。")


def _read_rows(
    out: ReturnRead, g: SheetGrid, layout: Layout, end: int, main: str, ctx: Context
) -> None:
    note = SheetNote(g.name, "read", main, a1(layout.header_row, min(layout.columns.values())))
    out.sheets.append(note)
    _columns_problems(out, g, layout, ctx.schemas[main])
    if any(c.required and c.key in ("area", "activity_name") for c in layout.missing_required):
        return
    before = len(out.figures) + len(out.activities) + len(out.totals)
    if main == "A5":
        read_a5(out, g, layout, end, ctx)
    else:
        read_a4(out, g, layout, end, ctx)
    note.rows_read = len(out.figures) + len(out.activities) + len(out.totals) - before


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
        out.add(
            "error",
            "column-missing",
            f"缺少必填列“{col.label}”。请使用下发的模板。",
            sheet=g.name,
            cell=a1(hr, 0),
        )
    for c, text in layout.extra:
        out.add(
            "warning",
            "column-extra",
            f"{a1(hr, c)}：多出的列“{text}”不在表格规定中，未读取。",
            sheet=g.name,
            cell=a1(hr, c),
        )
    for key, text in layout.fuzzy:
        col = schema.column(key)
        if norm(text) not in col.names:
            c = layout.columns[key]
            out.add(
                "warning",
                "column-renamed",
                f"{a1(hr, c)}：列名“{text}”与规定的“{col.label}”不同，已按“{col.label}”读取。",
                sheet=g.name,
                cell=a1(hr, c),
            )
