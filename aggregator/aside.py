"""A piece of work done beside this process, in a forked child, while this process goes on.

Used where the second core would otherwise idle (the JSON is written while the workbook is).
The child's only effect is the file it writes; it never reports a verdict. If it cannot be
forked, fails, is killed or is cancelled, :meth:`Aside.done` says so and the caller does the
work itself, so that a failure of the machine is never mistaken for the result.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable


class Aside:
    """``work`` started in a forked child (not at all where forking is impossible or refused:
    ``enabled`` false, no ``os.fork``, no process to spare)."""

    def __init__(self, work: Callable[[], object], *, enabled: bool = True) -> None:
        self.pid: int | None = None
        if not enabled or not hasattr(os, "fork"):
            return
        try:
            pid = os.fork()
        except OSError:
            return  # no process to spare: the caller does the work itself
        if pid == 0:  # the child: do the work, say only whether it went through
            code = 1
            try:
                work()
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
        self.pid = pid

    def done(self) -> bool:
        """Wait for the child; whether it did the work (False: do it here)."""
        if self.pid is None:
            return False
        pid, self.pid = self.pid, None
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
