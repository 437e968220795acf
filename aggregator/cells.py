"""Cell addresses, defined once: Excel column letters and A1 references, or the label a Word
table's cell goes by (``表1 第3行第5列``) while such a table is read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CellLabeler = Callable[[int, int], str]
_LABELER: ContextVar[CellLabeler | None] = ContextVar("cell_labeler", default=None)


_LETTERS: dict[int, str] = {}
_NUMBERS: dict[bytes | str, int] = {}


def col_letter(col: int) -> str:
    """0-based column index to Excel letters (0 → A)."""
    got = _LETTERS.get(col)
    if got is not None:
        return got
    s = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    if len(_LETTERS) < 20_000:
        _LETTERS[col] = s
    return s


def col_number(letters: bytes | str) -> int:
    """Excel column letters to a 1-based number (A → 1)."""
    got = _NUMBERS.get(letters)
    if got is not None:
        return got
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    if len(letters) <= 3 and len(_NUMBERS) < 40_000:
        _NUMBERS[letters] = n
    return n


def cell_labeler() -> CellLabeler | None:
    """The labeler :func:`a1` uses now (None: A1 addresses)."""
    return _LABELER.get()


@contextmanager
def cell_labels(labeler: CellLabeler | None) -> Iterator[None]:
    """Within the block, :func:`a1` names cells with ``labeler`` (a Word table's
    ``表1 第3行第5列`` instead of an A1 address); ``None`` keeps A1 addresses."""
    token = _LABELER.set(labeler)
    try:
        yield
    finally:
        _LABELER.reset(token)


def a1(row: int, col: int) -> str:
    """0-based row and column to an A1 address (or the label of :func:`cell_labels`)."""
    labeler = _LABELER.get()
    if labeler is not None:
        return labeler(row, col)
    return f"{col_letter(col)}{row + 1}"


class RowNames:
    """:func:`a1` of the cells of any one row, by key (``cols``: key and 0-based column), the
    columns' letters found once."""

    def __init__(self, cols: list[tuple[str, int]]) -> None:
        self.cols = cols
        self.letters = [(k, col_letter(c)) for k, c in cols]

    def __call__(self, row: int) -> dict[str, str]:
        """The names of the row's cells, by key."""
        labeler = _LABELER.get()
        if labeler is not None:
            return {k: labeler(row, c) for k, c in self.cols}
        n = row + 1
        return {k: f"{x}{n}" for k, x in self.letters}
