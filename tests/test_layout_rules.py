"""The package's shape as rules: short modules, short functions, and imports that only look back
along the pipeline (base → rulebook → read → store → judge → write → runs → demo → cli).

Read from the source with ``ast``; nothing is imported or run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aggregator"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Functions still over the limit because another session is splitting them right now. Remove an
# entry when that work merges (test_allowances_are_still_needed says when one is no longer used).
LONG_FUNCTIONS_ALLOWED: dict[str, str] = {}

# Imports against the pipeline's direction, with who removes them.
BACKWARD_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}

# Rank of each part of the package: a module may import its own rank or a lower one. The base
# modules are the package's top-level helpers; demo stages a whole run, so it sits above runs;
# the CLI (and ``python -m aggregator``) sits on top of everything.
BASE_MODULES = {
    "__init__",
    "aside",
    "cells",
    "clock",
    "faults",
    "period",
    "privacy",
    "problems",
    "textnorm",
    "vocab",
    "zipdir",
}
RANKS = {
    "base": 0,
    "rulebook": 1,
    "read": 2,
    "store": 3,
    "judge": 4,
    "write": 5,
    "runs": 6,
    "runopts": 6,
    "gather": 6,
    "checking": 6,
    "demo": 7,
    "cli": 8,
    "terminal": 8,
    "__main__": 9,
}


@dataclass(frozen=True)
class Module:
    name: str  # dotted: aggregator.read.rows
    short: str  # as in the allow-lists: read/rows
    path: Path
    tree: ast.Module
    lines: int


def _modules() -> list[Module]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 2 else rel.parts
        text = path.read_text(encoding="utf-8")
        short = "/".join(path.relative_to(PACKAGE).with_suffix("").parts)
        out.append(Module(".".join(parts), short, path, ast.parse(text), len(text.splitlines())))
    return out


MODULES = _modules()


def part_of(dotted: str) -> str:
    """Which part of the package a dotted module name belongs to (a key of RANKS)."""
    parts = dotted.split(".")
    if len(parts) == 1:
        return "base"  # the package itself: aggregator/__init__.py
    head = parts[1]
    if head in BASE_MODULES:
        return "base"
    if head in RANKS:
        return head
    raise AssertionError(f"{dotted}: not a known part of the package; add it to RANKS")


def _is_package(dotted: str) -> bool:
    return (PACKAGE.parent / Path(*dotted.split("."))).is_dir()


def imports_of(m: Module) -> set[str]:
    """Every ``aggregator`` module this one imports, at the top or inside a function."""
    is_init = m.path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "aggregator")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = m.name.split(".")
                base = base[: len(base) - node.level + (1 if is_init else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "aggregator":
                continue
            if _is_package(target):  # from aggregator import rulebook: the submodule is meant
                subs = [f"{target}.{a.name}" for a in node.names]
                found.update(s if _is_package(s) or _is_module(s) else target for s in subs)
            else:
                found.add(target)
    return found


def _is_module(dotted: str) -> bool:
    return (PACKAGE.parent / Path(*dotted.split("."))).with_suffix(".py").is_file()


def long_functions(m: Module) -> dict[str, int]:
    """Qualified names (``read/rows.read_a4``, ``write/xlsx.Styles.__init__``) of functions over
    the limit, with their length in lines (decorators not counted)."""
    out: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}.{child.name}"
                if not isinstance(child, ast.ClassDef):
                    length = (child.end_lineno or child.lineno) - child.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        out[name] = length
                visit(child, name)
            else:
                visit(child, prefix)

    visit(m.tree, m.short)
    return out


def test_every_module_found() -> None:
    assert len(MODULES) > 40
    for m in MODULES:
        part_of(m.name)  # raises for a part the rules do not know


@pytest.mark.parametrize("m", MODULES, ids=lambda m: m.short)
def test_module_is_short(m: Module) -> None:
    assert m.lines <= MAX_MODULE_LINES, f"{m.short}.py has {m.lines} lines; split it by topic"


def test_functions_are_short() -> None:
    too_long = {
        name: n
        for m in MODULES
        for name, n in long_functions(m).items()
        if name not in LONG_FUNCTIONS_ALLOWED
    }
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: {too_long}"


def test_imports_follow_the_pipeline() -> None:
    backward = []
    for m in MODULES:
        rank = RANKS[part_of(m.name)]
        for target in imports_of(m):
            if RANKS[part_of(target)] > rank and (m.name, target) not in BACKWARD_IMPORTS_ALLOWED:
                backward.append(f"{m.name} imports {target}")
    assert not backward, "imports against the pipeline's direction:\n" + "\n".join(backward)


def test_allowances_are_still_needed() -> None:
    long_now = {name for m in MODULES for name in long_functions(m)}
    stale = [f"{n} ({owner})" for n, owner in LONG_FUNCTIONS_ALLOWED.items() if n not in long_now]
    edges = {(m.name, t) for m in MODULES for t in imports_of(m)}
    stale += [
        f"{a} → {b} ({owner})"
        for (a, b), owner in BACKWARD_IMPORTS_ALLOWED.items()
        if (a, b) not in edges
    ]
    assert not stale, f"no longer needed, remove from the allow-lists: {stale}"


def test_the_rules_see_what_they_check() -> None:
    """The checkers themselves: a known long function, a known import, a relative import."""
    rows = next(m for m in MODULES if m.short == "read/rows")
    assert "aggregator.read.grid" in imports_of(rows)
    tree = ast.parse(
        "from ..store import lock\nfrom . import grid\n" + "def f():\n" + "    x = 1\n" * 70
    )
    fake = Module("aggregator.read.fake", "read/fake", PACKAGE / "read" / "fake.py", tree, 73)
    assert imports_of(fake) == {"aggregator.store.lock", "aggregator.read.grid"}
    assert long_functions(fake) == {"read/fake.f": 71}
