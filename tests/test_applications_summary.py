"""Attachments 1–3 through the whole pipeline (CLI): Excel and Word files from three cities in the
inbox, per-city counts and the expert quota in JSON and workbook, timeliness, and no identity or
bank number in full in any output (JSON, workbooks, annotated copies, check --json, terminal)."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from appfiles import docx_forms, xlsx_forms
from conftest import summary_args
from test_applications import BANK, ID, ID2, base, expert, project
from typer.testing import CliRunner

from aggregator.cli import app

PLANTED = "110101199003078515"  # a well-formed identity number (its check character is right)
SECRETS = (PLANTED, ID, ID2, BANK)


def city(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["cities"] if c["city"] == name)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base_dir = tmp_path_factory.mktemp("apps")
    inbox = base_dir / "inbox"
    xlsx_forms(
        inbox / "杭州市" / "杭州市重点联系专家推荐表.xlsx",
        {
            "专家1": expert("张三", "浙江大学", "教授", PLANTED),
            "专家2": expert("李梅", "浙江农林大学", "研究员", ID2),
            "专家3": expert("王五", "杭州市农科院", "工程师", ID),
        },
    )
    docx_forms(inbox / "杭州市" / "杭州市示范团项目申报表.docx", [project("茶产业专家服务团")])
    xlsx_forms(inbox / "宁波市基地申报表.xlsx", {"基地": base("宁波茶叶基地")})
    wz = expert("钱七", "温州医科大学", "主任医师", "", city="温州市")
    docx_forms(inbox / "温州市专家推荐表.docx", [wz, project("瓯柑服务团", "温州市")])
    runner = CliRunner()
    doc, out, res = _summary(runner, base_dir, "2023-03-05T12:00", "march5")
    later = expert("钱七", "温州医科大学", "主任医师（正高）", "", city="温州市")
    docx_forms(inbox / "温州市专家推荐表（更正）.docx", [later])
    doc2, out2, res2 = _summary(runner, base_dir, "2023-03-08T12:00", "march8")
    return {"base": base_dir, "inbox": inbox, "runner": runner, "doc": doc, "out": out,
            "doc2": doc2, "out2": out2, "stdout": res + res2}  # fmt: skip


def _summary(runner: CliRunner, base_dir: Path, now: str, name: str) -> tuple[Any, Path, str]:
    out = base_dir / "reports" / f"{name}.xlsx"
    js = base_dir / f"{name}.json"
    args = summary_args(
        base_dir / "inbox", base_dir / "state", out, "--jobs", "1", json_out=js, now=now
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(js.read_text(encoding="utf-8")), out, result.output


def test_per_city_counts_in_json(apps: dict[str, Any]) -> None:
    doc = apps["doc"]
    hz, nb, wz = city(doc, "杭州市"), city(doc, "宁波市"), city(doc, "温州市")
    assert (hz["experts_recommended"], hz["experts_ok"], hz["demo_projects_applied"]) == (
        3,
        True,
        1,
    )
    assert (nb["bases_applied"], nb["experts_recommended"], nb["experts_ok"]) == (1, 0, False)
    assert (wz["experts_recommended"], wz["demo_projects_applied"]) == (1, 1)
    assert city(doc, "丽水市")["experts_recommended"] == 0
    subs = {s["file"]: s for s in doc["submissions"]}
    assert subs["杭州市/杭州市重点联系专家推荐表.xlsx"]["form"] == "A3"
    assert subs["杭州市/杭州市示范团项目申报表.docx"]["form"] == "A1"
    assert subs["宁波市基地申报表.xlsx"]["form"] == "A2"
    assert subs["宁波市基地申报表.xlsx"]["city"] == "宁波市"
    assert all(s["status"] == "accepted" and s["on_time"] for s in subs.values())
    codes = {(i["code"], i["city"]) for i in doc["issues"]}
    assert ("experts-below-quota", "温州市") in codes
    assert ("experts-below-quota", "杭州市") not in codes
    title = [i for i in doc["issues"] if i["code"] == "expert-title-below"]
    assert len(title) == 1 and "王五" in title[0]["message"] and "工程师" in title[0]["message"]
    assert any(i["code"] == "application-id-checksum" for i in doc["issues"])


def test_later_form_replaces_and_lateness(apps: dict[str, Any]) -> None:
    doc = apps["doc2"]
    assert city(doc, "温州市")["experts_recommended"] == 1  # the same expert, replaced
    late = {s["file"]: s for s in doc["submissions"]}["温州市专家推荐表（更正）.docx"]
    assert (late["form"], late["on_time"], late["late_days"]) == ("A3", False, 2)
    assert any(i["code"] == "application-late" and i["city"] == "温州市" for i in doc["issues"])
    assert city(doc, "杭州市")["experts_recommended"] == 3


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_workbook_sheet_and_quota(apps: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(apps["out2"])
    ws = wb["申报与推荐"]
    rows = _rows(ws)
    counts = [r for r in rows if r[1] in ("杭州市", "宁波市") and isinstance(r[2], int)]
    assert counts[0][:7] == [1, "杭州市", 1, 0, 3, "达标", "按时"]
    assert counts[1][:6] == [2, "宁波市", 0, 1, 0, "未达标"]
    experts = [r for r in rows if r[2] in ("张三", "李梅", "王五", "钱七")]
    assert [(r[1], r[2], r[3]) for r in experts] == [
        ("杭州市", "张三", "浙江大学"), ("杭州市", "李梅", "浙江农林大学"),
        ("杭州市", "王五", "杭州市农科院"), ("温州市", "钱七", "温州医科大学"),
    ]  # fmt: skip
    assert experts[2][4] == "工程师" and experts[2][6] == "否（请核实）"
    assert experts[3][4] == "主任医师（正高）"  # the correction's title
    assert any(r[2] == "茶产业专家服务团" for r in rows)
    assert any(r[2] == "宁波茶叶基地" and r[3] == "宁波农科院" for r in rows)
    assert ws.print_title_rows == "$1:$2" and ws.page_setup.orientation == "landscape"
    quota = _rows(wb["配额达标"])
    expert_rows = [r for r in quota if r[2] and str(r[2]).startswith("推荐基层重点联系专家")]
    by_city = {r[0]: r for r in expert_rows}
    assert by_city["杭州市"][3:6] == [3, 3, "达标"]
    assert by_city["温州市"][3:7] == [3, 1, "未达标", 2]
    before = _rows(openpyxl.load_workbook(apps["out"])["配额达标"])  # 3月5日: not yet due
    early = {r[0]: r for r in before if str(r[2]).startswith("推荐基层重点联系专家")}
    assert early["宁波市"][4:6] == [0, "无法核验"] and "截止日未到" in early["宁波市"][7]
    assert early["杭州市"][5] == "达标"


def test_store_is_owner_only(apps: dict[str, Any]) -> None:
    state = apps["base"] / "state"
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(state) == 0o700 and mode(state / "blobs") == 0o700
    assert mode(state / "ledger.sqlite") == 0o600
    blobs = [p for p in (state / "blobs").rglob("*") if p.is_file()]
    assert blobs and all(mode(p) == 0o600 for p in blobs)
    assert all(mode(p) == 0o700 for p in (state / "blobs").rglob("*") if p.is_dir())


def _texts(path: Path) -> str:
    """A file's text; an .xlsx/.docx unzipped, every member read."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_text(encoding="utf-8", errors="replace")


