"""Text normalisation shared by every comparison of what people typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def norm(value: object) -> str:
    """Comparable form of a cell's text: NFKC (full-width → half-width), no white space at all."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub("", s)


def clean(value: object) -> str:
    """Display form of a cell's text: trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACE.sub(" ", str(value)).strip()


_NORMED: dict[object, str] = {"": ""}


def norm_cell(value: object) -> str:
    """:func:`norm` of a cell, memoised for text and numbers (headers, area names and small
    counts recur in every return); a number's key holds its type, as 1, 1.0 and True read
    differently, and a zero float its sign (``-0.0`` reads ``-0.0``)."""
    t = type(value)
    if t is str:
        key: object = value
    elif t is int or (t is float and value == value):
        key = (t, value, str(value)) if not value else (t, value)
    elif value is None:
        return ""
    else:
        return norm(value)
    got = _NORMED.get(key)
    if got is None:
        got = norm(value)
        if len(_NORMED) < 200_000:
            _NORMED[key] = got
    return got


def norm_cells(values: Sequence[object]) -> list[str]:
    """:func:`norm_cell` of every value, text and non-zero floats seen before looked up
    directly (in one pass), the others then one by one."""
    get = _NORMED.get
    out: list[str | None] = [
        get(v) if type(v) is str else get((float, v)) if type(v) is float and v else None
        for v in values
    ]
    if None in out:
        for i, n in enumerate(out):
            if n is None:
                out[i] = norm_cell(values[i])
    return out  # type: ignore[return-value]  # every None replaced
