"""The header search's shortcuts give what the long way gives: a header remembered per template
is given again only to a sheet whose rows say the same, and the search that stops at a header
no other can beat finds what reading every row finds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.read import headermemo, layout
from aggregator.read.grid import SheetGrid
from aggregator.read.layout import Layout, find_layout
from aggregator.rulebook.schema import FormSchema, default_schemas
from aggregator.textnorm import norm

SCHEMAS = default_schemas()
A5 = [c.header for c in SCHEMAS["A5"].columns]
A4 = [c.header for c in SCHEMAS["A4"].columns if not c.template_only]
TITLE = "2023年上半年“智聚山海·助力共富”专家服务活动成果汇总表"


def _template(
    header: list[str], sender: str = "填报市局（盖章）：东东泽县人力社保局"
) -> list[list[Any]]:
    width = len(header)
    return [
        [TITLE] + [""] * (width - 1),
        [sender] + [""] * (width - 1),
        list(header),
        [1.0, "东东泽县"] + [float(i) for i in range(1, width - 1)],
        ["", "合计"] + [float(i) for i in range(1, width - 1)],
        ["填报人及联系电话：王芳 0571-87654321"] + [""] * (width - 1),
    ]


def _grid(rows: list[list[Any]], merged: bool = True) -> SheetGrid:
    width = max(len(r) for r in rows)
    return SheetGrid("Sheet1", True, rows, [(0, 0, 0, width - 1)] if merged else [])


def _long_way(grid: SheetGrid, schemas: dict[str, FormSchema]) -> Layout | None:
    """find_layout as first written: no memo, every row read up to the first complete header."""
    nrows = min(len(grid.rows), layout.HEADER_SCAN_ROWS)
    width = max((len(r) for r in grid.rows[: nrows + 2]), default=0)
    if not nrows or not width:
        return None
    normed = layout._TopRows(grid, min(len(grid.rows), nrows + 1), width)
    full = {form: len(schema.columns) for form, schema in schemas.items()}
    best: Any = None
    for r in range(nrows):
        if sum(1 for t in normed[r] if t) < 2:
            continue
        for height in (1, 2):
            texts = layout._header_texts(normed, r, height)
            if sum(1 for t in texts if t) < 3:
                continue
            for cand in layout._candidates(texts, schemas):
                rank = (len(cand[1]), len(cand[1]) - len(cand[2]), -height)
                if best is None or rank > best[0]:
                    best = (rank, r, height, texts, cand)
        if best is not None and best[0][1] >= full[best[4][0]] - 1 and best[1] < r:
            break
    return layout._layout(grid, schemas, best[1:]) if best else None


def test_a_template_is_remembered_and_given_again() -> None:
    headermemo.forget()
    first = find_layout(_grid(_template(A5)), SCHEMAS)
    assert first is not None and first.form == "A5" and first.header_row == 2
    assert len(headermemo._FOUND) == 1
    other_sender = _grid(_template(A5, "填报市局（盖章）：西城县人力社保局"))
    again = find_layout(other_sender, SCHEMAS)
    assert again == first == _long_way(other_sender, SCHEMAS)


def test_one_header_cell_different_is_not_read_with_the_remembered_layout() -> None:
    headermemo.forget()
    remembered = find_layout(_grid(_template(A5)), SCHEMAS)
    assert remembered is not None
    swapped = list(A5)
    swapped[3], swapped[4] = swapped[4], swapped[3]  # two columns trade places
    renamed = list(A5)
    renamed[7] = "审核意见"  # one column a stranger
    dropped = list(A5)
    dropped[5] = ""  # one column gone
    for header in (swapped, renamed, dropped):
        g = _grid(_template(header))
        got = find_layout(g, SCHEMAS)
        assert got == _long_way(g, SCHEMAS)
        assert got != remembered
    g = _grid(_template(swapped))
    got = find_layout(g, SCHEMAS)
    assert got is not None and got.columns[SCHEMAS["A5"].columns[3].key] == 4


def test_a_row_below_that_differs_is_not_given_the_remembered_layout() -> None:
    headermemo.forget()
    rows = _template(A5)
    rows[2] = [c if i % 2 else "" for i, c in enumerate(A5)]  # half the header on each row
    rows.insert(3, [c if i % 2 == 0 else "" for i, c in enumerate(A5)])
    remembered = find_layout(_grid(rows), SCHEMAS)
    assert remembered is not None and remembered.header_height == 2
    changed = [list(r) for r in rows]
    changed[3][0] = "审核意见"
    g = _grid(changed)
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)
    short = [list(r) for r in rows[:3]]  # the same first rows, no row below
    g = _grid(short)
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)


cells = st.one_of(
    st.sampled_from(A5 + A4 + ["", "", "合计", "东东泽县", "审核意见", TITLE]),
    st.integers(0, 3),
    st.floats(0, 3),
    st.sampled_from([None, True, -0.0, 0.0, " ", "\u3000"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from(["A4", "A5"]),
    edits=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 15), cells), max_size=4),
    inserts=st.lists(st.integers(0, 5), max_size=2),
    merged=st.booleans(),
    cut=st.integers(2, 9),
)
def test_remembered_or_not_the_header_is_what_the_long_way_finds(
    form: str,
    edits: list[tuple[int, int, object]],
    inserts: list[int],
    merged: bool,
    cut: int,
) -> None:
    base = _template(A5 if form == "A5" else A4)
    find_layout(_grid(base, merged), SCHEMAS)  # the template remembered
    rows = [list(r) for r in base]
    for at in inserts:
        rows.insert(min(at, len(rows)), [""] * len(rows[0]))
    for r, c, v in edits:
        if r < len(rows):
            row = rows[r]
            row.extend([""] * (c + 1 - len(row)))
            row[c] = v
    g = _grid(rows[:cut], merged)
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)  # now from the memo, if at all


def _long_rows(grid: SheetGrid, nrows: int, width: int) -> list[list[str]]:
    """The first rows normalised as first written: merged cells looked up cell by cell."""
    m = layout.merged_view(grid, range(0, nrows)) if grid.merged else {}
    out = []
    for r in range(nrows):
        vals = list(grid.rows[r][:width]) if r < len(grid.rows) else []
        vals.extend([""] * (width - len(vals)))
        if m:
            vals = [m.get((r, c), "") if v in ("", None) else v for c, v in enumerate(vals)]
        out.append([norm(v) for v in vals])
    return out


spans = st.tuples(st.integers(0, 6), st.integers(0, 8), st.integers(0, 6), st.integers(0, 8))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(cells, max_size=8), max_size=7),
    merged=st.lists(
        spans.map(lambda s: (min(s[0], s[2]), min(s[1], s[3]), max(s[0], s[2]), max(s[1], s[3]))),
        max_size=3,
    ),
    width=st.integers(1, 9),
)
def test_top_rows_as_the_long_way(
    rows: list[list[object]], merged: list[tuple[int, int, int, int]], width: int
) -> None:
    g = SheetGrid("s", True, rows, merged)
    nrows = len(rows) + 1
    top = layout._TopRows(g, nrows, width)
    assert [top[r] for r in range(nrows)] == _long_rows(g, nrows, width)


def test_a_wide_sheet_is_searched_not_remembered() -> None:
    headermemo.forget()
    width = headermemo.MAX_CELLS  # three rows of it are beyond the bound
    rows = _template(A5)
    rows = [r + [""] * (width - len(r)) for r in rows]
    rows[2][width - 1] = "审核意见"
    g = _grid(rows)
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)
    assert not headermemo._FOUND
    find_layout(_grid(_template(A5)), SCHEMAS)  # a narrow one is remembered
    assert len(headermemo._FOUND) == 1
    assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)


def test_a_memo_serves_only_the_schemas_it_was_found_with() -> None:
    from dataclasses import replace

    headermemo.forget()
    g = _grid(_template(A5))
    find_layout(g, SCHEMAS)
    width = len(A5)
    normed = layout._TopRows(g, len(g.rows), width)
    assert headermemo.recall(normed, SCHEMAS, width) is not None
    others = {form: replace(schema) for form, schema in SCHEMAS.items()}  # equal, not the same
    assert headermemo.recall(normed, others, width) is None
    assert find_layout(g, others) == _long_way(g, others)


def test_the_memo_keeps_no_more_cells_than_its_budget(monkeypatch: Any) -> None:
    headermemo.forget()
    monkeypatch.setattr(headermemo, "MAX_KEPT", 3 * len(A5) * 2)  # two signatures' worth
    for i in range(5):
        g = _grid(_template(A5, f"填报单位：第{i}县人力社保局"))
        assert find_layout(g, SCHEMAS) == _long_way(g, SCHEMAS)
    assert len(headermemo._FOUND) == 2
    assert headermemo._KEPT <= headermemo.MAX_KEPT
    headermemo.forget()


def test_header_texts_are_matched_against_the_schemas_given_not_a_remembered_form() -> None:
    """Another policy file may name a form's column otherwise under the same form name: what
    the earlier schemas said of a header text must not decide what these say."""
    from dataclasses import replace

    a5 = SCHEMAS["A5"]
    target = next(c for c in a5.columns if c.metric)
    renamed_col = replace(target, header="新增服务对象数", variants=())
    cols = tuple(renamed_col if c is target else c for c in a5.columns)
    renamed = {**SCHEMAS, "A5": replace(a5, columns=cols)}
    header = [renamed_col.header if h == target.header else h for h in A5]
    g = _grid(_template(header))
    i = header.index(renamed_col.header)
    for _ in range(2):  # alternately, each set of schemas as the first time
        headermemo.forget()
        before = find_layout(g, SCHEMAS)
        assert before is not None and target.key not in before.columns
        headermemo.forget()
        after = find_layout(g, renamed)
        assert after is not None and after.columns.get(target.key) == i
