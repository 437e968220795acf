"""What a worksheet part claims, read with regular expressions from its XML: its extent (the
largest row and column any row or cell names) and its formula cells. No spreadsheet library is
involved (see :mod:`aggregator.read.sniff`)."""

from __future__ import annotations

import re

from aggregator.cells import col_number
from aggregator.read.xlsxparts import unescape_xml

# One pass finds every row and cell reference of a worksheet part (its extent).
_REFS = re.compile(rb"<(?:\w+:)?(row|c)\b[^>]*?\br=\"([A-Z]{0,3})(\d+)\"")
# A cell and its body. Its attributes run to the first ">" (none can hold one): a cell whose
# attributes end in "/" closes there (no body), as the lazy ``([^>]*?)(?:/>|>…)`` found it; the
# attributes are taken greedily (much faster), the "/" kept (a cell without body gives nothing).
_FCELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(?:(?<=/>)|(.*?)</(?:\w+:)?c>)", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*?>(.*?)</(?:\w+:)?v>", re.S)
_R = re.compile(rb"\br=\"([A-Z]{1,3}\d+)\"")
# The usual formula cell's body, whose formula and value _F and _V would find in two searches.
_PLAIN_BODY = re.compile(rb"<f>([^<]*)</f><v>([^<]*)</v>")


def extent(data: bytes) -> tuple[int, int]:
    """The largest row number and column number any row or cell of a worksheet part claims."""
    refs = _REFS.findall(data)
    claimed = {r for tag, x, r in refs if (tag == b"c") == (x != b"")}  # a cell has letters
    letters = {x for tag, x, _ in refs if x and tag == b"c"}
    return max(map(int, claimed), default=0), max(map(col_number, letters), default=0)


def formulas(data: bytes) -> list[tuple[str, str, bool]]:
    """(cell, formula text, has cached value) of every formula cell of a worksheet part."""
    out: list[tuple[str, str, bool]] = []
    refs, texts, plain_body = _REF_OF, _TEXT_OF, _PLAIN_BODY.fullmatch
    for attrs, body in _FCELL.findall(data):  # a cell without a body gives b"" here
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
