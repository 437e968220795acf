"""Find the form in a sheet: which attachment, where the header is, which column is which."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aggregator.read import headermemo
from aggregator.read.grid import SheetGrid
from aggregator.rulebook.schema import Column, FormSchema
from aggregator.textnorm import clean, norm_cell, norm_cells
from aggregator.vocab import Form

HEADER_SCAN_ROWS = 40
FOOTER_MARKERS = (
    "填报人",
    "填报市局",
    "填报单位",
    "填报日期",
    "报送单位",
    "报送要求",
    "注:",
    "注：",
    "备注:",
    "说明:",
    "制表人",
    "审核人",
    "联系人:",
    "单位负责人",
)


@dataclass
class Layout:
    """Where a form sits in a sheet."""

    form: str
    header_row: int  # 0-based first header row
    header_height: int  # 1 or 2 rows
    columns: dict[str, int]  # key → 0-based column
    extra: list[tuple[int, str]] = field(default_factory=list)  # unmatched header cells
    missing_required: list[Column] = field(default_factory=list)
    fuzzy: list[tuple[str, str]] = field(default_factory=list)  # (key, header as written)

    @property
    def first_data_row(self) -> int:
        """The 0-based row just below the header."""
        return self.header_row + self.header_height


def merged_view(grid: SheetGrid, rows: range) -> dict[tuple[int, int], Any]:
    """Values that merged cells show in cells other than their top-left one."""
    out: dict[tuple[int, int], Any] = {}
    for r1, c1, r2, c2 in grid.merged:
        if r2 < rows.start or r1 >= rows.stop or (r2 - r1 + 1) * (c2 - c1 + 1) > 5000:
            continue
        v = grid.cell(r1, c1)
        for r in range(max(r1, rows.start), min(r2, rows.stop - 1) + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    out[(r, c)] = v
    return out


Match = tuple[str, int] | None
# form → (the schema, text → match): the same headers recur in almost every return. Each memo
# below serves only the very schema objects it was made with (equal ones from another policy
# file may name the columns otherwise), as headermemo's does.
_MATCH_CACHE: dict[str, tuple[FormSchema, dict[str, Match]]] = {}


def _matches_of(schema: FormSchema) -> dict[str, Match]:
    """The memo of header texts matched against this very schema (a new one for another)."""
    got = _MATCH_CACHE.get(schema.form)
    if got is None or got[0] is not schema:
        got = _MATCH_CACHE[schema.form] = (schema, {})
    return got[1]


def _match(text: str, schema: FormSchema) -> Match:
    """Best column key for a header text, with a score (3 exact, 2 contains a name, 1 inside one).

    Memoised per schema and text.
    """
    if not text:
        return None
    cache = _matches_of(schema)
    if text in cache:
        return cache[text]
    inside, names_in, longest, named = _screen(schema)
    if text not in inside and (len(text) > longest + 8 or names_in.search(text) is None):
        result = None  # no name can match (one inside a text is at most 8 characters shorter)
    else:
        result = _best_match(text, named)
    if len(cache) < 100_000:
        cache[text] = result
    return result


Named = tuple[str, str, int]  # (column key, name, its length), in the form's order
Screen = tuple[frozenset[str], re.Pattern[str], int, tuple[Named, ...]]
_SCREENS: dict[str, tuple[FormSchema, Screen]] = {}


def _screen(schema: FormSchema) -> Screen:
    """What a header text must be for :func:`_best_match` to find anything: one of the names
    or a piece of one (3 characters or more), or contain a name of 2 characters or more (and
    be at most 8 characters longer than the longest name); with every name, in order."""
    memo = _SCREENS.get(schema.form)
    got = memo[1] if memo is not None and memo[0] is schema else None
    if got is None:
        named = tuple((col.key, n, len(n)) for col in schema.columns for n in col.names)
        inside = {n for _, n, _ in named}
        for _, n, _ in named:
            inside.update(n[i:j] for i in range(len(n)) for j in range(i + 3, len(n) + 1))
        longer = sorted((n for _, n, size in named if size >= 2), key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, longer)) or r"(?!)")
        longest = max((size for _, _, size in named), default=0)
        got = (frozenset(inside), pattern, longest, named)
        _SCREENS[schema.form] = (schema, got)
    return got


def _best_match(text: str, named: tuple[Named, ...]) -> tuple[str, int] | None:
    best: tuple[str, int, int] | None = None
    size = len(text)
    for key, name, n in named:
        if text == name:
            score, length = 3, n
        elif n >= 2 and size <= n + 8 and name in text:
            score, length = 2, n
        elif size >= 3 and text in name:
            score, length = 1, size
        else:
            continue
        if best is None or (score, length) > (best[1], best[2]):
            best = (key, score, length)
    return (best[0], best[1]) if best else None


def _assign(texts: list[str], schema: FormSchema) -> tuple[dict[str, int], list[tuple[str, str]]]:
    cands: list[tuple[int, int, str]] = []  # (score, col, key)
    cache = _matches_of(schema)
    for c, t in enumerate(texts):
        m = cache[t] if t in cache else _match(t, schema)
        if m:
            cands.append((m[1], c, m[0]))
    cands.sort(key=lambda x: (-x[0], x[1]))
    taken: dict[str, int] = {}
    fuzzy: list[tuple[str, str]] = []
    used_cols: set[int] = set()
    for score, c, key in cands:
        if key in taken or c in used_cols:
            continue
        taken[key] = c
        used_cols.add(c)
        if score < 3:
            fuzzy.append((key, texts[c]))
    return taken, fuzzy


def _header_texts(normed: _TopRows, r: int, height: int) -> list[str]:
    """Each column's header text: one row, or two rows joined (a repeated text once)."""
    top = normed[r]
    if height == 1 or r + 1 >= len(normed):
        return list(top)
    return [a + b if b and b != a else (a or b) for a, b in zip(top, normed[r + 1], strict=False)]


