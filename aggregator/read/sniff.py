"""What a file really is (by content, not extension), and cheap safety checks before parsing.

Everything here reads bytes and zip directories only: no spreadsheet library is involved, so
nothing here can be made to allocate without bound.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.read import sealed
from aggregator.read.sealed import ole_stream_names
from aggregator.read.sheetscan import extent, formulas
from aggregator.read.xlsxparts import cached_sheet_paths, sheet_paths
from aggregator.rulebook.policy import Limits
from aggregator.zipdir import ZIPFILE_ERRORS, plain_entries, plain_member

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SPREADSHEET_KINDS = ("xlsx", "xlsm", "xlsb", "xls", "ods")
WORD_KINDS = ("docx", "doc", "wps")  # read as Word tables (doc/wps converted by LibreOffice)

# What to tell the sender, per kind of wrong file.
WRONG_KIND = {
    "empty": "文件是空的（0字节），请重新报送。",
    "encrypted": "文件已加密，请去除密码后重新报送。",
    "doc": "这是 Word 文档，不是 Excel 表格。请用下发的 Excel 模板填报后重新报送（盖章 PDF 另行报送）。",
    "pdf": "这是 PDF 文件，不是 Excel 表格。盖章 PDF 请另行报送，汇总需要 Excel 电子表格。",
    "image": "这是图片，不是 Excel 表格。请报送 Excel 电子表格。",
    "csv": "这是 CSV 文本文件。请用下发的 Excel 模板填报后报送 .xlsx 文件。",
    "text": "这是文本文件，不是 Excel 表格。请报送 Excel 电子表格。",
    "html": "这是网页（HTML）文件，不是 Excel 表格。请在 Excel 中“另存为 .xlsx”后重新报送。",
    "zip": "这是压缩包，不是 Excel 表格。请解压后分别报送其中的 Excel 文件。",
    "pptx": "这是演示文稿，不是 Excel 表格。请报送 Excel 电子表格。",
    "unknown": "无法识别的文件格式，不是 Excel 表格。请报送 .xlsx 或 .xls 文件。",
    "truncated": "文件不完整或已损坏（可能未传完），请重新报送。",
    "old-excel": "这是旧版 Excel（Excel 4.0 或更早）格式的文件，无法读取。请在 Excel 或 WPS 中打开，“另存为”Excel 工作簿（.xlsx）后重新报送。",
}


@dataclass
class Sniff:
    """What the bytes are; ``problem`` (a code in WRONG_KIND or a limit message) means reject."""

    kind: str
    problem: str = ""
    message: str = ""
    formulas: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    sheet_paths: dict[str, str] = field(default_factory=dict)  # sheet name → xml part (xlsx)
    has_macros: bool = False


def sniff(path: Path, limits: Limits, data: bytes | None = None) -> Sniff:
    """Identify a file by content and check it against the limits before any parser sees it
    (``data``: the file's bytes when the caller has already read them)."""
    size = path.stat().st_size
    if size == 0:
        return Sniff("empty", "empty", WRONG_KIND["empty"])
    if size > limits.max_file_mb * 1e6:
        return Sniff(
            "unknown",
            "too-large",
            f"文件过大（{size / 1e6:.0f} MB，上限 {limits.max_file_mb:.0f} MB），不像是一份报表，未读取。",
        )
    if data is None:
        with path.open("rb") as f:
            head = f.read(8192)
    else:
        head = data[:8192]
    if head.startswith(OLE_MAGIC):
        return _encrypted_xls(path, _sniff_ole(path, data))
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _encrypted_ods(path, _sniff_zip(path, limits))
    old = _old_excel(head)
    if old is not None:
        return old
    if head.startswith(b"%PDF"):
        return Sniff("pdf", "pdf", WRONG_KIND["pdf"])
    if (
        head[:8] in (b"\x89PNG\r\n\x1a\n",)
        or head[:3] == b"\xff\xd8\xff"
        or head[:6] in (b"GIF87a", b"GIF89a")
        or head[:2] == b"BM"
    ):
        return Sniff("image", "image", WRONG_KIND["image"])
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return Sniff("zip", "zip", WRONG_KIND["zip"])
    if head.startswith(b"{\\rtf"):
        return Sniff("doc", "doc", WRONG_KIND["doc"])
    lower = head[:2048].lower()
    if b"<html" in lower or b"<!doctype html" in lower or b"<table" in lower:
        return Sniff("html", "html", WRONG_KIND["html"])
    if _looks_text(head):
        first = head.split(b"\n", 1)[0]
        kind = "csv" if first.count(b",") >= 2 or first.count(b"\t") >= 2 else "text"
        return Sniff(kind, kind, WRONG_KIND[kind])
    return Sniff("unknown", "unknown", WRONG_KIND["unknown"])


def _old_excel(head: bytes) -> Sniff | None:
    """An Excel 4.0, 3.0 or 2.x file (a bare BIFF stream): to be re-saved, not a text file."""
    if sealed.old_excel_version(head) is None:
        return None
    return Sniff("old-excel", "old-excel", WRONG_KIND["old-excel"])


def _encrypted_xls(path: Path, found: Sniff) -> Sniff:
    """An .xls saved with a password (the parser would only call it broken)."""
    if found.kind == "xls" and not found.problem and sealed.xls_encrypted(path):
        return Sniff("encrypted", "encrypted", WRONG_KIND["encrypted"])
    return found


def _encrypted_ods(path: Path, found: Sniff) -> Sniff:
    """An OpenDocument spreadsheet saved with a password (the parser would call it broken)."""
    if found.kind == "ods" and not found.problem and sealed.ods_encrypted(path):
        return Sniff("encrypted", "encrypted", WRONG_KIND["encrypted"])
    return found


def _looks_text(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030", "utf-16"):
        try:
            head.decode(enc)
            return b"\x00" not in head or enc == "utf-16"
        except UnicodeDecodeError:
            continue
    return False


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _sniff_ole(path: Path, data: bytes | None = None) -> Sniff:
    if data is None:
        data = path.read_bytes()
    names = ole_stream_names(data)
    if names:
        return _ole_kind(names, path)
    data = data.lower()
    if _utf16("encryptedpackage") in data or _utf16("encryptioninfo") in data:
        return Sniff("encrypted", "encrypted", WRONG_KIND["encrypted"])
    if _utf16("worddocument") in data:
        return Sniff("wps" if path.suffix.lower() == ".wps" else "doc")
    if _utf16("workbook") in data or _utf16("book") in data:
        return Sniff("xls")
    if _utf16("powerpoint document") in data:
        return Sniff("pptx", "pptx", WRONG_KIND["pptx"])
    return Sniff("unknown", "unknown", WRONG_KIND["unknown"])


def _ole_kind(names: set[str], path: Path) -> Sniff:
    if {"encryptedpackage", "encryptioninfo"} & names:
        return Sniff("encrypted", "encrypted", WRONG_KIND["encrypted"])
    if "worddocument" in names:
        return Sniff("wps" if path.suffix.lower() == ".wps" else "doc")
    if {"workbook", "book"} & names:
        return Sniff("xls")
    if "powerpoint document" in names:
        return Sniff("pptx", "pptx", WRONG_KIND["pptx"])
    return Sniff("unknown", "unknown", WRONG_KIND["unknown"])


_SHEET_XML = re.compile(r"sheet\d+\.xml")


def sniff_zip_file(path: Path, data: bytes, limits: Limits) -> Sniff:
    """The zip branch of :func:`sniff` on a file's bytes already read, an encrypted
    OpenDocument file included."""
    return _encrypted_ods(path, sniff_zip(data, limits))


def sniff_zip(source: Path | bytes, limits: Limits) -> Sniff:
    """The zip branch of :func:`sniff` on a file or on its bytes already read (the reader reads
    a file once and hands the same bytes to python-calamine). Bytes of a plain zip whose parts
    read cleanly are checked without ``zipfile`` (:func:`_sniff_plain`), to the same verdict."""
    if isinstance(source, bytes):
        fast = _sniff_plain(source, limits)
        if fast is not None:
            return fast
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return Sniff("truncated", "truncated", WRONG_KIND["truncated"])
    with zf:
        out = _zip_kind(zf)
        infos = zf.infolist()
        sizes = (sum(i.file_size for i in infos), sum(i.compress_size for i in infos))
        if out.problem or _declared_too_big(out, *sizes, limits):
            return out
        budget = int(limits.max_uncompressed_mb * 1e6)
        paths = sheet_paths(zf) if out.kind in ("xlsx", "xlsm") else {}
        for part in _sheet_parts(zf.namelist(), paths):
            try:
                data, budget = _inflate(zf, part, budget)
            except _TooBig:
                out.problem, out.message = (
                    "zip-bomb",
                    "文件解压后实际内容过大，疑似异常文件，未读取。",
                )
                return out
            except ZIPFILE_ERRORS:
                out.problem, out.message = "truncated", WRONG_KIND["truncated"]
                return out
            if part != "content.xml" and _part_problem(out, part, data, limits):
                return out
        if out.formulas:
            out.sheet_paths = paths  # only needed to place formulas
        return out


def _sheet_parts(names: list[str], paths: dict[str, str]) -> list[str]:
    """The members that are worksheets: by their names, and wherever workbook.xml's
    relationships point (calamine reads a sheet stored as xl/data/foo.xml too)."""
    targets = set(paths.values())
    return [n for n in names if _is_sheet_part(n.replace("\\", "/")) or n in targets]


class _Aside(Exception):
    """The plain path steps aside: ``zipfile`` decides."""


def _sniff_plain(data: bytes, limits: Limits) -> Sniff | None:
    """:func:`sniff_zip` on a plain zip (:mod:`aggregator.zipdir`) whose entries are unique
    and whose worksheet parts read cleanly; None (ask ``zipfile``) for anything else: a part
    that is damaged, encrypted or bigger than declared, a directory zipfile would read
    differently. The checks and their order are those of :func:`sniff_zip`."""
    entries = plain_entries(data)
    if entries is None:
        return None
    names = {e.name: e for e in entries}
    if len(names) != len(entries):
        return None  # a name twice: zipfile reads the last one
    named = _by_names(tuple(names))
    if named is None:
        return None
    out = Sniff(named.kind, named.problem, named.message, has_macros=named.has_macros)
    sizes = (sum([e.file_size for e in entries]), sum([e.compress_size for e in entries]))
    if out.problem or _declared_too_big(out, *sizes, limits):
        return out
    found = cached_sheet_paths(data, names) if out.kind in ("xlsx", "xlsm") else {}
    if found is None:
        return None
    paths = found
    sheets = [entries[i] for i in named.sheets]
    if paths and not set(paths.values()) <= {e.name for e in sheets}:  # a sheet stored elsewhere
        wanted = set(_sheet_parts([e.name for e in entries], paths))
        sheets = [e for e in entries if e.name in wanted]
    budget = int(limits.max_uncompressed_mb * 1e6)
    for e in sheets:
        part = plain_member(data, e) if e.file_size <= budget else None
        if part is None:
            return None
        budget -= len(part)
        if e.name != "content.xml" and _part_problem(out, e.name, part, limits):
            return out
    if out.formulas:
        out.sheet_paths = paths
    return out


def _aside() -> bytes:
    raise _Aside


@dataclass(frozen=True)
class _Named:
    """What a zip's member names say (:func:`_kind_of`), and which members are worksheets."""

    kind: str
    problem: str
    message: str
    has_macros: bool
    sheets: tuple[int, ...]  # their places in the directory


_NAMED: dict[tuple[str, ...], _Named | None] = {}


def _by_names(names: tuple[str, ...]) -> _Named | None:
    """What the member names (in directory order) say, None when ``[Content_Types].xml`` must
    be read too; remembered (every return of a template has the same members)."""
    if names in _NAMED:
        return _NAMED[names]
    slashed = [n.replace("\\", "/") if "\\" in n else n for n in names]
    try:
        out = _kind_of(set(slashed), _aside)
    except _Aside:
        got = None
    else:
        sheets = tuple(i for i, n in enumerate(slashed) if _is_sheet_part(n))
        got = _Named(out.kind, out.problem, out.message, out.has_macros, sheets)
    if len(_NAMED) < 1000 and sum(map(len, names)) < 4000:
        _NAMED[names] = got
    return got


def _sniff_zip(path: Path, limits: Limits) -> Sniff:
    return sniff_zip(path, limits)


def _zip_kind(zf: zipfile.ZipFile) -> Sniff:
    """What a zip holds by its member names (a problem set when it is not a document)."""
    names = {n.replace("\\", "/") for n in zf.namelist()}
    return _kind_of(names, lambda: _read_small(zf, "[Content_Types].xml"))


def _kind_of(names: set[str], content_types: Callable[[], bytes]) -> Sniff:
    """What a zip holds by its member names (``/`` for ``\\``), and ``[Content_Types].xml``
    only when the names do not say."""
    if any(n.endswith("workbook.bin") for n in names):
        kind = "xlsb"
    elif any(n.endswith("workbook.xml") for n in names) or b"spreadsheetml" in content_types():
        kind = "xlsx"
    elif "content.xml" in names and ("mimetype" in names or "META-INF/manifest.xml" in names):
        kind = "ods"
    elif "word/document.xml" in names:
        kind = "docx"
    elif "ppt/presentation.xml" in names:
        return Sniff("pptx", "pptx", WRONG_KIND["pptx"])
    else:
        return Sniff("zip", "zip", WRONG_KIND["zip"])
    out = Sniff(kind)
    out.has_macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    if out.has_macros:
        out.kind = "xlsm" if kind == "xlsx" else kind
    return out


def _declared_too_big(out: Sniff, declared: int, compressed: int, limits: Limits) -> bool:
    """Whether the sizes the zip declares (summed over its entries) are beyond the limits (the
    problem set on ``out``)."""
    compressed = compressed or 1
    if (
        declared > limits.max_uncompressed_mb * 1e6
        or declared / compressed > limits.max_compression_ratio
        and declared > 10e6
    ):
        out.problem, out.message = (
            "zip-bomb",
            f"文件解压后过大（声明 {declared / 1e6:.0f} MB），疑似异常文件，未读取。",
        )
        return True
    return False


def _part_problem(out: Sniff, part: str, data: bytes, limits: Limits) -> bool:
    """Check one worksheet part's extent (the problem set on ``out``) and note its formulas."""
    rows, cols = extent(data)
    if rows > limits.max_sheet_rows or cols > limits.max_sheet_cols:
        out.problem = "sheet-too-large"
        out.message = f"工作表范围过大（{rows} 行 × {cols} 列，上限 {limits.max_sheet_rows} 行 × {limits.max_sheet_cols} 列），不像是一份报表，未读取。请删除多余的行列后重新报送。"
        return True
    if b"<f" in data or b":f" in data:  # keyed as sheet_paths names parts ("/", never "\\")
        out.formulas[part.replace("\\", "/")] = formulas(data)
    return False


def _is_sheet_part(n: str) -> bool:
    return n == "content.xml" or (
        n.endswith(".xml") and ("worksheets/" in n or _SHEET_XML.fullmatch(n) is not None)
    )


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
        return zf.read(name) if info.file_size < 1_000_000 else b""
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError):
        return b""


class _TooBig(Exception):
    pass


def _inflate(zf: zipfile.ZipFile, name: str, budget: int) -> tuple[bytes, int]:
    """Decompress one member, counting real bytes against the budget (declared sizes can lie)."""
    chunks: list[bytes] = []
    with zf.open(name) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            budget -= len(chunk)
            if budget < 0:
                raise _TooBig
            chunks.append(chunk)
    return b"".join(chunks), budget
