"""File and folder names as the sender meant them, whatever bytes they arrived as.

Files copied from Chinese Windows (a shared folder, an old zip tool, an email client that wrote raw
bytes) carry names in GBK that are not valid UTF-8. On Linux Python hands such a name over as a
``str`` with lone surrogates (``surrogateescape``), which cannot be printed, written to a workbook
or put into JSON. Everything here turns a name into readable text and never raises:

1. valid UTF-8 stays as it is;
2. else GBK, then GB18030, if the bytes decode cleanly into ordinary characters;
3. else a lossless escape: valid UTF-8 stretches as text, every other byte as ``\\xNN`` and a
   backslash as ``\\\\``.

Control characters (a newline in a name, say) are always shown as ``\\xNN`` so that one name is
one line in every output. The text returned is a label only, never a path to open.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path

# Codecs a Chinese Windows user's bytes are in, tried in this order after UTF-8.
CHINESE_CODECS = ("gbk", "gb18030")
# names are UTF-8 on this system (``os.fsencode`` encodes a clean ``str`` as UTF-8)
_UTF8_FS = sys.getfilesystemencoding().lower().replace("-", "") == "utf8"


def name_bytes(name: bytes | str | os.PathLike[str] | os.PathLike[bytes]) -> bytes:
    """The bytes of a name as the file system holds them (``os.fsencode``), never raising."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        return name
    try:
        return os.fsencode(name)
    except UnicodeEncodeError:
        # Lone surrogates that surrogateescape cannot map back: keep them, escaped later.
        return name.encode("utf-8", "surrogatepass")


def decode_name(name: bytes | str | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """Readable text of one file or folder name: UTF-8, else GBK/GB18030, else escaped.

    Takes ``os.fsencode`` bytes or a ``str`` as ``os.listdir`` gives it (lone surrogates for
    undecodable bytes). Never raises.
    """
    if isinstance(name, str) and _UTF8_FS and name.isprintable():
        return name  # no lone surrogate (not printable): the UTF-8 bytes read back as they are
    raw = name_bytes(name)
    text = readable(raw)
    return escape_bytes(raw) if text is None else _visible(text)


def readable(raw: bytes) -> str | None:
    """The text of bytes if they are UTF-8 or decode cleanly as GBK/GB18030, else None."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in CHINESE_CODECS:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text
    return None


def decode_path(path: bytes | str | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """Readable text of a relative path, each folder and the file name decoded on its own.

    Folders and file may come in different encodings (a GBK folder holding a UTF-8 file); parts
    are split at ``/`` bytes (never a byte inside a GBK character) and joined with ``/``; empty
    parts and ``.`` are dropped. Never raises.
    """
    raw = name_bytes(path)
    parts = [decode_name(p) for p in raw.split(b"/") if p not in (b"", b".")]
    return "/".join(parts)


def escape_bytes(raw: bytes) -> str:
    """Lossless readable text of bytes: UTF-8 runs as text, other bytes as ``\\xNN``."""
    out: list[str] = []
    text = raw.decode("utf-8", "surrogateescape")
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(_visible(ch))
    return "".join(out)


def _plausible(text: str) -> bool:
    """Whether a GBK reading looks like something a person typed (no controls, no private use)."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs") and ch not in "\t":
            return False
    return True


def _visible(text: str) -> str:
    """Control characters as ``\\xNN``, so a name never breaks a line or a table."""
    if text.isprintable():
        return text
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def display_label(path: Path) -> str:
    """A path as people see it: valid text even when the name is not valid UTF-8 (bytes from
    another system), so that it can be printed, put in JSON or written to a workbook."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ("/" if path.is_absolute() else "") + decode_path(path)
    return text
