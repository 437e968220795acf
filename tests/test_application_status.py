"""Attachments 1–3 in ``status`` and the summary's 报送情况 / 催报名单: per city what came, on time,
late or not yet; after 3月6日 a city with no A3 or fewer than 3 experts is chased, with its
contact as for the other forms; the A4/A5 rows stay as they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from appfiles import docx_forms, xlsx_forms
from conftest import summary_args
from rich.console import Console
from test_applications import ID2, base, expert, project
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.demo.samples import A4Sample, write_a4

A3_LABEL = "附件3 专家服务基层重点联系专家推荐表"
PLAN_TITLE = "2023年“智聚山海·助力共富”专家服务工程活动计划表"


def _plan(path: Path) -> None:
    row = {"county": "鹿城区", "activity_name": "义诊", "content": "医疗", "hosts": "鹿城区人社局",
           "planned_date": "2023年5月", "experts_invited": 3, "contact_person": "",
           "contact_phone": "", "demo_team_activity": "否"}  # fmt: skip
    sample = A4Sample("温州市人力社保局", PLAN_TITLE, [row], contact="李静 13800000001")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_a4(path, sample, "xlsxwriter")


def _status(runner: CliRunner, base_dir: Path, now: str) -> str:
    args = ["status", "--period", "2023H1", "--inbox", str(base_dir / "inbox"),
            "--state", str(base_dir / "state"), "--now", now, "--jobs", "1"]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:  # a wide terminal: whole cells on one line
        mp.setattr("aggregator.cli.console", Console(width=200))
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base_dir = tmp_path_factory.mktemp("appstatus")
    inbox = base_dir / "inbox"
    experts = {
        f"专家{i}": expert(n, "浙江大学", "教授", num)
        for i, (n, num) in enumerate((("张三", ""), ("李梅", ID2), ("王五", "")), start=1)
    }
    xlsx_forms(inbox / "杭州市" / "杭州市专家推荐表.xlsx", experts)
    docx_forms(inbox / "杭州市" / "杭州市示范团项目.docx", [project("茶产业专家服务团")])
    xlsx_forms(inbox / "宁波市基地申报表.xlsx", {"基地": base("宁波茶叶基地")})
    _plan(inbox / "温州市" / "附件4_温州市.xlsx")
    docx_forms(inbox / "温州市专家1.docx", [expert("钱七", "温州医大", "主任医师", "", "温州市")])
    runner = CliRunner()
    before = _status(runner, base_dir, "2023-03-05T12:00")
    docx_forms(inbox / "温州市专家2.docx", [expert("孙八", "温州大学", "教授", "", "温州市")])
    out, js = base_dir / "reports" / "march8.xlsx", base_dir / "march8.json"
    args = summary_args(inbox, base_dir / "state", out, "--jobs", "1", json_out=js,
                        now="2023-03-08T12:00")  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    after = _status(runner, base_dir, "2023-03-08T12:00")
    doc = json.loads(js.read_text(encoding="utf-8"))
    return {"before": before, "after": after, "out": out, "doc": doc}


def _line(output: str, city: str, table_marker: str) -> str:
    """The line of ``city`` in the table printed after ``table_marker``."""
    part = output[output.index(table_marker) :]
    return next(line for line in part.splitlines() if city in line)


def test_status_before_the_deadline_shows_what_came_and_chases_no_one_for_it(
    staged: dict[str, Any],
) -> None:
    out = staged["before"]
    assert "附件1–3 申报与推荐报送情况" in out and "截止日未到" in out
    hz = _line(out, "杭州市", "附件1–3 申报与推荐")
    assert "3/3" in hz and "按时" in hz and "李四" in hz  # the A1 form's contact
    assert "未报送" in _line(out, "丽水市", "附件1–3 申报与推荐")
    assert "附件3" not in out[out.index("催报名单") :]


def test_status_after_the_deadline_chases_short_cities_with_their_contact(
    staged: dict[str, Any],
) -> None:
    out = staged["after"]
    assert "已过截止日" in out
    wz = _line(out, "温州市", "附件1–3 申报与推荐")
    assert "2/3 不足" in wz and "部分逾期（最多 2 天）" in wz
    chase = out[out.index("催报名单") :]
    lines = [line for line in chase.splitlines() if "附件3" in line]
    nb = next(line for line in lines if "宁波市" in line)
    assert "未报送" in nb and "王五" in nb  # the A2 cover's contact
    wz_chase = next(line for line in lines if "温州市" in line)
    assert "尚差 1 名" in wz_chase and "李静" in wz_chase  # the plan's contact
    assert not any("杭州市" in line for line in lines)
    assert any("丽水市" in line for line in lines)
    # the A4/A5 rows of the first table are as before: no application in them
    first = out[: out.index("附件1–3 申报与推荐")]
    assert "附件3" not in first and "附件1 " not in first


def test_summary_workbook_rows_and_chase(staged: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(staged["out"])
    rows = [list(r) for r in wb["报送情况"].iter_rows(values_only=True)]
    start = next(
        i for i, r in enumerate(rows) if str(r[0]).startswith("附件1–3 申报与推荐报送情况")
    )
    a45 = rows[3:start]  # the A4/A5 rows, as before: two per city, no application in them
    assert len([r for r in a45 if r[0]]) == 22
    assert all(str(r[1]).startswith(("附件4", "附件5")) for r in a45 if r[0])
    assert rows[start + 1][:3] == ["设区市", "申报与推荐", "截止日期"]
    block = {r[0]: r for r in rows[start + 2 : start + 13]}
    assert len(block) == 11
    hz = block["杭州市"]
    assert hz[1] == "项目 1，基地 0\n专家 3/3 名"
    assert (hz[2].date().isoformat(), hz[5], hz[7]) == ("2023-03-06", "按时", "李四")
    assert "杭州市专家推荐表.xlsx" in hz[6] and "杭州市示范团项目.docx" in hz[6]
    assert block["温州市"][1].endswith("名（不足）") and block["温州市"][5].startswith("部分逾期")
    assert block["丽水市"][5] == "未报送" and block["丽水市"][3] == "—"
    chase = rows[rows.index(next(r for r in rows if r[0] == "催报名单")) :]
    nb = next(r for r in chase if r[0] == "宁波市" and "附件3" in str(r[1]))
    assert A3_LABEL in nb[1] and nb[6].date().isoformat() == "2023-03-06" and nb[7] == "王五"
    wz = [r[1] for r in chase if r[0] == "温州市"]
    assert wz[-1].startswith(A3_LABEL) and "已推荐 2 名" in wz[-1]  # after its A5 row
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert "申报与推荐（附件1–3）：2023-03-06" in about["截止日期"]


def test_json_says_who_has_not_sent_any_application(staged: dict[str, Any]) -> None:
    issues = staged["doc"]["issues"]
    missing = {i["city"] for i in issues if i["code"] == "applications-missing"}
    assert "丽水市" in missing and not missing & {"杭州市", "宁波市", "温州市"}
    ls = next(i for i in issues if i["code"] == "applications-missing" and i["city"] == "丽水市")
    assert A3_LABEL in ls["message"] and "2023-03-06" in ls["message"]
    wz = next(c for c in staged["doc"]["cities"] if c["city"] == "温州市")
    assert (wz["experts_recommended"], wz["experts_ok"], wz["applications_on_time"]) == (
        2,
        False,
        False,
    )
