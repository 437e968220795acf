"""Header finding, by property: whatever order, spacing, breaks, blank rows and extra columns,
every column is found where it is."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.read.grid import SheetGrid
from aggregator.read.layout import find_layout
from aggregator.rulebook.schema import default_schemas

SCHEMAS = default_schemas()
A5 = [c for c in SCHEMAS["A5"].columns]
A4 = [c for c in SCHEMAS["A4"].columns if not c.template_only]


def _mangle(text: str, how: int) -> str:
    flat = text.replace("\n", "")
    if how == 0:
        return text
    if how == 1:
        return flat
    if how == 2:
        return " ".join(flat)
    if how == 3:
        return flat.replace("（", "(").replace("）", ")")
    return "\u3000" + flat + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from(["A4", "A5"]),
    order=st.randoms(use_true_random=False),
    mangles=st.lists(st.integers(0, 4), min_size=14, max_size=14),
    blank_rows=st.integers(0, 6),
    extra=st.booleans(),
    drop=st.integers(0, 13),
)
def test_every_column_found_where_it_is(
    form: str, order: object, mangles: list[int], blank_rows: int, extra: bool, drop: int
) -> None:
    cols = list(A5 if form == "A5" else A4)
    keep = [c for i, c in enumerate(cols) if not (i == drop and not c.required)]
    order.shuffle(keep)  # type: ignore[attr-defined]
    header = [_mangle(c.header, mangles[i]) for i, c in enumerate(keep)]
    if extra:
        header.insert(len(header) // 2, "审核意见")
    rows: list[list[object]] = (
        [["2023年成果汇总表"]] + [[""] for _ in range(blank_rows)] + [header, [1] * len(header)]
    )
    layout = find_layout(SheetGrid("s", True, rows), SCHEMAS)
    assert layout is not None and layout.form == form
    assert layout.header_row == 1 + blank_rows
    for c in keep:
        assert header[layout.columns[c.key]] == _mangle(c.header, mangles[keep.index(c)])
    assert [t for _, t in layout.extra] == (["审核意见"] if extra else [])


@pytest.mark.slow
@given(st.lists(st.lists(st.text(max_size=8), max_size=6), max_size=12))
def test_random_sheets_never_raise(rows: list[list[object]]) -> None:
    layout = find_layout(SheetGrid("s", True, rows), SCHEMAS)
    assert layout is None or layout.form in ("A4", "A5")
