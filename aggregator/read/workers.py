"""Read files in supervised worker processes: a memory cap, a time limit, and survival of a
reader that aborts the whole process (python-calamine does on some hostile files).

Workers are long-lived (one per core) and take one file at a time; when one dies or overruns,
that file is rejected with a clear reason, a fresh worker takes its place and the run goes on.
Results come back in the order of the tasks, identical to a single-process run.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from aggregator.faults import failpoint, pause
from aggregator.read.reader import Context, read_return, reject
from aggregator.read.returns import ReturnRead

Progress = Callable[[int, int, str], None]
Reader = Callable[[str, str, Context], ReturnRead]


# Rejections that say something about the machine this run (a worker killed, out of time or out
# of memory, a bug), not about the file: shown this run, never remembered as the file's verdict.
UNSETTLED_CODES = frozenset(
    {"file-reader-crashed", "file-timeout", "file-too-complex", "file-internal-error"}
)


def is_unsettled(result: ReturnRead) -> bool:
    """Whether a reading ended in a failure of the machine rather than a verdict on the file."""
    return result.rejected and any(p.code in UNSETTLED_CODES for p in result.problems)


def _limit_memory(extra_mb: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            vm_pages = int(f.read().split()[0])
        current = vm_pages * os.sysconf("SC_PAGE_SIZE")
        limit = current + extra_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, ImportError):
        pass  # no /proc or no rlimit: the time limit and the supervisor still protect the run


def _read_file(path: str, label: str, ctx: Context) -> ReturnRead:
    pause("reading")
    return read_return(Path(path), label, ctx)


def _guarded(reader: Reader, path: str, label: str, ctx: Context) -> ReturnRead:
    """Run a reader; what it raises becomes a rejection of that one file."""
    try:
        return reader(path, label, ctx)
    except MemoryError:
        return reject(
            ReturnRead(file=label),
            "file-too-complex",
            "读取此文件所需内存超过上限，疑似异常文件，未读取。请检查后重新报送。",
        )
    except RecursionError:
        return reject(
            ReturnRead(file=label), "file-too-complex", "文件结构异常（嵌套过深），未读取。"
        )
    except Exception as e:  # a bug of ours or of a library: the file is reported, the run goes on
        return reject(
            ReturnRead(file=label),
            "file-internal-error",
            f"读取此文件时出现内部错误（{type(e).__name__}: {str(e)[:100]}），未读取。请联系省中心。",
        )


def _die_with_parent(parent: int) -> None:
    """Make this worker end when the run that started it does, however that run ends: the
    kernel's parent-death signal on Linux, else a thread watching the parent's id."""
    from aggregator.store.lock import forget_inherited

    forget_inherited()  # the run's lock is the run's, never a worker's
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _worker(conn: Connection, ctx: Context, memory_mb: int, reader: Reader, parent: int) -> None:
    import faulthandler

    _die_with_parent(parent)
    faulthandler.disable()  # a reader that aborts is reported by the supervisor, not dumped here
    _limit_memory(memory_mb)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        idx, path, label = msg
        result = _guarded(reader, path, label, ctx)
        try:
            conn.send((idx, result))
        except (OSError, ValueError):
            return


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    task: tuple[int, str, str] | None = None
    started: float = 0.0


def _context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def default_jobs() -> int:
    """Worker count: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def read_many(
    files: Sequence[tuple[Path, str]],
    ctx: Context,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    reader: Reader | None = None,
) -> list[ReturnRead]:
    """Read every (path, label) in supervised workers; ``jobs=0`` reads in this process.

    ``reader`` replaces the per-file function (tests use it to simulate a reader that dies).
    """
    reader = reader or _read_file
    limits = ctx.policy.limits
    if jobs == 0:
        out = []
        for i, (p, label) in enumerate(files):
            out.append(_guarded(reader, str(p), label, ctx))
            if progress:
                progress(i + 1, len(files), label)
        return out
    n = max(1, min(jobs or default_jobs(), len(files)))
    if not files:
        return []
    mpc = _context()

    def spawn() -> _Slot:
        parent, child = mpc.Pipe()
        proc = mpc.Process(
            target=_worker,
            args=(child, ctx, limits.read_memory_mb, reader, os.getpid()),
            daemon=True,
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    slots = [spawn() for _ in range(n)]
    pending = deque((i, str(p), label) for i, (p, label) in enumerate(files))
    results: dict[int, ReturnRead] = {}
    done = 0

    def finish(slot: _Slot, result: ReturnRead) -> None:
        nonlocal done
        assert slot.task is not None
        results[slot.task[0]] = result
        done += 1
        if progress:
            progress(done, len(files), slot.task[2])
        slot.task = None

    def replace(slot: _Slot) -> _Slot:
        try:
            slot.proc.kill()
            slot.proc.join(1)
        except Exception:
            pass
        slot.conn.close()
        return spawn()

    try:
        while pending or any(s.task for s in slots):
            for s in slots:
                if s.task is None and pending:
                    s.task = pending.popleft()
                    s.started = time.monotonic()
                    s.conn.send(s.task)
            failpoint("while-reading")
            busy = [s for s in slots if s.task]
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=0.2)
            for i, s in enumerate(slots):
                if s.task is None:
                    continue
                if s.conn in ready or s.conn.poll():
                    try:
                        idx, result = s.conn.recv()
                        finish(s, result)
                        continue
                    except (EOFError, OSError):
                        pass
                if not s.proc.is_alive():
                    code, why = (
                        "file-reader-crashed",
                        f"读取此文件时读取程序异常退出（退出码 {s.proc.exitcode}），疑似异常或损坏的文件（例如声明了超大的表格范围）。未读取，请用 Excel 另存为 .xlsx 后重新报送。",
                    )
                elif time.monotonic() - s.started > limits.read_timeout_seconds:
                    code, why = (
                        "file-timeout",
                        f"读取此文件超过 {limits.read_timeout_seconds:.0f} 秒仍未完成，疑似异常文件，未读取。请检查后重新报送。",
                    )
                else:
                    continue
                finish(s, reject(ReturnRead(file=s.task[2]), code, why))
                slots[i] = replace(s)
    finally:
        for s in slots:
            with contextlib.suppress(OSError, ValueError):
                s.conn.send(None)
        for s in slots:
            s.proc.join(0.5)
            if s.proc.is_alive():
                s.proc.kill()
                s.proc.join(1)
            s.conn.close()
    return [results[i] for i in range(len(files))]