class _TopRows:
    """The first rows' cells normalised, each row when first looked at (the search mostly
    stops a row below the header), merged cells showing their value everywhere."""

    def __init__(self, grid: SheetGrid, nrows: int, width: int) -> None:
        self.grid, self.nrows, self.width = grid, nrows, width
        self.merged: dict[int, dict[int, Any]] = {}  # row → column → value shown
        for r1, c1, r2, c2 in grid.merged:  # as merged_view, by row (a later range wins)
            if r2 < 0 or r1 >= nrows or (r2 - r1 + 1) * (c2 - c1 + 1) > 5000:
                continue
            v = grid.cell(r1, c1)
            for r in range(max(r1, 0), min(r2, nrows - 1) + 1):
                shown = self.merged.setdefault(r, {})
                for c in range(max(c1, 0), min(c2, width - 1) + 1):
                    if r != r1 or c != c1:
                        shown[c] = v
        self.done: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return self.nrows

    def __getitem__(self, r: int) -> list[str]:
        got = self.done.get(r)
        if got is None:
            if not 0 <= r < self.nrows:
                raise IndexError(r)
            rows = self.grid.rows
            vals = list(rows[r][: self.width]) if r < len(rows) else []
            vals.extend([""] * (self.width - len(vals)))
            shown = self.merged.get(r)
            if shown:
                for c, v in shown.items():
                    if vals[c] in ("", None):
                        vals[c] = v
            got = self.done[r] = norm_cells(vals)
        return got


def _enough(form: str, keys: dict[str, int], schema: FormSchema) -> bool:
    if form == Form.RESULTS:
        metrics = sum(1 for c in schema.metrics if c.key in keys)
        return metrics >= max(4, len(schema.metrics) // 2)
    return "activity_name" in keys and len(keys) >= 3


Candidate = tuple[str, dict[str, int], list[tuple[str, str]]]  # form, keys, fuzzy
_CANDIDATES: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Candidate]] = {}
_CANDIDATES_FOR: list[tuple[FormSchema, ...]] = [()]  # the schemas _CANDIDATES was made with


def _same(memo: tuple[FormSchema, ...], schemas: dict[str, FormSchema]) -> bool:
    return len(memo) == len(schemas) and all(
        a is b for a, b in zip(memo, schemas.values(), strict=True)
    )


def _candidates(texts: list[str], schemas: dict[str, FormSchema]) -> list[Candidate]:
    """The forms whose header these texts could be, with the columns they give: remembered by
    the header texts (the same template's header recurs in almost every return), for these
    very schemas (the memo starts again for others)."""
    if not _same(_CANDIDATES_FOR[0], schemas):
        _CANDIDATES.clear()
        _CANDIDATES_FOR[0] = tuple(schemas.values())
    key = (tuple(schemas), tuple(texts))
    got = _CANDIDATES.get(key)
    if got is None and _matching(texts, schemas) < 3:
        got = []  # every form needs 3 matched columns or more (_enough): a row of data, say
    elif got is None:
        got = []
        for form, schema in schemas.items():
            keys, fuzzy = _assign(texts, schema)
            if _enough(form, keys, schema):
                got.append((form, keys, fuzzy))
        if len(_CANDIDATES) < 50_000:
            _CANDIDATES[key] = got
    return got


