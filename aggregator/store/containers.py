"""Containers in the inbox (``.zip`` archives, ``.eml`` messages) unpacked into their documents.

Pure and safe: bytes in, members out, nothing written anywhere. A member's ``name`` is a label
(``container/member``, joined with ``/``), never a path to open: traversal (``..``), absolute
names and drive letters are stripped from it. Containers are hostile input: the number of members,
their total size, each member's compression ratio and the nesting depth are limited by the
policy (``[limits]``); past a limit the whole container is refused. Every problem is returned as a
value (``aggregator.problems.Problem``, message in Chinese); nothing raises.

Container-ness is decided by content: a zip that is an Office or OpenDocument file (``.xlsx``,
``.docx``, ``.ods`` …) is a document, not a container.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from email.message import Message

from aggregator.problems import Problem, error
from aggregator.rulebook.policy import Limits
from aggregator.store import mail
from aggregator.store.names import decode_name, escape_bytes, readable
from aggregator.zipdir import ZIPFILE_ERRORS, plain_names

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# What zipfile raises on a damaged or unusual directory (zipfile has no single error type).
ZIP_ERRORS = (
    *ZIPFILE_ERRORS,
    ValueError,  # includes UnicodeDecodeError of a flagged name that is not UTF-8
    IndexError,  # ZipInfo.is_dir() of a member whose name is empty (or begins with NUL)
    struct.error,
)
MSG_MARK = "__substg1.0_".encode("utf-16-le")
JUNK = {".ds_store", "thumbs.db", "desktop.ini"}
_WINDOWS_PATH = re.compile(r"[A-Za-z]:\\\\")  # an attachment named with its full Windows path
RATIO_FLOOR = 1_000_000  # members smaller than this are never suspected for their ratio
PART_LINES_PER_MEMBER = 4  # lines beginning "--" an email may have per member allowed

MESSAGES = {
    "msg": "这是 Outlook 邮件（.msg），无法直接读取。请在 Outlook 中将邮件“另存为”.eml 格式，"
    "或把其中的附件单独保存后放入收件箱。",
    "corrupt-zip": "压缩包已损坏或不完整，无法打开，请重新打包报送。",
    "corrupt-email": "邮件文件无法解析，请重新保存为 .eml 或把附件单独保存后报送。",
    "empty": "压缩包或邮件中没有可读取的文件（没有附件）。",
}


@dataclass(frozen=True)
class Member:
    """One document taken out of a container (at any depth)."""

    name: str  # label "container/member"; never a file-system path
    data: bytes
    received_at: dt.datetime | None = None  # Date of the email that carried it (aware)
    sender: str = ""  # From of that email: a hint for who sent it
    kind: str = ""  # "zip" or "eml" for a container nested inside another; "" for a document


@dataclass
class Unpacked:
    """What a container held: its documents, what was wrong, what was left out and why."""

    kind: str  # "zip", "eml", "msg"; "" when the bytes are no container
    members: list[Member] = field(default_factory=list)
    containers: list[Member] = field(default_factory=list)  # nested ones, listed as unpacked
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # labels of system files, embedded images
    messages: list[mail.Envelope] = field(default_factory=list)  # every email met


class _Refused(Exception):
    """A limit was passed: the whole container is refused."""


def container_kind(data: bytes, name: str = "") -> str | None:
    """``"zip"``, ``"eml"`` or ``"msg"`` when the bytes are a container, else None.

    A zip whose entries make it an Office/OpenDocument file is a document (None). A zip whose
    directory cannot be read counts as a container only when ``name`` ends in ``.zip``.
    """
    if data.startswith(ZIP_MAGIC):
        plain = plain_names(data)  # most workbooks: no zipfile opened
        if plain is not None:
            return None if is_office_document([n.replace("\\", "/") for n in plain]) else "zip"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n.replace("\\", "/") for n in zf.namelist()]
        except ZIP_ERRORS:
            return "zip" if name.lower().endswith(".zip") else None
        return None if is_office_document(names) else "zip"
    if data.startswith(OLE_MAGIC):
        return "msg" if MSG_MARK in data else None
    return "eml" if mail.looks_like_email(data) else None


def is_office_document(names: list[str]) -> bool:
    """Whether zip entries make an OOXML (xlsx, docx, pptx, xlsb) or ODF document."""
    lower = {n.lower() for n in names}
    ooxml = "[content_types].xml" in lower or any(
        n.endswith(("workbook.xml", "workbook.bin", "word/document.xml", "ppt/presentation.xml"))
        for n in lower
    )
    odf = "mimetype" in lower and ("content.xml" in lower or "meta-inf/manifest.xml" in lower)
    return ooxml or odf


def unpack(name: str, data: bytes, limits: Limits) -> Unpacked:
    """Unpack a container found in the inbox under the label ``name``, recursively.

    Members carry the ``Date`` and ``From`` of the outermost email above them. Past a limit the
    whole container is refused (no members, one problem); an encrypted or damaged member is left
    out with a problem and the rest are kept. Bytes that are no container give ``kind == ""``.
    """
    kind = container_kind(data, name) or ""
    out = Unpacked(kind)
    if not kind:
        return out
    walk = _Walk(limits, out)
    try:
        walk.fits(name, len(data))
        walk.container(name, data, kind, 0, None)
    except _Refused as why:
        return Unpacked(kind, problems=[error("container-limit", str(why), file=name)])
    except Exception:  # hostile bytes a library chokes on: this container, never the run
        text = MESSAGES[{"eml": "corrupt-email", "msg": "msg"}.get(kind, "corrupt-zip")]
        return Unpacked(kind, problems=[error("container-corrupt", text, file=name)])
    if not out.members and not out.problems:
        out.problems.append(error("container-empty", MESSAGES["empty"], file=name))
    return out


class _Walk:
    """One unpacking: the limits spent so far, and where results go."""

    def __init__(self, limits: Limits, out: Unpacked) -> None:
        self.limits = limits
        self.out = out
        self.count = 0
        self.left = int(limits.max_container_mb * 1e6)
        self.labels: set[str] = set()

    def fits(self, label: str, size: int) -> None:
        """Refuse the container when this many more bytes would not fit the total budget."""
        if size > self.left:
            mb = self.limits.max_container_mb
            raise _Refused(f"“{label}”解压后内容过大（超过 {mb:g} MB），疑似异常文件，整体未拆开。")

    def spend(self, label: str, size: int) -> None:
        """Spend bytes of the total budget (refused when it runs out)."""
        self.fits(label, size)
        self.left -= size

    def deeper(self, label: str, depth: int) -> None:
        """Refuse the container when a container is nested at this depth."""
        if depth >= self.limits.max_container_depth:
            cap = self.limits.max_container_depth
            raise _Refused(
                f"“{label}”嵌套超过 {cap} 层（压缩包或邮件里又套压缩包或邮件），疑似异常文件，整体未拆开。"
            )

    def counted(self, label: str, n: int) -> None:
        """Count members; refuse the container when there are too many."""
        self.count += n
        if self.count > self.limits.max_container_members:
            raise self.too_many(label)

    def too_many(self, label: str) -> _Refused:
        """The refusal of a container holding more members than allowed."""
        cap = self.limits.max_container_members
        return _Refused(f"“{label}”中的文件超过 {cap} 个，疑似异常文件，整体未拆开。")

    def label(self, parent: str, member: str, fallback: str) -> str:
        """A unique, safe label under the parent for a member name."""
        parts = safe_parts(member) or [fallback]
        label = f"{parent}/{'/'.join(parts)}"
        stem, dot, ext = label.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = label, ""
        n = 1
        while label in self.labels:
            n += 1
            label = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        self.labels.add(label)
        return label

    def take(self, label: str, data: bytes, depth: int, env: mail.Envelope | None) -> None:
        """A member found: unpack it further when it is a container, else keep it."""
        kind = container_kind(data, label)
        when, sender = (env.date, env.sender) if env else (None, "")
        if kind:
            self.out.containers.append(Member(label, data, when, sender, kind))
            self.container(label, data, kind, depth, env)
            return
        self.out.members.append(Member(label, data, when, sender))

    def container(
        self, label: str, data: bytes, kind: str, depth: int, env: mail.Envelope | None
    ) -> None:
        """Unpack one container at a depth (0 for the inbox file itself)."""
        self.deeper(label, depth)
        if kind == "zip":
            self.zip(label, data, depth, env)
        elif kind == "eml":
            self.email(label, data, depth, env)
        else:
            self.out.problems.append(error("container-msg", MESSAGES["msg"], file=label))

    def zip(self, label: str, data: bytes, depth: int, env: mail.Envelope | None) -> None:
        """The members of a zip archive (encrypted and damaged ones reported, not kept)."""
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            # a member without a name is no folder: it is taken in as 文件N
            infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
        except ZIP_ERRORS:
            self.out.problems.append(
                error("container-corrupt", MESSAGES["corrupt-zip"], file=label)
            )
            return
        self.counted(label, len(infos))
        self.check_sizes(label, infos)
        locked: list[str] = []
        with zf:
            for info in infos:
                member = zip_member_name(info)
                if _is_junk(member):
                    self.out.skipped.append(f"{label}/{'/'.join(safe_parts(member))}")
                    continue
                inner = self.label(label, member, f"文件{len(self.labels) + 1}")
                if info.flag_bits & 0x1:
                    locked.append(inner.rsplit("/", 1)[-1])
                    continue
                content = self.inflate(zf, info, inner)
                if content is not None:
                    self.take(inner, content, depth + 1, env)
        if locked:
            self.out.problems.append(_encrypted(label, locked))

    def check_sizes(self, label: str, infos: list[zipfile.ZipInfo]) -> None:
        """Refuse a zip bomb by its declared sizes before inflating anything."""
        self.fits(label, sum(i.file_size for i in infos))
        ratio = self.limits.max_compression_ratio
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > ratio * max(i.compress_size, 1):
                raise _Refused(
                    f"“{label}”中的“{decode_name(i.filename)}”压缩比异常（超过 {ratio:g} 倍），"
                    "疑似压缩炸弹，整体未拆开。"
                )

    def inflate(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes | None:
        """One member's bytes, counted against the budget; None (and a problem) if damaged."""
        chunks: list[bytes] = []
        try:
            with zf.open(info) as f:
                while chunk := f.read(1 << 20):
                    self.spend(label, len(chunk))
                    chunks.append(chunk)
        except NotImplementedError:
            self.out.problems.append(
                error(
                    "container-corrupt",
                    "该文件的压缩方式不受支持，无法取出。请用常规 ZIP 格式重新打包。",
                    file=label,
                )
            )
            return None
        except ZIP_ERRORS:
            self.out.problems.append(
                error(
                    "container-corrupt",
                    "压缩包中的该文件已损坏，无法取出，请重新打包报送。",
                    file=label,
                )
            )
            return None
        return b"".join(chunks)

    def email(self, label: str, data: bytes, depth: int, env: mail.Envelope | None) -> None:
        """The attachments of an email; the outermost email's Date and From go with them."""
        # every MIME part starts on a line "--boundary": far more such lines than members
        # allowed is refused before the email library spends ≈1 ms on each part
        if data.count(b"\n--") > PART_LINES_PER_MEMBER * self.limits.max_container_members:
            raise self.too_many(label)
        try:
            self.message(label, mail.parse_email(data), depth, env)
        except _Refused:
            raise
        except Exception:  # hostile bytes: the email library must not stop the run
            self.out.problems.append(
                error("container-corrupt", MESSAGES["corrupt-email"], file=label)
            )

    def message(self, label: str, msg: Message, depth: int, env: mail.Envelope | None) -> None:
        """One parsed message, its attached messages handled one level deeper."""
        own = mail.envelope(msg, label)
        self.out.messages.append(own)
        carried = env or own
        found = list(mail.parts(msg))
        self.counted(label, len(found))
        for n, part in enumerate(found, start=1):
            name = part.name.rsplit("\\", 1)[-1] if _WINDOWS_PATH.match(part.name) else part.name
            inner = self.label(label, name, f"附件{n}")
            if part.inline_image:
                self.out.skipped.append(inner)
            elif part.message is not None:
                self.deeper(inner, depth + 1)
                self.attached(inner, part.message, carried)
                self.message(inner, part.message, depth + 1, carried)
            else:
                self.spend(inner, len(part.data))
                self.take(inner, part.data, depth + 1, carried)

    def attached(self, label: str, msg: Message, env: mail.Envelope) -> None:
        """List a message attached whole (a forwarded email) as a nested container; its bytes
        are the message as the email library writes it back (none when it cannot)."""
        try:
            data = msg.as_bytes()
        except Exception:  # a message too damaged to write back: its attachments still count
            return
        self.out.containers.append(Member(label, data, env.date, env.sender, "eml"))


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as meant: UTF-8 with flag 0x800 or the Info-ZIP Unicode Path field,
    else the raw bytes decoded as UTF-8, GBK (Chinese Windows) or escaped."""
    if info.flag_bits & 0x800:
        return info.filename.replace("\\", "/")
    try:
        raw = info.orig_filename.encode("cp437")  # zipfile read the raw bytes as cp437
    except UnicodeEncodeError:
        return info.filename.replace("\\", "/")
    unicode = _unicode_path(info.extra, raw)
    if unicode:
        return unicode.replace("\\", "/")
    parts: list[str] = []
    for part in raw.split(b"/"):  # never a byte inside a GBK character; 0x5C can be
        text = readable(part)
        if text is None:
            parts.extend(escape_bytes(p) for p in part.split(b"\\"))
        else:
            parts.append(text.replace("\\", "/"))  # old Windows tools write folders with \
    return "/".join(parts)


def _unicode_path(extra: bytes, raw: bytes) -> str:
    """The UTF-8 name of an Info-ZIP Unicode Path extra field (0x7075), if it matches."""
    pos = 0
    while pos + 4 <= len(extra):
        tag = int.from_bytes(extra[pos : pos + 2], "little")
        size = int.from_bytes(extra[pos + 2 : pos + 4], "little")
        body = extra[pos + 4 : pos + 4 + size]
        crc = int.from_bytes(body[1:5], "little")
        if tag == 0x7075 and len(body) > 5 and body[0] == 1 and crc == zlib.crc32(raw):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return ""
        pos += 4 + size
    return ""


def safe_parts(name: str) -> list[str]:
    """A member name (folders separated by ``/``) as label parts: no ``..``, no root, no drive
    letter, no empty part, no control character."""
    parts = [p.strip() for p in name.split("/")]
    if parts and re.fullmatch(r"[A-Za-z]:.*", parts[0]):
        parts[0] = parts[0][2:]
    return [decode_name(p) for p in parts if p not in ("", ".", "..")]


def _is_junk(name: str) -> bool:
    parts = safe_parts(name)
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1].lower() in JUNK)


def _encrypted(label: str, names: list[str]) -> Problem:
    shown = "、".join(f"“{n}”" for n in names[:5]) + (
        f"等 {len(names)} 个文件" if len(names) > 5 else ""
    )
    return error(
        "container-encrypted",
        f"压缩包中的{shown}设有密码（已加密），无法取出。请去除密码后重新打包，或直接报送这些文件。",
        file=label,
    )
