"""Times: China time (UTC+8) for every deadline; ``--as-of`` parsing."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def parse_time(text: str) -> dt.datetime:
    """An ISO date or date-time; no zone means China time; a bare date means the end of that day."""
    text = text.strip()
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            return dt.datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=CHINA)
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"时间格式不对：“{text}”，应为 2023-06-15 或 2023-06-15T09:30") from None
    return t if t.tzinfo else t.replace(tzinfo=CHINA)


def now() -> dt.datetime:
    """The current time in China time."""
    return dt.datetime.now(CHINA).replace(microsecond=0)


def iso(t: dt.datetime) -> str:
    """ISO text in China time."""
    return t.astimezone(CHINA).isoformat()
