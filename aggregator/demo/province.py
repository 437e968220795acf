"""A realistic sample province for ``make demo``: returns for all 11 cities, written the ways
real offices write them, with a handful of realistic problems, arriving in stages.

Stages matter because a return's receipt time is when the toolkit first sees it: the demo
drops each stage's files into its own inbox and takes them in "as of" that stage's date.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.clock import parse_time
from aggregator.demo.appsamples import APPLICATIONS_STAGE, write_applications
from aggregator.demo.real import county_own_plan, mountain_subtotal
from aggregator.demo.samples import WORD_STYLES, A4Sample, A5Sample, write_a4, write_a5
from aggregator.rulebook.policy import Policy
from aggregator.rulebook.reference import Registry
from aggregator.rulebook.schema import metric_keys
from aggregator.vocab import Form
from aggregator.write.templates import sender_label

MARKER = ".aggregator-demo"
CITY_STYLE = {
    "杭州市": "xlsxwriter",
    "宁波市": "openpyxl",
    "温州市": "pandas",
    "嘉兴市": "xls",
    "湖州市": "openpyxl",
    "绍兴市": "pages",  # Word returns (a table continued with its header repeated)
    "金华市": "xls",
    "衢州市": "split",  # Word returns (a table split in two)
    "舟山市": "pandas",
    "台州市": "openpyxl",
    "丽水市": "xlsxwriter",
}
WAN = ("秀洲区", 12000)  # 嘉兴市's half year: 惠及当地群众 written "1.2万"; 合理化建议 with 条
SUBTOTAL_CITY = "温州市"  # its half-year return has a 其中：山区26县 row
RANGES = {
    "teams_completed": (1, 5),
    "expert_visits": (8, 60),
    "onsite_guidance": (3, 30),
    "lectures_trainings": (1, 15),
    "suggestions": (3, 40),
    "clinic_visits": (0, 260),
    "projects_matched": (0, 8),
    "problems_solved": (0, 12),
    "cooperation_intents": (0, 6),
    "professionals_trained": (15, 240),
    "residents_benefited": (80, 4000),
}
THEMES = [
    ("茶产业技术服务", "茶园病虫害绿色防控、茶叶加工技术指导", "农业农村局"),
    ("专家义诊进山村", "心血管、骨科、儿科专家坐诊", "卫生健康局"),
    ("数字经济专题讲座", "中小企业数字化改造讲座", "经信局"),
    ("水产养殖技术指导", "大黄鱼养殖病害防治现场指导", "海洋与渔业局"),
    ("乡村规划设计服务", "未来乡村规划、民宿设计指导", "自然资源和规划局"),
    ("中药材种植指导", "铁皮石斛、黄精种植技术", "农业农村局"),
    ("先进制造技术对接", "企业技术难题会诊、项目对接", "科技局"),
    ("基层教师培训", "中小学骨干教师培训", "教育局"),
]
DATE_FORMS = [
    "{y}年{m}月",
    "{m}月中旬",
    "{y}.{m:02d}.{d:02d}",
    "date",
    "第{q}季度",
    "{m}月下旬",
    "date",
]


@dataclass
class Stage:
    """Files that arrive together, and when the toolkit first sees them."""

    name: str
    as_of: str
    period: str  # the results period this stage belongs to
    summary_at: str = ""  # when set: the summary of that period is made at this time
    files: list[Path] = field(default_factory=list)


def _rng_values(rng: random.Random) -> dict[str, int]:
    return {k: rng.randint(*RANGES[k]) for k in metric_keys()}


def _when(rng: random.Random, year: int) -> object:
    m = rng.randint(3, 11)
    d = rng.randint(1, 28)
    form = rng.choice(DATE_FORMS)
    if form == "date":
        return dt.date(year, m, d)
    return form.format(y=year, m=m, d=d, q=(m - 1) // 3 + 1)


def _experts(rng: random.Random) -> object:
    n = rng.randint(3, 15)
    return rng.choices([n, f"{n}人", f"{n}-{n + 3}", f"约{n}"], weights=[30, 2, 1, 1])[0]


def _plan(city: str, reg: Registry, policy: Policy, rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    counties = reg.counties_of(city)
    short = {"苍南县": 3, "椒江区": 2}
    for c in counties:
        n = short.get(c.name, rng.randint(4, 5))
        for i in range(n):
            theme = THEMES[(i + len(rows)) % len(THEMES)]
            rows.append(
                {
                    "county": c.name,
                    "activity_name": f"{c.name.rstrip('区县市')}{theme[0]}",
                    "content": theme[1],
                    "planned_date": _when(rng, policy.year),
                    "hosts": f"{c.name}人力社保局、{c.name}{theme[2]}",
                    "experts_invited": _experts(rng),
                    "contact_person": rng.choice(["王", "李", "张", "陈", "刘"])
                    + rng.choice(["芳", "伟", "敏", "强", "静"]),
                    "contact_phone": f"0{570 + list(CITY_STYLE).index(city)}-8{rng.randint(1000000, 9999999)}",
                    "demo_team_activity": "",
                }
            )
    # joint activities: the mountain county's city plans them with the paired coastal county
    skip = {"龙泉市"}  # one pairing without a joint activity, to show 未达标
    for p in policy.pairings:
        if reg.county_by_name[p.mountain].city == city and p.mountain not in skip:
            rows.append(
                {
                    "county": p.mountain,
                    "activity_name": f"山海协作·{p.mountain}—{p.partner}专家联合服务",
                    "content": "结对双方联合开展技术指导与义诊",
                    "planned_date": _when(rng, policy.year),
                    "hosts": f"{p.mountain}人力社保局、{p.partner}人力社保局",
                    "experts_invited": rng.randint(8, 20),
                    "contact_person": "周敏",
                    "contact_phone": "13957100001",
                    "demo_team_activity": "否",
                }
            )
    if city != "舟山市":  # 舟山 plans no demonstration-team activity: 未达标
        for _ in range(rng.randint(1, 2)):
            c = rng.choice(counties)
            rows.append(
                {
                    "county": c.name,
                    "activity_name": f"{city}专家服务示范团走进{c.name}",
                    "content": "示范团专家集中服务",
                    "planned_date": _when(rng, policy.year),
                    "hosts": f"{city}人力社保局、{c.name}人力社保局",
                    "experts_invited": rng.randint(10, 30),
                    "contact_person": "吴静",
                    "contact_phone": "13857100002",
                    "demo_team_activity": rng.choice(["是", "√", "Y"]),
                }
            )
    return rows


def _area_text(name: str, city: str, i: int) -> str:
    """County names as people write them: short, with the city in front, former names."""
    special = {"景宁畲族自治县": "景宁县", "柯桥区": "绍兴县", "柯城区": "柯城"}
    if name in special:
        return special[name]
    return f"{city}{name}" if i % 7 == 3 else name


def _text_numbers(vals: dict[str, object], rng: random.Random) -> dict[str, object]:
    out = dict(vals)
    k = rng.choice(list(out))
    v = out[k]
    if isinstance(v, int):
        out[k] = rng.choice(
            [
                f"{v}人次",
                f"{v}人",
                str(v).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                f"{v:,}",
            ]
        )
    z = rng.choice(list(out))
    if out[z] == 0:
        out[z] = "无"
    return out


def _stages(y: int) -> list[Stage]:
    half, whole = f"{y}H1", f"{y}FY"
    return [
        Stage(APPLICATIONS_STAGE, f"{y}-03-05T17:00", half),
        Stage("1-活动计划", f"{y}-03-10T17:00", half),
        Stage("2-上半年", f"{y}-06-09T17:00", half),
        Stage("3-上半年补报", f"{y}-06-14T10:00", half, summary_at=f"{y}-06-20T09:00"),
        Stage("4-全年", f"{y}-12-08T17:00", whole),
        Stage("5-全年补报", f"{y}-12-13T10:00", whole, summary_at=f"{y}-12-20T09:00"),
    ]


def write_demo(out: Path, reg: Registry, policy: Policy, seed: int = 2023) -> list[Stage]:
    """Write the sample returns under ``out/returns/<stage>/`` and say when each stage arrives."""
    rng = random.Random(seed)
    base = out / "returns"
    stages = _stages(policy.year)
    by = {s.name: s for s in stages}
    h1: dict[str, dict[str, int]] = {}
    for city in reg.cities:
        _plan_return(base, by, city.name, reg, policy, rng)
        _h1_return(base, by, city.name, reg, policy, rng, h1)
    write_applications(base, by[APPLICATIONS_STAGE], by["1-活动计划"])
    _mistakes(base / "2-上半年", by["2-上半年"])
    _whole_year(base, by, reg, policy, h1, rng)
    return stages


def _ext(style: str) -> str:
    return "xls" if style == "xls" else "docx" if style in WORD_STYLES else "xlsx"


def _plan_return(
    base: Path, by: dict[str, Stage], name: str, reg: Registry, policy: Policy, rng: random.Random
) -> None:
    """A city's plan (台州's arrives late), and a county's own plan where the city has one."""
    y, style = policy.year, CITY_STYLE[name]
    stage = by["1-活动计划"] if name != "台州市" else by["2-上半年"]
    folder = base / stage.name / name
    folder.mkdir(parents=True, exist_ok=True)
    plan = A4Sample(
        sender_label(name),
        policy.titles[Form.PLAN],
        _plan(name, reg, policy, rng),
        filled=dt.date(y, 3, 8),
        contact=f"{rng.choice(['许', '沈', '朱'])}老师 0571-8765{rng.randint(1000, 9999)}",
        county_column=style != "openpyxl",
    )
    own = county_own_plan(plan, folder, y)
    if own is not None:
        stage.files.append(own)
    path = folder / f"{y}年附件4_活动计划表_{name}.{_ext(style)}"
    stage.files.append(write_a4(path, plan, style))


