"""Form schemas are one definition, validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest
from content import METRICS

from aggregator.problems import DataFileError
from aggregator.rulebook.schema import default_schemas, load_schemas, metric_keys

SCHEMA = Path(__file__).resolve().parents[1] / "workbooks" / "schemas" / "forms.toml"


def test_metric_keys_are_the_public_vocabulary_in_form_order() -> None:
    assert metric_keys() == METRICS  # the spec's eleven keys, in form order (content.py)


def test_required_columns() -> None:
    s = default_schemas()
    assert {c.key for c in s["A4"].columns if c.required} == {
        "activity_name",
        "planned_date",
        "hosts",
    }
    assert s["A5"].column("area").required


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('type = "count"', 'type = "number"', "类型“number”未知"),
        ('key = "content"', 'key = "activity_name"', "key 重复"),
        ("[A5]", "[A6]", "表单 A5 缺少“name”"),
    ],
)
def test_schema_mistakes_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "forms.toml"
    path.write_text(SCHEMA.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_schemas(path)
