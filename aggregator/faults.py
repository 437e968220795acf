"""Failpoints: named moments where a test can have the process killed (SIGKILL).

Set ``AGGREGATOR_FAILPOINT=<name>`` in the environment of a run; nothing happens otherwise.
Used by the crash tests to prove a run killed at any of these moments loses nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = ("after-intake", "after-reads", "report-half-written", "after-report")


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if the environment asks for it at ``name``."""
    if os.environ.get("AGGREGATOR_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
