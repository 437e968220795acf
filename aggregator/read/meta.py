"""What is written around a form's table: its title, who sent it, when, who to call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aggregator.read.grid import SheetGrid
from aggregator.read.layout import HEADER_SCAN_ROWS, Layout
from aggregator.textnorm import clean, norm, norm_cells

_LABELS = {
    "sender": ("填报市局", "填报单位", "报送单位", "填报县局"),
    "date": ("填报日期", "报送日期", "填表日期"),
    "contact": ("填报人及联系电话", "填报人", "联系人及电话"),
    "period": ("报送期次", "统计期", "统计时段", "报送期"),
}
_PHONE = re.compile(r"(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})")
_NOT_NAME = re.compile(r"[\s:：,，;；/、()（）电话手机]+")


@dataclass
class Meta:
    """What the lines around the table say."""

    title: str = ""
    sender: str = ""
    filled: Any = None
    contact: str = ""
    period_text: str = ""

    def contact_parts(self) -> tuple[str, str]:
        """(person, phone) from the 填报人及联系电话 line."""
        phones = _PHONE.findall(norm(self.contact))
        person = self.contact
        for p in phones:
            person = person.replace(p, "")
        person = _NOT_NAME.sub(" ", person).strip()
        return person, "、".join(phones)


_LABEL_OF: dict[str, tuple[str, str] | None] = {}


def _label_of(text: str) -> tuple[str, str] | None:
    """(kind, what follows the label) when a text starts with a label, remembered."""
    if text in _LABEL_OF:
        return _LABEL_OF[text]
    got = _find_label(text)
    if len(_LABEL_OF) < 50_000:
        _LABEL_OF[text] = got
    return got


def _find_label(text: str) -> tuple[str, str] | None:
    for kind, labels in _LABELS.items():
        for lb in labels:
            if text.startswith(lb):
                rest = text[len(lb) :]
                rest = re.sub(r"^(\(盖章\)|（盖章）)?[:：]?", "", rest)
                return kind, rest
    return None


def read_meta(grid: SheetGrid, layout: Layout | None, data_end: int) -> Meta:
    """Title, 填报市局, 填报日期, 填报人及联系电话 and 报送期次 from the rows around the table."""
    meta = Meta()
    top = layout.header_row if layout else min(len(grid.rows), HEADER_SCAN_ROWS)
    rows = list(range(0, top)) + list(range(data_end, min(len(grid.rows), data_end + 15)))
    for r in rows:
        row = grid.rows[r] if r < len(grid.rows) else []
        texts = norm_cells(row)
        filled = [c for c, t in enumerate(texts) if t]  # blank cells say nothing
        taken = -1  # the cell last taken as a label's value
        for i, c in enumerate(filled):
            if c <= taken:
                continue
            t = texts[c]
            lab = _label_of(t)
            if lab:
                kind, rest = lab
                value: Any = rest
                if not rest and i + 1 < len(filled):  # value in the next cell written
                    nxt = filled[i + 1]
                    if not _label_of(texts[nxt]):
                        value = row[nxt] if kind == "date" else clean(row[nxt])
                        taken = nxt
                _set(meta, kind, value)
            elif (
                r < top
                and not meta.title
                and ("表" in t or "汇总" in t or "计划" in t)
                and len(t) >= 8
            ):
                meta.title = clean(row[c])
    return meta


def _set(meta: Meta, kind: str, value: Any) -> None:
    if kind == "sender" and not meta.sender:
        meta.sender = clean(value)
    elif kind == "date" and meta.filled in (None, ""):
        meta.filled = value
    elif kind == "contact" and not meta.contact:
        meta.contact = clean(value)
    elif kind == "period" and not meta.period_text:
        meta.period_text = clean(value)
