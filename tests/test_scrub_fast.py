"""``privacy.scrub``'s fast path (too short to hold a candidate, no candidate found, remembered
answers) gives exactly what the full masking gives, on random and adversarial strings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.privacy import _CANDIDATE, _mask_match, scrub, scrub_obj
from aggregator.vocab import Status


def full(text: str) -> str:
    """The masking with no shortcut: every candidate through ``_mask_match``."""
    return _CANDIDATE.sub(_mask_match, text) if text else text


# digits (ASCII, full-width, Arabic-Indic), separators, X in both widths, letters around
_PIECES = st.sampled_from(list("0123456789０１２３４５６７８９٠١٢٣ -\u3000XxＸｘAa市县：\n"))
_ADVERSARIAL = [
    "330102199001011234",
    "33010219900101123X",
    "33010219900101123x",
    "３３０１０２１９９００１０１１２３Ｘ",
    "330102 19900101 123X",
    "6222-0210-0101-2345-678",
    "6222 0210 0101 2345 678",
    "0571-87654321",
    "057187654321",
    "123456789012",
    "12345678901",
    "1234567890",
    "a330102199001011234",
    "330102199001011234b",
    "证件号码：330102199001011234。",
    "银行卡 6222021001012345678 尾号",
    "１２３４５６７８９０１",
    "\u3000123456789012345\u3000",
    "1-2-3-4-5-6-7-8-9-0-1-2-3-4-5",
    "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_fast_path_equals_full_scrub_on_digit_soup(text: str) -> None:
    assert scrub(text) == full(text)
    assert scrub(text) == full(text)  # the remembered answer too


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_fast_path_equals_full_scrub_on_any_text(text: str) -> None:
    assert scrub(text) == full(text)


def test_fast_path_equals_full_scrub_on_adversarial_strings() -> None:
    for s in _ADVERSARIAL:
        for text in (s, f"前{s}后", f"{s}\n{s}", s[:-1], s[1:]):
            assert scrub(text) == full(text), text
            assert scrub(text) == full(text), text


def test_planted_numbers_are_masked_every_time() -> None:
    text = "身份证 330102199001011234，卡号 6222021001012345678"
    for _ in range(3):
        shown = scrub(text)
        assert "330102199001011234" not in shown and "6222021001012345678" not in shown
        assert shown.endswith("5678")


def test_scrub_obj_keeps_enums_and_masks_nested_strings() -> None:
    doc = {"status": Status.ACCEPTED, "rows": [("330102199001011234", 3)], "n": None}
    out = scrub_obj(doc)
    assert out["status"] is Status.ACCEPTED
    assert out["rows"] == [["**************1234", 3]]
    assert out["n"] is None


def test_json_entries_are_what_asdict_gives() -> None:
    """``Problem.to_json`` and ``CountyFacts.to_json`` (written out for speed) match ``asdict``."""
    from dataclasses import asdict

    from aggregator.judge.merge import CountyFacts
    from aggregator.problems import Problem

    p = Problem("error", "x", "msg", "f.xlsx", "S", "B3", "杭州市", "西湖区", {"a": [1]})
    d = asdict(p)
    d.pop("extra")
    assert p.to_json() == d and list(p.to_json()) == [
        "severity", "code", "file", "sheet", "cell", "city", "county", "message"
    ]  # fmt: skip
    q = Problem("error", "x", "msg", cell="B3", extra={"a": [1]})
    assert q.located(file="g", cell="C4") == Problem("error", "x", "msg", "g", cell="B3")
    assert q.located(file="g").extra == {"a": [1]}
    assert q.located(file="g").extra is not q.extra
    assert q.located(cell="C4") is q
    for metrics in ({"a": 1, "b": None}, None):
        c = CountyFacts("杭州市", "西湖区", True, metrics, 3, None, ["余杭区"], 1, True, False,
                        [], True, "f.xlsx", "备注")  # fmt: skip
        want = asdict(c)
        want.pop("file")
        got = c.to_json()
        assert got == want and list(got) == list(want)
        assert got["paired_with"] is not c.paired_with
