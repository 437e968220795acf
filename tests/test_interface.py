"""The toolkit's outside (``shared/spec/interface.md``) as scripts rely on it: every command's exit
codes, ``--out`` as file or folder, ``auto`` period, ``--as-of`` apart from ``--now``, and the
summary JSON's keys, types, enumerations and order at every level, on a province-like inbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import province as pv
import pytest
from appfiles import docx_forms, xlsx_forms
from conftest import summary_args
from content import METRICS
from test_applications import ID2, base, expert, project
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import A5Sample, write_a5

REG = pv.REG
NOW = "2023-06-12T12:00"
TOP = {"period", "metrics", "province", "cities", "counties", "submissions", "issues"}
PROVINCE = {"totals": dict, "counties_expected": int, "counties_reported": int}
CITY = {
    "city": str,
    "totals": dict,
    "counties_expected": int,
    "counties_reported": int,
    "missing_counties": list,
    "demo_team_activities": int,
    "demo_team_ok": (bool, type(None)),
    "experts_recommended": int,
    "experts_ok": bool,
    "demo_projects_applied": int,
    "bases_applied": int,
}
COUNTY = {
    "city": str,
    "county": str,
    "reported": bool,
    "metrics": (dict, type(None)),
    "planned_activities": int,
    "activities_ok": (bool, type(None)),
    "paired_with": list,
    "joint_activities": int,
    "joint_ok": (bool, type(None)),
}
SUBMISSION = {
    "file": str,
    "sha256": str,
    "form": (str, type(None)),
    "city": (str, type(None)),
    "status": str,
    "received_at": str,
    "received_from": str,
    "on_time": (bool, type(None)),
}
ISSUE = {
    "severity": str,
    "code": str,
    "file": str,
    "sheet": str,
    "cell": str,
    "city": str,
    "county": str,
    "message": str,
}
FORMS = {"A1", "A2", "A3", "A4", "A5", None}
STATUSES = {"accepted", "rejected", "superseded", "duplicate", "ignored", "unpacked"}
FROM = {"email", "inbox-file", "registered", "observed"}


def _lishui_with_aliases(inbox: Path) -> None:
    """丽水市's half-year return naming 景宁畲族自治县 as 景宁县 (丽水 sends no plan)."""
    rows = []
    for c in REG.counties_of("丽水市"):
        name = "景宁县" if c.name == "景宁畲族自治县" else c.name
        rows.append((name, {m: pv.h1_value(c.name, m) for m in METRICS}))
    title = pv.A5_TITLE.replace("2023年", "2023年上半年", 1)
    sample = A5Sample("丽水市人力社保局", title, rows, contact="丽水联系人 0578-1")
    pv.drop(inbox, "丽水市/上半年_丽水市.xlsx", lambda p: write_a5(p, sample, "openpyxl"))


