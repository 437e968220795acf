"""The registry resolves what people write to the official names."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.problems import DataFileError
from aggregator.rulebook.reference import default_registry, load_registry

REG = default_registry()

SPELLINGS = [
    ("淳安县", "淳安县"),
    ("淳安", "淳安县"),
    ("杭州市淳安县", "淳安县"),
    ("杭州淳安", "淳安县"),
    ("浙江省杭州市淳安县", "淳安县"),
    ("淳 安 县", "淳安县"),
    ("淳\u3000安县", "淳安县"),
    ("淳安\n县", "淳安县"),
    (" 淳安县 ", "淳安县"),
    ("淳安县人力社保局", "淳安县"),
    ("淳安县人力资源和社会保障局", "淳安县"),
    ("景宁畲族自治县", "景宁畲族自治县"),
    ("景宁县", "景宁畲族自治县"),
    ("景宁", "景宁畲族自治县"),
    ("景宁自治县", "景宁畲族自治县"),
    ("景宁畲族县", "景宁畲族自治县"),
    ("丽水市景宁县", "景宁畲族自治县"),
    ("绍兴县", "柯桥区"),
    ("衢县", "衢江区"),
    ("富阳市", "富阳区"),
    ("临安市", "临安区"),
    ("奉化市", "奉化区"),
    ("上虞市", "上虞区"),
    ("洞头县", "洞头区"),
    ("玉环县", "玉环市"),
    ("柯城", "柯城区"),
    ("西湖区", "西湖区"),
    ("江北", "江北区"),
    ("宁波市江北区", "江北区"),
    ("普陀", "普陀区"),
    ("龙港", "龙港市"),
    ("温州市龙港市", "龙港市"),
    ("鹿城区", "鹿城区"),
    ("ｘ".replace("ｘ", "") + "嵊泗县", "嵊泗县"),
    ("余杭区", "余杭区"),
    ("临平区", "临平区"),
]


@pytest.mark.parametrize(("written", "official"), SPELLINGS)
def test_spellings_resolve_to_official_name(written: str, official: str) -> None:
    res = REG.resolve(written)
    assert res.kind == "county", (written, res)
    assert res.county is not None and res.county.name == official


def test_former_names_are_marked_as_such() -> None:
    assert REG.resolve("绍兴县").how == "former"
    assert REG.resolve("淳安").how == "alias"


@pytest.mark.parametrize("written", ["下城区", "下城", "杭州市下城区"])
def test_retired_name_is_a_problem_explaining_2021(written: str) -> None:
    res = REG.resolve(written)
    assert res.kind == "legacy" and res.legacy is not None
    assert "2021" in res.legacy.message and "拱墅区" in res.legacy.message


def test_split_retired_name_names_both_successors() -> None:
    res = REG.resolve("江干区")
    assert res.kind == "legacy" and set(res.candidates) == {"上城区", "钱塘区"}


@pytest.mark.parametrize(
    ("typo", "likely"),
    [
        ("谆安县", "淳安县"),
        ("景宁畲族治县", "景宁畲族自治县"),
        ("萧山县", "萧山区"),
        ("慈溪县", "慈溪市"),
    ],
)
def test_misspelt_name_suggests_the_likely_county(typo: str, likely: str) -> None:
    res = REG.resolve(typo)
    if res.kind == "county":  # suffix-insensitive match is a correct reading too
        assert res.county is not None and res.county.name == likely
    else:
        assert res.kind == "unknown" and res.candidates[0] == likely


def test_unknown_name_outside_zhejiang_is_unknown() -> None:
    res = REG.resolve("朝阳区")
    assert res.kind == "unknown"


def test_totals_and_cities_are_recognised() -> None:
    assert REG.resolve("合计").kind == "total"
    assert REG.resolve("合 计").kind == "total"
    assert REG.resolve("全市合计").kind == "total"
    r = REG.resolve("杭州市")
    assert r.kind == "city" and r.city is not None and r.city.name == "杭州市"
    assert REG.resolve("杭州市本级").city_own


def test_ambiguous_alias_needs_the_city(tmp_path: Path) -> None:
    # In the 2023 data no alias is shared by two counties; build reference data where one is.
    src = Path(__file__).resolve().parents[1] / "workbooks" / "reference"
    for name in ("cities.csv", "legacy-names.csv"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    text = (src / "counties.csv").read_text(encoding="utf-8")
    text = text.replace("宁波市,江北区,330205,区,江北,", "宁波市,江北区,330205,区,江北;新区,")
    text = text.replace("杭州市,钱塘区,330114,区,钱塘,", "杭州市,钱塘区,330114,区,钱塘;新区,")
    (tmp_path / "counties.csv").write_text(text, encoding="utf-8")
    reg = load_registry(tmp_path)
    assert reg.resolve("新区").kind == "ambiguous"
    assert set(reg.resolve("新区").candidates) == {"江北区", "钱塘区"}
    res = reg.resolve("新区", city="杭州市")
    assert res.kind == "county" and res.county is not None and res.county.name == "钱塘区"


def test_counts_and_order_match_the_reference() -> None:
    assert len(REG.cities) == 11 and len(REG.counties) == 90
    assert [c.name for c in REG.counties_of("衢州市")] == [
        "柯城区",
        "衢江区",
        "常山县",
        "开化县",
        "龙游县",
        "江山市",
    ]


def test_mentions_in_host_units() -> None:
    found = REG.mentions("淳安县人力社保局、西湖区科协联合举办")
    assert [c.name for c in found] == ["淳安县", "西湖区"]
    assert REG.mentions("杭州市人力社保局") == []


def test_city_of_free_text() -> None:
    assert REG.city_of("填报市局：温州市人力社保局").name == "温州市"  # type: ignore[union-attr]
    assert REG.city_of("文成县人社局").name == "温州市"  # type: ignore[union-attr]


def test_bad_reference_file_names_file_and_row(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "workbooks" / "reference"
    for name in ("cities.csv", "legacy-names.csv"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    text = (
        (src / "counties.csv").read_text(encoding="utf-8").replace("杭州市,淳安县", "杭洲市,淳安县")
    )
    (tmp_path / "counties.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="counties.csv 第13行.*杭洲市"):
        load_registry(tmp_path)