def _h1_rows(
    name: str, reg: Registry, policy: Policy, rng: random.Random, h1: dict[str, dict[str, int]]
) -> list[tuple[str, dict[str, object]]]:
    """A city's half-year rows as written (文成县 missing, numbers as text, 万, a sub-total)."""
    counties = reg.counties_of(name)
    rows: list[tuple[str, dict[str, object]]] = []
    for i, c in enumerate(counties):
        vals = _rng_values(rng)
        h1[c.name] = vals
        if name == "温州市" and c.name == "文成县":
            continue  # a missing county
        pandas = CITY_STYLE[name] == "pandas"
        shown: dict[str, object] = _text_numbers(dict(vals), rng) if pandas else dict(vals)
        if name == reg.county_by_name[WAN[0]].city:
            shown["suggestions"] = f"{vals['suggestions']}条"
            if c.name == WAN[0]:
                shown["residents_benefited"] = f"{WAN[1] / 10000:g}万"
        rows.append((_area_text(c.name, name, i), shown))
    if name == SUBTOTAL_CITY:
        rows.append(mountain_subtotal(rows, counties, policy, _area_text))
    return rows


def _h1_return(
    base: Path,
    by: dict[str, Stage],
    name: str,
    reg: Registry,
    policy: Policy,
    rng: random.Random,
    h1: dict[str, dict[str, int]],
) -> None:
    """A city's half-year return (丽水 sends none, 湖州 late, 金华 a wrong 合计), then 宁波's
    correction and 杭州's copy sent twice."""
    y, style, counties = policy.year, CITY_STYLE[name], reg.counties_of(name)
    rows = _h1_rows(name, reg, policy, rng, h1)
    if name == "丽水市":
        return  # 丽水 has not returned its half-year figures
    total = None
    if name == "金华市":  # a wrong 合计
        total = {k: sum(h1[c.name][k] for c in counties) for k in metric_keys()}
        total["teams_completed"] += 3
    sample = A5Sample(
        sender_label(name),
        policy.titles[Form.RESULTS].replace(f"{y}年", f"{y}年上半年", 1),
        rows,
        total=total,
        filled=dt.date(y, 6, 8),
        contact=f"{rng.choice(['许', '沈', '朱'])}老师 1385710{rng.randint(1000, 9999)}",
    )
    stage = by["3-上半年补报"] if name == "湖州市" else by["2-上半年"]  # 湖州 is late
    folder = base / stage.name / name
    folder.mkdir(parents=True, exist_ok=True)
    path = write_a5(folder / f"{y}年上半年附件5_成果汇总表_{name}.{_ext(style)}", sample, style)
    stage.files.append(path)
    if name == "宁波市":  # a corrected version sent later
        first = rows[0]
        fixed = dict(first[1])
        fixed["expert_visits"] = h1[counties[0].name]["expert_visits"] + 5
        sample.rows[0] = (first[0], fixed)
        h1[counties[0].name]["expert_visits"] += 5
        folder = base / "3-上半年补报" / name
        folder.mkdir(parents=True, exist_ok=True)
        fixed_path = folder / f"{y}年上半年附件5_成果汇总表_{name}（更正）.{_ext(style)}"
        by["3-上半年补报"].files.append(write_a5(fixed_path, sample, style))
    if name == "杭州市":  # the same file sent twice
        dup = base / "2-上半年" / name / f"{path.stem} - 副本{path.suffix}"
        shutil.copyfile(path, dup)
        by["2-上半年"].files.append(dup)


