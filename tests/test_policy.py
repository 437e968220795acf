"""The yearly policy loads, and every kind of mistake in it is named with file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aggregator.period import Period
from aggregator.problems import DataFileError
from aggregator.rulebook.policy import load_policy

POLICY_DIR = Path(__file__).resolve().parents[1] / "workbooks" / "policy"


def test_2023_policy_facts() -> None:
    p = load_policy(POLICY_DIR / "2023.toml")
    assert p.year == 2023
    assert str(p.deadlines["plan"]) == "2023-03-13"
    assert str(p.deadlines["H1"]) == "2023-06-10" and str(p.deadlines["FY"]) == "2023-12-10"
    assert p.county_min_activities == 4
    assert p.coastal_min_joint_activities == 1 and p.city_min_demo_team_activities == 1
    assert len(p.mountain) == 26 and "景宁畲族自治县" in p.mountain
    assert p.partners("淳安县") == ["西湖区"] and p.partners("西湖区") == ["淳安县"]
    assert p.partners("永嘉县") == []  # no pairing found: not checkable
    assert "开化县" not in {x.mountain for x in p.pairings}  # its partner is a functional zone
    assert all(x.confidence in ("high", "medium-high", "medium") for x in p.pairings)


def _copy(tmp_path: Path) -> Path:
    for f in POLICY_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "2023.toml"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("plan = 2023-03-13", "plan = 2023-13-45", "2023.toml"),
        ("plan = 2023-03-13", 'plan = "三月十三日"', "deadlines.plan.*不是有效日期"),
        ("plan = 2023-03-13", "plan = 2022-03-13", "deadlines.plan.*不在 2023 年"),
        ("FY = 2023-12-10\n", "", "缺少“deadlines.FY”"),
        ("county_min_activities = 4", "county_min_activities = -4", "quotas.county_min_activities"),
        (
            "county_min_activities = 4",
            'county_min_activities = "四"',
            "quotas.county_min_activities",
        ),
        ('"淳安县", "永嘉县"', '"淳安县", "永加县"', "永加县.*不是参考数据中的县"),
        ('"淳安县", "永嘉县"', '"淳安县", "淳安县"', "重复"),
        ('pairings = "pairings-2023.csv"', 'pairings = "missing.csv"', "找不到结对文件"),
        ("read_timeout_seconds = 20", "read_timeout = 20", "limits 中有未知项"),
        ("[quotas]", "[quotas", "格式错误"),
    ],
)
def test_policy_mistakes_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_policy(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("淳安县,西湖县,yes,high,2023,src,", "结对方“西湖县”不是县级行政区"),
        ("淳按县,西湖区,yes,high,2023,src,", "第\\d+行：未知的县（市、区）“淳按县”"),
        ("西湖区,淳安县,yes,high,2023,src,", "“西湖区”不在本年度山区县名单中"),
        ("淳安县,西湖区,maybe,high,2023,src,", "use 应为 yes 或 no"),
    ],
)
def test_pairing_file_mistakes_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = _copy(tmp_path)
    pairings = tmp_path / "pairings-2023.csv"
    pairings.write_text(pairings.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_policy(path)


def test_analyst_can_add_a_pairing_without_code(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    pairings = tmp_path / "pairings-2023.csv"
    pairings.write_text(
        pairings.read_text(encoding="utf-8") + "永嘉县,鹿城区,yes,high,2023-05,省发改委通知,\n",
        encoding="utf-8",
    )
    assert load_policy(path).partners("永嘉县") == ["鹿城区"]


def test_deadline_day_counts_to_its_end_china_time() -> None:
    p = load_policy(POLICY_DIR / "2023.toml")
    end = p.deadline_end(Period.parse("2023H1"))
    assert end.isoformat() == "2023-06-11T00:00:00+08:00"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "[max_figures]\ndefault = 1000000\nteams_complted = 5\n",
            "max_figures 中的“teams_complted”",
        ),
        ("[max_figures]\ndefault = 1000000\nexpert_visits = 0\n", "max_figures.expert_visits"),
        ("[max_figures]\ndefault = -5\n", "max_figures.default"),
        ("[max_figures]\ndefault = 1000000\nremarks = 10\n", "max_figures 中的“remarks”"),
    ],
)
def test_max_figures_keys_and_bounds_are_checked_on_load(
    tmp_path: Path, section: str, message: str
) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "[max_figures]\ndefault = 1000000\n" in text
    path.write_text(text.replace("[max_figures]\ndefault = 1000000\n", section), encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as got:
        load_policy(path)
    assert "2023.toml" in str(got.value)


def test_max_figures_for_a_real_metric_is_taken(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("default = 1000000\n", "default = 1000000\nteams_completed = 500\n"),
        encoding="utf-8",
    )
    p = load_policy(path)
    assert p.figure_bound("teams_completed") == 500 and p.figure_bound("expert_visits") == 1000000
