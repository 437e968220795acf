"""Typed values from what people type: counts, dates and periods, yes/no flags."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from aggregator.rulebook.words import Words, default_words
from aggregator.textnorm import norm, norm_cell

NONE_WORDS = {"无", "没有", "/", "—", "——", "-", "--", "－", "―", "无此项", "暂无"}
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_APPROX = re.compile(r"^(约|大约|近|超|超过|逾)?(\d+)(余|多|\+|以上|左右)?$")
_RANGE = re.compile(r"^(\d+)(?:-|~|至|到|—|－|–)(\d+)$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Count:
    """A parsed whole number: ``value`` is None when blank (missing) or unusable (error)."""

    value: int | None
    status: str  # ok | missing | unit | approx | error
    detail: str = ""  # the unit, or why it failed


FLOAT_COUNTS: dict[float, Count] = {}  # Count is frozen: one per value serves every cell


def parse_count(raw: object, *, allow_approx: bool = False) -> Count:
    """A whole number ≥ 0 from a cell: numbers, text numbers, full-width digits, units, separators.

    ``无``/``—``/``/`` are 0; a blank is *missing*; ``12.5``, ``-3``, ``若干`` are errors. With
    ``allow_approx`` (planned experts), ``约10`` and ``5-8`` give 10 and 5 with status ``approx``.
    """
    if type(raw) is float and raw == raw:  # the usual cell: memoised by value
        got = FLOAT_COUNTS.get(raw)
        if got is None:
            got = _from_number(raw)
            if len(FLOAT_COUNTS) < 100_000:
                FLOAT_COUNTS[raw] = got
        return got
    if raw is None or (isinstance(raw, str) and not norm_cell(raw)):
        return Count(None, "missing")
    if isinstance(raw, bool):
        return Count(None, "error", "不是数字")
    if isinstance(raw, int):
        return _from_int(raw)  # exact, however large (a float would round beyond 2^53)
    if isinstance(raw, float):
        return _from_number(raw)
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return Count(None, "error", "填的是日期/时间，不是数字")
    s = norm_cell(raw).replace(",", "")
    if s in NONE_WORDS:
        return Count(0, "ok", "无")
    s, unit = _measure_words(s, default_words())
    if s.startswith("#"):
        return Count(None, "error", f"单元格是错误值“{s}”")
    if _NUMBER.match(s):
        whole, _, frac = s.partition(".")
        if len(whole) > 30:  # no count has 30 digits (and int() refuses thousands of them)
            return Count(None, "error", "数字过大，疑似填错")
        c = _from_int(int(whole)) if not frac.strip("0") else _from_number(float(s))
        if c.status == "ok" and unit:
            return Count(c.value, "unit", unit)
        return c
    if s.startswith("-") and _NUMBER.match(s[1:]):
        return Count(None, "error", "不能为负数")
    if allow_approx:
        m = _RANGE.match(s)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            return Count(min(lo, hi), "approx", f"范围“{raw}”，按下限 {min(lo, hi)} 计")
        m = _APPROX.match(s)
        if m and (m.group(1) or m.group(3)):
            return Count(int(m.group(2)), "approx", f"约数“{raw}”，按 {m.group(2)} 计")
    return Count(None, "error", "不是整数")


_SCALED = r"^(?P<pre>约|大约|近|超|超过|逾)?(?P<num>\d+(?:\.\d+)?)(?P<word>{words})(?P<post>余|多|\+|以上|左右)?$"


def _measure_words(s: str, words: Words) -> tuple[str, str]:
    """Strip a measure word (``2条`` → ``2``) and apply a multiplier (``1.2万`` → ``12000``):
    (what is left, the words taken off, e.g. ``万人``). Text that is no count is left as it is."""
    unit = ""
    for u in words.units:
        if s.endswith(u) and len(s) > len(u):
            s, unit = s[: -len(u)], u
            break
    if not words.multipliers:
        return s, unit
    m = re.match(_SCALED.format(words="|".join(re.escape(w) for w, _ in words.multipliers)), s)
    if m is None:
        return s, unit
    try:
        scaled = Decimal(m.group("num")) * dict(words.multipliers)[m.group("word")]
    except InvalidOperation:
        return s, unit
    if scaled != scaled.to_integral_value():
        return s, unit  # 1.23456万 is no whole number: left for the caller to refuse
    rest = f"{m.group('pre') or ''}{int(scaled)}{m.group('post') or ''}"
    return rest, m.group("word") + unit


def _from_int(n: int) -> Count:
    """A whole number as written (text digits or an integer cell), kept exact."""
    return Count(None, "error", "不能为负数") if n < 0 else Count(n, "ok")


def _from_number(x: float) -> Count:
    if math.isnan(x) or math.isinf(x):
        return Count(None, "error", "不是数字")
    if x < 0:
        return Count(None, "error", "不能为负数")
    if x != int(x):
        return Count(None, "error", "应为整数，不能有小数")
    return Count(int(x), "ok")


YES = {"是", "√", "✓", "✔", "Y", "YES", "1", "是的", "对", "T", "TRUE", "☑"}
NO = {"", "否", "×", "✗", "N", "NO", "0", "不是", "F", "FALSE", "无", "/", "—", "-", "☐"}


def parse_flag(raw: object) -> bool | None:
    """是/否 flag: True, False (blank is 否), or None when it cannot be told."""
    if isinstance(raw, bool):
        return raw
    s = norm(raw).upper()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        s = "1" if raw == 1 else "0" if raw == 0 else s
    if s in YES:
        return True
    if s in NO:
        return False
    return None


@dataclass(frozen=True)
class When:
    """A planned date as precise as written: [start, end] and how precise (day … year)."""

    text: str
    start: dt.date | None
    end: dt.date | None
    precision: str  # day | part-month | month | months | quarter | half | year | unknown


_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PARTS = {
    "上旬": (1, 10),
    "初": (1, 10),
    "中旬": (11, 20),
    "下旬": (21, 31),
    "底": (21, 31),
    "末": (21, 31),
}


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_when(raw: object, year: int) -> When:
    """Parse a planned date in every form seen: dates, ``2023年4月``, ``4月中旬``, ``2023.05.12``,
    Excel serial numbers, ``第三季度``, ``下半年``; the year defaults to the policy year."""
    if isinstance(raw, dt.datetime):
        return When(raw.date().isoformat(), raw.date(), raw.date(), "day")
    if isinstance(raw, dt.date):
        return When(raw.isoformat(), raw, raw, "day")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 20000 < raw < 80000:
            d = EXCEL_EPOCH + dt.timedelta(days=int(raw))
            return When(d.isoformat(), d, d, "day")
        return When(str(raw), None, None, "unknown")
    text = "" if raw is None else str(raw).strip()
    s = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    if not s:
        return When("", None, None, "unknown")
    for pattern, fn in _RULES:
        m = pattern.search(s)
        if m:
            w = fn(m, year)
            if w is not None:
                return When(text, w[0], w[1], w[2])
    return When(text, None, None, "unknown")


def _year_of(m: re.Match[str], year: int) -> int:
    """The year a date pattern wrote, else the policy year."""
    g = m.groupdict().get("y")
    return int(g) if g else year


def _day(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    d = _safe_date(_year_of(m, year), int(m.group("m")), int(m.group("d")))
    return (d, d, "day") if d else None


def _month_range(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    y, a, b = _year_of(m, year), int(m.group("m")), int(m.group("m2"))
    if not (1 <= a <= b <= 12):
        return None
    return dt.date(y, a, 1), _month_end(y, b), "months"


def _month(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    y, mo = _year_of(m, year), int(m.group("m"))
    if not 1 <= mo <= 12:
        return None
    part = m.groupdict().get("p")
    if part and part in _PARTS:
        a, b = _PARTS[part]
        return dt.date(y, mo, a), dt.date(y, mo, b) if b <= 28 else _month_end(y, mo), "part-month"
    return dt.date(y, mo, 1), _month_end(y, mo), "month"


def _quarter(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    q = _CN_NUM.get(m.group("q"))
    if not q:
        return None
    y = _year_of(m, year)
    return dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter"


def _half(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    y = _year_of(m, year)
    if m.group("h") == "上":
        return dt.date(y, 1, 1), dt.date(y, 6, 30), "half"
    return dt.date(y, 7, 1), dt.date(y, 12, 31), "half"


def _whole_year(m: re.Match[str], year: int) -> tuple[dt.date, dt.date, str] | None:
    y = _year_of(m, year)
    return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"


_Y = r"(?:(?P<y>20\d\d)(?:年|\.|-|/))?"
_RULES = [
    (re.compile(r"^" + _Y + r"(?P<m>\d{1,2})(?:月|\.|-|/)(?P<d>\d{1,2})日?$"), _day),
    (re.compile(r"^(?P<y>20\d\d)(?P<m>\d\d)(?P<d>\d\d)$"), _day),
    (re.compile(_Y + r"(?P<m>\d{1,2})(?:月)?(?:-|~|至|到|—|–|－)(?P<m2>\d{1,2})月"), _month_range),
    (re.compile(_Y + r"(?P<m>\d{1,2})月(?P<p>上旬|中旬|下旬|初|底|末|份)?"), _month),
    (re.compile(r"^(?P<y>20\d\d)(?:\.|-|/)(?P<m>\d{1,2})$"), _month),
    (re.compile(_Y + r"第?(?P<q>[一二三四1-4])季度"), _quarter),
    (re.compile(r"(?:(?P<y>20\d\d)年?)?Q(?P<q>[1-4])", re.IGNORECASE), _quarter),
    (re.compile(_Y + r"(?P<h>[上下])半年"), _half),
    (re.compile(r"(?:(?P<y>20\d\d)年)?(?:全年|年内|全年度)"), _whole_year),
]
