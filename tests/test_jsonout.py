"""The summary JSON writer gives exactly ``json.dumps(scrub_obj(doc), ensure_ascii=False,
indent=2)``, on random JSON-like values and on the awkward ones (enums, tuples, non-string keys,
NaN, personal numbers)."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.privacy import scrub_obj
from aggregator.vocab import Status
from aggregator.write.jsonout import scrubbed_json


def reference(doc: Any) -> str:
    return json.dumps(scrub_obj(doc), ensure_ascii=False, indent=2)


_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(["330102199001011234", "卡号 6222 0210 0101 2345 678", '"\\\n\t\x00'])
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_same_text_as_the_standard_library(doc: Any) -> None:
    assert scrubbed_json(doc) == reference(doc)


class Level(enum.IntEnum):
    LOW = 1


def test_awkward_values_fall_back_or_match() -> None:
    docs: list[Any] = [
        {"status": Status.ACCEPTED, "level": Level.LOW, "t": (1, 2.5, "x")},
        {1: "int key", None: "none key"},
        {"nan": math.nan, "inf": math.inf},
        {"id": "330102199001011234", "nested": [{"card": "6222021001012345678"}]},
        [],
        {},
        {"a": [], "b": {}},
    ]
    for doc in docs:
        assert scrubbed_json(doc) == reference(doc)
    assert "330102199001011234" not in scrubbed_json(docs[3])
