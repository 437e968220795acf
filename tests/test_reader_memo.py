"""The reader's shortcuts give what the long way gives: memoised norms, the header-match screen."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.read import layout
from aggregator.rulebook import Context
from aggregator.rulebook.schema import FormSchema, default_schemas
from aggregator.textnorm import norm, norm_cell, norm_cells

SCHEMAS = default_schemas()
NAMES = sorted({n for s in SCHEMAS.values() for c in s.columns for n in c.names})


def _long_way(text: str, schema: FormSchema) -> tuple[str, int] | None:
    """The header match as first written: every name of every column, in order."""
    best: tuple[str, int, int] | None = None
    for col in schema.columns:
        for name in col.names:
            if text == name:
                score, length = 3, len(name)
            elif len(name) >= 2 and name in text and len(text) <= len(name) + 8:
                score, length = 2, len(name)
            elif len(text) >= 3 and text in name:
                score, length = 1, len(text)
            else:
                continue
            if best is None or (score, length) > (best[1], best[2]):
                best = (col.key, score, length)
    return (best[0], best[1]) if best else None


def test_norm_cell_keeps_types_and_the_sign_of_zero() -> None:
    values = [0.0, -0.0, 0, 1, 1.0, True, False, None, "", " 合 计 ", "ＡＢ", float("nan")]
    for _ in range(2):  # the second time from the memo
        assert [norm_cell(v) for v in values] == [norm(v) for v in values]
        assert norm_cells(values) == [norm(v) for v in values]


pieces = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).flatmap(
        lambda n: st.builds(lambda i, j: n[i:j], st.integers(0, len(n)), st.integers(0, len(n)))
    ),
    st.text(alphabet="0123456789县市区合计总数人次（）()", max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=3).map("".join))
def test_header_match_as_the_long_way(text: str) -> None:
    for schema in SCHEMAS.values():
        layout._MATCH_CACHE.pop(schema.form, None)
        assert layout._match(text, schema) == (_long_way(text, schema) if text else None)


def test_row_names_are_a1_of_each_cell() -> None:
    from aggregator.cells import RowNames, a1, cell_labels

    cols = [("x", 0), ("y", 25), ("z", 26), ("w", 701), ("v", 702)]
    names = RowNames(cols)
    for r in (0, 4, 1_048_575):
        assert names(r) == {k: a1(r, c) for k, c in cols}
        with cell_labels(lambda row, col: f"表1 第{row + 1}行第{col + 1}列"):
            assert names(r) == {k: a1(r, c) for k, c in cols}


def test_sum_kind_remembered_is_sum_kind() -> None:
    from aggregator.read.rows import _sum_kind
    from aggregator.rulebook.words import default_words

    words = default_words()
    texts = [
        "合计",
        " 合 计 ",
        "小计",
        "其中：山区26县",
        "淳安县",
        "",
        "总计",
        1.0,
        None,
        "浙江省合计",
    ]
    for _ in range(2):  # the second time from the memo
        assert [_sum_kind(words, t) for t in texts] == [words.sum_kind(t) for t in texts]


def test_bounds_follow_the_policy_in_use(ctx: Context) -> None:
    from dataclasses import replace

    from aggregator.read.rows import _bounds

    first = {k: b for k, _, b in _bounds(ctx)}
    assert first == {m.key: ctx.policy.figure_bound(m.key) for m in ctx.schemas["A5"].metrics}
    other = replace(ctx, policy=replace(ctx.policy, max_figures={"default": 7}))
    assert {b for _, _, b in _bounds(other)} == {7}
    assert {k: b for k, _, b in _bounds(ctx)} == first


def test_area_resolution_remembered_is_the_registrys(ctx: Context) -> None:
    from aggregator.read import areas

    reg = ctx.registry
    counties = list(reg.county_by_name.values())[:40]
    texts: list[object] = [c.name for c in counties] + [c.name[:-1] for c in counties]
    texts += [
        "合计",
        "",
        " ",
        "市本级",
        "某某县",
        1.0,
        None,
        f"{counties[0].city}{counties[0].name}",
    ]
    cities = [None, counties[0].city, counties[-1].city]
    areas._RESOLVED = None
    for _ in range(2):  # the second time from the memo
        for t in texts:
            for city in cities:
                assert areas.resolve_area(reg, t, city) == reg.resolve(t, city)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="合计 \u3000ＡＢab1２\n", max_size=5),
            st.floats(allow_nan=True),
            st.integers(-3, 3),
            st.booleans(),
            st.none(),
        ),
        max_size=20,
    )
)
def test_norm_cells_is_norm_of_each(values: list[object]) -> None:
    for _ in range(2):  # the second time from the memo
        assert norm_cells(values) == [norm(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", " ", "\u3000", "填报人：王芳", "注：", "合计", "0"]),
            st.floats(allow_nan=True),
            st.integers(-2, 2),
            st.booleans(),
            st.none(),
        ),
        max_size=8,
    )
)
def test_blank_and_footer_rows_as_the_long_way(row: list[object]) -> None:
    texts = [norm_cell(v) for v in row]
    assert layout.row_is_empty(row) == all(t == "" for t in texts)
    first = next((t for t in texts if t), "")
    assert layout.is_footer(row) == (bool(first) and first.startswith(layout.FOOTER_MARKERS))
