"""Benchmark: from one province to a national roll-out (not a test: it prints figures).

    make bench                       # N = 100, 1000, 10000
    python bench/bench.py 100 1000   # chosen sizes

For each N it generates N one-county returns in mixed styles (xlsxwriter, openpyxl, pandas,
xls; plans, half-year and whole-year results) from a synthetic national reference (Zhejiang's
90 counties plus 2,900 sample counties, so returns of a large N come from distinct counties as
in a national roll-out), cached under bench/out/, then times in the same run:
  (a) the floor: python-calamine alone reading every cell of every file, one process;
  (b) the naive way: pandas.read_excel(engine="openpyxl") over every file it can read;
  (c) `aggregator summary` end to end in a fresh state folder (a new process, as a user runs it),
      wall time and peak memory of the whole process tree (main process and reader workers).
It also times a province-sized run (about 120 files) and `aggregator check` on one return,
both including interpreter start-up.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.demo.samples import A4Sample, A5Sample, write_a4, write_a5  # noqa: E402
from aggregator.rulebook.schema import metric_keys  # noqa: E402

OUT = ROOT / "bench" / "out"
DATA = OUT / "national"  # synthetic national reference: Zhejiang plus ~2,900 sample counties
STYLES = ("xlsxwriter", "openpyxl", "pandas", "xls")
A5_TITLE = "2023年“智聚山海·助力共富”专家服务活动成果汇总表"
A4_TITLE = "2023年“智聚山海·助力共富”专家服务工程活动计划表"
AGG = [sys.executable, "-m", "aggregator"]
SAMPLE_CITIES, COUNTIES_PER_CITY = 290, 10


def national_reference() -> None:
    """Reference data of a national roll-out: Zhejiang's divisions plus 2,900 sample counties
    in 290 sample cities, with the project's policy and schemas (used via AGGREGATOR_DATA)."""
    if (DATA / "reference" / "counties.csv").exists():
        return
    src = ROOT / "workbooks"
    for kind in ("policy", "schemas", "reference"):
        shutil.copytree(src / kind, DATA / kind, dirs_exist_ok=True)
    names = _sample_names()
    with (DATA / "reference" / "cities.csv").open("a", encoding="utf-8") as f:
        for j, (city, _) in enumerate(names):
            f.write(f"{city},9{j:03d}00,\n")
    with (DATA / "reference" / "counties.csv").open("a", encoding="utf-8") as f:
        for j, (city, counties) in enumerate(names):
            for k, county in enumerate(counties):
                f.write(f"{city},{county},9{j:03d}{k:02d},县,,\n")


def _sample_names() -> list[tuple[str, list[str]]]:
    """290 sample cities of 10 counties with varied, distinct stems (real names are varied too,
    which the name index relies on), none clashing with Zhejiang's."""
    first = (
        "安宝昌长常成澄崇丹德东丰福阜高广桂海和河鹤华淮黄惠吉建江晋景靖九开兰乐黎临柳隆鲁罗洛茂梅蒙"
    )
    second = "阳川平山原城宁远兴安化江南北泽源州溪林丰"
    stems = [a + m + b for m in ("", "新", "东", "西", "中") for a in first for b in second]
    used = {
        n
        for line in (ROOT / "workbooks" / "reference" / "counties.csv")
        .read_text(encoding="utf-8")
        .splitlines()
        for n in line.split(",")[:2]
    }
    stems = [
        x
        for x in dict.fromkeys(stems)
        if not any(x in u or u.rstrip("市县区") in x for u in used if u)
    ]
    size = 1 + COUNTIES_PER_CITY
    assert len(stems) >= SAMPLE_CITIES * size, len(stems)
    return [
        (stems[j * size] + "市", [stems[j * size + 1 + i] + "县" for i in range(COUNTIES_PER_CITY)])
        for j in range(SAMPLE_CITIES)
    ]


def _counties() -> list[tuple[str, str]]:
    os.environ["AGGREGATOR_DATA"] = str(DATA)
    from aggregator.rulebook.reference import load_registry

    reg = load_registry(DATA / "reference")
    return [(c.city, c.name) for c in reg.counties]


