"""The benchmark's files: a synthetic national reference and pools of returns, generated once
under bench/out/ (see bench.py)."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
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
SAMPLE_CITIES, COUNTIES_PER_CITY = 290, 10
POOLS = {"pure": OUT / "pure", "mixed": OUT / "files", "province": OUT / "province"}


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


_COUNTIES: list[tuple[str, str]] = []


def _write(pool: str, i: int, county: int, slot: int, style: str) -> None:
    """File i of a pool: slot 0 a plan, 1 half-year results, 2 whole-year results."""
    city, name = _COUNTIES[county]
    ext = "xls" if style == "xls" else "xlsx"
    folder = POOLS[pool] / city
    folder.mkdir(parents=True, exist_ok=True)
    sender = f"{name}人力社保局"
    if slot == 0:
        rows = [
            {
                "activity_name": f"{name}专家服务{k}",
                "content": "技术指导",
                "planned_date": f"2023年{3 + k}月",
                "hosts": sender,
                "experts_invited": 5 + k,
                "contact_person": "王芳",
                "contact_phone": "0571-87654321",
                "demo_team_activity": "否",
            }
            for k in range(4)
        ]
        sample = A4Sample(sender, A4_TITLE, rows, contact="王芳 0571-87654321", county_column=False)
        write_a4(folder / f"{i:05d}_附件4_{name}.{ext}", sample, style)
        return
    vals = {m: (i * 7 + j) % 50 + 1 + (slot - 1) * 50 for j, m in enumerate(metric_keys())}
    title = A5_TITLE.replace("2023年", "2023年上半年" if slot == 1 else "2023年度", 1)
    a5 = A5Sample(sender, title, [(name, vals)], contact="王芳 0571-87654321")
    write_a5(folder / f"{i:05d}_附件5_{name}.{ext}", a5, style)


def _one(job: tuple[str, int]) -> None:
    pool, i = job
    if pool == "pure":  # the goal's case: half-year results, the project's writer
        _write(pool, i, i % len(_COUNTIES), 1, "xlsxwriter")
    elif pool == "mixed":  # plans, half-year and whole-year results, four styles
        _write(pool, i, (i // 3) % len(_COUNTIES), i % 3, STYLES[(i // 3) % len(STYLES)])
    else:  # Zhejiang (the first 90 counties): 90 half-year results, then 30 plans
        _write(pool, i, i % 90, 1 if i < 90 else 0, STYLES[i % len(STYLES)])


def generate(pool: str, n: int) -> list[Path]:
    """The first n files of a pool, generated once (in parallel) and reused."""
    global _COUNTIES
    national_reference()
    _COUNTIES = _counties()
    folder = POOLS[pool]
    existing = sorted(folder.rglob("*.xls*")) if folder.exists() else []
    have = {int(p.name[:5]) for p in existing}
    missing = [(pool, i) for i in range(n) if i not in have]
    if missing:
        t = time.monotonic()
        print(f"  generating {len(missing)} files of the {pool} pool …", flush=True)
        with mp.get_context("fork").Pool(os.cpu_count() or 2) as workers:
            workers.map(_one, missing, chunksize=50)
        print(f"  generated in {time.monotonic() - t:.1f} s", flush=True)
    files = sorted(folder.rglob("*.xls*"), key=lambda p: p.name)
    return [p for p in files if int(p.name[:5]) < n]


def mix_of(files: list[Path]) -> str:
    """What a pool holds: forms and file kinds."""
    a5 = sum("附件5" in p.name for p in files)
    xls = sum(p.suffix == ".xls" for p in files)
    return f"{len(files)} files: {a5} results (附件5), {len(files) - a5} plans (附件4); {len(files) - xls} .xlsx, {xls} .xls"


def loadavg() -> str:
    """The 1-minute load average, and 5 and 15."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
