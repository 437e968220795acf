"""Values as people type them: numbers, dates, yes/no."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.problems import DataFileError
from aggregator.read.values import Count, parse_count, parse_flag, parse_when
from aggregator.rulebook.words import default_words, load_words

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


# -- measure words and 万, as data (workbooks/schemas/words.toml) ------------------------------
MEASURE_WORDS = ["个", "次", "场", "项", "条", "家", "件", "篇", "期", "批", "名", "位", "户"]
MEASURE_WORDS += ["人", "人次", "场次", "天", "支", "所", "例", "份"]


@pytest.mark.parametrize("unit", MEASURE_WORDS)
def test_every_measure_word_reads_as_its_count(unit: str) -> None:
    assert parse_count(f"12{unit}") == Count(12, "unit", unit)
    assert parse_count(f"１２ {unit}") == Count(12, "unit", unit)


@pytest.mark.parametrize(
    ("raw", "value", "detail"),
    [
        ("1.2万", 12000, "万"),
        ("１．２万", 12000, "万"),
        ("3万", 30000, "万"),
        ("0.5万", 5000, "万"),
        ("1.2万人", 12000, "万人"),
        ("1.25万人次", 12500, "万人次"),
        ("12万 人", 120000, "万人"),
    ],
)
def test_wan_is_ten_thousand(raw: str, value: int, detail: str) -> None:
    assert parse_count(raw) == Count(value, "unit", detail)


@pytest.mark.parametrize(
    ("raw", "approx"),
    [("3万余", 30000), ("3万余人", 30000), ("约1万", 10000), ("2万多", 20000), ("1万以上", 10000)],
)
def test_wan_with_approximate_words_keeps_the_approx_rule(raw: str, approx: int) -> None:
    assert parse_count(raw).status == "error"  # a results figure must be exact
    c = parse_count(raw, allow_approx=True)
    assert (c.value, c.status) == (approx, "approx")


@pytest.mark.parametrize(
    "raw", ["1.23456万", "万", "万人", "若干条", "约10", "5-8", "1-2万", "多人"]
)
def test_text_that_is_no_count_stays_an_error(raw: str) -> None:
    assert parse_count(raw) == Count(None, "error", "不是整数")


def test_words_file_is_validated(tmp_path: Path) -> None:
    good = (Path(__file__).resolve().parents[1] / "workbooks/schemas/words.toml").read_text("utf-8")
    for broken, says in [
        (good.replace('"人次",', '"人次", "3个",'), "不能含数字"),
        (good.replace('kind = "part"', 'kind = "parts"'), "kind"),
        (good.replace("'^小计$'", "'^小计($'"), "正则"),
        (good.replace('"万" = 10000', '"万" = 1'), "大于1"),
    ]:
        p = tmp_path / "words.toml"
        p.write_text(broken, encoding="utf-8")
        with pytest.raises(DataFileError, match=says):
            load_words(p)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("合计", "total"),
        ("合 计", "total"),
        ("总计", "total"),
        ("全市合计", "total"),
        ("宁波市合计", "total"),
        ("小计", "block"),
        ("其中：山区26县", "mountain"),
        ("其中:山区县", "mountain"),
        ("山区县小计", "mountain"),
        ("山区26县合计", "mountain"),
        ("其中：26个山区县", "mountain"),
        ("海岛县合计", "part"),
        ("其中：海岛县", "part"),
        ("其中：市本级", "part"),
        ("沿海县小计", "part"),
        ("淳安县", None),
        ("市本级", None),
        ("", None),
    ],
)
def test_sum_row_wordings(text: str, kind: str | None) -> None:
    assert default_words().sum_kind(text) == kind
