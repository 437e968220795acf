"""What a worksheet part claims, read with regular expressions from its XML: its extent (the
largest row and column any row or cell names) and its formula cells. No spreadsheet library is
involved (see :mod:`aggregator.read.sniff`)."""

from __future__ import annotations

import re

from aggregator.cells import col_number
from aggregator.read.xlsxparts import unescape_xml

# One pass finds every row and cell start tag with its reference (r="…" or r='…'), if any: a
# row or cell without one gives b"" for its number (the optional group is tried first).
_REFS = re.compile(rb"<(?:\w+:)?(row|c)\b(?:[^>]*?\br\s*=\s*[\"']([A-Z]{0,3})(\d+)[\"'])?")
# What no reader takes for cells: comments, and extension blocks (Excel's x14 rules and the like)
_HIDDEN = re.compile(rb"<!--.*?-->|<(\w+:)?extLst\b.*?</(?:\w+:)?extLst>", re.S)
# A cell and its body. Its attributes run to the first ">" (none can hold one): a cell whose
# attributes end in "/" closes there (no body), as the lazy ``([^>]*?)(?:/>|>…)`` found it; the
# attributes are taken greedily (much faster), the "/" kept (a cell without body gives nothing).
_FCELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(?:(?<=/>)|(.*?)</(?:\w+:)?c>)", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*?>(.*?)</(?:\w+:)?v>", re.S)
_R = re.compile(rb"\br\s*=\s*[\"']([A-Z]{1,3}\d+)[\"']")
# The usual formula cell's body, whose formula and value _F and _V would find in two searches.
_PLAIN_BODY = re.compile(rb"<f>([^<]*)</f><v>([^<]*)</v>")


def visible(data: bytes) -> bytes:
    """A worksheet part without what no reader takes for cells (comments, ``<extLst>``)."""
    return _HIDDEN.sub(b"", data) if b"<!--" in data or b"extLst" in data else data


def extent(data: bytes) -> tuple[int, int]:
    """The largest row number and column number any row or cell of a worksheet part claims
    (a row or cell without ``r`` comes right after the one before it, as readers place it)."""
    data = visible(data)
    refs = _REFS.findall(data)
    claimed = {r for tag, x, r in refs if r and (tag == b"c") == (x != b"")}  # a cell: letters
    letters = {x for tag, x, _ in refs if x and tag == b"c"}
    top = max(map(int, claimed), default=0), max(map(col_number, letters), default=0)
    if all(r for _, _, r in refs):
        return top
    placed = _placed_extent(refs)  # some row or cell without r
    return max(top[0], placed[0]), max(top[1], placed[1])


def _placed_extent(refs: list[tuple[bytes, bytes, bytes]]) -> tuple[int, int]:
    """The extent of rows and cells (in document order, as :data:`_REFS` finds them) placed as
    a reader places them: one without ``r`` right after the one before."""
    row = col = top_row = top_col = 0
    for tag, letters, number in refs:
        if tag == b"row":
            row = int(number) if number and not letters else row + 1
            col = 0
        else:
            col = col_number(letters) if number and letters else col + 1
            if number and letters:
                row = max(row, int(number))
            top_col = max(top_col, col)
        top_row = max(top_row, row)
    return top_row, top_col


def formulas(data: bytes) -> list[tuple[str, str, bool]]:
    """(cell, formula text, has cached value) of every formula cell of a worksheet part."""
    out: list[tuple[str, str, bool]] = []
    refs, texts, plain_body = _REF_OF, _TEXT_OF, _PLAIN_BODY.fullmatch
    for attrs, body in _FCELL.findall(visible(data)):  # a cell without a body gives b"" here
        if not body or 102 not in body:  # no "f" (an int is found without a buffer's overhead)
            continue
        plain = plain_body(body)  # <f>text</f><v>value</v>: what _F and _V find
        if plain is not None:
            ref = refs[attrs] if attrs in refs else _ref_of(attrs)
            if ref is not None:
                raw = plain[1]
                text = texts.get(raw)
                if text is None:
                    text = _formula_text(raw)
                out.append((ref, text, bool(plain[2].strip())))
            continue
        fm = _F.search(body)
        if not fm:
            continue
        ref = _ref_of(attrs)
        if ref is None:
            continue
        vm = _V.search(body)
        out.append((ref, _formula_text(fm.group(1)), bool(vm and vm.group(1).strip())))
    return out


_REF_OF: dict[bytes, str | None] = {}
_TEXT_OF: dict[bytes | None, str] = {}


def _ref_of(attrs: bytes) -> str | None:
    """The A1 reference in a cell's attributes, remembered (a template's cells recur)."""
    if attrs in _REF_OF:
        return _REF_OF[attrs]
    m = _R.search(attrs)
    ref = m.group(1).decode() if m else None
    if len(_REF_OF) < 50_000 and len(attrs) < 200:
        _REF_OF[attrs] = ref
    return ref


def _formula_text(raw: bytes | None) -> str:
    """A formula's text as written in the part (unescaped), remembered."""
    got = _TEXT_OF.get(raw)
    if got is None:
        got = unescape_xml((raw or b"").decode("utf-8", "replace"))
        if len(_TEXT_OF) < 50_000 and len(raw or b"") < 500:
            _TEXT_OF[raw] = got
    return got
