"""Label/value forms in a grid: find the label cells of a form and the value next to each.

A label is a cell whose text (see ``label_key``) is one of the form's labels; its value is in the
next cell to the right (after the label's merged range) or, in forms laid out that way, below it.
A cell may also hold ``label：value`` or ``label ☑是□否`` itself. Check boxes: ``□ ☐`` no,
``☑ ■ √ ☒ ✓ ✔`` yes, before or after the option text, or a tick in brackets (``是（√）否（ ）``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from aggregator.cells import a1
from aggregator.read.grid import SheetGrid
from aggregator.rulebook.appforms import AppField, AppForm, label_key
from aggregator.textnorm import clean, norm

BOX_NO = "□☐"
BOX_YES = "☑■√☒✓✔⊠▣"
BOXES = BOX_NO + BOX_YES
_BOX_SPLIT = re.compile(f"([{BOXES}])")
# 是（√）否（ ）: a tick or nothing in brackets after the option, as typed where no box glyph is
_PAREN_BOX = re.compile(f"([^(){BOXES}]+)\\(([{BOXES}]?)\\)")
# 一、基本信息 / 1.基本信息 — never 2020.05 or 3.5 (a date or a number is a value)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|\d{1,2}[.．、](?![\d.．]))\S*$")
LIST_MIN_LABELS = 4  # labels in a row for it to be the header of a list of forms
_LEAD_NOTE = re.compile(r"^(?:\([^()]*\))?:?")


def cell_text(v: Any) -> str:
    """Display text of a cell value: whole floats without .0, dates as ISO, text cleaned."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return clean(v)


@dataclass(frozen=True)
class Found:
    """A field's value as found: the raw cell value (or inline text) and where."""

    key: str
    raw: Any
    cell: str  # the value's cell, else the label's
    label_cell: str


