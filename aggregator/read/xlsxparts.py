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


_SHEET_PATHS: dict[tuple[bytes, bytes], dict[str, str]] = {}


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from workbook.xml and its relationships (remembered by
    their bytes: the returns of one template share them)."""
    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError):
        return {}
    got = _SHEET_PATHS.get((wb, rels))
    if got is None:
        got = _parse_sheet_paths(wb, rels)
        if len(_SHEET_PATHS) < 1000 and len(wb) + len(rels) < 100_000:
            _SHEET_PATHS[(wb, rels)] = got
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
