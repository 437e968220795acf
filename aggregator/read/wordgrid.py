"""Word returns as grids: each table of a ``.docx`` (with the paragraphs around it) becomes a
:class:`SheetGrid`, so header finding, value parsing and problems are those of the Excel path.

- the title and 填报 lines are paragraphs around the table: they become one-row lines above
  and below the table rows (a line is split into cells at tabs and wide gaps, as the Excel
  form has them in separate cells);
- a cell holding several paragraphs gives their texts joined with a newline;
- merged cells look as merged Excel cells do: the value in the first cell, blanks after, and
  the range in :attr:`SheetGrid.merged`;
- a header row repeated in the body (a table continued over pages by copying its header) and
  a table split into several tables (same column count, nothing but blank or 续表 lines
  between, or starting with the header again) are read as one table;
- every cell is named ``表1 第3行第5列`` (the table in document order, its row and column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn

from aggregator.read.grid import SheetGrid, UnreadableFile
from aggregator.read.layout import is_footer
from aggregator.rulebook.policy import Limits
from aggregator.textnorm import clean, norm

LINES_ABOVE = 12  # non-empty paragraphs kept above a table (title, 填报市局, …)
LINES_BELOW = 15  # paragraphs kept below it, from the first 填报人/注 line on
HEADER_ROWS = 3  # rows at the top of a table that may be repeated further down
_GAP = re.compile(r"\t+|[ \u00a0]{2,}|\u3000+")
_LABEL_INSIDE = re.compile(
    r"(?<=\S)(?=(?:填报日期|报送日期|填表日期|填报人及联系电话|填报人|联系人及电话|报送期次)"
    r"\s*(?:[(（]盖章[)）])?\s*[:：])"
)
_T, _TAB, _BR, _CR, _SYM = (qn(f"w:{t}") for t in ("t", "tab", "br", "cr", "sym"))
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP = {qn("w:txbxContent"), qn("w:del"), f"{_MC}Fallback"}
_CONTINUED = re.compile(r"^[(（]?续表?\d*[)）]?[:：]?$|^[(（]?续[)）]?$")


@dataclass
class WordGrid(SheetGrid):
    """A Word table (continuation tables joined) with the lines around it."""

    places: dict[int, tuple[int, int]] = field(default_factory=dict)  # grid row → (表, 行)

    def label(self, row: int, col: int) -> str:
        """Where a 0-based grid cell stands in the document: ``表1 第3行第5列``."""
        place = self.places.get(row)
        if place is None:
            return f"{self.name} 表格外的文字"
        return f"表{place[0]} 第{place[1]}行第{col + 1}列"


@dataclass
class _Table:
    """Cells of one Word table, merged cells flattened the Excel way."""

    number: int
    rows: list[list[str]]
    merged: list[tuple[int, int, int, int]]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class _Group:
    """One logical table: its pieces and the paragraphs around it."""

    before: list[str]
    tables: list[_Table]
    after: list[str] = field(default_factory=list)


def paragraph_cells(text: str) -> list[str]:
    """A line of text as cells: split at tabs, wide gaps and before a second 填报 label."""
    parts: list[str] = []
    for chunk in _GAP.split(text):
        parts.extend(_LABEL_INSIDE.split(chunk))
    return [clean(p) for p in parts if clean(p)]


def paragraph_text(p: Any) -> str:
    """Text of a ``w:p`` element as shown: tracked insertions included, deletions (``w:delText``),
    field codes and text boxes left out; tabs and line breaks kept; check boxes of the symbol
    fonts (Insert → Symbol, or typed in Wingdings) as ☑ and □."""
    parts: list[str] = []
    for el in p.iter(_T, _TAB, _BR, _CR, _SYM):
        if any(a.tag in _SKIP for a in el.iterancestors()):
            continue
        if el.tag == _T:
            parts.append(_symbol_text(el.text or "", _run_font(el)))
        elif el.tag == _SYM:
            parts.append(_symbol(el))
        else:
            parts.append("\t" if el.tag == _TAB else "\n")
    return "".join(parts)


# Check boxes as Word's symbol fonts draw them: (font, character) → the Unicode box.
SYMBOL_BOXES = {
    ("wingdings", "\xfe"): "☑", ("wingdings", "\xfd"): "☒", ("wingdings", "x"): "☒",
    ("wingdings", "\xa8"): "□", ("wingdings", "o"): "□", ("wingdings", "q"): "□",
    ("wingdings", "\xfc"): "√", ("wingdings", "n"): "■",
    ("wingdings2", "R"): "☑", ("wingdings2", "T"): "☒", ("wingdings2", "S"): "☒",
    ("wingdings2", "\xa3"): "□", ("wingdings2", "P"): "√", ("wingdings2", "Q"): "☒",
}  # fmt: skip


def _symbol(el: Any) -> str:
    """A ``w:sym`` (Insert → Symbol) as its check box, else nothing (a bullet, an arrow …)."""
    try:
        char = chr(int(el.get(qn("w:char"), "0"), 16) & 0xFF)
    except ValueError:
        return ""
    return SYMBOL_BOXES.get((_font_key(el.get(qn("w:font"), "")), char), "")


def _font_key(font: str) -> str:
    return font.replace(" ", "").casefold()


def _run_font(t: Any) -> str:
    """The ``w:ascii`` font of the run a ``w:t`` is in (\"\" when none is set on the run)."""
    run = t.getparent()
    fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}") if run is not None else None
    return _font_key(fonts.get(qn("w:ascii"), "")) if fonts is not None else ""


