"""Files a spreadsheet parser would only call broken: spreadsheets saved with a password
(.xls, .ods) and pre-97 Excel (BIFF2–4) files; the stream names of an OLE2 file; and the real
reason a spreadsheet did not open.

Like :mod:`.sniff`, the checks read bytes and zip directories only; :func:`open_failure` runs
after the parser has failed.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

# BOF record types of Excel 2.x, 3.0 and 4.0 files (a bare BIFF stream, not an OLE container).
OLD_BOF = {b"\x09\x00": 2, b"\x09\x02": 3, b"\x09\x04": 4}


def old_excel_version(head: bytes) -> int | None:
    """2, 3 or 4 when ``head`` starts an Excel 2.x/3.0/4.0 file (its BOF record: type
    0x0009/0x0209/0x0409 and a length of 4 to 16 bytes), else None."""
    if len(head) < 8 or head[:2] not in OLD_BOF:
        return None
    length = int.from_bytes(head[2:4], "little")
    return OLD_BOF[head[:2]] if 4 <= length <= 16 else None


def xls_encrypted(path: Path) -> bool:
    """Whether an OLE2 .xls has a FILEPASS record (0x002F) right after the BOF of its
    Workbook stream: saved with a password."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    start = workbook_stream_start(data)
    if start is None or data[start : start + 2] != b"\x09\x08":
        return False
    after_bof = start + 4 + int.from_bytes(data[start + 2 : start + 4], "little")
    return data[after_bof : after_bof + 2] == b"\x2f\x00"


def workbook_stream_start(data: bytes) -> int | None:
    """File offset of the first sector of an OLE2 file's Workbook (or Book) stream, when the
    stream lives in regular sectors (at least the mini-stream cutoff, as Excel writes it)."""
    if len(data) < 512:
        return None
    shift = int.from_bytes(data[30:32], "little")
    cutoff = int.from_bytes(data[56:60], "little")
    if not 7 <= shift <= 16:
        return None
    for off in range(512, len(data) - 127, 128):
        entry = data[off : off + 128]
        size = int.from_bytes(entry[64:66], "little")
        if entry[66] != 2 or size not in (10, 18):  # "Book" or "Workbook", with terminator
            continue
        if entry[: size - 2].decode("utf-16-le", "replace").lower() not in ("book", "workbook"):
            continue
        first = int.from_bytes(entry[116:120], "little")
        length = int.from_bytes(entry[120:124], "little")
        if length < cutoff or first >= 0xFFFFFFFA:
            return None
        return (first + 1) << shift
    return None


def ods_encrypted(path: Path) -> bool:
    """Whether an OpenDocument file's manifest lists encryption data: saved with a password."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("META-INF/manifest.xml")
            if info.file_size > 1_000_000:
                return False
            return b"encryption-data" in zf.read(info)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
        return False


ENCRYPTED = "文件已加密，请去除密码后重新报送。"
RESAVE = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）重新报送。"


def open_failure(path: Path, kind: str, error: Exception) -> str:
    """The sender's message for a spreadsheet the parser would not open. Opened from memory,
    every failure reads "Cannot detect file format"; opened again by the reader of its kind
    (a link named with that extension) the parser tells the real reason."""
    import python_calamine as pc

    real = error
    if not isinstance(error, pc.PasswordError) and kind in ("xlsx", "xlsm", "xlsb", "xls", "ods"):
        real = _reopen(path, kind) or error
    return failure_words(real)


def _reopen(path: Path, kind: str) -> Exception | None:
    """The parser's own error for the file opened by its kind's reader (None if it opens)."""
    import python_calamine as pc

    try:
        with tempfile.TemporaryDirectory() as tmp:
            link = Path(tmp) / f"x.{kind}"
            os.symlink(path.resolve(), link)
            try:
                pc.CalamineWorkbook.from_path(str(link)).close()
            except Exception as e:  # calamine raises several unrelated types
                return e
    except OSError:
        return None
    return None


def failure_words(e: Exception) -> str:
    """A parser's error in words for the sender, with its detail."""
    import python_calamine as pc

    detail = (str(e).strip().splitlines() or [type(e).__name__])[0][:120]
    if isinstance(e, pc.PasswordError) or "password" in detail.lower():
        return ENCRYPTED
    if isinstance(e, pc.ZipError):
        return f"文件不完整或已损坏（压缩结构有误：{detail}），可能没有传完。请重新报送；如仍不行，{RESAVE}"
    if isinstance(e, pc.XmlError):
        return f"文件内容已损坏（XML 格式有误：{detail}）。{RESAVE}"
    if "cfb" in detail.lower():
        return f"文件不完整或已损坏（复合文档结构有误：{detail}），可能没有传完。请重新报送；如仍不行，{RESAVE}"
    if "cannot detect file format" in detail.lower():
        return (
            f"无法识别的表格格式：文件内容与 Excel、WPS、LibreOffice 的表格格式都不相符。{RESAVE}"
        )
    return f"文件已损坏或格式不受支持，无法打开（{detail}）。{RESAVE}"


def ole_stream_names(data: bytes) -> set[str]:
    """Names of the streams and storages in an OLE2 file's directory (lower case).

    Directory entries are 128-byte records at 128-byte offsets: a UTF-16 name, its length in
    bytes (terminator included) and an object type (1 storage, 2 stream, 5 root). Reading the
    records, not searching the bytes, keeps a document's text ("workbook") from passing for a
    stream name.
    """
    names: set[str] = set()
    for off in range(512, len(data) - 127, 128):
        entry = data[off : off + 128]
        size = int.from_bytes(entry[64:66], "little")
        if entry[66] not in (1, 2, 5) or not 2 <= size <= 64 or size % 2:
            continue
        raw = entry[: size - 2]
        if entry[size - 2 : size] != b"\x00\x00":
            continue
        try:
            name = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            continue
        if name and name.isprintable():
            names.add(name.lower())
    return names if "root entry" in names else set()
