"""Area names in a return's rows: what a written name is understood as, and what is wrong with it."""

from __future__ import annotations

from aggregator.read.returns import ReturnRead
from aggregator.rulebook import Context
from aggregator.rulebook.reference import Registry, Resolution
from aggregator.rulebook.words import default_words
from aggregator.textnorm import clean, norm


def resolve_problem(out: ReturnRead, res: Resolution, sheet: str, cell: str) -> None:
    """Record why an area name cannot be used (retired, ambiguous or unknown)."""
    text = clean(res.text)
    if res.kind == "legacy" and res.legacy:
        code, why = "county-retired", f"“{text}”是已撤销的区划名称。{res.legacy.message}"
    elif res.kind == "ambiguous":
        code = "county-ambiguous"
        why = f"“{text}”可能指{'、'.join(res.candidates)}，无法确定。请填写完整名称。"
    elif res.kind == "unknown":
        hint = (
            f"是否为“{'”或“'.join(res.candidates)}”？"
            if res.candidates
            else "请填写现行县（市、区）的完整名称。"
        )
        code, why = "county-unknown", f"不认识的县（市、区）名称“{text}”，{hint}"
    else:
        return
    out.add("error", code, f"{cell}：{why}此行未计入。", sheet=sheet, cell=cell)


def note_alias(out: ReturnRead, res: Resolution, sheet: str, cell: str) -> None:
    """A warning when a former name was read as the current one."""
    if res.how == "former" and res.county:
        out.add(
            "warning",
            "county-former-name",
            f"{cell}：“{clean(res.text)}”是旧称，已按现名“{res.county.name}”读取。",
            sheet=sheet,
            cell=cell,
            county=res.county.name,
        )


def area_of(
    out: ReturnRead, sheet: str, cell: str, raw_area: object, ctx: Context
) -> Resolution | None:
    """What an area cell names; None (with the problem recorded) when it cannot be used.

    In a county's own return a blank area, or ``本县`` and the like, is the sending county."""
    t = norm(raw_area)
    if out.sender_county and (t == "" or t in default_words().own_county):
        county = ctx.registry.county_by_name[out.sender_county]
        if t == "":
            out.add(
                "warning",
                "area-is-sender",
                f"{cell}：这一行没有填县（市、区）名称，本表是{county.name}报送的，按{county.name}计入。",
                sheet=sheet,
                cell=cell,
                county=county.name,
            )
        return Resolution(clean(raw_area), "county", county=county, how="sender")
    res = resolve_area(ctx.registry, raw_area, out.city)
    if res.kind == "empty":
        out.add(
            "error",
            "area-missing",
            f"{cell}：这一行填了数字，但没有填县（市、区）名称，此行未计入。",
            sheet=sheet,
            cell=cell,
        )
        return None
    if not res.ok:
        resolve_problem(out, res, sheet, cell)
        return None
    if res.kind == "county" and res.county:
        note_alias(out, res, sheet, cell)
    return res


_RESOLVED: tuple[Registry, dict[tuple[str, str | None], Resolution]] | None = None


def resolve_area(reg: Registry, raw: object, city: str | None) -> Resolution:
    """:meth:`Registry.resolve` of an area cell, remembered for texts while the same registry
    is in use (the same county names recur in every return; a Resolution is frozen)."""
    global _RESOLVED
    if type(raw) is not str:
        return reg.resolve(raw, city)
    if _RESOLVED is None or _RESOLVED[0] is not reg:
        _RESOLVED = (reg, {})
    memo = _RESOLVED[1]
    key = (raw, city)
    got = memo.get(key)
    if got is None:
        got = reg.resolve(raw, city)
        if len(memo) < 50_000 and len(raw) <= 200:
            memo[key] = got
    return got
