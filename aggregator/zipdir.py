"""The entry names of a plain zip, read straight from its central directory in bytes at hand.

Opening ``zipfile.ZipFile`` on every ``.xlsx`` taken in (only to learn that it is a workbook,
not an archive of returns) cost a third of the intake at 10,000 files. The common case, a zip
without archive comment, Zip64 records, prepended data or extra fields, is read here in a few
``struct`` calls; anything else gives None and the caller asks ``zipfile``, so the names are
always those ``zipfile`` would list (same decoding, same cut at a NUL).
"""

from __future__ import annotations

import struct

_END = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_ENTRY_SIZE = 46  # a central directory entry, before its name, extra field and comment
# what is looked at in one: signature, version needed, flags, name/extra/comment lengths
_ENTRY = struct.Struct("<4s2xBxH18x3H")
_END_SIG, _ENTRY_SIG, _ZIP64_LOCATOR = b"PK\x05\x06", b"PK\x01\x02", b"PK\x06\x07"
_UTF8_FLAG = 0x800
_MAX_EXTRACT_VERSION = 63  # zipfile refuses entries needing a later version


def _decode(raw: bytes, utf8: int) -> str:
    """A name as zipfile decodes it: UTF-8 when flagged, else cp437."""
    return raw.decode("utf-8") if utf8 else raw.decode("cp437")


def plain_names(data: bytes) -> list[str] | None:
    """The entry names of a plain zip (see the module), or None: not plain, ask ``zipfile``."""
    if len(data) < _END.size + _ENTRY_SIZE:
        return None
    sig, disk, cd_disk, here, total, size, offset, comment = _END.unpack_from(data, len(data) - 22)
    if sig != _END_SIG or comment or disk or cd_disk or here != total or not total:
        return None
    if offset + size != len(data) - 22 or data[-42:-38] == _ZIP64_LOCATOR:
        return None  # data before the zip, Zip64 records, or a directory not where it says
    names: list[str] = []
    pos = offset
    for _ in range(total):
        if pos + _ENTRY_SIZE > offset + size:
            return None
        sig, version, flags, name_len, extra_len, comment_len = _ENTRY.unpack_from(data, pos)
        if sig != _ENTRY_SIG or version > _MAX_EXTRACT_VERSION or extra_len:
            return None
        raw = data[pos + 46 : pos + 46 + name_len]
        try:  # ASCII (most names) reads the same in UTF-8 and cp437, and decodes fastest
            name = raw.decode("ascii") if raw.isascii() else _decode(raw, flags & _UTF8_FLAG)
        except UnicodeDecodeError:
            return None
        names.append(name.split("\0", 1)[0])
        pos += 46 + name_len + comment_len
    return names if pos == offset + size else None
