"""Shared fixtures: the 2023 context, sample content, a CLI runner."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

from aggregator.read.reader import Context  # noqa: E402
from aggregator.rulebook import load_context  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "calamine-tests"


@pytest.fixture(scope="session")
def ctx() -> Context:
    """The 2023 policy, reference data and schemas."""
    return load_context(year=2023)


@pytest.fixture()
def runner() -> CliRunner:
    """typer's CLI runner."""
    return CliRunner()


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below a folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def summary_args(
    inbox: Path,
    state: Path,
    out: Path,
    *extra: str,
    period: str = "2023H1",
    json_out: Path | None = None,
    as_of: str | None = None,
    now: str | None = None,
) -> list[str]:
    """Arguments of an `aggregator summary` run in a test."""
    args = [
        "summary",
        "--period",
        period,
        "--inbox",
        str(inbox),
        "--state",
        str(state),
        "--out",
        str(out),
    ]
    if json_out is not None:
        args += ["--json", str(json_out)]
    if now is not None:
        args += ["--now", now]
    if as_of is not None:
        args += ["--as-of", as_of]
    return [*args, *extra]


def modules_after(args: list[str], wanted: str) -> list[str]:
    """Run the CLI with ``args`` in a fresh interpreter (its exit code ignored) and list the
    modules it then holds whose name starts with one of the comma-separated ``wanted``."""
    import subprocess

    code = (
        "import sys\nfrom aggregator.cli import app\ntry:\n"
        f"    app({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith(tuple({wanted!r}.split(',')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return list(eval(done.stdout.strip().splitlines()[-1]))  # a list of module names


def h1_run(inbox: Path, where: Path, name: str, jobs: int | None = 2) -> Any:
    """Options of a half-year summary of ``inbox`` before the deadline, its state, report
    folder and JSON under ``where`` named after ``name``."""
    from aggregator.clock import parse_time
    from aggregator.runs import Options

    return Options(
        period="2023H1",
        inbox=inbox,
        state=where / f"state-{name}",
        now=parse_time("2023-06-12T12:00"),
        out=where / f"out-{name}",
        json_out=where / f"{name}.json",
        jobs=jobs,
    )
