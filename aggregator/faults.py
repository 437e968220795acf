"""Failpoints: named moments where a test can have the process killed (SIGKILL).

Set ``AGGREGATOR_FAILPOINT=<name>`` in the environment of a run; nothing happens otherwise.
Used by the crash tests to prove a run killed at any of these moments loses nothing.
"""

from __future__ import annotations

import os
import signal
import time

POINTS = ("after-intake", "while-reading", "after-reads", "report-half-written", "after-report")


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if the environment asks for it at ``name``."""
    if os.environ.get("AGGREGATOR_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def pause(name: str) -> None:
    """Sleep here if ``AGGREGATOR_PAUSE=<name>:<seconds>`` asks for it (tests use it to catch a
    run in the middle of a step); nothing happens otherwise."""
    want, _, seconds = os.environ.get("AGGREGATOR_PAUSE", "").partition(":")
    if want == name:
        time.sleep(float(seconds or 1))
