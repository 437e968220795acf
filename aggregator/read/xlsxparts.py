"""The parts of an .xlsx package that sniffing needs without a spreadsheet library: which
worksheet part holds which sheet, and XML text unescaped."""

from __future__ import annotations

import re
import zipfile
import zlib


def unescape_xml(s: str) -> str:
    """XML text with its five predefined entities turned back into characters."""
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


_SHEET_PATHS: dict[tuple[int, int, int, int], dict[str, str]] = {}
_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from workbook.xml and its relationships (remembered by
    their CRC-32 and size as the zip directory states them, so that the returns of one template
    share one parse without inflating the parts again)."""
    try:
        infos = [zf.getinfo(n) for n in _PARTS]
    except KeyError:
        return {}
    key = (infos[0].CRC, infos[0].file_size, infos[1].CRC, infos[1].file_size)
    got = _SHEET_PATHS.get(key)
    if got is not None:
        return dict(got)
    try:
        wb, rels = (zf.read(i) for i in infos)  # the CRC is checked as they are inflated
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError):
        return {}
    got = _parse_sheet_paths(wb, rels)
    if len(_SHEET_PATHS) < 1000 and len(wb) + len(rels) < 100_000:
        _SHEET_PATHS[key] = got
    return dict(got)


def _parse_sheet_paths(wb: bytes, rels: bytes) -> dict[str, str]:
    targets = {
        m.group(1).decode(): m.group(2).decode()
        for m in re.finditer(
            rb"<Relationship\b[^>]*?Id=\"([^\"]+)\"[^>]*?Target=\"([^\"]+)\"", rels
        )
    }
    targets.update(
        {
            m.group(2).decode(): m.group(1).decode()
            for m in re.finditer(
                rb"<Relationship\b[^>]*?Target=\"([^\"]+)\"[^>]*?Id=\"([^\"]+)\"", rels
            )
        }
    )
    out: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        attrs = m.group(1)
        name = re.search(rb"name=\"([^\"]*)\"", attrs)
        rid = re.search(rb"r:id=\"([^\"]*)\"", attrs) or re.search(rb"\bid=\"([^\"]*)\"", attrs)
        if not name or not rid:
            continue
        target = targets.get(rid.group(1).decode(), "")
        target = target.lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        out[unescape_xml(name.group(1).decode("utf-8", "replace"))] = target
    return out
