"""One run at a time per state folder: an advisory lock that says who holds it.

The lock is an ``flock`` on ``state/run.lock``. Reader workers are forked while it is held, so
they would share it: :func:`forget_inherited` (run in every forked child) closes their copy,
and the lock dies with the run that took it. A lock still held although the run named in the
file is dead on this machine (workers of an older version orphaned by a killed run) is taken
over: the file is replaced, so the new run locks a fresh one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

_HELD: set[int] = set()  # descriptors of locks this process holds (closed in forked workers)


class LockBusy(Exception):
    """Another run holds the lock (the message says which)."""


def forget_inherited() -> None:
    """In a forked child: close the inherited lock descriptors without unlocking them."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


# every forked child (a reader worker) lets go of its copy first thing, whoever forks it
os.register_at_fork(after_in_child=forget_inherited)


def _open_locked(path: Path) -> int | None:
    """Open and lock ``path`` (non-blocking); None when busy. Retries when the file was replaced
    between opening and locking (a take-over by another run)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _holder_is_dead(path: Path) -> bool:
    """Whether the run named in the lock file ran on this machine and no longer exists."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
        pid = int(info.get("pid", 0))
    except (OSError, ValueError, TypeError):
        return False
    if info.get("host") != socket.gethostname() or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _take_over(path: Path) -> None:
    """Replace a lock file whose holder is dead (under a short lock of its own, so two new runs
    never both replace it)."""
    guard = os.open(path.with_name("run.lock.takeover"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if _holder_is_dead(path):
            fd = _open_locked(path)
            if fd is not None:  # freed meanwhile: nothing to take over
                os.close(fd)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
    finally:
        os.close(guard)


@contextlib.contextmanager
def run_lock(state: Path, *, wait: float = 10.0, what: str = "summary") -> Iterator[None]:
    """Hold ``state/run.lock`` for the duration; wait up to ``wait`` seconds for another run."""
    state.mkdir(parents=True, exist_ok=True)
    path = state / "run.lock"
    deadline = time.monotonic() + wait
    while True:
        fd = _open_locked(path)
        if fd is not None:
            break
        if _holder_is_dead(path):
            _take_over(path)
            continue
        if time.monotonic() >= deadline:
            raise LockBusy(f"另一个汇总进程正在运行（{_holder(path)}），请稍后再试。")
        time.sleep(0.2)
    _HELD.add(fd)
    try:
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
        _HELD.discard(fd)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
        return f"进程 {info.get('pid')}，主机 {info.get('host')}，开始于 {info.get('started')}"
    except (OSError, ValueError):
        return "未知进程"
