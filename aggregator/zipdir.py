"""A plain zip's central directory read straight from bytes at hand.

Opening ``zipfile.ZipFile`` on every ``.xlsx`` taken in (only to learn that it is a workbook,
not an archive of returns) cost a third of the intake at 10,000 files, and a fifth of the
reader's safety pass. The common case, a zip without archive comment, Zip64 records, prepended
data or extra fields, is read here in a few ``struct`` calls; anything else gives None and the
caller asks ``zipfile``, so the entries are always those ``zipfile`` would list (same decoding,
same cut at a NUL, same sizes, offsets and flags).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import NamedTuple

# What zipfile raises reading a damaged, cut-short, encrypted or oddly compressed member.
ZIPFILE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted member
)

_END = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_ENTRY_SIZE = 46  # a central directory entry, before its name, extra field and comment
# signature, version needed, flags, method, CRC, compressed and real sizes, name/extra/comment
# lengths, local header offset
_ENTRY = struct.Struct("<4s2xBxHH4xLLLHHH8xL")
_END_SIG, _ENTRY_SIG, _ZIP64_LOCATOR = b"PK\x05\x06", b"PK\x01\x02", b"PK\x06\x07"
_UTF8_FLAG = 0x800
_MAX_EXTRACT_VERSION = 63  # zipfile refuses entries needing a later version


class Entry(NamedTuple):
    """One central directory entry, as ``zipfile.ZipInfo`` has it."""

    name: str  # cut at a NUL, as ZipInfo.filename
    raw: bytes  # the name's bytes as stored
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    header_offset: int


_new_entry = tuple.__new__


def _decode(raw: bytes, utf8: int) -> str:
    """A name as zipfile decodes it: UTF-8 when flagged, else cp437."""
    return raw.decode("utf-8") if utf8 else raw.decode("cp437")


def _directory(data: bytes) -> tuple[int, int, int] | None:
    """(offset, size, entry count) of a plain zip's central directory, or None."""
    if len(data) < _END.size + _ENTRY_SIZE:
        return None
    sig, disk, cd_disk, here, total, size, offset, comment = _END.unpack_from(data, len(data) - 22)
    if sig != _END_SIG or comment or disk or cd_disk or here != total or not total:
        return None
    if offset + size != len(data) - 22 or data[-42:-38] == _ZIP64_LOCATOR:
        return None  # data before the zip, Zip64 records, or a directory not where it says
    return offset, size, total


def plain_entries(data: bytes) -> list[Entry] | None:
    """The entries of a plain zip (see the module) in directory order, or None: not plain,
    ask ``zipfile``."""
    found = _directory(data)
    if found is None:
        return None
    offset, size, total = found
    entries: list[Entry] = []
    pos, end = offset, offset + size
    for _ in range(total):
        if pos + _ENTRY_SIZE > end:
            return None
        sig, version, flags, method, crc, csize, usize, name_len, extra_len, comment_len, at = (
            _ENTRY.unpack_from(data, pos)
        )
        if sig != _ENTRY_SIG or version > _MAX_EXTRACT_VERSION or extra_len:
            return None
        raw = data[pos + 46 : pos + 46 + name_len]
        try:  # ASCII (most names) reads the same in UTF-8 and cp437, and decodes fastest
            name = raw.decode("ascii") if raw.isascii() else _decode(raw, flags & _UTF8_FLAG)
        except UnicodeDecodeError:
            return None
        if "\0" in name:
            name = name.split("\0", 1)[0]
        fields = (name, raw, flags, method, crc, csize, usize, at)
        entries.append(_new_entry(Entry, fields))  # tuple.__new__: no keyword handling
        pos += 46 + name_len + comment_len
    return entries if pos == end else None


def plain_names(data: bytes) -> list[str] | None:
    """The entry names of a plain zip (see the module), or None: not plain, ask ``zipfile``."""
    entries = plain_entries(data)
    return None if entries is None else [e.name for e in entries]


_LOCAL = struct.Struct("<4s2xH18xHH")  # local header: signature, flags, name and extra lengths
_SAFE_FLAGS = 0x80E  # deflate options, data descriptor, UTF-8 names: nothing zipfile refuses
_STORED, _DEFLATED = 0, 8


def local_data_start(data: bytes, entry: Entry) -> int | None:
    """Where an entry's stored bytes begin (after its local header), or None when the local
    header is missing or truncated."""
    at = entry.header_offset
    return data_start(data[at : at + 30], at)


def data_start(header: bytes, at: int) -> int | None:
    """Where a member's stored bytes begin, from the 30 bytes of its local header found at
    ``at``; None when they are not a local header."""
    if len(header) < 30:
        return None
    sig, _flags, name_len, extra_len = _LOCAL.unpack_from(header)
    return at + 30 + name_len + extra_len if sig == b"PK\x03\x04" else None


def plain_member(data: bytes, entry: Entry) -> bytes | None:
    """An entry's content when it reads cleanly: stored or deflated, not encrypted, its local
    header naming it as the directory does, all its bytes present, a complete deflate stream
    giving exactly the declared size with the declared CRC. Otherwise None: ask ``zipfile``,
    which decides what is wrong (a bad CRC, a truncated stream, a size that lies)."""
    if entry.flags & ~_SAFE_FLAGS or entry.method not in (_STORED, _DEFLATED):
        return None
    start = local_data_start(data, entry)
    if start is None:
        return None
    at = entry.header_offset
    _sig, flags, name_len, _extra = _LOCAL.unpack_from(data, at)
    if data[at + 30 : at + 30 + name_len] != entry.raw:
        return None
    if (flags ^ entry.flags) & _UTF8_FLAG and not entry.raw.isascii():
        return None  # the same bytes decoded two ways: let zipfile compare the names
    end = start + entry.compress_size
    if end > len(data):
        return None
    out: bytes | None
    if entry.method == _STORED:
        if entry.compress_size != entry.file_size:
            return None
        out = data[start:end]
    else:
        out = _inflate(data[start:end], entry.file_size)
    if out is None or len(out) != entry.file_size or zlib.crc32(out) != entry.crc:
        return None
    return out


def _inflate(raw: bytes, size: int) -> bytes | None:
    """A raw deflate stream inflated to at most ``size`` + 1 bytes, or None when the stream is
    damaged, incomplete or followed by other bytes."""
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(raw, size + 1)
    except zlib.error:
        return None
    return out if d.eof and not d.unused_data and not d.unconsumed_tail else None