class Cells:
    """A grid with its merged ranges resolved: every covered cell points at its top-left."""

    def __init__(self, grid: SheetGrid) -> None:
        self.grid = grid
        self.top: dict[tuple[int, int], tuple[int, int]] = {}
        self.end: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in grid.merged:
            self.end[r1, c1] = (r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.top[r, c] = (r1, c1)

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return len(self.grid.rows)

    def ncols(self, r: int) -> int:
        """Number of cells in a row."""
        return len(self.grid.rows[r]) if 0 <= r < self.nrows else 0

    def origins(self, r: int) -> list[int]:
        """Columns of the cells starting in row r (not covered by a merge from elsewhere)."""
        return [c for c in range(self.ncols(r)) if self.top.get((r, c), (r, c)) == (r, c)]

    def text(self, r: int, c: int) -> str:
        """Display text at (r, c), following a merge to its top-left cell."""
        r0, c0 = self.top.get((r, c), (r, c))
        return cell_text(self.grid.cell(r0, c0))

    def extent(self, r: int, c: int) -> tuple[int, int]:
        """Last row and column of the (merged) cell starting at (r, c)."""
        return self.end.get((r, c), (r, c))


def label_index(form: AppForm) -> dict[str, list[AppField]]:
    """Fields by label key (several when the form prints a label twice: ordered by nth)."""
    out: dict[str, list[AppField]] = {}
    for f in form.fields:
        for k in f.keys:
            out.setdefault(k, []).append(f)
    for fs in out.values():
        fs.sort(key=lambda f: f.nth)
    return out


def is_heading(text: str) -> bool:
    """A section heading (一、基本信息, 1.基本信息) or nothing: never a value."""
    return not text or bool(_HEADING.match(norm(text)))


def split_inline(text: str, keys: list[str]) -> list[tuple[str, str]]:
    """``label：value`` pairs of a cell that starts with a label (keys longest first); [] if not."""
    t = label_key(text) if not re.search(f"[:：{BOXES}]", text) else norm(text).casefold()
    t = re.sub(r"^(?:[(（]?\d+[.．、)）]|[一二三四五六七八九十]+、)", "", t)
    hits: list[tuple[int, str]] = []
    i = 0
    while i < len(t):
        k = next((k for k in keys if t.startswith(k, i)), None)
        if k is not None and (i == 0 or t[i - 1] in f":：{BOXES}" or hits):
            hits.append((i, k))
            i += len(k)
        else:
            i += 1
    if not hits or hits[0][0] != 0:
        return []
    out = []
    for n, (i, k) in enumerate(hits):
        stop = hits[n + 1][0] if n + 1 < len(hits) else len(t)
        out.append((k, _LEAD_NOTE.sub("", t[i + len(k) : stop], count=1)))
    return out


def checked(text: str, options: tuple[str, ...]) -> tuple[str, ...] | None:
    """The options ticked in a check-box text, in option order; None when it has no boxes.

    Options written ``组/选项`` are options under a group heading (跨省帮扶 / 省内帮扶).
    """
    t = _PAREN_BOX.sub(
        lambda m: ("☑" if m.group(2) and m.group(2) in BOX_YES else "□") + m.group(1), norm(text)
    )
    if not any(b in t for b in BOXES):
        return None
    parts = [p for p in _BOX_SPLIT.split(t) if p]
    box_first = parts[0] in BOXES
    pairs: list[tuple[str, str]] = []  # (box, text)
    for i, p in enumerate(parts):
        if p in BOXES:
            j = i + 1 if box_first else i - 1
            near = parts[j] if 0 <= j < len(parts) and parts[j] not in BOXES else ""
            pairs.append((p, near))
    groups = [o.split("/")[0] for o in options if "/" in o]
    found: set[str] = set()
    group = ""
    for box, words in pairs:
        for g in groups:
            if words.startswith(g):
                group, words = g, words[len(g) :]
        if box in BOX_YES:
            found.update(_option(words, group, options))
    return tuple(o for o in options if o in found)


def _option(words: str, group: str, options: tuple[str, ...]) -> list[str]:
    if not words:
        return []
    for o in options:
        if norm(o) == (f"{group}/{words}" if group else words):
            return [o]
    return [o for o in options if norm(o.split("/")[-1]) == words and "/" not in o]


def form_rows(cells: Cells, form: AppForm, keys: list[str]) -> tuple[list[int], list[int]]:
    """Rows holding the form's anchor label, and rows holding a title or preamble label."""
    anchors: list[int] = []
    starts: list[int] = []
    anchor_keys = set(form.field(form.anchor).keys)
    pre = {k for f in form.fields if f.preamble for k in f.keys}
    titles = [norm(w) for w in form.title_keywords]
    for r in range(cells.nrows):
        for c in cells.origins(r):
            text = cells.text(r, c)
            if not text:
                continue
            k = label_key(text)
            inline = {p for p, _ in split_inline(text, keys)}
            if k in anchor_keys or inline & anchor_keys:
                anchors.append(r)
            if k in pre or inline & pre or any(w in norm(text) for w in titles):
                starts.append(r)
    return sorted(set(anchors)), sorted(set(starts))


def segments(cells: Cells, forms: list[AppForm]) -> list[tuple[AppForm, int, int]]:
    """Each occurrence of any of the forms: (form, first row, stop row), top to bottom. An
    occurrence runs from its title or preamble row (above its anchor label, below the previous
    occurrence's anchor, whatever form that was) to the next occurrence's start."""
    found: list[tuple[int, AppForm, list[int]]] = []  # (anchor row, form, its start rows)
    for form in forms:
        keys = sorted(label_index(form), key=len, reverse=True)
        anchors, starts = form_rows(cells, form, keys)
        found += [(a, form, starts) for a in anchors]
    found.sort(key=lambda t: (t[0], t[1].form))
    bounds = [0]
    for (prev, _, _), (cur, _, starts) in zip(found, found[1:], strict=False):
        between = [s for s in starts if prev < s <= cur]
        bounds.append(min(between) if between else cur)
    bounds.append(cells.nrows)
    return [(f, a, b) for (_, f, _), a, b in zip(found, bounds, bounds[1:], strict=False)]


def _value_right(cells: Cells, r: int, c: int, is_label: Any) -> tuple[Any, int, int] | None:
    """The value cell right of the (merged) label at (r, c): (raw, row, col), or None."""
    _, c2 = cells.extent(r, c)
    col = c2 + 1
    if col >= cells.ncols(r):
        return None
    r0, c0 = cells.top.get((r, col), (r, col))
    text = cells.text(r0, c0)
    if is_label(text) or is_heading(text):
        return ("", r0, c0) if not text else None
    return cells.grid.cell(r0, c0), r0, c0


def _value_below(cells: Cells, r: int, c: int, is_label: Any) -> tuple[Any, int, int] | None:
    r2, _ = cells.extent(r, c)
    r0, c0 = cells.top.get((r2 + 1, c), (r2 + 1, c))
    text = cells.text(r0, c0)
    if not text or is_label(text) or is_heading(text):
        return None
    return cells.grid.cell(r0, c0), r0, c0


def _region(cells: Cells, r: int, c: int, is_label: Any) -> str:
    """Texts right of a (merged) label over its rows, in reading order (check-box groups), each
    row up to the next label (``院士 □是☑否 全国杰出专业技术人才 ☑是□否`` is two fields)."""
    r2, c2 = cells.extent(r, c)
    parts = []
    for row in range(r, r2 + 1):
        for col in cells.origins(row):
            if col <= c2:
                continue
            text = cells.text(row, col)
            if text and is_label(text) and not any(b in text for b in BOXES):
                break
            parts.append(text)
    return " ".join(p for p in parts if p)


def extract(cells: Cells, form: AppForm, start: int, stop: int) -> tuple[dict[str, Found], str]:
    """Values of a form's fields in rows [start, stop), and the anchor label's cell."""
    index = label_index(form)
    keys = sorted(index, key=len, reverse=True)

    def is_label(text: str) -> bool:
        return label_key(text) in index or bool(split_inline(text, keys))

    seen: dict[str, int] = {}
    found: dict[str, Found] = {}
    anchor_cell = ""
    for r in range(start, min(stop, cells.nrows)):
        for c in cells.origins(r):
            text = cells.text(r, c)
            if not text:
                continue
            k = label_key(text)
            pairs = [(k, None)] if k in index else split_inline(text, keys)
            for key, inline in pairs:
                seen[key] = seen.get(key, 0) + 1
                fields = [f for f in index[key] if f.nth == seen[key]]
                if not fields or fields[0].key in found:
                    continue
                field = fields[0]
                here = a1(r, c)
                if field.key == form.anchor and not anchor_cell:
                    anchor_cell = here
                if inline is not None:
                    found[field.key] = Found(field.key, inline, here, here)
                    continue
                found[field.key] = _locate(cells, field, r, c, is_label)
    return found, anchor_cell


def _locate(cells: Cells, field: AppField, r: int, c: int, is_label: Any) -> Found:
    here = a1(r, c)
    if field.type in ("checkbox", "choice", "yesno"):
        region = _region(cells, r, c, is_label)
        if region and any(b in region for b in BOXES):
            return Found(field.key, region, a1(r, cells.extent(r, c)[1] + 1), here)
    hit = _value_right(cells, r, c, is_label)
    if hit is None or hit[0] in ("", None):
        below = _value_below(cells, r, c, is_label)
        if below is not None and (hit is None or _nothing_right(cells, r, c)):
            hit = below
    if hit is None:
        return Found(field.key, "", here, here)
    raw, vr, vc = hit
    return Found(field.key, raw, a1(vr, vc), here)


def _nothing_right(cells: Cells, r: int, c: int) -> bool:
    """Whether the label's row has no text at all right of it (a value-below layout)."""
    _, c2 = cells.extent(r, c)
    return all(not cells.text(r, col) for col in range(c2 + 1, cells.ncols(r)))


def _header_fields(cells: Cells, form: AppForm, r: int) -> dict[int, AppField] | None:
    """The columns of a row that is a list's header (at least ``min_labels`` of the form's labels,
    the anchor among them, and at least two thirds of its texts labels); None if it is not."""
    index = label_index(form)
    heads: dict[int, AppField] = {}
    seen: dict[str, int] = {}
    texts = 0
    for c in cells.origins(r):
        text = cells.text(r, c)
        if not text:
            continue
        texts += 1
        k = label_key(text)
        if k in index:
            seen[k] = seen.get(k, 0) + 1
            fields = [f for f in index[k] if f.nth == seen[k]]
            if fields:
                heads[c] = fields[0]
    keys = {f.key for f in heads.values()}
    if form.anchor not in keys or len(heads) < LIST_MIN_LABELS or len(heads) * 3 < texts * 2:
        return None
    return heads


def list_rows(
    cells: Cells, form: AppForm, start: int, stop: int
) -> list[tuple[dict[str, Found], str]] | None:
    """A form laid out as a list (推荐专家名单: a header row of labels, one person or project a
    row below it): each row's values and its anchor value's cell. None unless at least two rows
    follow the header (one row below is the value-below layout of a single form)."""
    for r in range(start, min(stop, cells.nrows)):
        heads = _header_fields(cells, form, r)
        if heads is None:
            continue
        anchor_col = next(c for c, f in heads.items() if f.key == form.anchor)
        rows: list[int] = []
        index = label_index(form)
        for row in range(r + 1, min(stop, cells.nrows)):
            texts = [cells.text(row, c) for c in cells.origins(row)]
            if not cells.text(row, anchor_col) or any(label_key(t) in index for t in texts):
                break  # a list's rows hold values only: a label ends it
            rows.append(row)
        if len(rows) < 2:
            return None
        return [
            (
                {f.key: Found(f.key, cells.grid.cell(row, c), a1(row, c), a1(r, c))
                 for c, f in heads.items()},
                a1(row, anchor_col),
            )
            for row in rows
        ]  # fmt: skip
    return None
