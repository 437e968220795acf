"""A piece of work done beside this process, in a forked child, while this process goes on.

Used where the second core would otherwise idle (the JSON is written while the workbook is).
The child's only effect is the file it writes; it never reports a verdict. If it cannot be
forked, fails, is killed or is cancelled, :meth:`Aside.done` says so and the caller does the
work itself, so that a failure of the machine is never mistaken for the result.

Every child forked by the run ends with the process that started it (:func:`die_with_parent`):
a run killed alone leaves no child holding its lock or writing on.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable


def parent_death_signal() -> bool:
    """Ask the kernel to kill this process when the thread that forked it ends (Linux's
    ``PR_SET_PDEATHSIG``); whether it could. Safe between fork and exec."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        return bool(libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent(parent: int) -> None:
    """Make this forked child end when ``parent`` (the process that forked it) does, however it
    ends: the kernel's parent-death signal, else a thread watching the parent's id."""
    if not parent_death_signal():

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


WAIT_SECONDS = 60.0  # a child's work takes a second or two at the national scale


def _ends_within(pid: int, timeout: float) -> bool:
    """Whether child ``pid`` ends within ``timeout`` seconds (it is not reaped here)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (an old kernel, not Linux): look every 20 ms
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    return True
            except ChildProcessError:  # already reaped
                return True
            time.sleep(0.02)
        return False
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


class Aside:
    """``work`` started in a forked child (not at all where forking is impossible or refused:
    ``enabled`` false, no ``os.fork``, no process to spare)."""

    def __init__(self, work: Callable[[], object], *, enabled: bool = True) -> None:
        self.pid: int | None = None
        if not enabled or not hasattr(os, "fork"):
            return
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            return  # no process to spare: the caller does the work itself
        if pid == 0:  # the child: do the work, say only whether it went through
            code = 1
            try:
                die_with_parent(parent)
                work()
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
        self.pid = pid

    def done(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait for the child, ``timeout`` seconds at most (a child stopped or stuck is killed
        then: the run, holding its lock, never waits on it for ever); whether it did the work
        (False: do it here)."""
        if self.pid is None:
            return False
        pid, self.pid = self.pid, None
        if not _ends_within(pid, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return False
        return os.waitstatus_to_exitcode(status) == 0

    def cancel(self) -> None:
        """Stop the child, if any, and wait for it to be gone (its file is the caller's to
        remove)."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
