"""``make demo`` / ``aggregator demo``: write the sample province and run it through the pipeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from aggregator.clock import parse_time
from aggregator.demo.province import prepare, stage_into_inbox, stage_time, write_demo
from aggregator.period import Period
from aggregator.rulebook import load_context
from aggregator.runs import Options, Outcome, run_status, run_summary


@dataclass
class DemoResult:
    """The two summaries the demo made."""

    folder: Path
    h1: Outcome
    fy: Outcome | None

    @property
    def status_hint(self) -> dt.datetime:
        """A time to try ``status`` at: when the half-year summary was made."""
        return self.h1.as_of


def run_demo(out: Path, *, whole_year: bool = True, jobs: int | None = None) -> DemoResult:
    """Write the sample, take each stage in at its date (the run's clock, ``now``: the copies
    appear in the inbox today, later than that, so each is received at its stage's time), and
    write the H1 (and FY) summary."""
    ctx = load_context()
    prepare(out)
    stages = write_demo(out, ctx.registry, ctx.policy)
    inbox, state, reports = out / "inbox", out / "state", out / "reports"
    inbox.mkdir(parents=True, exist_ok=True)
    made: dict[Period, Outcome] = {}
    for stage in stages:
        if Period.parse(stage.period).is_whole and not whole_year:
            break
        stage_into_inbox(stage, out / "returns", inbox)
        run_status(
            Options(period=stage.period, inbox=inbox, state=state, now=stage_time(stage), jobs=jobs)
        )
        if stage.summary_at:
            made[Period.parse(stage.period)] = run_summary(
                Options(
                    period=stage.period,
                    inbox=inbox,
                    state=state,
                    now=parse_time(stage.summary_at),
                    out=reports,
                    json_out=reports / f"{stage.period}_summary.json",
                    jobs=jobs,
                )
            )
    half = next(o for p, o in made.items() if p.is_half)
    whole = next((o for p, o in made.items() if p.is_whole), None)
    return DemoResult(out, half, whole)
