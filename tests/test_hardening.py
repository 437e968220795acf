"""Issue 14: one dead process, one odd file or one broken state never blocks the province or
changes its totals unseen."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from test_robustness import _cli, _inbox_with_returns

from aggregator.store.lock import run_lock


def _json(base: Path) -> dict[str, object]:
    return json.loads((base / "out" / "s.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _processes_mentioning(text: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if text in (d / "cmdline").read_bytes().decode(errors="replace"):
                    out.append(int(d.name))
            except OSError:
                continue
    return out


def test_killing_only_the_main_process_frees_the_lock_for_the_next_run(tmp_path: Path) -> None:
    base = tmp_path / "run"
    _inbox_with_returns(base)
    killed = _cli(
        base,
        "--jobs",
        "2",
        env={"AGGREGATOR_FAILPOINT": "while-reading", "AGGREGATOR_PAUSE": "reading:6"},
    )
    assert killed.returncode == -9
    time.sleep(0.5)
    assert _processes_mentioning(str(base / "state")) == []  # no orphaned reader
    again = _cli(base, "--wait", "2")
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean"
    shutil.copytree(base / "inbox", clean / "inbox")
    assert _cli(clean).returncode == 0
    assert _json(base) == _json(clean)


def test_a_lock_held_by_an_orphan_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    info = {"pid": int(dead.stdout), "host": socket.gethostname(), "started": "x"}
    (state / "run.lock").write_text(json.dumps(info), encoding="utf-8")
    orphan = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR);"
            " fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
            str(state / "run.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert orphan.stdout is not None and orphan.stdout.readline().strip() == "locked"
        with run_lock(state, wait=1):
            assert json.loads((state / "run.lock").read_text())["pid"] == os.getpid()
    finally:
        orphan.kill()
        orphan.wait()
