"""Sub-total rows of Attachment 5 (小计, 其中：山区26县, 海岛县合计 …): never a county, never counted.

A sub-total whose parts can be told — the mountain counties of the policy, or the rows since
the previous sum row for a bare 小计 — is checked against them like the 合计 row; any other
is noted and left aside. The table's own 合计 is checked by the summary (judge.checks).
"""

from __future__ import annotations

from aggregator.read.returns import Figures, ReturnRead, TotalRow
from aggregator.rulebook import Context
from aggregator.vocab import Form

PART_NAMES = {"mountain": "山区县", "block": "其上各行"}


def check_subtotals(out: ReturnRead, ctx: Context) -> None:
    """Check every sub-total row of a read return against its parts, or note it is left aside."""
    if not out.subtotals:
        return
    labels = {c.key: c.label for c in ctx.schemas[Form.RESULTS].metrics}
    for t in out.subtotals:
        parts = _parts(out, t, ctx)
        if parts is None:
            out.add(
                "warning",
                "subtotal-ignored",
                f"第{t.row}行“{t.label}”是分类小计行，无法判断由哪些县（市、区）组成，未核对，也不计入汇总（汇总按各县数据计算）。",
                sheet=t.sheet,
            )
            continue
        names = "、".join(f.area_text for f in parts) or "（无）"
        what = f"{PART_NAMES[t.kind]}（{names}）" if t.kind == "mountain" else PART_NAMES[t.kind]
        for key, stated in t.values.items():
            if stated is None:
                continue
            known = [f.values.get(key) for f in parts]
            total = sum(v for v in known if v is not None)
            if stated == total:
                continue
            gap = "（部分县未填，按已填数计算）" if any(v is None for v in known) else ""
            cell = t.cells.get(key, "")
            out.add(
                "error",
                "subtotal-mismatch",
                f"{cell}：“{t.label}”行的“{labels.get(key, key)}”填报 {stated}，{what}相加为 {total}{gap}。汇总按各县数据计算，小计行不计入。",
                sheet=t.sheet,
                cell=cell,
            )


def _parts(out: ReturnRead, t: TotalRow, ctx: Context) -> list[Figures] | None:
    """The county rows a sub-total adds up, or None when they cannot be told."""
    rows = [f for f in out.figures if f.sheet == t.sheet]
    if t.kind == "mountain":
        return [f for f in rows if f.county and ctx.policy.is_mountain(f.county)]
    if t.kind == "block":
        ends = [*out.totals, *(s for s in out.subtotals if s.kind == "block")]
        sums = [s.row for s in ends if s.sheet == t.sheet]
        start = max((r for r in sums if r < t.row), default=0)
        above = [f for f in rows if start < f.row < t.row]
        if above:
            return above
        stop = min((r for r in sums if r > t.row), default=10**9)
        return [f for f in rows if t.row < f.row < stop]  # a 小计 written above its rows
    return None