def _symbol_text(text: str, font: str) -> str:
    """Text typed in a symbol font: its check-box characters as ☑ □, the rest as it is."""
    if not font.startswith("wingdings"):
        return text
    return "".join(SYMBOL_BOXES.get((font, ch), ch) for ch in text)


def _cell_text(tc: Any) -> str:
    paras = [paragraph_text(p) for p in tc.p_lst]
    while paras and not paras[-1].strip():
        paras.pop()
    return "\n".join(paras).strip()


def _table(table: Any, number: int) -> _Table:
    """Rows of one table; spans give the value in the first cell and blanks after."""
    rows: list[list[str]] = []
    merged: list[tuple[int, int, int, int]] = []
    open_v: dict[int, list[int]] = {}  # column → [first row, last row, span]
    for r, tr in enumerate(table._tbl.tr_lst):
        row = [""] * tr.grid_before
        for tc in tr.tc_lst:
            c, span = len(row), max(1, tc.grid_span)
            vm = tc.vMerge
            if vm == "continue" and c in open_v:
                open_v[c][1] = r
                row.extend([""] * span)
                continue
            if c in open_v:
                _close(merged, c, open_v.pop(c))
            row.append(_cell_text(tc))
            row.extend([""] * (span - 1))
            if vm == "restart":
                open_v[c] = [r, r, span]
            elif span > 1:
                merged.append((r, c, r, c + span - 1))
        for c in [c for c, v in open_v.items() if v[1] < r]:  # merge ended above
            _close(merged, c, open_v.pop(c))
        rows.append(row)
    for c, v in open_v.items():
        _close(merged, c, v)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    return _Table(number, rows, merged)


def _close(merged: list[tuple[int, int, int, int]], c: int, v: list[int]) -> None:
    r1, r2, span = v
    if r2 > r1 or span > 1:
        merged.append((r1, c, r2, c + span - 1))


def _key(row: list[str]) -> tuple[str, ...] | None:
    """A row's normalised texts if it could be a header row (≥2 texts, mostly not numbers)."""
    texts = [norm(v) for v in row]
    filled = [t for t in texts if t]
    words = [t for t in filled if not re.fullmatch(r"[\d.\-]+", t)]
    if len(filled) < 2 or len(words) * 2 < len(filled):
        return None
    return tuple(texts)


def _header_keys(t: _Table) -> set[tuple[str, ...]]:
    keys = (_key(r) for r in t.rows[:HEADER_ROWS])
    return {k for k in keys if k is not None}


def _continues(group: _Group, t: _Table, between: list[str]) -> bool:
    """Is ``t`` the continuation of the group's table (split table, page over)?"""
    first = group.tables[0]
    if t.width != first.width or not t.rows:
        return False
    quiet = all(not norm(p) or _CONTINUED.match(norm(p)) for p in between)
    return quiet or _key(t.rows[0]) in _header_keys(first)


