"""Periods of the returns, as one value type.

A results return (Attachment 5) answers a half year (``2023H1``, the June return) or a whole
year (``2023FY``, the December return); a plan (Attachment 4) answers a year (``2023``).
This module is the only place that parses, labels or compares period codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["H1", "FY", "Y"]
KIND_WORDS: dict[str, str] = {"H1": "上半年", "FY": "全年", "Y": "全年"}


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a year and a kind (``H1`` half year, ``FY`` whole year, ``Y`` plan)."""

    year: int
    kind: Kind

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2023H1``, ``2023FY`` or ``2023``; ValueError for anything else."""
        t = text.strip().upper()
        if len(t) == 4 and t.isdigit():
            return cls(int(t), "Y")
        if len(t) == 6 and t[:4].isdigit() and t[4:] in ("H1", "FY"):
            return cls(int(t[:4]), "H1" if t[4:] == "H1" else "FY")
        raise ValueError(f"期次“{text}”不对：应为 2023H1（上半年）、2023FY（全年）或 auto。")

    @classmethod
    def of(cls, text: str | None) -> Period | None:
        """Parse a stored code, ``None`` for none or a code that does not parse."""
        if not text:
            return None
        try:
            return cls.parse(text)
        except ValueError:
            return None

    @classmethod
    def half(cls, year: int) -> Period:
        """The half year of a year."""
        return cls(year, "H1")

    @classmethod
    def whole(cls, year: int) -> Period:
        """The whole year (the December results return) of a year."""
        return cls(year, "FY")

    @classmethod
    def plan_year(cls, year: int) -> Period:
        """The year a plan answers."""
        return cls(year, "Y")

    @property
    def code(self) -> str:
        """``2023H1``, ``2023FY`` or ``2023``: the form used in JSON, the ledger and file names."""
        return str(self.year) if self.kind == "Y" else f"{self.year}{self.kind}"

    def __str__(self) -> str:
        return self.code

    @property
    def is_half(self) -> bool:
        """Whether this is the half-year results period."""
        return self.kind == "H1"

    @property
    def is_whole(self) -> bool:
        """Whether this is the whole-year results period."""
        return self.kind == "FY"

    @property
    def word(self) -> str:
        """上半年 or 全年."""
        return KIND_WORDS[self.kind]

    @property
    def label(self) -> str:
        """2023年上半年, 2023年度 or 2023年."""
        return {"H1": f"{self.year}年上半年", "FY": f"{self.year}年度", "Y": f"{self.year}年"}[
            self.kind
        ]

    @property
    def title_word(self) -> str:
        """What the results form's title says after the year: 上半年 or 度 (2023年度)."""
        return "上半年" if self.kind == "H1" else "度"

    @property
    def plan(self) -> Period:
        """The plan year this period belongs to."""
        return Period(self.year, "Y")

    @property
    def results(self) -> tuple[Period, Period]:
        """The two results periods of this period's year."""
        return Period(self.year, "H1"), Period(self.year, "FY")


def period_label(code: str | None) -> str:
    """The label of a stored period code (2023H1 → 2023年上半年), 未知 when there is none."""
    p = Period.of(code)
    return p.label if p else "未知"
