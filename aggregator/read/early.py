"""Reading that overlaps taking in: the intake hands each new copy to the reader workers as
soon as it is stored, instead of reading everything once the intake is done."""

from __future__ import annotations

import time
from typing import Any

from aggregator.read.reader import Context
from aggregator.read.returns import ReturnRead
from aggregator.read.workers import Progress, Reader, _Pool, _read_file, default_jobs

ALL_IN_BATCH = 128  # files per batch handed over when the intake ends


class EarlyReads:
    """Files read by the workers while more are still being found (the intake hands each new
    copy over as it is stored), so that reading and taking in overlap. Results are keyed as
    the caller says; the same supervision as :func:`read_many` (a worker's death or overrun is
    never a verdict on a file). While files are still coming, one worker reads beside the
    intake (which keeps a core of its own); the others join once all have come."""

    def __init__(
        self,
        ctx: Context,
        jobs: int | None = None,
        progress: Progress | None = None,
        reader: Reader | None = None,
    ):
        self.pool = _Pool(ctx, reader or _read_file, jobs or default_jobs(), progress, 0)
        self.pool.texts = {}
        self.keys: list[Any] = []
        self.last = 0.0
        self.pool.start(1)

    def add(self, path: str, label: str, key: Any) -> None:
        """Queue one file and keep the workers fed (without waiting for them)."""
        self.pool.todo.append((len(self.keys), path, label))
        self.keys.append(key)
        self.pool.total = len(self.keys)
        now = time.monotonic()
        if now - self.last >= 0.01:  # a look at the workers costs a poll: not for every file
            self.last = now
            self.pool.step(None, 0)

    def all_in(self) -> None:
        """Every file has come: the other workers join now and are handed what is left (two
        batches deep), since they are fed only when this process looks at them, which it will
        not do again until it has loaded the judge. The batches are large enough (up to
        ``ALL_IN_BATCH`` files, ≈0.2 s each) to keep a worker busy for as long as loading pandas
        and the writers takes."""
        pool = self.pool
        pool.grow()
        free = sum(max(0, 2 - len(s.batches)) for s in pool.slots)
        if pool.todo and free:
            pool.step(min(ALL_IN_BATCH, -(-len(pool.todo) // free)), 0)

    def results(self) -> dict[Any, tuple[ReturnRead, str, str]]:
        """Every file's reading, its cache text and the sha256 of the bytes it is a reading of
        ("" when no worker vouches for any: the file could not be read, or its reader died or
        overran), once all are read; the workers stopped."""
        try:
            self.pool.grow()
            self.pool.drain()
        finally:
            self.close()
        texts, digests = self.pool.texts or {}, self.pool.digests
        return {
            k: (self.pool.results[i], texts.get(i, ""), digests.get(i, ""))
            for i, k in enumerate(self.keys)
        }

    def close(self) -> None:
        """Stop the workers (also when the run stops early)."""
        self.pool.close()
