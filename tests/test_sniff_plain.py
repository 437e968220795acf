"""The safety pass on a plain zip's bytes, read without zipfile, gives zipfile's verdict: on
workbooks, damaged copies of them (bad CRCs, cut streams, lying sizes, encrypted flags), zip
bombs, and the corpus of odd spreadsheets."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import CORPUS

from aggregator.read import sniff as sniffing
from aggregator.read.sniff import Sniff, sniff_zip
from aggregator.rulebook.policy import Limits
from aggregator.zipdir import plain_entries

LIMITS = Limits()


def _workbook(rows: int = 6, formulas: bool = True) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("表1")
    for r in range(rows):
        ws.write_row(r, 0, ["县", r, r * 2])
        if formulas:
            ws.write_formula(r, 3, f"=B{r + 1}+C{r + 1}", None, r * 3)
    wb.add_worksheet("空")
    wb.close()
    return buf.getvalue()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _outcome(data: bytes, limits: Limits, plain: bool) -> object:
    """The verdict (every field of the Sniff), or the exception type raised."""
    try:
        got = sniff_zip(data, limits) if plain else sniffing.sniff_zip(data, limits)
    except Exception as e:  # the same exception, if any, is the same verdict
        return type(e)
    assert isinstance(got, Sniff)
    return (got.kind, got.problem, got.message, got.formulas, got.sheet_paths, got.has_macros)


def _both(data: bytes, limits: Limits = LIMITS) -> tuple[object, object]:
    """The verdict with the plain path allowed, and with zipfile forced."""
    plain = _outcome(data, limits, True)
    saved = sniffing._sniff_plain
    sniffing._sniff_plain = lambda data, limits: None
    try:
        forced = _outcome(data, limits, False)
    finally:
        sniffing._sniff_plain = saved
    return plain, forced


def _fast(data: bytes, limits: Limits = LIMITS) -> bool:
    return sniffing._sniff_plain(data, limits) is not None


def test_a_plain_workbook_takes_the_plain_path_to_the_same_verdict() -> None:
    for data in (_workbook(), _workbook(formulas=False), _workbook(rows=40)):
        assert _fast(data)
        plain, forced = _both(data)
        assert plain == forced
    too_long = _workbook(rows=30)
    assert _fast(too_long, Limits(max_sheet_rows=20))
    plain, forced = _both(too_long, Limits(max_sheet_rows=20))
    assert plain == forced
    assert plain[1] == "sheet-too-large"  # type: ignore[index]


def test_stored_members_and_other_kinds() -> None:
    book = zipfile.ZipFile(io.BytesIO(_workbook()))
    members = {i.filename: book.read(i) for i in book.infolist()}
    for data in (
        _zip(members, zipfile.ZIP_STORED),
        _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"x"}),
        _zip({"ppt/presentation.xml": b"<p/>"}),
        _zip({"a.txt": b"hello"}),  # needs [Content_Types].xml: zipfile decides
        _zip({**members, "xl/vbaProject.bin": b"\0" * 10}),
        _zip({"mimetype": b"application/vnd.oasis", "content.xml": b"<office/>"}),
    ):
        plain, forced = _both(data)
        assert plain == forced


def _crc_offsets(data: bytes) -> list[int]:
    """Where each entry's CRC sits in the central directory."""
    end = struct.unpack_from("<L", data, len(data) - 6)[0]
    out, pos = [], end
    while data[pos : pos + 4] == b"PK\x01\x02":
        out.append(pos + 16)
        n, x, c = struct.unpack_from("<3H", data, pos + 28)
        pos += 46 + n + x + c
    return out


def test_bad_crcs_are_caught_as_zipfile_catches_them() -> None:
    data = _workbook()
    for at in _crc_offsets(data):
        bad = bytearray(data)
        bad[at] ^= 0x55
        plain, forced = _both(bytes(bad))
        assert plain == forced
    sheet = next(e for e in plain_entries(data) or [] if e.name.endswith("sheet1.xml"))
    bad = bytearray(data)
    bad[_crc_offsets(data)[plain_entries(data).index(sheet)]] ^= 1  # type: ignore[union-attr]
    assert not _fast(bytes(bad))
    assert _both(bytes(bad))[1][1] == "truncated"  # type: ignore[index]


def test_zip_bombs_by_declared_and_by_real_size() -> None:
    huge = _zip({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"<c/>" * 3_000_000})
    for limits in (LIMITS, Limits(max_uncompressed_mb=1), Limits(max_compression_ratio=2)):
        plain, forced = _both(huge, limits)
        assert plain == forced
    lying = bytearray(huge)  # the directory says the sheet is 12 bytes
    for e, at in zip(plain_entries(huge) or [], _crc_offsets(huge), strict=True):
        if e.name.endswith("sheet1.xml"):
            struct.pack_into("<L", lying, at + 8, 12)
    for limits in (LIMITS, Limits(max_uncompressed_mb=1)):
        assert not _fast(bytes(lying), limits)
        plain, forced = _both(bytes(lying), limits)
        assert plain == forced


def test_encrypted_and_odd_flags_are_left_to_zipfile() -> None:
    data = _workbook()
    for flag in (0x1, 0x20, 0x40, 0x800):
        odd = bytearray(data)
        for at in _crc_offsets(data):
            flags = struct.unpack_from("<H", odd, at - 8)[0]  # 8 bytes before the CRC
            struct.pack_into("<H", odd, at - 8, flags | flag)
        plain, forced = _both(bytes(odd))
        assert plain == forced


@pytest.mark.parametrize("seed", range(4))
def test_damaged_workbooks_never_disagree(seed: int) -> None:
    rng = random.Random(seed)
    base = _workbook()
    for _ in range(400):
        data = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        plain, forced = _both(bytes(data))
        assert plain == forced


def test_corpus_spreadsheets_give_the_same_verdicts() -> None:
    files = [p for p in sorted(CORPUS.rglob("*")) if p.is_file()]
    seen = 0
    for p in files:
        data = p.read_bytes()
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            seen += 1
            plain, forced = _both(data)
            assert plain == forced, p.name
    assert seen > 0 or not files


def test_a_path_still_goes_through_zipfile(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(_workbook())
    assert sniff_zip(path, LIMITS).formulas == sniff_zip(path.read_bytes(), LIMITS).formulas


def test_what_member_names_say_is_the_same_remembered() -> None:
    book = zipfile.ZipFile(io.BytesIO(_workbook()))
    members = {i.filename: book.read(i) for i in book.infolist()}
    kinds = [
        _workbook(),
        _zip({**members, "xl/vbaProject.bin": b"\0" * 10}),
        _zip({"a.txt": b"hello"}),
        _zip({"ppt/presentation.xml": b"<p/>"}),
        _zip({**members, "xl\\worksheets\\sheet9.xml": members["xl/worksheets/sheet1.xml"]}),
    ]
    sniffing._NAMED.clear()
    first = [_outcome(d, LIMITS, True) for d in kinds]
    assert len(sniffing._NAMED) == len(kinds)
    assert [_outcome(d, LIMITS, True) for d in kinds] == first  # from the memo
    assert first == [_both(d)[1] for d in kinds]
