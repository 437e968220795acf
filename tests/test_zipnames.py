"""The zip directory read from bytes at hand lists exactly what zipfile lists, or steps aside."""

from __future__ import annotations

import io
import random
import zipfile

from aggregator.store.containers import ZIP_ERRORS
from aggregator.zipdir import plain_names


def _zip(names: list[str], comment: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, n in enumerate(names):
            zf.writestr(n, f"content {i}".encode() * 50)
        zf.comment = comment
    return buf.getvalue()


def _zipfile_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()
    except ZIP_ERRORS:
        return None


def test_plain_zips_list_what_zipfile_lists() -> None:
    workbook = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/s1.xml"]
    for names in (workbook, ["宁波市/上半年.xlsx", "a.xlsx"], ["a\\b.xlsx", "c"]):
        data = _zip(names)
        assert plain_names(data) == _zipfile_names(data) == names


def test_unusual_zips_are_left_to_zipfile() -> None:
    data = _zip(["a.xlsx"])
    assert plain_names(_zip(["a.xlsx"], comment=b"hello")) is None
    assert plain_names(b"MZ prepended " + data) is None
    assert plain_names(data[:-1]) is None
    assert plain_names(data[: len(data) // 2]) is None
    assert plain_names(b"PK\x05\x06" + b"\0" * 18) is None  # an empty zip


def test_damaged_directories_never_disagree_with_zipfile() -> None:
    rng = random.Random(7)
    base = _zip(["[Content_Types].xml", "xl/workbook.xml", "县/报表.xlsx"])
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 3)):  # the central directory and end record
            data[rng.randrange(len(data) - 200, len(data))] = rng.randrange(256)
        names = plain_names(bytes(data))
        if names is not None:
            assert names == _zipfile_names(bytes(data))
