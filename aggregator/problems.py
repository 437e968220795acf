"""Problems found in the data: values, never exceptions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
SEVERITY_LABEL = {"error": "错误", "warning": "提醒"}


class DataFileError(Exception):
    """A data file the toolkit needs (policy, reference, schema) is unusable: cannot go on."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a return or in the data, located as precisely as known."""

    severity: Severity
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    city: str = ""
    county: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The issue object of the summary JSON."""
        d = asdict(self)
        d.pop("extra")
        return {
            k: d[k]
            for k in ("severity", "code", "file", "sheet", "cell", "city", "county", "message")
        }

    def located(self, **kw: str) -> Problem:
        """A copy with location fields filled in where still empty."""
        vals = {k: v for k, v in kw.items() if not getattr(self, k)}
        if not vals:
            return self
        d = {**asdict(self), **vals}
        return Problem(**d)


def error(code: str, message: str, **where: Any) -> Problem:
    """An error: the value or the file cannot be used as it is."""
    return Problem("error", code, message, **where)


def warning(code: str, message: str, **where: Any) -> Problem:
    """A warning: used, but the sender or analyst should look."""
    return Problem("warning", code, message, **where)


def col_letter(col: int) -> str:
    """0-based column index to Excel letters (0 → A)."""
    s = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


CellLabeler = Callable[[int, int], str]
_LABELER: ContextVar[CellLabeler | None] = ContextVar("cell_labeler", default=None)


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
