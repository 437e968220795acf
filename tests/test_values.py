"""Values as people type them: numbers, dates, yes/no."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.read.values import parse_count, parse_flag, parse_when

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        (12, 12, "ok"),
        (12.0, 12, "ok"),
        ("12", 12, "ok"),
        ("12.0", 12, "ok"),
        ("１２", 12, "ok"),
        ("1,200", 1200, "ok"),
        ("1，200", 1200, "ok"),
        (" 7 ", 7, "ok"),
        ("12人次", 12, "unit"),
        ("300人", 300, "unit"),
        ("5场", 5, "unit"),
        ("3个", 3, "unit"),
        ("2项", 2, "unit"),
        ("无", 0, "ok"),
        ("—", 0, "ok"),
        ("/", 0, "ok"),
        ("", None, "missing"),
        (None, None, "missing"),
        ("  ", None, "missing"),
        ("12.5", None, "error"),
        (12.5, None, "error"),
        ("-3", None, "error"),
        (-3, None, "error"),
        ("若干", None, "error"),
        ("#DIV/0!", None, "error"),
        (True, None, "error"),
        (dt.date(2023, 1, 1), None, "error"),
        ("约10", None, "error"),
        ("5-8", None, "error"),
    ],
)
def test_parse_count(raw: object, value: int | None, status: str) -> None:
    c = parse_count(raw)
    assert (c.value, c.status) == (value, status)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("约10", 10), ("5-8", 5), ("5~8", 5), ("10余", 10), ("10多", 10), ("20以上", 20)],
)
def test_approximate_counts_when_allowed(raw: str, value: int) -> None:
    c = parse_count(raw, allow_approx=True)
    assert c.value == value and c.status == "approx" and c.detail


@given(
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["{}", "{:,}", "{}.0", "{}人次", "{}人", " {} "]),
    st.booleans(),
)
def test_any_whole_number_however_written_reads_back(n: int, pattern: str, fullwidth: bool) -> None:
    text = pattern.format(n)
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert parse_count(text).value == n


@given(
    st.one_of(
        st.text(max_size=30), st.floats(allow_nan=True), st.integers(), st.none(), st.booleans()
    )
)
def test_parse_count_never_raises_and_is_consistent(raw: object) -> None:
    c = parse_count(raw)
    assert c.status in ("ok", "missing", "unit", "approx", "error")
    assert (c.value is None) == (c.status in ("missing", "error"))
    if c.value is not None:
        assert c.value >= 0


@pytest.mark.parametrize(
    ("raw", "start", "end", "precision"),
    [
        (dt.datetime(2023, 5, 12), "2023-05-12", "2023-05-12", "day"),
        (45058, "2023-05-12", "2023-05-12", "day"),
        ("2023.05.12", "2023-05-12", "2023-05-12", "day"),
        ("2023-5-12", "2023-05-12", "2023-05-12", "day"),
        ("2023/5/12", "2023-05-12", "2023-05-12", "day"),
        ("2023年5月12日", "2023-05-12", "2023-05-12", "day"),
        ("5月12日", "2023-05-12", "2023-05-12", "day"),
        ("2023年4月", "2023-04-01", "2023-04-30", "month"),
        ("4月", "2023-04-01", "2023-04-30", "month"),
        ("2023.4", "2023-04-01", "2023-04-30", "month"),
        ("4月中旬", "2023-04-11", "2023-04-20", "part-month"),
        ("4月上旬", "2023-04-01", "2023-04-10", "part-month"),
        ("2月下旬", "2023-02-21", "2023-02-28", "part-month"),
        ("4-5月", "2023-04-01", "2023-05-31", "months"),
        ("2023年4月至6月", "2023-04-01", "2023-06-30", "months"),
        ("第三季度", "2023-07-01", "2023-09-30", "quarter"),
        ("三季度", "2023-07-01", "2023-09-30", "quarter"),
        ("第2季度", "2023-04-01", "2023-06-30", "quarter"),
        ("Q4", "2023-10-01", "2023-12-31", "quarter"),
        ("下半年", "2023-07-01", "2023-12-31", "half"),
        ("全年", "2023-01-01", "2023-12-31", "year"),
        ("２０２３年５月", "2023-05-01", "2023-05-31", "month"),
    ],
)
def test_parse_when_most_precise_period(raw: object, start: str, end: str, precision: str) -> None:
    w = parse_when(raw, 2023)
    assert (str(w.start), str(w.end), w.precision) == (start, end, precision)


@pytest.mark.parametrize("raw", ["待定", "另行通知", "", "2023年13月", "32日"])
def test_unparseable_dates_keep_their_text(raw: str) -> None:
    w = parse_when(raw, 2023)
    assert w.precision == "unknown" and w.start is None and w.text == raw


@given(st.text(max_size=40))
def test_parse_when_never_raises(raw: str) -> None:
    w = parse_when(raw, 2023)
    assert (w.start is None) == (w.precision == "unknown")
    if w.start and w.end:
        assert w.start <= w.end


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("是", True),
        ("√", True),
        ("Y", True),
        ("y", True),
        ("✓", True),
        (1, True),
        ("否", False),
        ("", False),
        (None, False),
        ("×", False),
        ("N", False),
        ("也许", None),
    ],
)
def test_parse_flag(raw: object, value: bool | None) -> None:
    assert parse_flag(raw) is value
