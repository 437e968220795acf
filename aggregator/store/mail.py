"""Saved email messages (``.eml``): their parts, attachment names, date and sender, in any charset.

Mail clients in China label text ``gb2312`` while writing GBK (or GB18030) characters, write raw
GBK bytes into headers without any encoding, and split a character across two encoded words. The
standard library decodes such names to replacement characters, so names, subjects and senders are
decoded here from the raw header bytes: RFC 2047 encoded words and RFC 2231 parameters with the
Chinese charsets widened to GB18030, bare bytes as UTF-8, else GBK, else escaped. Nothing raises.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from aggregator.rulebook.policy import CHINA
from aggregator.store.names import escape_bytes

# Charsets Chinese mail clients declare while writing GBK or GB18030: read as the superset.
WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
}
_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")


@dataclass(frozen=True)
class Envelope:
    """What an email says about itself: where it came from and when it was sent."""

    label: str
    date: dt.datetime | None  # aware; China time when the header gave no zone
    sender: str
    subject: str
    body: str


@dataclass(frozen=True)
class Part:
    """One leaf of a message: an attachment (``data``) or a message attached whole (``message``)."""

    name: str
    data: bytes = b""
    message: Message | None = None
    inline_image: bool = False


def parse_email(data: bytes) -> Message:
    """The message tree of an ``.eml`` file (lenient: defects are recorded, not raised)."""
    return BytesParser(policy=policy.default).parsebytes(data)


def envelope(msg: Message, label: str) -> Envelope:
    """Date, sender, subject and plain-text body of a message."""
    return Envelope(
        label=label,
        date=email_date(header_text(msg, "date")),
        sender=header_text(msg, "from"),
        subject=header_text(msg, "subject"),
        body=_body(msg),
    )


def email_date(text: str) -> dt.datetime | None:
    """A ``Date`` header as an aware time (China time when it names no zone), or None."""
    if not text.strip():
        return None
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=CHINA) if when.tzinfo is None else when


def parts(msg: Message) -> Iterator[Part]:
    """Every leaf of a message that may be a document: attachments and attached messages.

    Text and HTML bodies are not documents and are not yielded; images embedded in an HTML body
    (inline, with a Content-ID) are yielded with ``inline_image`` set, for the caller to skip.
    """
    if msg.is_multipart():
        if msg.get_content_type() == "message/rfc822":
            inner = msg.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                yield Part(
                    attachment_name(msg) or header_text(inner[0], "subject"), message=inner[0]
                )
            return
        for sub in msg.get_payload() or []:
            if isinstance(sub, Message):
                yield from parts(sub)
        return
    name = attachment_name(msg)
    disposition = (msg.get_content_disposition() or "").lower()
    maintype = msg.get_content_maintype()
    if not name and disposition != "attachment" and maintype in ("text", "multipart"):
        return  # a body, not a document
    payload = msg.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    embedded = disposition != "attachment" and maintype == "image" and bool(msg["content-id"])
    yield Part(name, data=data, inline_image=embedded)


def attachment_name(msg: Message) -> str:
    """The file name of a part, from Content-Disposition ``filename`` or Content-Type ``name``."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw_header(msg, header)
        if not raw:
            continue
        holder = Message()  # the compat32 parser keeps RFC 2231 charsets and raw bytes apart
        holder[header] = raw.decode("latin-1")
        try:
            value = holder.get_param(param, header=header)
        except (ValueError, LookupError, TypeError):
            continue
        if isinstance(value, tuple):
            charset, _, text = value
            return _decode(str(text).encode("latin-1", "replace"), charset).strip()
        if isinstance(value, str) and value:
            return decode_words(value.encode("latin-1", "replace")).strip()
    return ""


def header_text(msg: Message, name: str) -> str:
    """A header's text, RFC 2047 words and bare GBK bytes decoded; '' when absent."""
    raw = _raw_header(msg, name)
    return decode_words(raw).strip() if raw else ""


def decode_words(raw: bytes) -> str:
    """Header bytes with RFC 2047 encoded words decoded (adjacent words of one charset joined)."""
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # encoded words not yet decoded
    pos = 0
    for m in _WORD.finditer(raw):
        between = raw[pos : m.start()]
        if between.strip() or not pending:
            out.append(_flush(pending))
            out.append(_decode(between, None))
        charset = m.group(1).decode("ascii", "replace").split("*")[0]
        word = _word_bytes(m.group(2).upper(), m.group(3))
        if pending and pending[-1][0] == charset.lower():
            pending[-1] = (charset.lower(), pending[-1][1] + word)
        else:
            pending.append((charset.lower(), word))
        pos = m.end()
    out.append(_flush(pending))
    out.append(_decode(raw[pos:], None))
    return "".join(out)


def _flush(pending: list[tuple[str, bytes]]) -> str:
    text = "".join(_decode(data, charset) for charset, data in pending)
    pending.clear()
    return text


def _word_bytes(kind: bytes, text: bytes) -> bytes:
    if kind == b"B":
        try:
            return base64.b64decode(text + b"=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return text
    return quopri.decodestring(text.replace(b"_", b" "), header=True)


def _decode(data: bytes, charset: str | None) -> str:
    """Text of bytes: the declared charset (widened), else UTF-8, else GB18030, else escaped."""
    tried: list[str] = []
    if charset:
        tried.append(WIDER.get(charset.strip().lower(), charset.strip().lower()))
    for codec in (*tried, "utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return escape_bytes(data)


def _raw_header(msg: Message, name: str) -> bytes:
    """The first header of that name as the bytes it arrived in ('' when absent)."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            text = str(value)
            try:
                raw = text.encode("ascii", "surrogateescape")
            except UnicodeEncodeError:
                raw = text.encode("utf-8", "surrogatepass")
            return _FOLD.sub(b"", raw).strip()
    return b""


def _body(msg: Message) -> str:
    """The first plain-text body of a message, decoded from its declared charset."""
    for part in msg.walk():
        if part.get_content_type() != "text/plain" or part.get_content_disposition() == (
            "attachment"
        ):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return _decode(payload, part.get_content_charset())
    return ""


_HEADER = re.compile(rb"^([!-9;-~]+):")
_MAIL_HEADERS = {
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"mime-version",
    b"content-type",
    b"received",
    b"return-path",
    b"message-id",
    b"x-mailer",
    b"reply-to",
}


def looks_like_email(data: bytes, head_size: int = 65536) -> bool:
    """Whether the bytes begin with an email's header block (From:, MIME-Version: …)."""
    lines = data[:head_size].lstrip(b"\xef\xbb\xbf\r\n").splitlines()
    if len(data) > head_size and lines:
        lines.pop()  # cut in the middle of a line
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # an mbox separator line
    seen: set[bytes] = set()
    for line in lines[:2000]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER.match(line)
        if not m:
            return False
        seen.add(m.group(1).lower())
    known = seen & _MAIL_HEADERS
    return len(known) >= 2 and bool(known & {b"from", b"mime-version", b"content-type"})