def _check_size(table: Any, number: int, limits: Limits) -> None:
    """Refuse a table far larger than any return before building its rows."""
    rows = table._tbl.tr_lst
    cols = max((sum(tc.grid_span for tc in tr.tc_lst) for tr in rows[:200]), default=0)
    if len(rows) > limits.max_sheet_rows or cols > limits.max_sheet_cols:
        raise UnreadableFile(
            f"表{number}范围过大（{len(rows)} 行 × {cols} 列，上限 {limits.max_sheet_rows} 行 × "
            f"{limits.max_sheet_cols} 列），不像是一份报表，未读取。"
        )


def _groups(doc: Any, limits: Limits) -> list[_Group]:
    """Tables in document order, continuation tables joined, with their paragraphs."""
    from docx.table import Table

    groups: list[_Group] = []
    pending: list[str] = []
    number = 0
    for block in doc.iter_inner_content():
        if not isinstance(block, Table):
            pending.append(paragraph_text(block._p))
            continue
        number += 1
        _check_size(block, number, limits)
        t = _table(block, number)
        if not t.rows:
            continue
        if groups and _continues(groups[-1], t, pending):
            groups[-1].tables.append(t)
        else:
            if groups:
                groups[-1].after = pending
            groups.append(_Group(pending, [t]))
        pending = []
    if groups:
        groups[-1].after = pending
    return groups


def _grid(group: _Group) -> WordGrid:
    """One logical table as a grid: lines above, rows (repeated headers dropped), lines below."""
    first = group.tables[0]
    grid = WordGrid(f"表{first.number}", True, [])
    above = [p for p in group.before if norm(p)][-LINES_ABOVE:]
    grid.rows.extend(paragraph_cells(p) for p in above)
    headers = _header_keys(first)
    for t in group.tables:
        where: dict[int, int] = {}  # table row → grid row
        for r, row in enumerate(t.rows):
            top = t is first and r < HEADER_ROWS
            if not top and _key(row) in headers:
                continue  # header repeated on a later page or in a continuation table
            where[r] = len(grid.rows)
            grid.places[len(grid.rows)] = (t.number, r + 1)
            grid.rows.append(list(row))
        for r1, c1, r2, c2 in t.merged:
            if r1 in where and r2 in where:
                grid.merged.append((where[r1], c1, where[r2], c2))
    below = [p for p in group.after if norm(p)]
    start = next((i for i, p in enumerate(below) if is_footer([p])), len(below))
    grid.rows.extend(paragraph_cells(p) for p in below[start : start + LINES_BELOW])
    return grid


def docx_grids(path: Path, limits: Limits | None = None) -> list[WordGrid]:
    """Every table of a ``.docx`` as a grid; :class:`UnreadableFile` if Word cannot be read."""
    import docx

    try:
        doc = docx.Document(str(path))
        return [_grid(g) for g in _groups(doc, limits or Limits())]
    except (MemoryError, RecursionError, UnreadableFile):
        raise
    except Exception:  # python-docx and lxml raise many types for broken files
        raise UnreadableFile(
            "Word 文档已损坏或不是真正的 Word 文件，无法打开。请在 Word 或 WPS 中打开并另存为 .docx 后重新报送。"
        ) from None


NO_TABLE = (
    "这是 Word 文档，但其中没有表格，不是附件4（活动计划表）或附件5（成果汇总表）。"
    "请使用下发的模板（Excel 或 Word 版）填报后重新报送。"
)


def word_grids(path: Path, kind: str, limits: Limits) -> list[WordGrid]:
    """The tables of a Word return (``.doc``/``.wps`` converted first, within a share of the
    read time limit) as grids."""
    from aggregator.read.convert import converted_copy

    if kind == "docx":
        grids = docx_grids(path, limits)
    else:
        tmp, converted = converted_copy(path, kind, limits.read_timeout_seconds * 0.75)
        with tmp:
            grids = docx_grids(converted, limits)
    if not grids:
        raise UnreadableFile(NO_TABLE)
    return grids
