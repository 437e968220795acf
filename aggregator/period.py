"""Periods of the returns: ``2023H1`` (half year), ``2023FY`` (whole year), ``2023`` (the plan)."""

from __future__ import annotations


def period_label(period: str | None) -> str:
    """2023H1 → 2023年上半年, 2023FY → 2023年度, 2023 → 2023年."""
    if not period:
        return "未知"
    if period.endswith("H1"):
        return f"{period[:4]}年上半年"
    if period.endswith("FY"):
        return f"{period[:4]}年度"
    return f"{period}年"
