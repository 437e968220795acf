"""How people write counts and sum rows: measure words, multipliers (万) and sub-total wordings,
defined in workbooks/schemas/words.toml and validated when loaded."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.textnorm import norm

SUM_KINDS = ("mountain", "block", "part", "total")
"""What a sum row adds up: the mountain counties, the rows since the last sum row, a part the
reader cannot tell, or the whole table."""


@dataclass(frozen=True)
class Words:
    """The reader's vocabulary for counts and sum rows."""

    units: tuple[str, ...]  # longest first
    multipliers: tuple[tuple[str, int], ...]  # e.g. ("万", 10000)
    sum_rows: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, pattern), in file order
    own_county: frozenset[str] = frozenset()  # 本县 …: the sending county, in its own return

    def sum_kind(self, text: object) -> str | None:
        """The kind of sum row a cell's text names (see :data:`SUM_KINDS`), or None."""
        t = norm(text).removeprefix("浙江省")
        if not t:
            return None
        for kind, pattern in self.sum_rows:
            if pattern.search(t):
                return kind
        return None


def _strings(v: Any, where: str, path: Path) -> list[str]:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
        raise DataFileError(f"{path.name}：“{where}”应为非空的文字列表")
    return [x.strip() for x in v]


def _units(counts: dict[str, Any], path: Path) -> tuple[str, ...]:
    units = _strings(counts.get("units"), "counts.units", path)
    for u in units:
        if any(ch.isdigit() for ch in u) or norm(u) != u:
            raise DataFileError(f"{path.name}：量词“{u}”不能含数字或空格")
    if len(set(units)) != len(units):
        raise DataFileError(f"{path.name}：counts.units 有重复")
    return tuple(sorted(units, key=len, reverse=True))


def _multipliers(counts: dict[str, Any], path: Path) -> tuple[tuple[str, int], ...]:
    raw = counts.get("multipliers", {})
    if not isinstance(raw, dict):
        raise DataFileError(f"{path.name}：counts.multipliers 应为“字 = 倍数”的表")
    out: list[tuple[str, int]] = []
    for word, factor in raw.items():
        if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
            raise DataFileError(f"{path.name}：倍数“{word}”应为大于1的整数：{factor!r}")
        if not word or any(ch.isdigit() for ch in word):
            raise DataFileError(f"{path.name}：倍数词“{word}”不能为空或含数字")
        out.append((word, factor))
    return tuple(out)


def _sum_rows(data: dict[str, Any], path: Path) -> tuple[tuple[str, re.Pattern[str]], ...]:
    rules = data.get("subtotals")
    if not isinstance(rules, list) or not rules:
        raise DataFileError(f"{path.name}：缺少 [[subtotals]]")
    out: list[tuple[str, re.Pattern[str]]] = []
    for i, rule in enumerate(rules, start=1):
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in SUM_KINDS:
            raise DataFileError(
                f"{path.name}：第{i}个 subtotals 的 kind 应为 {'、'.join(SUM_KINDS)} 之一：{kind!r}"
            )
        for p in _strings(rule.get("patterns"), f"subtotals[{i}].patterns", path):
            try:
                out.append((kind, re.compile(p)))
            except re.error as e:
                raise DataFileError(f"{path.name}：正则表达式“{p}”有误（{e}）") from None
    if "total" not in {k for k, _ in out}:
        raise DataFileError(f'{path.name}：subtotals 中至少要有一条 kind = "total"')
    return tuple(out)


def load_words(path: Path | None = None) -> Words:
    """Load and validate words.toml."""
    path = path or data_dir("schemas") / "words.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"无法读取 {path}：{e}") from None
    counts = data.get("counts")
    if not isinstance(counts, dict):
        raise DataFileError(f"{path.name}：缺少 [counts]")
    areas = data.get("areas", {})
    own = _strings(areas.get("own_county"), "areas.own_county", path) if areas else []
    return Words(
        _units(counts, path),
        _multipliers(counts, path),
        _sum_rows(data, path),
        frozenset(norm(w) for w in own),
    )


@lru_cache(maxsize=1)
def default_words() -> Words:
    """The project's words.toml (loaded once)."""
    return load_words()
