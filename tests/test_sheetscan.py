"""The worksheet scan (extent and formula cells) gives what the original per-cell searches gave,
on usual parts, odd ones and randomly damaged ones."""

from __future__ import annotations

import random
import re

from aggregator.cells import col_number
from aggregator.read import sheetscan
from aggregator.read.xlsxparts import unescape_xml

# The scan as first written: two searches per formula cell, a list of every row claimed.
_REFS = re.compile(rb"<(?:\w+:)?(row|c)\b[^>]*?\br=\"([A-Z]{0,3})(\d+)\"")
_FCELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*?>(.*?)</(?:\w+:)?v>", re.S)
_R = re.compile(rb"\br=\"([A-Z]{1,3}\d+)\"")


def _old_extent(data: bytes) -> tuple[int, int]:
    refs = _REFS.findall(data)
    claimed = [r for tag, x, r in refs if (tag == b"c") == (x != b"")]
    letters = {x for tag, x, _ in refs if x and tag == b"c"}
    return max(map(int, claimed), default=0), max(map(col_number, letters), default=0)


def _old_formulas(data: bytes) -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []
    for attrs, body in _FCELL.findall(data):
        if not body or b"f" not in body:
            continue
        fm = _F.search(body)
        m = _R.search(attrs)
        if not fm or not m:
            continue
        vm = _V.search(body)
        text = unescape_xml((fm.group(1) or b"").decode("utf-8", "replace"))
        out.append((m.group(1).decode(), text, bool(vm and vm.group(1).strip())))
    return out


_BODIES = [
    b"<f>SUM(C4:C4)</f><v>33</v>",
    b"<f>A1&amp;B1</f><v></v>",
    b"<f>A1</f><v> </v>",
    b"<f>A1</f>",
    b'<f t="shared" si="0"/><v>2</v>',
    b"<v>2</v><f>B2</f>",
    b"<x:f>C3*2</x:f><x:v>6</x:v>",
    b"<f>A1</f><v>1</v><v>2</v>",
    b"<f>A1<f>B1</f></f><v>1</v>",
    b"<v>7</v>",
    b"<is><t>f</t></is>",
    b"<f>1</f><v>3</v>extra",
    b"",
]


def _sheet(rng: random.Random) -> bytes:
    rows = []
    for r in range(1, rng.randint(1, 12)):
        cells = []
        for c in range(rng.randint(0, 6)):
            ref = f"{'ABCDEFGHIJ'[c]}{r if rng.random() < 0.9 else rng.randint(1, 99999)}"
            body = rng.choice(_BODIES)
            tag = rng.choice(["c", "c", "c", "x:c"])
            attrs = f' r="{ref}"' + rng.choice(["", ' s="1"', ' t="str"', ' r="Z9"'])
            cells.append(
                f"<{tag}{attrs}/>".encode()
                if not body
                else f"<{tag}{attrs}>".encode() + body + f"</{tag}>".encode()
            )
        rows.append(f'<row r="{r:0{rng.randint(1, 3)}d}">'.encode() + b"".join(cells) + b"</row>")
    return b"<worksheet><sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


def _damaged(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(0, 4)):
        at = rng.randrange(len(out) + 1)
        out[at:at] = rng.choice([b"<", b">", b"/", b'"', b"<f>", b"</c>", b"</v>", b"x"])
    return bytes(out)


def test_usual_odd_and_damaged_parts_scan_as_before() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        data = _damaged(_sheet(rng), rng)
        new, old = sheetscan.extent(data), _old_extent(data)
        if all(r for _, _, r in sheetscan._REFS.findall(data)):
            assert new == old
        else:  # a row or cell without r: placed after the one before, never less than claimed
            assert new[0] >= old[0] and new[1] >= old[1]
        assert sheetscan.formulas(data) == _old_formulas(data)