# forms → (the schemas, text → matches one)
_MATCHES_ANY: dict[tuple[str, ...], tuple[tuple[FormSchema, ...], dict[str, bool]]] = {}


def _matching(texts: list[str], schemas: dict[str, FormSchema]) -> int:
    """How many of the texts match a column of some form (each key takes a column of its own,
    so a form has at most this many columns)."""
    memo = _MATCHES_ANY.get(tuple(schemas))
    if memo is None or not _same(memo[0], schemas):
        memo = _MATCHES_ANY[tuple(schemas)] = (tuple(schemas.values()), {})
    seen = memo[1]
    n = 0
    for t in texts:
        if not t:
            continue
        hit = seen.get(t)
        if hit is None:
            hit = any(_match(t, schema) for schema in schemas.values())
            if len(seen) < 100_000:
                seen[t] = hit
        n += hit
    return n


def find_layout(grid: SheetGrid, schemas: dict[str, FormSchema]) -> Layout | None:
    """The most convincing header in the first rows of a sheet, or None if no form is there."""
    nrows = min(len(grid.rows), HEADER_SCAN_ROWS)
    width = max(map(len, grid.rows[: nrows + 2]), default=0)
    if not nrows or not width:
        return None
    normed = _TopRows(grid, min(len(grid.rows), nrows + 1), width)
    found = headermemo.recall(normed, schemas, width)
    if found is None:
        found, span = _search(normed, nrows, schemas)
        if found is not None and span is not None:
            headermemo.remember(normed, schemas, width, span, found)
    return _layout(grid, schemas, found) if found else None


Found = tuple[int, int, list[str], Candidate]  # header row, height, texts, what they give


def _search(
    normed: _TopRows, nrows: int, schemas: dict[str, FormSchema]
) -> tuple[Found | None, headermemo.Span | None]:
    """The best header in the first rows, with the rows the search read when it stopped before
    the last (see headermemo): what it finds depends on those rows alone."""
    full = {form: len(schema.columns) for form, schema in schemas.items()}
    # No header can rank above every column of the widest form matched exactly on one row
    # (each key takes a column of its own, and a text of its own): one that does ends the search.
    most = min(normed.width, max(full.values(), default=0))
    top = (most, most, -1)
    best: tuple[tuple[int, int, int], int, int, list[str], Candidate] | None = None
    for r in range(nrows):
        if sum(1 for t in normed[r] if t) < 2:
            continue
        for height in (1, 2):
            texts = _header_texts(normed, r, height)
            if sum(1 for t in texts if t) < 3:
                continue
            for cand in _candidates(texts, schemas):
                rank = (len(cand[1]), len(cand[1]) - len(cand[2]), -height)
                if best is None or rank > best[0]:
                    best = (rank, r, height, texts, cand)
            if best is not None and best[0] == top:
                return best[1:], _read(normed, r, height)
        if best is not None and best[0][1] >= full[best[4][0]] - 1 and best[1] < r:
            # a complete header was found above: nothing further down can beat it
            return best[1:], _read(normed, r, 2)
    return (best[1:] if best else None), None


def _read(normed: _TopRows, r: int, height: int) -> headermemo.Span:
    """The rows the search read, having stopped at row ``r`` after its ``height`` rows' texts:
    how many, and whether there was no row below them (a height of 2 looks for one)."""
    if height == 1:
        return r + 1, False
    below = r + 1 < len(normed)
    return (r + 2, False) if below else (r + 1, True)


def _layout(
    grid: SheetGrid,
    schemas: dict[str, FormSchema],
    found: Found,
) -> Layout:
    """The Layout of the header found at a row, with its unmatched and missing columns."""
    r, height, texts, (form, keys, fuzzy) = found
    used = set(keys.values())
    extra = [(c, clean(grid.cell(r, c)) or t) for c, t in enumerate(texts) if t and c not in used]
    missing = [col for col in schemas[form].columns if col.required and col.key not in keys]
    return Layout(form, r, height, dict(keys), extra, missing, list(fuzzy))


def is_footer(row: list[Any]) -> bool:
    """A note or signature line below the table (填报人…, 报送要求…, 注：…)."""
    for v in row:
        if v is None or (type(v) is str and not v):
            continue  # blank: norm_cell would say ""
        t = norm_cell(v)
        if t:
            return t.startswith(FOOTER_MARKERS)
    return False


def row_is_empty(row: list[Any]) -> bool:
    """No cell of the row has anything in it."""
    for v in row:
        if v is None or (type(v) is str and not v):
            continue  # blank: norm_cell would say ""
        if norm_cell(v) != "":
            return False
    return True
