"""`aggregator demo`: a whole sample province, with its planted problems found."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from aggregator.cli import app


@pytest.mark.slow
def test_demo_runs_and_finds_what_was_planted(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "上半年汇总表" in result.output and "全年汇总表" in result.output
    h1 = json.loads((out / "reports" / "2023H1_summary.json").read_text(encoding="utf-8"))
    codes = {i["code"] for i in h1["issues"]}
    assert {
        "total-mismatch",
        "return-late",
        "superseded",
        "duplicate",
        "file-docx",
        "return-missing",
        "county-former-name",
    } <= codes
    statuses = {s["status"] for s in h1["submissions"]}
    assert statuses == {"accepted", "rejected", "superseded", "duplicate", "ignored"}
    assert h1["province"]["counties_reported"] == 90 - 1 - 9  # 文成县 missing, 丽水市 not returned
    assert any(c["county"] == "椒江区" and c["activities_ok"] is False for c in h1["counties"])
    assert any(c["city"] == "舟山市" and c["demo_team_ok"] is False for c in h1["cities"])
    # the real-return styles of issue 12: measure words and 万, a 山区26县 sub-total, a county's
    # own plan whose hosts name no county
    units = " ".join(i["message"] for i in h1["issues"] if i["code"] == "value-unit")
    assert "“条”" in units and "“万”，已按 12000 读取" in units
    assert not codes & {"subtotal-mismatch", "county-unknown", "period-unknown"}
    own = next(s for s in h1["submissions"] if s["county"] == "淳安县")
    assert own["status"] == "accepted" and own["file"].startswith("杭州市/淳安县/")
    chunan = next(c for c in h1["counties"] if c["county"] == "淳安县")
    assert chunan["planned_activities"] >= 4 and chunan["joint_ok"] is True
    kinds = {p.suffix for p in (out / "inbox").rglob("*") if p.is_file()}
    assert {".xls", ".xlsx", ".docx"} <= kinds
    # Attachments 1–3 from four cities, in Word and Excel
    apps = {c["city"]: c for c in h1["cities"]}
    assert (apps["杭州市"]["experts_recommended"], apps["杭州市"]["experts_ok"]) == (3, True)
    assert apps["杭州市"]["demo_projects_applied"] == 1 and apps["宁波市"]["bases_applied"] == 1
    assert (apps["宁波市"]["experts_recommended"], apps["宁波市"]["experts_ok"]) == (2, False)
    assert apps["丽水市"]["experts_recommended"] == 0
    forms = {(Path(s["file"]).suffix, s["form"]) for s in h1["submissions"]}
    assert {(".docx", "A1"), (".docx", "A2"), (".docx", "A3"), (".xlsx", "A3")} <= forms
    assert {"application-late", "expert-title-below", "experts-below-quota"} <= codes
    fy = json.loads((out / "reports" / "2023FY_summary.json").read_text(encoding="utf-8"))
    assert any(i["code"] == "fy-below-h1" for i in fy["issues"])
    wb = openpyxl.load_workbook(
        out / "reports" / "2023H1_专家服务活动成果汇总表.xlsx", data_only=True
    )
    assert wb["成果汇总"]["C16"].value == h1["province"]["totals"]["teams_completed"]
    listed = [r[2] for r in wb["申报与推荐"].iter_rows(values_only=True)]
    assert "山区茶产业专家服务团" in listed and "宁波现代渔业专家服务基地" in listed
    assert "张立群" in listed and "沈国平" in listed


def test_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "precious.xlsx").write_bytes(b"keep me")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "不清空" in result.output
    assert (tmp_path / "precious.xlsx").read_bytes() == b"keep me"
