"""The few numbers a run's caller says out loud (kept apart from the facts so that a rerun with
nothing new can say them without loading the judge)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Digest:
    """The few numbers a run's caller says out loud (the CLI renders these, never recounts)."""

    statuses: dict[str, int]
    files: int
    counties_reported: int
    counties_expected: int
    teams: int
    expert_visits: int
    errors: int
    warnings: int
    counties_short: int
    joint_short: int
    cities_without_demo_team: int
    cities_short_of_experts: int = 0