def test_no_output_shows_a_personal_number(apps: dict[str, Any], tmp_path: Path) -> None:
    runner: CliRunner = apps["runner"]
    files = sorted(p for p in apps["inbox"].rglob("*") if p.is_file())
    checked = runner.invoke(app, ["check", "--json", *map(str, files)])
    annotated = runner.invoke(app, ["check", "--annotate", str(tmp_path / "ann"), *map(str, files)])
    status = runner.invoke(
        app,
        ["status", "--period", "2023H1", "--inbox", str(apps["inbox"]),
         "--state", str(apps["base"] / "state"), "--now", "2023-03-09T12:00"],
    )  # fmt: skip
    assert status.exit_code == 0, status.output
    reports = [p for p in (apps["base"] / "reports").rglob("*") if p.is_file()]  # 反馈 too
    written = [*(tmp_path / "ann").iterdir(), *reports]
    written += list(apps["base"].glob("*.json"))
    assert {p.suffix for p in written} >= {".xlsx", ".docx", ".json"}
    for p in written:  # every workbook and document written opens
        if p.suffix == ".xlsx":
            assert openpyxl.load_workbook(p).sheetnames
        elif p.suffix == ".docx":
            assert docx.Document(str(p)).paragraphs
    outputs = [checked.output, annotated.output, status.output, apps["stdout"]]
    outputs += [_texts(p) for p in written]
    for text in outputs:
        for secret in SECRETS:
            assert secret not in text
    shown = annotated.output.replace("\n", "")
    assert "附件3 专家服务基层重点联系专家推荐表" in shown and "附件2" in shown
    check = json.loads(checked.output)
    hz = next(r for r in check if r["file"].endswith("杭州市重点联系专家推荐表.xlsx"))
    numbers = [a["id_number"]["masked"] for a in hz["applications"]]
    assert numbers[0] == "*" * 14 + PLANTED[-4:]
    ann = tmp_path / "ann" / "杭州市重点联系专家推荐表_问题标注.xlsx"
    assert "*" * 14 + PLANTED[-4:] in _texts(ann) and "*" * 15 + BANK[-4:] in _texts(ann)
    word = tmp_path / "ann" / "温州市专家推荐表_问题标注.docx"  # 钱七's form: no identity number
    assert "*" * 15 + BANK[-4:] in _texts(word)  # his bank account, masked in the Word copy