def _mistakes(folder: Path, stage: Stage) -> None:
    """A Word file dropped by mistake and an Excel lock file left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = folder / "嘉兴市" / "上半年工作总结.docx"
    doc.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(doc, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document>上半年工作总结</document>")
    stage.files.append(doc)
    lock = folder / "~$2023年上半年附件5_成果汇总表_杭州市.xlsx"
    lock.write_bytes(b"\x00" * 165)
    stage.files.append(lock)


def _whole_year(
    base: Path,
    by: dict[str, Stage],
    reg: Registry,
    policy: Policy,
    h1: dict[str, dict[str, int]],
    rng: random.Random,
) -> None:
    y = policy.year
    keys = metric_keys()
    for city in reg.cities:
        name = city.name
        style = CITY_STYLE[name]
        ext = _ext(style)
        rows: list[tuple[str, dict[str, object]]] = []
        for i, c in enumerate(reg.counties_of(name)):
            prev = h1[c.name]
            vals: dict[str, object] = {k: prev[k] + rng.randint(0, max(1, prev[k])) for k in keys}
            if c.name == "南湖区":
                vals["suggestions"] = max(0, prev["suggestions"] - 2)  # below the half-year figure
            if c.name == WAN[0]:  # the half year said 1.2万: the whole year grows from it
                vals["residents_benefited"] = (
                    int(str(vals["residents_benefited"])) + WAN[1] - prev["residents_benefited"]
                )
            rows.append((_area_text(c.name, name, i), vals))
        title = policy.titles[Form.RESULTS].replace(f"{y}年", f"{y}年度", 1)
        stage = by["5-全年补报"] if name == "衢州市" else by["4-全年"]
        folder = base / stage.name / name
        folder.mkdir(parents=True, exist_ok=True)
        sample = A5Sample(
            sender_label(name),
            title,
            rows,
            filled=dt.date(y, 12, 8),
            contact=f"{rng.choice(['许', '沈', '朱'])}老师 1385710{rng.randint(1000, 9999)}",
        )
        stage.files.append(
            write_a5(folder / f"{y}年度附件5_成果汇总表_{name}.{ext}", sample, style)
        )


def prepare(out: Path) -> None:
    """Make ``out`` a fresh demo folder (only a folder the demo made before is ever emptied)."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise FileExistsError(
                f"{out} 不是示例文件夹（没有 {MARKER} 标记），为安全起见不清空它。请换一个文件夹。"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("aggregator demo folder: safe to delete\n", encoding="utf-8")


def stage_into_inbox(stage: Stage, returns: Path, inbox: Path) -> None:
    """Copy a stage's files into the demo inbox, keeping the city sub-folders."""
    for f in stage.files:
        rel = f.relative_to(returns / stage.name)
        target = inbox / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)


def stage_time(stage: Stage) -> dt.datetime:
    """When a stage arrives."""
    return parse_time(stage.as_of)
