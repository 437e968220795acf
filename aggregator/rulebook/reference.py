"""Reference data: cities, counties, retired names, and the registry resolving what people write."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.textnorm import norm

TOTAL_WORDS = ("合计", "总计", "小计", "全市合计", "全省合计", "汇总")
_ORG_SUFFIXES = (
    "人力资源和社会保障局",
    "人力资源社会保障局",
    "人力社保局",
    "人社局",
    "人力资源和社会保障",
)
_KIND_SUFFIXES = ("自治县", "区", "县", "市")


@dataclass(frozen=True)
class City:
    """A prefecture-level city (设区市)."""

    name: str
    code: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class County:
    """A county-level division (县（市、区）)."""

    city: str
    name: str
    code: str
    kind: str
    aliases: tuple[str, ...]
    former_names: tuple[str, ...]


@dataclass(frozen=True)
class Legacy:
    """A name retired by a re-division, with where its area went."""

    name: str
    city: str
    maps_to: tuple[str, ...]
    retired: str
    message: str


Kind = Literal["county", "city", "total", "legacy", "ambiguous", "unknown", "empty"]


@dataclass(frozen=True)
class Resolution:
    """What a written name was understood as."""

    text: str
    kind: Kind
    county: County | None = None
    city: City | None = None
    how: str = "exact"  # exact | alias | former | city-prefix | suffix
    candidates: tuple[str, ...] = ()
    legacy: Legacy | None = None
    city_own: bool = False  # 市本级 / 市直

    @property
    def ok(self) -> bool:
        """True when the text names exactly one current county or city (or is a total)."""
        return self.kind in ("county", "city", "total")


@dataclass
class _Entry:
    county: County | None
    legacy: Legacy | None
    how: str


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataFileError(f"找不到参考数据文件：{path}")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(f"{path.name}：缺少列 {'、'.join(missing)}")
        rows = list(reader)
    for i, row in enumerate(rows, start=2):
        for c in required:
            if not (row.get(c) or "").strip() and c not in ("aliases", "former_names"):
                raise DataFileError(f"{path.name} 第{i}行：“{c}”为空")
    return rows


def _split(s: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (s or "").replace("；", ";").split(";") if p.strip())


class Registry:
    """Official divisions and every way of writing them."""

    def __init__(self, cities: list[City], counties: list[County], legacy: list[Legacy]) -> None:
        self.cities = cities
        self.counties = counties
        self.legacy = legacy
        self.city_by_name = {c.name: c for c in cities}
        self.county_by_name = {c.name: c for c in counties}
        self._index: dict[str, list[_Entry]] = {}
        self._city_index: dict[str, City] = {}
        for city in cities:
            for n in (city.name, *city.aliases):
                self._city_index[norm(n)] = city
        for county in counties:
            self._add(county.name, _Entry(county, None, "exact"))
            for a in county.aliases:
                self._add(a, _Entry(county, None, "alias"))
            for a in county.former_names:
                self._add(a, _Entry(county, None, "former"))
        for lg in legacy:
            self._add(lg.name, _Entry(None, lg, "legacy"))
            stem = _strip_kind(norm(lg.name))
            if stem != norm(lg.name) and len(stem) >= 2:
                self._add(stem, _Entry(None, lg, "legacy"))
        # Names that can be mentioned in free text (host units), longest first, and indexed by
        # their first two characters so a scan looks only at names that can start at a position.
        self._mention_keys = sorted(
            (k for k, es in self._index.items() if len(k) >= 2 and any(e.county for e in es)),
            key=len,
            reverse=True,
        )
        self._cities_longest_first = sorted(self._city_index.items(), key=lambda kv: -len(kv[0]))
        self._by_first: dict[str, list[str]] = {}
        for k in self._mention_keys:
            self._by_first.setdefault(k[:2], []).append(k)

    def _add(self, name: str, entry: _Entry) -> None:
        key = norm(name)
        entries = self._index.setdefault(key, [])
        if not any(e.county == entry.county and e.legacy == entry.legacy for e in entries):
            entries.append(entry)

    # -- queries -----------------------------------------------------------------------------
    def counties_of(self, city: str) -> list[County]:
        """The counties of a city, in reference order."""
        return [c for c in self.counties if c.city == city]

    def city_of(self, text: str) -> City | None:
        """The city named in a free text (填报市局 line, folder or file name), if exactly one."""
        t = norm(text)
        found = [c for c in self.cities if c.name in t or any(a in t for a in c.aliases)]
        if len(found) == 1:
            return found[0]
        if not found:
            counties = {c.city for c in self.mentions(t)}
            if len(counties) == 1:
                return self.city_by_name[counties.pop()]
        return None

    def mentions(self, text: str, city: str | None = None) -> list[County]:
        """Counties mentioned anywhere in a free text, in order of appearance (longest names win)."""
        t = norm(text)
        seen: list[County] = []
        i = 0
        while i < len(t):
            for key in self._by_first.get(t[i : i + 2], ()):
                if t.startswith(key, i):
                    county = self._pick([e for e in self._index[key] if e.county], city)
                    if county is not None:
                        if county not in seen:
                            seen.append(county)
                        i += len(key) - 1
                        break
            i += 1
        return seen

    def _pick(self, entries: list[_Entry], city: str | None) -> County | None:
        counties = [e.county for e in entries if e.county is not None]
        if city:
            in_city = [c for c in counties if c.city == city]
            if len(in_city) == 1:
                return in_city[0]
        return counties[0] if len(counties) == 1 else None

    def resolve(
        self, text: object, city: str | None = None, *, suggestions: bool = True
    ) -> Resolution:
        """Understand a written area name: county, city, a total row, retired, ambiguous or unknown.

        ``city`` (the sender's city) is used only to settle an alias that names several counties;
        ``suggestions=False`` skips the (costly) fuzzy search for likely counties of an unknown name.
        """
        raw = "" if text is None else str(text)
        t = norm(raw)
        if not t:
            return Resolution(raw, "empty")
        t = t.removeprefix("浙江省")
        if any(t == w or t.endswith(w) for w in TOTAL_WORDS):
            return Resolution(raw, "total")
        for suffix in _ORG_SUFFIXES:
            if t.endswith(suffix) and len(t) > len(suffix):
                t = t[: -len(suffix)]
                break
        city_own = False
        for marker in ("本级", "市直", "直属"):
            if t.endswith(marker) and len(t) > len(marker):
                t, city_own = t[: -len(marker)], True
        if t in ("市",):
            return Resolution(raw, "city", city=self.city_by_name.get(city or ""), city_own=True)
        if t in self._city_index:
            return Resolution(raw, "city", city=self._city_index[t], city_own=city_own)
        found = self._lookup(raw, t, city)
        if found is not None:
            return found
        # City written in front: 杭州市淳安县, 杭州淳安.
        for key, c in self._cities_longest_first:
            if t.startswith(key) and len(t) > len(key):
                rest = t[len(key) :]
                found = self._lookup(raw, rest, c.name)
                if found is not None and found.kind == "county":
                    return Resolution(raw, "county", county=found.county, how="city-prefix")
                if found is not None:
                    return found
        return Resolution(raw, "unknown", candidates=self.suggest(t, city) if suggestions else ())

    def _lookup(self, raw: str, t: str, city: str | None) -> Resolution | None:
        entries = self._index.get(t)
        how_suffix = False
        if not entries:
            stem = _strip_kind(t)
            if stem != t and len(stem) >= 2:
                entries = self._index.get(stem)
                how_suffix = True
        if not entries:
            return None
        current = [e for e in entries if e.county is not None]
        if current:
            if city:
                in_city = [e for e in current if e.county and e.county.city == city]
                if in_city:
                    current = in_city
            names = {e.county.name for e in current if e.county}
            if len(names) > 1:
                return Resolution(raw, "ambiguous", candidates=tuple(sorted(names)))
            e = current[0]
            how = "suffix" if how_suffix and e.how == "exact" else e.how
            return Resolution(raw, "county", county=e.county, how=how)
        lg = entries[0].legacy
        return Resolution(raw, "legacy", legacy=lg, candidates=lg.maps_to if lg else ())

    def suggest(self, t: str, city: str | None = None) -> tuple[str, ...]:
        """Likely counties for a misspelt name: closest first, then the sender's city, then order."""
        target = norm(t)
        order = {c.name: i for i, c in enumerate(self.counties)}
        scored: dict[str, float] = {}
        for key in self._mention_keys:
            ratio = difflib.SequenceMatcher(None, target, key).ratio()
            if ratio < 0.6:
                continue
            for e in self._index[key]:
                if e.county:
                    scored[e.county.name] = max(scored.get(e.county.name, 0.0), ratio)
        ranked = sorted(
            scored,
            key=lambda n: (-scored[n], self.county_by_name[n].city != city, order[n]),
        )
        return tuple(ranked[:3])


def _strip_kind(t: str) -> str:
    for s in _KIND_SUFFIXES:
        if t.endswith(s) and len(t) > len(s) + 1:
            return t[: -len(s)]
    return t


def load_registry(folder: Path | None = None) -> Registry:
    """Load and validate the reference data (cities.csv, counties.csv, legacy-names.csv)."""
    folder = folder or data_dir("reference")
    cities = [
        City(r["city"].strip(), r["division_code"].strip(), _split(r.get("aliases")))
        for r in _read_csv(folder / "cities.csv", ("city", "division_code", "aliases"))
    ]
    names = {c.name for c in cities}
    counties: list[County] = []
    seen: set[str] = set()
    for i, r in enumerate(
        _read_csv(folder / "counties.csv", ("city", "county", "division_code", "kind", "aliases")),
        start=2,
    ):
        if r["city"].strip() not in names:
            raise DataFileError(f"counties.csv 第{i}行：未知的市“{r['city']}”")
        name = r["county"].strip()
        if name in seen:
            raise DataFileError(f"counties.csv 第{i}行：县（市、区）“{name}”重复")
        seen.add(name)
        counties.append(
            County(
                r["city"].strip(),
                name,
                r["division_code"].strip(),
                r["kind"].strip(),
                _split(r.get("aliases")),
                _split(r.get("former_names")),
            )
        )
    legacy = [
        Legacy(
            r["legacy_name"].strip(),
            r["city"].strip(),
            _split(r["maps_to"]),
            r["retired"],
            r["message"],
        )
        for r in _read_csv(
            folder / "legacy-names.csv", ("legacy_name", "city", "maps_to", "retired", "message")
        )
    ]
    for lg in legacy:
        for m in lg.maps_to:
            if m not in seen:
                raise DataFileError(f"legacy-names.csv：“{lg.name}”指向未知的县（市、区）“{m}”")
    return Registry(cities, counties, legacy)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry from the project's reference data (loaded once)."""
    return load_registry()
