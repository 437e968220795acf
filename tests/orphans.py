"""Kill a process alone and see whether the children it forked live on (test helper)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def gone(pid: int) -> bool:
    """Whether a process has ended (a zombie nobody reaps has ended too)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def children_outlive_a_kill(script: str, pids: Path, expected: int = 1) -> list[int]:
    """Run ``script`` (it writes the pid of each child it forked into the folder ``pids``, then
    sleeps), kill it alone with SIGKILL once ``expected`` children have said so, and return the
    children still alive 3 seconds later."""
    pids.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(pids)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.glob("*.pid"))) < expected:
            assert proc.poll() is None, "the script ended before its children started"
            assert time.monotonic() < deadline, "the children never started"
            time.sleep(0.05)
        children = [int(p.read_text()) for p in pids.glob("*.pid")]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not all(gone(c) for c in children):
        time.sleep(0.05)
    alive = [c for c in children if not gone(c)]
    for c in alive:  # never leave one behind, whatever the test says
        os.kill(c, signal.SIGKILL)
    return alive
