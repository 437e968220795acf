"""Who sent a return, with the 填报 line's reading remembered, is who the first way found."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from aggregator.read import whowhen
from aggregator.read.meta import Meta
from aggregator.read.returns import ReturnRead
from aggregator.rulebook import Context


def _long_who(out: ReturnRead, meta: Meta, label: str, ctx: Context) -> None:
    """who_sent as first written: the registry asked every time."""
    reg = ctx.registry
    if meta.sender:
        res = reg.resolve(meta.sender, suggestions=False)
        if res.kind == "county" and res.county:
            out.sender_county, out.city = res.county.name, res.county.city
            return
        if res.kind == "city" and res.city:
            out.city = res.city.name
            return
        named = reg.mentions(meta.sender)
        city = reg.city_of(meta.sender)
        if len(named) == 1 and (city is None or city.name == named[0].city):
            out.sender_county, out.city = named[0].name, named[0].city
            return
        if city:
            out.city = city.name
            return
    parts = [Path(p).stem for p in reversed(PurePosixPath(label).parts)]
    city = next((c for c in map(reg.city_of, parts) if c), None)
    out.city = city.name if city else None
    for part in parts:
        counties = reg.mentions(part, out.city)
        if len(counties) == 1 and (out.city is None or counties[0].city == out.city):
            out.sender_county, out.city = counties[0].name, counties[0].city
            return


def test_who_sent_as_the_long_way(ctx: Context) -> None:
    reg = ctx.registry
    county = next(iter(reg.county_by_name.values()))
    other = [c for c in reg.county_by_name.values() if c.city != county.city][0]
    senders = [
        "",
        f"{county.name}人力社保局",
        county.name,
        county.city,
        f"{county.city}人力资源和社会保障局",
        f"{county.city}{other.name}",
        f"{county.name}、{other.name}",
        "某某单位",
        "（盖章）",
    ]
    labels = [
        f"{county.city}/{county.name}.xlsx",
        f"{other.city}/报表.xlsx",
        "收件/附件5.xlsx",
        f"{county.name}_{other.name}.xlsx",
    ]
    whowhen._SAID = None
    for _ in range(2):  # the second time from the memo
        for sender in senders:
            for label in labels:
                got, want = ReturnRead(file=label), ReturnRead(file=label)
                whowhen.who_sent(got, Meta(sender=sender), label, ctx)
                _long_who(want, Meta(sender=sender), label, ctx)
                assert (got.sender_county, got.city) == (want.sender_county, want.city)


def test_period_of_text_remembered_is_the_long_way() -> None:
    texts = ["2023年上半年成果汇总表", "年度汇总", "1-6月", "fy2023", "", " ", "报表", "H1"]
    whowhen._PERIOD_OF.clear()
    for _ in range(2):  # the second time from the memo
        assert [whowhen.period_of_text(t) for t in texts] == [whowhen._period_of(t) for t in texts]
    assert [whowhen._period_of(t) for t in texts[:4]] == ["H1", "FY", "H1", "FY"]
