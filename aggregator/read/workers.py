"""Read files in supervised worker processes: a memory cap, a time limit, and survival of a
reader that aborts the whole process (python-calamine does on some hostile files).

Workers are long-lived (one per core) and take files in batches; when one dies or overruns, the
files of its batches are read again one at a time, and a file that kills or stalls a worker on
its own twice (read alone each time, in a fresh worker: once may be the machine's doing, a
worker killed or starved) is rejected with a clear reason (for this run only); a fresh worker
takes the place of the lost one and the run goes on. Results come back in the order of the
tasks, identical to a single-process run.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from aggregator.aside import die_with_parent
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


def _worker(
    conn: Connection, ctx: Context, memory_mb: int, reader: Reader, parent: int, texts: bool
) -> None:
    import faulthandler

    die_with_parent(parent)
    faulthandler.disable()  # a reader that aborts is reported by the supervisor, not dumped here
    _limit_memory(memory_mb)
    # what the worker was forked with is never garbage: no collection walks it; and a reading
    # leaves little to collect, so collections come less often (≈5 % of a worker's time)
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        results = [_one(reader, task, ctx, texts) for task in batch]
        try:
            conn.send(results)
        except (OSError, ValueError):
            return


Task = tuple[int, str, str]  # (index, path, label)


def file_digest(path: str) -> str:
    """The sha256 of a file's bytes, or "" when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""


def _one(reader: Reader, task: Task, ctx: Context, text: bool) -> tuple[int, ReturnRead, str, str]:
    """One file read (in a worker), with its reading as cache text when asked for (made here,
    off the supervisor's back) and the sha256 of the file as it was just before (so that the
    caller knows which bytes the reading is of without hashing the file again itself)."""
    idx, path, label = task
    digest = file_digest(path) if text else ""
    result = _guarded(reader, path, label, ctx)
    return idx, result, result.cache_text() if text else "", digest


@dataclass
class _Slot:
    """One worker and the batches sent to it, oldest first (at most two: one being read, one
    waiting, so the worker never idles while the supervisor takes a result in)."""

    proc: Any
    conn: Connection
    batches: deque[list[Task]] = field(default_factory=deque)
    started: float = 0.0  # when the oldest batch began to be read


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
    batch: int | None = None,
    texts: dict[int, str] | None = None,
) -> list[ReturnRead]:
    """Read every (path, label) in supervised workers; ``jobs=0`` reads in this process.

    Files go to the workers in batches (``batch`` files, default by the amount of work); when a
    worker dies or overruns, the files of its batches are read again one by one, so that only a
    file read alone can be blamed. ``reader`` replaces the per-file function (tests use it to
    simulate a reader that dies). Results come back in the order of ``files``; ``texts``, when
    given, receives each settled reading's :meth:`ReturnRead.cache_text` by index.
    """
    reader = reader or _read_file
    if jobs == 0:
        out = []
        for i, (p, label) in enumerate(files):
            idx, result, text, _ = _one(reader, (i, str(p), label), ctx, texts is not None)
            out.append(result)
            if texts is not None:
                texts[idx] = text
            if progress:
                progress(i + 1, len(files), label)
        return out
    if not files:
        return []
    n = max(1, min(jobs or default_jobs(), len(files)))
    tasks = [(i, str(p), label) for i, (p, label) in enumerate(files)]
    pool = _Pool(ctx, reader, n, progress, len(files))
    pool.texts = texts
    try:
        pool.run(tasks, batch)
    finally:
        pool.close()
    return [pool.results[i] for i in range(len(files))]