def test_check_names_what_is_wrong_in_a_form(tmp_path: Path, runner: CliRunner) -> None:
    who = expert("赵八", "某研究所", "教授", city="")
    who[4][3] = float(PLANTED)  # typed into Excel as a number: the last digits are lost
    proj = [r for r in project("山区服务团") if r[0] != "活动地点"]  # a mandatory row taken out
    proj[5][3] = "若干"  # 服务次数
    proj.insert(2, ["填报日期", "三月初"])
    files = [
        xlsx_forms(tmp_path / "专家推荐.xlsx", {"专家": who}),
        docx_forms(tmp_path / "杭州市项目.docx", [proj]),
    ]
    result = runner.invoke(app, ["check", "--json", *map(str, files)])
    assert result.exit_code == 1, result.output
    by_file = {Path(r["file"]).name: r for r in json.loads(result.output)}
    expert_file, proj_file = by_file["专家推荐.xlsx"], by_file["杭州市项目.docx"]
    codes = {i["code"] for i in expert_file["issues"]}
    assert {"application-city-unknown", "application-number-as-number", "city-unknown"} <= codes
    assert expert_file["rejected"] and expert_file["form"] == "A3"
    issues = {i["code"]: i for i in proj_file["issues"]}
    assert not proj_file["rejected"] and proj_file["form"] == "A1"
    assert "活动地点" in issues["application-field-missing"]["message"]
    assert "若干" in issues["application-not-a-number"]["message"]
    assert issues["application-not-a-number"]["cell"].startswith("表1 第")
    assert "三月初" in issues["application-not-a-date"]["message"]
    assert PLANTED not in result.output


def test_terminal_digest_names_the_expert_quota(apps: dict[str, Any]) -> None:
    assert "推荐专家 10 个市" in apps["stdout"].replace("\n", "")  # only 杭州 sent three