def _one(i: int) -> str:
    counties = _COUNTIES
    slot = i % 3  # plan, half-year, whole year; past one of each per county: resubmissions
    city, county = counties[(i // 3) % len(counties)]
    style = STYLES[(i // 3) % len(STYLES)]
    ext = "xls" if style == "xls" else "xlsx"
    folder = OUT / "files" / city
    folder.mkdir(parents=True, exist_ok=True)
    sender = f"{county}人力社保局"
    if slot == 0:
        rows = [
            {
                "activity_name": f"{county}专家服务{k}",
                "content": "技术指导",
                "planned_date": f"2023年{3 + k}月",
                "hosts": f"{county}人力社保局",
                "experts_invited": 5 + k,
                "contact_person": "王芳",
                "contact_phone": "0571-87654321",
                "demo_team_activity": "否",
            }
            for k in range(4)
        ]
        path = folder / f"{i:05d}_附件4_{county}.{ext}"
        write_a4(
            path,
            A4Sample(sender, A4_TITLE, rows, contact="王芳 0571-87654321", county_column=False),
            style,
        )
    else:
        vals = {m: (i * 7 + j) % 50 + 1 + (slot - 1) * 50 for j, m in enumerate(metric_keys())}
        title = A5_TITLE.replace("2023年", "2023年上半年" if slot == 1 else "2023年度", 1)
        path = folder / f"{i:05d}_附件5_{county}.{ext}"
        write_a5(
            path, A5Sample(sender, title, [(county, vals)], contact="王芳 0571-87654321"), style
        )
    return str(path)


_COUNTIES: list[tuple[str, str]] = []


def generate(n: int) -> list[Path]:
    """The first n files of the pool, generated once (in parallel) and reused."""
    global _COUNTIES
    national_reference()
    _COUNTIES = _counties()
    existing = sorted((OUT / "files").rglob("*.xls*")) if (OUT / "files").exists() else []
    have = {int(p.name[:5]) for p in existing}
    missing = [i for i in range(n) if i not in have]
    if missing:
        t = time.monotonic()
        with mp.get_context("fork").Pool(os.cpu_count() or 2) as pool:
            pool.map(_one, missing, chunksize=50)
        print(f"  generated {len(missing)} files in {time.monotonic() - t:.1f} s", flush=True)
    files = sorted((OUT / "files").rglob("*.xls*"), key=lambda p: p.name)
    return [p for p in files if int(p.name[:5]) < n]


def floor(files: list[Path]) -> float:
    """(a) python-calamine alone: every cell of every sheet."""
    import python_calamine as pc

    t = time.perf_counter()
    for p in files:
        wb = pc.CalamineWorkbook.from_path(str(p))
        for i in range(len(wb.sheet_names)):
            wb.get_sheet_by_index(i).to_python()
        wb.close()
    return time.perf_counter() - t


def naive(files: list[Path]) -> tuple[float, int]:
    """(b) pandas.read_excel with openpyxl over every file openpyxl can open (.xlsx)."""
    import pandas as pd

    readable = [p for p in files if p.suffix == ".xlsx"]
    t = time.perf_counter()
    for p in readable:
        pd.read_excel(p, engine="openpyxl", sheet_name=None, header=None)
    return time.perf_counter() - t, len(readable)


def _tree_rss(pid: int) -> int:
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def timed(
    cmd: list[str], cwd: Path | None = None, national: bool = True
) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall time and peak memory (whole process tree, sampled every 20 ms) of a command."""
    t = time.perf_counter()
    env = (
        {**os.environ, "AGGREGATOR_DATA": str(DATA)}
        if national
        else {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DATA"}
    )
    proc = subprocess.Popen(
        cmd, cwd=cwd or ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def summary(files: list[Path], jobs: int | None = None, national: bool = True) -> tuple[float, int]:
    """(c) aggregator summary end to end, fresh state, the files as its inbox."""
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        for p in files:
            target = inbox / p.parent.name / p.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(p, target) if hasattr(os, "link") else shutil.copy(p, target)
            old = time.time() - 3600
            os.utime(target, (old, old))
        cmd = [
            *AGG,
            "summary",
            "--period",
            "2023H1",
            "--inbox",
            str(inbox),
            "--state",
            f"{tmp}/state",
            "--out",
            f"{tmp}/out",
            "--now",
            "2023-06-09",
        ]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        wall, peak, res = timed(cmd, national=national)
        if res.returncode != 0:
            raise SystemExit(f"summary failed: {res.stderr[-2000:]}")
        return wall, peak


def main(sizes: list[int]) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    )
    rows = []
    for n in sizes:
        print(f"N = {n}", flush=True)
        files = generate(n)
        a = floor(files)
        b, nb = naive(files)
        c, peak = summary(files)
        rows.append(
            (
                n,
                a / n * 1000,
                b / nb * 1000,
                c / n * 1000,
                c,
                peak / 1e6,
                (c / n) / (a / n),
                (b / nb) / (c / n),
            )
        )
    print()
    print(
        f"{'N':>6} | {'(a) calamine floor':>18} | {'(b) naive openpyxl':>18} | {'(c) summary':>12} | {'summary wall':>12} | {'peak MB':>8} | {'c/a':>5} | {'b/c':>5}"
    )
    print(
        f"{'':>6} | {'ms/file':>18} | {'ms/file (.xlsx)':>18} | {'ms/file':>12} | {'s':>12} | {'':>8} | {'':>5} | {'':>5}"
    )
    for n, a, b, c, cw, pk, ca, bc in rows:
        print(
            f"{n:>6} | {a:>18.2f} | {b:>18.2f} | {c:>12.2f} | {cw:>12.2f} | {pk:>8.0f} | {ca:>5.1f} | {bc:>5.1f}"
        )
    zhejiang = {
        line.split(",")[0]
        for line in (ROOT / "workbooks" / "reference" / "cities.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1:]
    }
    province = [p for p in generate(max(sizes)) if p.parent.name in zhejiang][:120]
    wall, peak = summary(province, national=False)  # Zhejiang's own reference, as in production
    print(
        f"\nprovince-sized run ({len(province)} Zhejiang files), wall incl. start-up: {wall:.2f} s, peak {peak / 1e6:.0f} MB"
    )
    one = province[0]
    wall, _, res = timed([*AGG, "check", str(one)], national=False)
    print(
        f"aggregator check on one return, wall incl. start-up: {wall:.2f} s (exit {res.returncode})"
    )


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [100, 1000, 10000])
