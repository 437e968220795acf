"""Wrong and hostile files are identified by content and rejected before any parser sees them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import CORPUS

from aggregator.read.sniff import sniff
from aggregator.rulebook.policy import Limits

LIMITS = Limits()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members.items():
            z.writestr(n, d)
    return path


@pytest.mark.parametrize(
    ("name", "data", "kind", "says"),
    [
        ("a.xlsx", b"", "empty", "空的"),
        ("a.xlsx", b"%PDF-1.7\n...", "pdf", "PDF"),
        ("a.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image", "图片"),
        ("a.xls", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image", "图片"),
        ("a.xlsx", "序号,县,数量\n1,淳安县,3\n".encode("gb18030"), "csv", "CSV"),
        ("a.xls", b"<html><table><tr><td>1</td></tr></table></html>", "html", "另存为"),
        ("a.xlsx", b"Rar!\x1a\x07\x00", "zip", "压缩包"),
        ("a.doc", b"{\\rtf1 hello}", "doc", "Word"),
    ],
)
def test_wrong_kinds_say_what_they_are_and_what_to_send(
    tmp_path: Path, name: str, data: bytes, kind: str, says: str
) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    s = sniff(p, LIMITS)
    assert s.kind == kind and s.problem and says in s.message


def test_word_docx_and_plain_zip(tmp_path: Path) -> None:
    s = sniff(
        _zip(
            tmp_path / "报表.xlsx",
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"},
        ),
        LIMITS,
    )
    assert s.kind == "docx" and not s.problem  # read as a Word return
    s = sniff(_zip(tmp_path / "b.xlsx", {"a.txt": b"x"}), LIMITS)
    assert s.kind == "zip"


def test_ole_word_and_encrypted(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    (tmp_path / "w.xls").write_bytes(ole + "WordDocument".encode("utf-16-le"))
    assert sniff(tmp_path / "w.xls", LIMITS).kind == "doc"
    (tmp_path / "e.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    s = sniff(tmp_path / "e.xlsx", LIMITS)
    assert s.kind == "encrypted" and s.message == "文件已加密，请去除密码后重新报送。"


def test_password_protected_corpus_files() -> None:
    for name in ("pass_protected.xlsx", "pass_protected.xlsb"):
        if (CORPUS / name).exists():
            assert sniff(CORPUS / name, LIMITS).problem == "encrypted"


def test_extension_does_not_matter(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "real.xls"))
    wb.add_worksheet().write(0, 0, 1)
    wb.close()
    assert sniff(tmp_path / "real.xls", LIMITS).kind == "xlsx"


def test_truncated_zip(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "full.xlsx"))
    wb.add_worksheet().write(0, 0, 1)
    wb.close()
    data = (tmp_path / "full.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    assert sniff(tmp_path / "cut.xlsx", LIMITS).problem == "truncated"


@pytest.mark.slow
def test_zip_bomb_by_declared_size(tmp_path: Path) -> None:
    big = b"<worksheet><sheetData>" + b" " * 250_000_000 + b"</sheetData></worksheet>"
    p = _zip(
        tmp_path / "bomb.xlsx",
        {
            "[Content_Types].xml": b"spreadsheetml",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": big,
        },
    )
    assert p.stat().st_size < 1_000_000
    s = sniff(p, LIMITS)
    assert s.problem == "zip-bomb" and "解压后过大" in s.message


def test_actual_size_is_counted_when_declared_size_lies(tmp_path: Path) -> None:
    small = Limits(max_uncompressed_mb=1)
    data = b"<worksheet><sheetData>" + b" " * 3_000_000 + b"</sheetData></worksheet>"
    p = _zip(
        tmp_path / "liar.xlsx",
        {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": data},
    )
    raw = bytearray(p.read_bytes())
    # Patch the declared uncompressed size (local header and central directory) to 1000 bytes.
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = 0
        while (i := raw.find(sig, i)) >= 0:
            name_len_off = 26 if sig == b"PK\x03\x04" else 28
            n = int.from_bytes(raw[i + name_len_off : i + name_len_off + 2], "little")
            name = bytes(raw[i + (30 if sig == b"PK\x03\x04" else 46) :][:n])
            if name == b"xl/worksheets/sheet1.xml":
                raw[i + off : i + off + 4] = (1000).to_bytes(4, "little")
            i += 4
    p.write_bytes(bytes(raw))
    s = sniff(p, small)
    assert s.problem in ("zip-bomb", "truncated")


def test_sheet_claiming_the_last_cell_is_rejected_before_parsing(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "xfd.xlsx"))
    wb.add_worksheet().write(1048575, 16383, 1)
    wb.close()
    s = sniff(tmp_path / "xfd.xlsx", LIMITS)
    assert s.problem == "sheet-too-large" and "1048576 行 × 16384 列" in s.message


def test_formulas_are_listed_with_cached_flag(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.active["A2"] = "=SUM(A1:A1)"
    wb.save(tmp_path / "f.xlsx")
    s = sniff(tmp_path / "f.xlsx", LIMITS)
    assert list(s.formulas.values()) == [[("A2", "SUM(A1:A1)", False)]]


@pytest.mark.parametrize(("rows", "cols", "says"), [(30_000, 3, "30000 行"), (5, 300, "300 列")])
def test_sheets_of_too_many_real_rows_or_columns(
    tmp_path: Path, rows: int, cols: int, says: str
) -> None:
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    for r in range(rows):
        for c in range(cols):
            ws.write_number(r, c, r + c)
    wb.close()
    s = sniff(path, LIMITS)
    assert s.problem == "sheet-too-large" and says in s.message


def test_sheet_paths_are_remembered_only_for_identical_parts(tmp_path: Path) -> None:
    """Two workbooks whose sheets are the same names in another order: each gets its own
    worksheet parts, whichever was seen first (the memo is keyed by the parts' stored bytes)."""
    import io
    import zipfile

    from aggregator.read.xlsxparts import sheet_paths

    MARK = {"甲": 111, "乙": 222}  # noqa: N806

    def book(names: list[str]) -> bytes:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        for n in names:
            wb.add_worksheet(n).write_number(0, 0, MARK[n])
        wb.close()
        return buf.getvalue()

    for order in (["甲", "乙"], ["乙", "甲"], ["甲", "乙"]):
        with zipfile.ZipFile(io.BytesIO(book(order))) as zf:
            paths = sheet_paths(zf)
            for name, part in paths.items():
                assert f"<v>{MARK[name]}</v>".encode() in zf.read(part)
            assert list(paths) == order
