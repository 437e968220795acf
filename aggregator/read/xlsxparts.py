"""The parts of an .xlsx package that sniffing needs without a spreadsheet library: which
worksheet part holds which sheet, and XML text unescaped."""

from __future__ import annotations

import html
import re
import zipfile

from aggregator.zipdir import ZIPFILE_ERRORS, Entry, data_start, local_data_start, plain_member


def unescape_xml(s: str) -> str:
    """XML text with its entities and character references (``&#25104;``, ``&#x6210;``, as
    ASCII-only writers spell every other character) turned back into characters."""
    return html.unescape(s) if "&" in s else s


_SHEET_PATHS: dict[tuple[object, ...], dict[str, str]] = {}
_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_KEYED_MAX = 50_000  # parts stored larger than this are parsed afresh, never remembered


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from workbook.xml and its relationships (remembered by
    their stored bytes as they sit in the zip, compressed: the returns of one template share
    one parse without inflating the parts again, and only identical parts share it)."""
    try:
        infos = [zf.getinfo(n) for n in _PARTS]
    except KeyError:
        return {}
    key = _key(zf, infos)
    got = _SHEET_PATHS.get(key) if key else None
    if got is not None:
        return dict(got)
    try:
        wb, rels = (zf.read(i) for i in infos)  # the CRC is checked as they are inflated
    except (KeyError, ValueError, *ZIPFILE_ERRORS):
        return {}  # no formulas placed: the reader then finds the package damaged
    got = _parse_sheet_paths(wb, rels)
    if key and len(_SHEET_PATHS) < 1000 and len(wb) + len(rels) < 100_000:
        _SHEET_PATHS[key] = got
    return dict(got)


def cached_sheet_paths(data: bytes, entries: dict[str, Entry]) -> dict[str, str] | None:
    """What :func:`sheet_paths` gives for a plain zip in bytes at hand (``entries`` by name)
    when it needs no zipfile: the parts are missing ({}), their stored bytes were parsed
    before, or they inflate cleanly from the bytes at hand. None: ask :func:`sheet_paths`
    with a ``zipfile.ZipFile``."""
    infos = [entries.get(n) for n in _PARTS]
    key: list[object] = []
    for info in infos:
        if info is None:
            return {}
        start = local_data_start(data, info)
        if info.compress_size > _KEYED_MAX or start is None:
            return None
        key.append((info.method, info.file_size, data[start : start + info.compress_size]))
    got = _SHEET_PATHS.get(tuple(key))
    if got is None:
        wb, rels = (plain_member(data, i) for i in infos if i is not None)
        if wb is None or rels is None:
            return None
        got = _parse_sheet_paths(wb, rels)
        if len(_SHEET_PATHS) < 1000:
            _SHEET_PATHS[tuple(key)] = got
    return dict(got)


def _key(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> tuple[object, ...] | None:
    """The parts' bytes as stored (after each local header), not inflated; None when they
    cannot be had cheaply (large, or an odd local header: the parts are then parsed afresh)."""
    fp, key = zf.fp, []
    try:
        for info in infos:
            if fp is None or info.compress_size > _KEYED_MAX:
                return None
            fp.seek(info.header_offset)
            start = data_start(fp.read(30), info.header_offset)
            if start is None:
                return None
            fp.seek(start)
            key.append((info.compress_type, info.file_size, fp.read(info.compress_size)))
    except (OSError, ValueError):
        return None
    return tuple(key)


# an attribute, either quote, spaces around "=" allowed (all well-formed XML)
_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attrs(tag: bytes) -> dict[bytes, str]:
    """The attributes of one start tag, their values unescaped."""
    return {
        m.group(1): unescape_xml(
            (m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8", "replace")
        )
        for m in _ATTR.finditer(tag)
    }


def _parse_sheet_paths(wb: bytes, rels: bytes) -> dict[str, str]:
    targets: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        a = _attrs(m.group(1))
        if b"Id" in a and b"Target" in a:
            targets[a[b"Id"]] = a[b"Target"]
    out: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k.endswith(b":id")), None) or a.get(b"id")
        if b"name" not in a or rid is None:
            continue
        target = targets.get(rid, "").replace("\\", "/").lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        out[a[b"name"]] = target
    return out
