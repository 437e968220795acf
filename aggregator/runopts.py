"""What a run is asked to do: its options, its clocks, and the usage error (exit code 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from aggregator.clock import now


class UsageError(Exception):
    """The options do not make sense (exit code 2)."""


@dataclass
class Options:
    """What a summary or status run works on."""

    period: str
    inbox: Path
    state: Path
    as_of: dt.datetime | None = None  # the report's cut-off (default: ``now``)
    now: dt.datetime | None = None  # the run's clock (default: the system clock)
    out: Path | None = None
    json_out: Path | None = None
    jobs: int | None = None
    lock_wait: float = 10.0
    feedback: Path | None = None  # the feedback folder (default: 反馈 beside the report)
    no_feedback: bool = False


def clocks(opts: Options) -> tuple[dt.datetime, dt.datetime]:
    """The run's clock and the report's cut-off (``--as-of`` defaults to ``--now``)."""
    run_now = opts.now or now()
    return run_now, opts.as_of or run_now


def feedback_folder(opts: Options, target: Path) -> Path | None:
    """Where the feedback for the cities goes (None when turned off); never in the inbox."""
    from aggregator.write.feedback import default_feedback_dir

    if opts.no_feedback:
        return None
    folder = opts.feedback or default_feedback_dir(target)
    if folder.resolve().is_relative_to(opts.inbox.resolve()):
        raise UsageError(
            f"反馈文件夹 {folder} 在收件箱 {opts.inbox} 里面：下次汇总会把它当作报表读取。请换一个文件夹。"
        )
    return folder
