"""``make demo`` / ``aggregator demo``: write the sample province and run it through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aggregator.clock import parse_time
from aggregator.context import load_context
from aggregator.demo import prepare, stage_into_inbox, stage_time, write_demo
from aggregator.summary import Options, Outcome, run_status, run_summary


@dataclass
class DemoResult:
    """The two summaries the demo made."""

    folder: Path
    h1: Outcome
    fy: Outcome | None


def run_demo(out: Path, *, whole_year: bool = True, jobs: int | None = None) -> DemoResult:
    """Write the sample, take each stage in as of its date, and write the H1 (and FY) summary."""
    ctx = load_context(year=2023)
    prepare(out)
    stages = write_demo(out, ctx.registry, ctx.policy)
    inbox, state, reports = out / "inbox", out / "state", out / "reports"
    inbox.mkdir(parents=True, exist_ok=True)
    h1: Outcome | None = None
    fy: Outcome | None = None
    for stage in stages:
        stage_into_inbox(stage, out / "returns", inbox)
        opts = Options(
            period="2023H1", inbox=inbox, state=state, as_of=stage_time(stage), jobs=jobs
        )
        if stage.name.startswith("3"):
            run_status(opts)
            h1 = run_summary(
                Options(
                    period="2023H1",
                    inbox=inbox,
                    state=state,
                    as_of=parse_time("2023-06-20T09:00"),
                    out=reports,
                    json_out=reports / "2023H1_summary.json",
                    jobs=jobs,
                )
            )
            if not whole_year:
                break
        elif stage.name.startswith("5"):
            run_status(
                Options(
                    period="2023FY", inbox=inbox, state=state, as_of=stage_time(stage), jobs=jobs
                )
            )
            fy = run_summary(
                Options(
                    period="2023FY",
                    inbox=inbox,
                    state=state,
                    as_of=parse_time("2023-12-20T09:00"),
                    out=reports,
                    json_out=reports / "2023FY_summary.json",
                    jobs=jobs,
                )
            )
        else:
            run_status(opts)
    assert h1 is not None
    return DemoResult(out, h1, fy)


def main() -> None:
    """Entry point of ``make demo``: the same as ``aggregator demo --out demo``."""
    import sys

    from aggregator.cli import app

    sys.argv = ["aggregator", "demo", *(sys.argv[2:] if len(sys.argv) > 2 else ["--out", "demo"])]
    app()


if __name__ == "__main__":
    main()
