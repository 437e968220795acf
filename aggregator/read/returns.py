"""What reading one return produces: plain data, picklable and JSON-serialisable."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from aggregator.problems import Problem, Severity


@dataclass
class Figures:
    """One row of Attachment 5: a county's (or a city's own) cumulative figures."""

    sheet: str
    row: int  # 1-based, as Excel shows it
    area_text: str
    county: str | None
    city: str | None
    city_own: bool
    values: dict[str, int | None]
    cells: dict[str, str]
    remarks: str = ""


@dataclass
class TotalRow:
    """A submitted 合计/总计/小计 row: checked, never counted. ``kind`` says what it adds up
    (rulebook.words.SUM_KINDS): ``total`` the whole table, ``mountain`` the mountain counties,
    ``block`` the rows since the previous sum row, ``part`` something the reader cannot tell."""

    sheet: str
    row: int
    label: str
    values: dict[str, int | None]
    cells: dict[str, str]
    kind: str = "total"


@dataclass
class Activity:
    """One planned activity of Attachment 4."""

    sheet: str
    row: int
    county: str | None
    city: str | None
    counties: list[str]
    name: str
    content: str
    when_text: str
    when_start: str | None
    when_end: str | None
    when_precision: str
    hosts: str
    experts: int | None
    contact_person: str
    contact_phone: str
    demo_team: bool
    joint: bool


@dataclass
class SheetNote:
    """What was made of one sheet."""

    name: str
    status: str  # read | hidden | no-form | other-form | empty
    form: str | None = None
    header_cell: str = ""
    rows_read: int = 0


@dataclass
class ReturnRead:
    """Everything understood from one file, and every problem found in it."""

    file: str
    kind: str = ""
    form: str | None = None
    city: str | None = None
    sender_county: str | None = None
    period: str | None = None
    year: int | None = None
    title: str = ""
    filled_date: str | None = None
    contact_person: str = ""
    contact_phone: str = ""
    sheets: list[SheetNote] = field(default_factory=list)
    figures: list[Figures] = field(default_factory=list)
    totals: list[TotalRow] = field(default_factory=list)  # the table's own 合计 rows
    subtotals: list[TotalRow] = field(default_factory=list)  # 小计, 其中：山区26县 … (checked here)
    activities: list[Activity] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)  # A1–A3 records (to_json)
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False
    reason: str = ""

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        sheet: str = "",
        cell: str = "",
        county: str = "",
    ) -> None:
        """Record a problem of this file (its file name and city filled in)."""
        self.problems.append(
            Problem(severity, code, message, self.file, sheet, cell, self.city or "", county)
        )

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity error."""
        return [p for p in self.problems if p.severity == "error"]

    def counties(self) -> list[str]:
        """Counties this return gives figures or activities for."""
        out = [f.county for f in self.figures if f.county] + [
            a.county for a in self.activities if a.county
        ]
        return list(dict.fromkeys(out))

    def cache_text(self) -> str:
        """The reading as JSON text, as the ledger caches it (:meth:`from_dict` reads it back)."""
        return _ENCODER.encode(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for the ledger cache)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReturnRead:
        """Rebuild from :meth:`to_dict` output."""
        d = dict(d)
        d["sheets"] = [SheetNote(**s) for s in d.get("sheets", [])]
        d["figures"] = [Figures(**s) for s in d.get("figures", [])]
        d["totals"] = [TotalRow(**s) for s in d.get("totals", [])]
        d["subtotals"] = [TotalRow(**s) for s in d.get("subtotals", [])]
        d["activities"] = [Activity(**s) for s in d.get("activities", [])]
        d["problems"] = [Problem(**p) for p in d.get("problems", [])]
        return cls(**d)


def _plain(o: Any) -> Any:
    """JSON for the dataclasses of a reading (much faster than dataclasses.asdict)."""
    return o.__dict__


# One encoder for every reading; a reading is plain data, never circular (the check is skipped).
_ENCODER = json.JSONEncoder(default=_plain, ensure_ascii=False, check_circular=False)
