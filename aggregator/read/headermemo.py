"""Headers found before, remembered by the rows the search read, and given again only to a sheet
whose rows say exactly what those said.

:func:`aggregator.read.layout.find_layout` reads a sheet's first rows top down and stops a row
below the first complete header. What it finds depends on those rows alone, and on them only
thus: a row with fewer than two texts is passed over (only the fact counts), unless it lies
just below a row that was not (it may be a header's second row: all its texts count). The
*signature* of the first ``k`` rows says exactly that: a passed-over row as ``None``, any
other row as its normalised texts. Two sheets whose signatures over the rows the search read
are equal, and which have (or both lack) a row below them, get the same header: the search
is made once per template, and every other return of it is checked cell by cell (a sender,
a title or a date that differs is a row passed over; one header cell that differs is a
different signature, and the full search).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Rows(Protocol):
    """A sheet's first rows, normalised (layout._TopRows)."""

    def __len__(self) -> int: ...

    def __getitem__(self, r: int, /) -> list[str]: ...


Signature = tuple[tuple[str, ...] | None, ...]
Span = tuple[int, bool]  # rows read from the top; True: the sheet had no row below them
# what was found (see layout.find_layout) with the schemas it was found with, remembered by
# forms, rows read, whether the sheet had no row below them, and the signature of those rows
_FOUND: dict[tuple[tuple[str, ...], int, bool, Signature], tuple[tuple[object, ...], Any]] = {}
_SPANS: list[Span] = []  # as remembered, oldest first
_KEPT = 0  # cells of the signatures in _FOUND
MAX_KEPT = 1_000_000  # cells of all signatures kept (a template's return per county: ≈40 each)
MAX_SPANS = 8
# rows × width of a signature at most: a wide sheet's would cost memory to keep and time to
# check (its rows normalised beyond those its own search reads); such a sheet is searched
MAX_CELLS = 2048


def signature(normed: Rows, k: int) -> Signature:
    """The first ``k`` rows as the header search sees them (see the module)."""
    out: list[tuple[str, ...] | None] = []
    above_passed = True
    for r in range(k):
        row = normed[r]
        passed = len(row) - row.count("") < 2
        out.append(None if passed and above_passed else tuple(row))
        above_passed = passed
    return tuple(out)


def recall(normed: Rows, schemas: Mapping[str, object], width: int) -> Any | None:
    """What the search found, with these very schemas, in a sheet whose first rows had this
    sheet's signature, or None (``width``: the length of each row)."""
    forms, n = tuple(schemas), len(normed)
    for k, whole in _SPANS:
        if n < k or (whole and n != k) or k * width > MAX_CELLS:
            continue
        got = _FOUND.get((forms, k, whole, signature(normed, k)))
        if got is not None and all(a is b for a, b in zip(got[0], schemas.values(), strict=True)):
            return got[1]
    return None


def remember(
    normed: Rows, schemas: Mapping[str, object], width: int, span: Span, found: Any
) -> None:
    """Remember what the search found having read the rows of ``span`` (``width``: the length
    of each row)."""
    k, whole = span
    global _KEPT
    if k * width > MAX_CELLS or _KEPT + k * width > MAX_KEPT:
        return
    if span not in _SPANS:
        if len(_SPANS) >= MAX_SPANS:
            return
        _SPANS.append(span)
    key = (tuple(schemas), k, whole, signature(normed, k))
    if key not in _FOUND:
        _KEPT += k * width
    _FOUND[key] = (tuple(schemas.values()), found)


def forget() -> None:
    """Forget every header remembered (for tests)."""
    global _KEPT
    _FOUND.clear()
    _SPANS.clear()
    _KEPT = 0
