"""One run at a time per state folder: an advisory lock that says who holds it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path


class LockBusy(Exception):
    """Another run holds the lock (the message says which)."""


@contextlib.contextmanager
def run_lock(state: Path, *, wait: float = 10.0, what: str = "summary") -> Iterator[None]:
    """Hold ``state/run.lock`` for the duration; wait up to ``wait`` seconds for another run."""
    state.mkdir(parents=True, exist_ok=True)
    path = state / "run.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(path)
                    raise LockBusy(f"另一个汇总进程正在运行（{holder}），请稍后再试。") from None
                time.sleep(0.2)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "what": what,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
        return f"进程 {info.get('pid')}，主机 {info.get('host')}，开始于 {info.get('started')}"
    except (OSError, ValueError):
        return "未知进程"