def batch_size(remaining: int, workers: int) -> int:
    """Files per message: a few dozen on a large run, one on a small one (so that the last
    batches still spread over every worker)."""
    return max(1, min(32, remaining // (workers * 8)))


class _Pool:
    """Long-lived supervised workers, fed batches of files."""

    def __init__(
        self, ctx: Context, reader: Reader, n: int, progress: Progress | None, total: int
    ) -> None:
        self.ctx, self.reader, self.progress, self.total = ctx, reader, progress, total
        self.n = n
        self.limits = ctx.policy.limits
        self.results: dict[int, ReturnRead] = {}
        self.texts: dict[int, str] | None = None  # filled when the caller wants cache texts
        self.digests: dict[int, str] = {}  # with the texts: the sha256 of each file read
        self.pending: deque[list[Task]] = deque()
        self.todo: deque[Task] = deque()
        self.slots: list[_Slot] = []
        self.lost_once: set[int] = set()  # files read alone whose worker died or overran

    def _spawn(self) -> _Slot:
        mpc = _context()
        parent, child = mpc.Pipe()
        proc = mpc.Process(
            target=_worker,
            args=(
                child,
                self.ctx,
                self.limits.read_memory_mb,
                self.reader,
                os.getpid(),
                self.texts is not None,
            ),
            daemon=True,
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def run(self, tasks: list[Task], batch: int | None) -> None:
        """Read every task; results land in ``self.results`` by index."""
        self.start()
        self.todo.extend(tasks)
        self.drain(batch)

    def start(self, count: int | None = None) -> None:
        """Start ``count`` workers (all ``n`` by default; :meth:`grow` adds the rest)."""
        self.slots = [self._spawn() for _ in range(min(self.n, count or self.n))]

    def grow(self) -> None:
        """Start workers up to ``n``."""
        self.slots += [self._spawn() for _ in range(self.n - len(self.slots))]

    def busy(self) -> bool:
        """Whether any task is still to be sent or being read."""
        return bool(self.todo or self.pending or any(s.batches for s in self.slots))

    def drain(self, batch: int | None = None) -> None:
        """Read until every task given so far has its result."""
        while self.busy():
            self.step(batch, 0.2)

    def step(self, batch: int | None, timeout: float) -> None:
        """Keep every worker two batches deep, then take in what is done (waiting at most
        ``timeout`` seconds for it); a dead or overrunning worker's files are dealt with."""
        todo = self.todo
        for i, s in enumerate(self.slots):
            while len(s.batches) < 2 and (self.pending or todo):
                if self.pending:
                    b = self.pending.popleft()
                else:
                    size = batch or batch_size(len(todo), len(self.slots))
                    b = [todo.popleft() for _ in range(min(size, len(todo)))]
                if not self._send(s, b):
                    self.pending.appendleft(b)  # never delivered: no file to blame
                    if not s.batches:  # nothing in flight tells of its death: replace it
                        _stop(s)
                        self.slots[i] = self._spawn()
                    break
        failpoint("while-reading")
        busy = [s for s in self.slots if s.batches]
        if not busy:
            return
        ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=timeout)
        for i, s in enumerate(self.slots):
            if s.batches and not self._collect(s, ready):
                self.slots[i] = self._fail(s)

    def _send(self, s: _Slot, b: list[Task]) -> bool:
        """Hand a batch to a worker; False when it is already gone (the pipe is broken)."""
        try:
            s.conn.send(b)
        except OSError:  # died between two batches: its death is seen when collecting
            return False
        if not s.batches:
            s.started = time.monotonic()
        s.batches.append(b)
        return True

    def _collect(self, s: _Slot, ready: list[Any]) -> bool:
        """Take in a finished batch if there is one; False when the worker died or overran."""
        if s.conn in ready or s.conn.poll():
            try:
                results = s.conn.recv()
            except (EOFError, OSError):
                return s.proc.is_alive() and not self._overran(s)
            s.batches.popleft()
            s.started = time.monotonic()
            for idx, result, text, digest in results:
                self.results[idx] = result
                if self.texts is not None:
                    self.texts[idx] = text
                    self.digests[idx] = digest
                if self.progress:
                    self.progress(len(self.results), self.total, result.file)
            return True
        return s.proc.is_alive() and not self._overran(s)

    def _overran(self, s: _Slot) -> bool:
        return time.monotonic() - s.started > self.limits.read_timeout_seconds

    def _fail(self, s: _Slot) -> _Slot:
        """A worker died or overran: files of a batch are read again alone; a file read alone
        is read alone once more (a worker killed from outside, or starved by a busy machine,
        says nothing of the file: during the intake every file is read alone), and rejected
        the second time (for this run only: never remembered as the file's verdict)."""
        alive = s.proc.is_alive()
        first = s.batches.popleft()
        if len(first) == 1 and first[0][0] in self.lost_once:
            idx, _, label = first[0]
            self.results[idx] = reject(ReturnRead(file=label), *self._why(s, alive))
            if self.progress:
                self.progress(len(self.results), self.total, label)
        elif len(first) == 1:
            self.lost_once.add(first[0][0])
            self.pending.append(first)
        else:
            self.pending.extend([t] for t in first)
        for b in s.batches:  # sent but not begun: read again as they were
            self.pending.append(b)
        s.batches.clear()
        _stop(s)
        return self._spawn()

    def _why(self, s: _Slot, alive: bool) -> tuple[str, str]:
        if not alive:
            code = "file-reader-crashed"
            text = f"单独读取此文件两次，读取程序都异常退出（退出码 {s.proc.exitcode}），疑似异常或损坏的文件（例如声明了超大的表格范围）。未读取，请用 Excel 另存为 .xlsx 后重新报送。"
        else:
            code = "file-timeout"
            text = f"单独读取此文件两次，都超过 {self.limits.read_timeout_seconds:.0f} 秒仍未完成，疑似异常文件，未读取。请检查后重新报送。"
        return code, text

    def close(self) -> None:
        """Ask every worker to stop, then make sure it has."""
        for s in self.slots:
            with contextlib.suppress(OSError, ValueError):
                s.conn.send(None)
        for s in self.slots:
            s.proc.join(0.5)
            _stop(s)


def _stop(s: _Slot) -> None:
    with contextlib.suppress(Exception):
        if s.proc.is_alive():
            s.proc.kill()
        s.proc.join(1)
    s.conn.close()
