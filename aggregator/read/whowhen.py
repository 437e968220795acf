"""Who sent a return and for when: the sending city and county, the year, the filled date and
the period, from the lines around the table and the names of the file and its folders."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from aggregator.read.meta import Meta
from aggregator.read.returns import ReturnRead
from aggregator.read.values import parse_when
from aggregator.rulebook import Context
from aggregator.rulebook.reference import Registry
from aggregator.textnorm import norm


def who_sent(out: ReturnRead, meta: Meta, label: str, ctx: Context) -> None:
    """The sending city, and the sending county when a county sent its own return: from the
    填报 line (``填报单位：淳安县人力社保局``), else the file name, else the folder names."""
    reg = ctx.registry
    if meta.sender:
        said = _sender_says(reg, meta.sender)
        if said is not None:
            county, out.city = said
            if county is not None:
                out.sender_county = county
            return
    parts = [Path(p).stem for p in reversed(PurePosixPath(label).parts)]
    city = next((c for c in map(reg.city_of, parts) if c), None)
    out.city = city.name if city else None
    for part in parts:
        counties = reg.mentions(part, out.city)
        if len(counties) == 1 and (out.city is None or counties[0].city == out.city):
            out.sender_county, out.city = counties[0].name, counties[0].city
            return


Said = tuple[str | None, str]  # (sending county or None, sending city)
_SAID: tuple[Registry, dict[str, Said | None]] | None = None


def _sender_says(reg: Registry, sender: str) -> Said | None:
    """Who a 填报 line names, None when it names no one the registry knows; remembered while
    the same registry is in use (a county's every return has the same line)."""
    global _SAID
    if _SAID is None or _SAID[0] is not reg:
        _SAID = (reg, {})
    memo = _SAID[1]
    if sender in memo:
        return memo[sender]
    got = _sender_named(reg, sender)
    if len(memo) < 50_000 and len(sender) <= 200:
        memo[sender] = got
    return got


def _sender_named(reg: Registry, sender: str) -> Said | None:
    res = reg.resolve(sender, suggestions=False)
    if res.kind == "county" and res.county:
        return res.county.name, res.county.city
    if res.kind == "city" and res.city:
        return None, res.city.name
    named = reg.mentions(sender)
    city = reg.city_of(sender)
    if len(named) == 1 and (city is None or city.name == named[0].city):
        return named[0].name, named[0].city
    if city:
        return None, city.name
    return None


_YEAR = re.compile(r"(20\d\d)\s*年?")


_PERIOD_OF: dict[str, str | None] = {}


def period_of_text(text: str) -> str | None:
    """``H1`` or ``FY`` from a title, a 报送期次 value or a file name, if it says (remembered
    for short texts: a template's title recurs in every return)."""
    if text in _PERIOD_OF:
        return _PERIOD_OF[text]
    got = _period_of(text)
    if len(_PERIOD_OF) < 50_000 and len(text) <= 200:
        _PERIOD_OF[text] = got
    return got


def _period_of(text: str) -> str | None:
    t = norm(text).upper()
    if not t:
        return None
    if any(w in t for w in ("上半年", "半年", "1-6月", "1—6月", "1至6月", "一至六月", "H1")):
        return "H1"
    if any(w in t for w in ("年度", "全年", "1-12月", "1—12月", "1至12月", "FY", "年报")):
        return "FY"
    return None


def when_for(out: ReturnRead, meta: Meta, label: str, ctx: Context) -> None:
    """The year (the policy's, a warning when the title says another), the filled date and the
    period: from 报送期次, the title, the file and folder names, else the filled date."""
    year = ctx.policy.year
    texts = [meta.title, meta.period_text]
    for t in texts:
        m = _YEAR.search(norm(t))
        if m:
            found = int(m.group(1))
            if found != year:
                out.add(
                    "warning",
                    "year-mismatch",
                    f"标题或期次写的是{found}年，与{year}年的通知不符（是否沿用了旧表？）。已按{year}年读取，请核对。",
                )
            break
    out.year = year
    filled = _filled_date(meta.filled, year)
    out.filled_date = filled.isoformat() if filled else None
    if out.form == "A4":
        out.period = str(year)
        return
    for source in _period_sources(meta, label):
        p = period_of_text(source)
        if p:
            out.period = f"{year}{p}"
            return
    if filled:
        h1_end = ctx.policy.deadlines["H1"] + dt.timedelta(days=100)
        p = "H1" if dt.date(year, 4, 1) <= filled <= h1_end else "FY" if filled > h1_end else None
        if p:
            out.period = f"{year}{p}"
            out.add(
                "warning",
                "period-from-date",
                f"标题未注明“上半年”或“年度”，按填报日期 {filled.isoformat()} 判断为{('上半年' if p == 'H1' else '全年')}。请在标题中注明。",
            )


def _period_sources(meta: Meta, label: str) -> Iterator[str]:
    """Where the period may be said, in order: 报送期次, title, file name, folder names (the
    label parsed only when the first two say nothing)."""
    yield meta.period_text
    yield meta.title
    path = PurePosixPath(label)
    yield path.name
    yield from path.parts[:-1]


def _filled_date(v: Any, year: int) -> dt.date | None:
    if v in (None, ""):
        return None
    w = parse_when(v, year)
    return w.start if w.precision == "day" else None
