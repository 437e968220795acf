"""Problems found in the data: values, never exceptions."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
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
        """The issue object of the summary JSON (its fields are strings: no copy to make)."""
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "city": self.city,
            "county": self.county,
            "message": self.message,
        }

    def scrubbed(self) -> Problem:
        """A copy whose message shows no identity or bank number in full (``privacy.scrub``)."""
        from aggregator.privacy import scrub

        message = scrub(self.message)
        return self if message == self.message else replace(self, message=message)

    def located(self, **kw: str) -> Problem:
        """A copy with location fields filled in where still empty."""
        vals: dict[str, Any] = {k: v for k, v in kw.items() if not getattr(self, k)}
        if not vals:
            return self
        if self.extra:  # a copy of its own, as before
            return replace(self, **vals, extra=copy.deepcopy(self.extra))
        return replace(self, **vals)


def error(code: str, message: str, **where: Any) -> Problem:
    """An error: the value or the file cannot be used as it is."""
    return Problem("error", code, message, **where)


def warning(code: str, message: str, **where: Any) -> Problem:
    """A warning: used, but the sender or analyst should look."""
    return Problem("warning", code, message, **where)