def build_inbox(inbox: Path) -> None:
    """Plans of every city but 丽水; H1 of every city but 湖州 (温州 without 文成县); 宁波's
    correction; Attachments 1–3; a lock file and a PDF sent by mistake."""
    pv.plans(inbox)
    (inbox / "丽水市" / "附件4_丽水市.xls").unlink()
    pv.half_year(inbox, skip_cities=("丽水市", "湖州市"))
    _lishui_with_aliases(inbox)
    pv.correction(inbox)
    xlsx_forms(
        inbox / "杭州市" / "杭州市推荐表.xlsx",
        {
            "专家1": expert("张三", "浙江大学", "教授", "110101199003078515"),
            "专家2": expert("李梅", "浙江农林大学", "研究员", ID2),
            "专家3": expert("赵六", "浙江工业大学", "教授", "330106198001011234"),
        },
    )
    docx_forms(inbox / "杭州市" / "示范团申报表.docx", [project("茶产业专家服务团")])
    xlsx_forms(inbox / "宁波市基地申报表.xlsx", {"基地": base("宁波茶叶基地")})
    (inbox / "杭州市" / "~$上半年_杭州市.xlsx").write_bytes(b"\x00lock")
    (inbox / "工作总结.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    old = 1_600_000_000
    for p in inbox.rglob("*"):
        os.utime(p, (old, old))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base_dir = tmp_path_factory.mktemp("interface")
    build_inbox(base_dir / "inbox")
    out = base_dir / "reports"
    out.mkdir()
    js = base_dir / "summary.json"
    args = summary_args(base_dir / "inbox", base_dir / "state", out, json_out=js, now=NOW)
    result = CliRunner().invoke(app, [*args, "--jobs", "2"])
    assert result.exit_code == 0, result.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    return {"base": base_dir, "doc": doc, "out": out}


def _typed(obj: dict[str, Any], spec: dict[str, Any], where: str) -> None:
    missing = set(spec) - set(obj)
    assert not missing, f"{where}: missing {missing}"
    for key, kind in spec.items():
        value = obj[key]
        assert isinstance(value, kind), f"{where}.{key} = {value!r}"
        if kind is int or kind == (int,):
            assert not isinstance(value, bool), f"{where}.{key} is a bool"


def _metrics(values: dict[str, Any], where: str) -> None:
    assert list(values) == METRICS, where
    for m, v in values.items():
        assert isinstance(v, int) and not isinstance(v, bool), f"{where}.{m} = {v!r}"


def test_top_level_and_metrics(run: dict[str, Any]) -> None:
    doc = run["doc"]
    assert set(doc) >= TOP
    assert doc["period"] == "2023H1"
    assert doc["metrics"] == METRICS and len(METRICS) == 11
    _typed(doc["province"], PROVINCE, "province")
    _metrics(doc["province"]["totals"], "province.totals")
    assert doc["province"]["counties_expected"] == 90


def test_cities_in_reference_order_with_official_names(run: dict[str, Any]) -> None:
    doc = run["doc"]
    assert [c["city"] for c in doc["cities"]] == [c.name for c in REG.cities]
    for c in doc["cities"]:
        _typed(c, CITY, c["city"])
        _metrics(c["totals"], f"{c['city']}.totals")
        official = [x.name for x in REG.counties_of(c["city"])]
        assert c["counties_expected"] == len(official)
        assert set(c["missing_counties"]) <= set(official)
        assert c["missing_counties"] == [n for n in official if n in c["missing_counties"]]
        assert c["experts_ok"] is (c["experts_recommended"] >= 3)
    cities = {c["city"]: c for c in doc["cities"]}
    assert cities["丽水市"]["demo_team_ok"] is None  # its plan has not arrived
    assert cities["杭州市"]["demo_team_ok"] is True
    assert cities["舟山市"]["demo_team_ok"] is False  # a plan without a demonstration activity
    assert (cities["杭州市"]["experts_recommended"], cities["杭州市"]["experts_ok"]) == (3, True)
    assert cities["杭州市"]["demo_projects_applied"] == 1
    assert cities["宁波市"]["bases_applied"] == 1
    assert (cities["宁波市"]["experts_recommended"], cities["宁波市"]["experts_ok"]) == (0, False)
    assert cities["湖州市"]["counties_reported"] == 0
    assert cities["湖州市"]["missing_counties"] == [x.name for x in REG.counties_of("湖州市")]
    assert cities["温州市"]["missing_counties"] == ["文成县"]


def test_counties_in_reference_order_and_unreported_are_null(run: dict[str, Any]) -> None:
    doc = run["doc"]
    assert [(c["city"], c["county"]) for c in doc["counties"]] == [
        (c.city, c.name) for c in REG.counties
    ]
    for c in doc["counties"]:
        _typed(c, COUNTY, c["county"])
        assert c["reported"] is (c["metrics"] is not None)
        if c["metrics"] is not None:
            _metrics(c["metrics"], c["county"])
        if not c["paired_with"]:
            assert c["joint_ok"] is None, c["county"]
        assert all(isinstance(p, str) for p in c["paired_with"])
    counties = {c["county"]: c for c in doc["counties"]}
    assert counties["文成县"]["metrics"] is None and counties["文成县"]["reported"] is False
    assert counties["景宁畲族自治县"]["reported"] is True  # written 景宁县
    assert "景宁县" not in counties
    assert counties["西湖区"]["joint_ok"] is True  # its joint activity with 淳安县
    assert counties["淳安县"]["activities_ok"] is False  # 2 planned of 4


def test_totals_add_reported_figures_only(run: dict[str, Any]) -> None:
    doc = run["doc"]
    reported = [c for c in doc["counties"] if c["metrics"] is not None]
    assert doc["province"]["counties_reported"] == len(reported)
    for m in METRICS:
        assert doc["province"]["totals"][m] == sum(c["metrics"][m] for c in reported)
    for city in doc["cities"]:
        mine = [c for c in reported if c["city"] == city["city"]]
        assert city["counties_reported"] == len(mine)
        for m in METRICS:
            assert city["totals"][m] == sum(c["metrics"][m] for c in mine), (city["city"], m)
    assert all(v == 0 for v in {c["city"]: c for c in doc["cities"]}["湖州市"]["totals"].values())


def test_submissions_within_the_enumerations(run: dict[str, Any]) -> None:
    doc = run["doc"]
    issues_by_file: dict[str, list[dict[str, Any]]] = {}
    for i in doc["issues"]:
        _typed(i, ISSUE, f"issue {i.get('code')}")
        assert i["severity"] in ("error", "warning")
        assert i["code"] == i["code"].lower() and " " not in i["code"] and "_" not in i["code"]
        issues_by_file.setdefault(i["file"], []).append(i)
    city_names = {c.name for c in REG.cities}
    for s in doc["submissions"]:
        _typed(s, SUBMISSION, s["file"])
        assert s["form"] in FORMS and s["status"] in STATUSES and s["received_from"] in FROM
        assert s["city"] is None or s["city"] in city_names
        if s["status"] in ("rejected", "superseded"):
            assert issues_by_file.get(s["file"]), f"{s['file']} {s['status']} without an issue"
    subs = {s["file"]: s for s in doc["submissions"]}
    assert subs["杭州市/~$上半年_杭州市.xlsx"]["status"] == "ignored"
    assert subs["工作总结.pdf"]["status"] == "rejected"
    assert subs["宁波市/上半年_宁波市.xlsx"]["status"] == "superseded"
    assert subs["宁波市/上半年_宁波市（更正）.xlsx"]["status"] == "accepted"
    assert subs["丽水市/上半年_丽水市.xlsx"]["city"] == "丽水市"
    forms = {s["form"] for s in doc["submissions"] if s["status"] == "accepted"}
    assert forms == {"A1", "A2", "A3", "A4", "A5"}
    a5 = [s for s in doc["submissions"] if s["form"] == "A5" and s["status"] == "accepted"]
    for s in a5:  # received (observed) at the run's clock, 2023-06-12: late
        assert s["received_at"].endswith("+08:00")
        assert s["on_time"] is (s["received_at"][:10] <= "2023-06-10"), s


def test_issue_names_are_official_or_blank(run: dict[str, Any]) -> None:
    cities = {c.name for c in REG.cities}
    counties = {c.name for c in REG.counties}
    for i in run["doc"]["issues"]:
        assert i["city"] in cities | {""}, i
        assert i["county"] in counties | {""}, i


# --- exit codes, --out, auto, --as-of / --now ---------------------------------------------------


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    """An inbox with 宁波市's half-year return only."""
    pv._a5(tmp_path / "inbox", "宁波市", "上半年", pv.h1_value)
    return tmp_path


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_summary_out_as_folder_and_as_file(small: Path) -> None:
    folder = small / "reports"
    folder.mkdir()
    r = _invoke(*summary_args(small / "inbox", small / "state", folder, now=NOW))
    assert r.exit_code == 0, r.output
    assert (folder / "2023H1_专家服务活动成果汇总表.xlsx").is_file()
    target = small / "elsewhere" / "省汇总.xlsx"
    r = _invoke(*summary_args(small / "inbox", small / "state", target, now=NOW))
    assert r.exit_code == 0, r.output
    assert target.is_file()
    fresh = small / "new-folder"  # a folder that does not exist yet
    r = _invoke(*summary_args(small / "inbox", small / "state", fresh, now=NOW))
    assert r.exit_code == 0, r.output
    assert (fresh / "2023H1_专家服务活动成果汇总表.xlsx").is_file()


@pytest.mark.parametrize(
    ("now", "period"),
    [
        ("2023-06-10T23:00", "2023H1"),  # before any deadline has passed: the first period
        ("2023-06-11T00:30", "2023H1"),
        ("2023-12-11T08:00", "2023FY"),
    ],
)
def test_auto_period(small: Path, now: str, period: str) -> None:
    js = small / "s.json"
    r = _invoke(*summary_args(small / "inbox", small / "state", small / "out", period="auto",
                              json_out=js, now=now))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(js.read_text(encoding="utf-8"))["period"] == period


def test_auto_in_any_case(small: Path) -> None:
    """``2023h1`` is read as ``2023H1``; ``AUTO`` (a script's constant in capitals) as ``auto``."""
    for text in ("AUTO", " auto", "2023h1"):
        r = _invoke(*summary_args(small / "inbox", small / "state", small / "out", period=text,
                                  now=NOW))  # fmt: skip
        assert r.exit_code == 0, (text, r.output)


def test_auto_follows_as_of_not_now(small: Path) -> None:
    js = small / "s.json"
    args = summary_args(small / "inbox", small / "state", small / "out", period="auto",
                        json_out=js, now="2023-12-20T08:00", as_of="2023-06-20")  # fmt: skip
    r = _invoke(*args)
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["period"] == "2023H1"


def test_as_of_never_changes_receipts(small: Path) -> None:
    js = small / "s.json"
    first = summary_args(small / "inbox", small / "state", small / "out", json_out=js,
                         now="2023-06-09T10:00")  # fmt: skip
    assert _invoke(*first).exit_code == 0
    seen = json.loads(js.read_text(encoding="utf-8"))["submissions"]
    later = summary_args(small / "inbox", small / "state", small / "out", json_out=js,
                         now="2023-06-30T10:00", as_of="2023-06-09T09:00")  # fmt: skip
    assert _invoke(*later).exit_code == 0
    assert json.loads(js.read_text(encoding="utf-8"))["submissions"] == []  # none by then
    again = summary_args(small / "inbox", small / "state", small / "out", json_out=js,
                         now="2023-06-30T10:00")  # fmt: skip
    assert _invoke(*again).exit_code == 0
    now_seen = json.loads(js.read_text(encoding="utf-8"))["submissions"]
    assert [(s["file"], s["received_at"]) for s in now_seen] == [
        (s["file"], s["received_at"]) for s in seen
    ]
    assert now_seen[0]["on_time"] is True


def test_summary_usage_errors_exit_2(small: Path) -> None:
    inbox, state, out = small / "inbox", small / "state", small / "out"
    cases = [
        summary_args(inbox, state, out, period="2023Q3"),
        summary_args(inbox, state, out, period="2019H1"),
        summary_args(inbox, state, out, now="yesterday"),
        summary_args(inbox, state, out, as_of="2023-13-45"),
        summary_args(small / "no-such-inbox", state, out),
        summary_args(inbox, state, inbox / "report.xlsx"),  # --out inside the inbox
        ["summary", "--no-such-option"],
    ]
    for args in cases:
        r = _invoke(*args)
        assert r.exit_code == 2, (args, r.output)


def test_summary_that_cannot_write_exits_1(small: Path) -> None:
    blocker = small / "a-file"
    blocker.write_text("x")
    r = _invoke(*summary_args(small / "inbox", small / "state", blocker / "r.xlsx", now=NOW))
    assert r.exit_code == 1, r.output


def test_status_and_intake_exit_codes(small: Path) -> None:
    inbox, state = str(small / "inbox"), str(small / "state")
    r = _invoke("intake", "--inbox", inbox, "--state", state, "--now", NOW)
    assert r.exit_code == 0, r.output
    r = _invoke("status", "--period", "2023H1", "--inbox", inbox, "--state", state, "--now", NOW)
    assert r.exit_code == 0, r.output
    r = _invoke("status", "--period", "auto", "--inbox", inbox, "--state", state)
    assert r.exit_code == 0, r.output
    r = _invoke("status", "--period", "2023X", "--inbox", inbox, "--state", state)
    assert r.exit_code == 2, r.output
    r = _invoke("intake", "--inbox", inbox, "--state", state, "--now", "not-a-time")
    assert r.exit_code == 2, r.output


def test_check_exit_codes(small: Path, tmp_path: Path) -> None:
    good = next((small / "inbox").rglob("*.xlsx"))
    assert _invoke("check", str(good)).exit_code == 0
    bad = tmp_path / "坏的.xlsx"
    bad.write_bytes(b"not a workbook")
    assert _invoke("check", str(bad)).exit_code == 1
    assert _invoke("check", str(good), str(bad)).exit_code == 1
    assert _invoke("check", str(tmp_path / "missing.xlsx")).exit_code == 2
    assert _invoke("check").exit_code == 2
    assert _invoke("check", str(good), "--no-such-option").exit_code == 2


def test_templates_exit_0(tmp_path: Path) -> None:
    r = _invoke("templates", "--year", "2023", "--out", str(tmp_path / "t"))
    assert r.exit_code == 0, r.output
    made = sorted(p.suffix for p in (tmp_path / "t").rglob("*") if p.is_file())
    assert made.count(".xlsx") == 22


@pytest.mark.slow
def test_python_dash_m_is_the_same_tool(small: Path) -> None:
    """``python -m aggregator`` answers like the console script (a usage error exits 2)."""
    exe = shutil.which("aggregator", path=str(Path(sys.executable).parent))
    assert exe is not None
    for cmd in ([sys.executable, "-m", "aggregator"], [exe]):
        done = subprocess.run([*cmd, "summary", "--period", "2023Q3", "--inbox",
                               str(small / "inbox"), "--state", str(small / "state")],
                              capture_output=True, timeout=120)  # fmt: skip
        assert done.returncode == 2, done.stderr.decode("utf-8", "replace")
