"""Benchmark: from one province to a national roll-out (not a test: it prints figures).

    make bench                        # n = 10,000 (BENCH_N), best of 3 (BENCH_REPEAT)
    BENCH_N=2000 python bench/bench.py

The goal's case is the main pool: n one-county Attachment 5 (half-year results) ``.xlsx``
returns written by the project's own writer (xlsxwriter, the issued template's style), from a
synthetic national reference (Zhejiang's 90 counties plus 2,900 sample counties; beyond 2,990
files counties send again, as corrections do). Files are generated once under bench/out/.
In one run, each figure the best of BENCH_REPEAT (after a warm-up pass):
  (a) floor: python-calamine alone reading every cell of every sheet, one process;
  (b) naive: pandas.read_excel(engine="openpyxl", sheet_name=None) over every .xlsx file (over
      an evenly spread sample of BENCH_NAIVE_N files, default 2,000, scaled to all: linear);
  (c) `aggregator summary` end to end in a fresh state folder (a new process, as a user runs
      it): wall and CPU time (the process tree); peak memory summed over the process tree
      (PSS from /proc/<pid>/smaps_rollup where available, else RSS) from one more run of its
      own, sampled every 20 ms (sampling costs the run it watches ≈half a core: never timed);
  (d) the rerun: a second `summary` on the same state with no new files;
  (e) `aggregator check` of one return, and a province-sized run (120 Zhejiang files in mixed
      styles, Zhejiang's own reference), both including interpreter start-up; the province run
      also without its feedback folder, and its CPU time over the cores (the least wall time
      that work can take).
A mixed pool (plans and results, four writing styles including .xls) of BENCH_MIXED_N files
(default 1,000; 0 skips it) is timed too, for comparison with earlier figures.
The last line is for scripts:
  bench: n=… floor_x=<summary/floor> naive_x=<naive/summary> rerun_s=… check_s=… province_s=… peak_mb=…
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pools import DATA, generate, loadavg, mix_of  # noqa: E402

AGG = [sys.executable, "-m", "aggregator"]


@dataclass
class Timing:
    """Best wall and CPU seconds of some repeats, and the peak memory seen."""

    wall: float
    cpu: float
    peak: int = 0
    loads: str = ""

    def show(self) -> str:
        """wall, CPU, load average."""
        return f"wall {self.wall:.2f} s, CPU {self.cpu:.2f} s (load {self.loads})"


def best_of(repeat: int, fn: Callable[[], tuple[float, float, int]]) -> Timing:
    """The fastest of ``repeat`` calls of fn (→ wall, cpu, peak); peak is the largest seen."""
    best: Timing | None = None
    peak = 0
    for _ in range(repeat):
        loads = loadavg()
        wall, cpu, pk = fn()
        peak = max(peak, pk)
        if best is None or wall < best.wall:
            best = Timing(wall, cpu, 0, loads)
    assert best is not None
    best.peak = peak
    return best


def _in_process(body: Callable[[], None]) -> tuple[float, float, int]:
    t, c = time.perf_counter(), time.process_time()
    body()
    return time.perf_counter() - t, time.process_time() - c, 0


def floor(files: list[Path]) -> tuple[float, float, int]:
    """(a) python-calamine alone: every cell of every sheet."""
    import python_calamine as pc

    def body() -> None:
        for p in files:
            wb = pc.CalamineWorkbook.from_path(str(p))
            for i in range(len(wb.sheet_names)):
                wb.get_sheet_by_index(i).to_python()
            wb.close()

    return _in_process(body)


def naive(files: list[Path], sample: int) -> tuple[float, float, int]:
    """(b) pandas.read_excel with openpyxl over the .xlsx files: over an evenly spread sample of
    ``sample`` files when there are more (files are independent: the time scales linearly),
    the times scaled to every file."""
    import pandas as pd

    xlsx = [p for p in files if p.suffix == ".xlsx"]
    step = max(1, len(xlsx) // max(1, sample))
    chosen = xlsx[::step]

    def body() -> None:
        for p in chosen:
            pd.read_excel(p, engine="openpyxl", sheet_name=None, header=None)

    wall, cpu, _ = _in_process(body)
    scale = len(xlsx) / max(1, len(chosen))
    return wall * scale, cpu * scale, 0


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return out


def _memory(pid: int) -> int:
    """Bytes of the process tree: PSS summed (shared pages counted once), else RSS."""
    total = 0
    for p in _tree(pid):
        for path, key in ((f"/proc/{p}/smaps_rollup", "Pss:"), (f"/proc/{p}/status", "VmRSS:")):
            try:
                with open(path) as f:
                    line = next((x for x in f if x.startswith(key)), "")
            except OSError:
                continue
            if line:
                total += int(line.split()[1]) * 1024
                break
    return total


def run(cmd: list[str], national: bool = True, memory: bool = False) -> tuple[float, float, int]:
    """Wall time, CPU time (the process tree) and, with ``memory``, peak memory (the tree,
    sampled every 20 ms; else 0) of a command; a failure stops the bench. Sampling is never
    done in a timed run: reading ``smaps_rollup`` of a 450 MB process costs ≈11 ms of CPU, so
    sampling every 20 ms took half a core from the run it measured."""
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DATA"}
    if national:
        env["AGGREGATOR_DATA"] = str(DATA)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while memory and not stop.is_set():
            peak = max(peak, _memory(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("ru_utime", "ru_stime"))
    if proc.returncode not in (0, 1) or (proc.returncode and cmd[3] != "check"):
        raise SystemExit(f"{' '.join(cmd[2:4])} failed ({proc.returncode}): {err[-2000:]!r}")
    return wall, cpu, peak


def inbox_of(files: list[Path], tmp: Path) -> Path:
    """An inbox of hard links (copies where links are impossible), dated an hour ago."""
    inbox = tmp / "inbox"
    old = time.time() - 3600
    for p in files:
        target = inbox / p.parent.name / p.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(p, target)
        except OSError:
            shutil.copy(p, target)
        os.utime(target, (old, old))
    return inbox


def summary_cmd(inbox: Path, state: Path, out: Path, *extra: str) -> list[str]:
    """`aggregator summary` of the bench: half-year, the clock just before the deadline."""
    return [
        *AGG,
        *("summary", "--period", "2023H1", "--inbox", str(inbox), "--state", str(state)),
        *("--out", str(out), "--json", str(out / "summary.json"), "--now", "2023-06-09"),
        *extra,
    ]


def summaries(
    files: list[Path], repeat: int, national: bool = True, extra: tuple[str, ...] = ()
) -> tuple[Timing, Timing]:
    """(c) fresh summaries, best of ``repeat``, and (d) reruns on the last state; the peak
    memory of a fresh summary from one more run of its own, not timed (see :func:`run`).
    ``extra``: more options of the summary (the fresh runs only)."""
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        inbox = inbox_of(files, tmp)
        k = iter(range(repeat + 2))

        def fresh(memory: bool = False) -> tuple[float, float, int]:
            i = next(k)
            cmd = summary_cmd(inbox, tmp / f"state{i}", tmp / f"out{i}", *extra)
            return run(cmd, national, memory)

        first = best_of(repeat, fresh)
        last = repeat - 1
        again = best_of(
            repeat,
            lambda: run(summary_cmd(inbox, tmp / f"state{last}", tmp / f"out{last}"), national),
        )
        first.peak = fresh(memory=True)[2]
        return first, again


def machine() -> str:
    """What the figures were measured on."""
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f", {int(f.readline().split()[1]) / 1e6:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )


def step(what: str) -> None:
    """Progress, with the load average."""
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()}] {what}", flush=True)


def reads(name: str, files: list[Path], repeat: int) -> tuple[Timing, Timing]:
    """(a) and (b) on a pool: a warm-up pass (page cache, imports), then best of ``repeat``."""
    sample = int(os.environ.get("BENCH_NAIVE_N", "2000"))
    step(f"{name}: warm-up, then the calamine floor ×{repeat}")
    floor(files)
    a = best_of(repeat, lambda: floor(files))
    n = min(sample, len(files))
    step(f"{name}: floor {a.show()}; naive pandas+openpyxl ×{repeat} on {n} files (warm-up 20)")
    naive(files[:20], 20)
    b = best_of(repeat, lambda: naive(files, sample))
    step(f"{name}: naive, scaled to {len(files)} files: {b.show()}")
    return a, b


def main() -> None:
    """Time the pools and print the figures, then the line for scripts."""
    n = int(os.environ.get("BENCH_N", "10000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    mixed_n = int(os.environ.get("BENCH_MIXED_N", "1000"))
    print(f"machine: {machine()}; load at start {loadavg()}", flush=True)
    # byte-compiled as an install is (PYTHONDONTWRITEBYTECODE would make every start compile)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "aggregator")], check=True)
    pure = generate("pure", n)
    province = generate("province", 120)
    print(f"pool (the goal's case): {mix_of(pure)}, one county each, project writer (xlsxwriter)")
    a, b = reads("pure", pure, repeat)
    # the small runs first: after a 10,000-file run the kernel is still deleting and writing
    # back its files for a while, and they came out ≈20–40 % slower than alone
    check = best_of(repeat, lambda: run([*AGG, "check", str(province[0])], national=False))
    step(f"check of one file: {check.show()}")
    prov, _ = summaries(province, repeat, national=False)
    step(f"province ({mix_of(province)}): {prov.show()}")
    bare, _ = summaries(province, repeat, national=False, extra=("--no-feedback",))
    step(f"province without the feedback folder: {bare.show()}")
    step(f"pure: summary ×{repeat} (fresh state each), then the rerun ×{repeat}")
    c, d = summaries(pure, repeat)
    step(f"pure: summary {c.show()}, peak {c.peak / 1e6:.0f} MB; rerun {d.show()}")
    mixed = None
    if mixed_n:
        files = generate("mixed", mixed_n)
        ma, mb = reads("mixed", files, repeat)
        mc, _ = summaries(files, repeat)
        mixed = (mix_of(files), ma, mb, mc)
    print()
    print(
        "| pool | n | floor ms/file | naive ms/file | summary ms/file | summary wall s | CPU s | peak MB | summary/floor | naive/summary |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [("pure .xlsx results", len(pure), a, b, c)]
    if mixed:
        rows.append((f"mixed ({mixed[0]})", mixed_n, *mixed[1:]))
    for name, k, fa, fb, fc in rows:
        print(
            f"| {name} | {k} | {fa.wall / k * 1e3:.3f} | {fb.wall / k * 1e3:.2f} | "
            f"{fc.wall / k * 1e3:.2f} | {fc.wall:.2f} | {fc.cpu:.2f} | {fc.peak / 1e6:.0f} | "
            f"{fc.wall / fa.wall:.1f} | {fb.wall / fc.wall:.1f} |"
        )
    print(
        f"rerun (same state, no new files, same cut-off): {d.show()}\n"
        f"check one file (incl. start-up): {check.show()}\n"
        f"province run (120 files, incl. start-up): {prov.show()}, peak {prov.peak / 1e6:.0f} MB\n"
        f"  its CPU over the {os.cpu_count()} cores: no wall time below "
        f"{prov.cpu / (os.cpu_count() or 1):.2f} s is possible with this work\n"
        f"  without the feedback folder (--no-feedback): {bare.show()}\n"
        f"load average at end: {loadavg()}"
    )
    print(
        f"bench: n={len(pure)} floor_x={c.wall / a.wall:.1f} naive_x={b.wall / c.wall:.1f} "
        f"rerun_s={d.wall:.2f} check_s={check.wall:.2f} province_s={prov.wall:.2f} "
        f"peak_mb={c.peak / 1e6:.0f}"
    )


if __name__ == "__main__":
    main()
