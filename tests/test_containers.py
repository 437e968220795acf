"""Containers as people make them: Chinese Windows zips, mail-client .eml files, and hostile ones."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import random
import shutil
import struct
import urllib.parse
import zipfile
import zlib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import xlsxwriter

from aggregator.problems import DataFileError
from aggregator.rulebook.policy import CHINA, Limits, load_policy
from aggregator.store.containers import container_kind, unpack, zip_member_name

LIMITS = Limits()
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
POLICY_DIR = Path(__file__).resolve().parents[1] / "workbooks" / "policy"


@functools.cache
def workbook(text: str) -> bytes:
    """A small real .xlsx in memory, different for every text (the same bytes every call:
    xlsxwriter stamps the time of writing into the file)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2023, 6, 9, 10, 0, 0)})
    wb.add_worksheet("Sheet1").write(0, 0, text)
    wb.close()
    return buf.getvalue()


class _RawName(zipfile.ZipInfo):
    """A member written with raw name bytes and no UTF-8 flag, as Windows' own zip does."""

    def __init__(self, raw: bytes, extra: bytes = b"") -> None:
        super().__init__(raw.decode("cp437"), date_time=(2023, 6, 9, 10, 0, 0))
        self.raw = raw
        self.compress_type = zipfile.ZIP_DEFLATED
        self.extra = extra

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's own name)
        return self.raw, self.flag_bits & ~0x800


def gbk_zip(entries: dict[str, bytes], codec: str = "gbk") -> bytes:
    """A zip made on Chinese Windows: member names in GBK, the UTF-8 flag clear."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(_RawName(name.encode(codec)), data)
    return buf.getvalue()


def utf8_zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip made by 7-Zip or macOS: UTF-8 names with the flag set."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def flag_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' bit (0x1) in every local and central header, as ZipCrypto does."""
    out = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        while pos >= 0:
            (flags,) = struct.unpack_from("<H", out, pos + at)
            struct.pack_into("<H", out, pos + at, flags | 0x1)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def names(result: object) -> list[str]:
    return [m.name for m in getattr(result, "members", [])]


# --- zip archives ---------------------------------------------------------------------------


def test_gbk_zip_from_chinese_windows() -> None:
    a, b = workbook("淳安"), workbook("建德")
    data = gbk_zip({"杭州市/淳安县2023上半年.xlsx": a, "杭州市/建德市.xlsx": b})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename != "杭州市/淳安县2023上半年.xlsx"
    out = unpack("杭州.zip", data, LIMITS)
    assert out.kind == "zip" and not out.problems
    assert names(out) == ["杭州.zip/杭州市/淳安县2023上半年.xlsx", "杭州.zip/杭州市/建德市.xlsx"]
    assert [m.data for m in out.members] == [a, b]
    assert all(m.received_at is None for m in out.members)


def test_utf8_flag_zip_and_backslash_folders() -> None:
    a = workbook("永嘉")
    out = unpack(
        "温州.zip", utf8_zip({"温州市/永嘉县.xlsx": a, "说明\\永嘉县备注.txt": b"n"}), LIMITS
    )
    assert names(out) == ["温州.zip/温州市/永嘉县.xlsx", "温州.zip/说明/永嘉县备注.txt"]
    assert out.members[0].data == a


def test_gbk_name_with_backslash_trail_byte_and_gb18030() -> None:
    # 表 in GBK is B1 ED; 誠 ends in 0x5C, which must not split the name
    name = "誠信表.xlsx"
    assert b"\\" in name.encode("gbk")
    out = unpack("a.zip", gbk_zip({name: b"x"}), LIMITS)
    assert names(out) == ["a.zip/誠信表.xlsx"]
    out = unpack("b.zip", gbk_zip({"龑䶮.xlsx": b"y"}, codec="gb18030"), LIMITS)
    assert names(out) == ["b.zip/龑䶮.xlsx"]


def test_utf8_names_without_the_flag() -> None:
    # Info-ZIP on Linux writes UTF-8 bytes and leaves the flag clear
    out = unpack("u.zip", gbk_zip({"嘉兴市/海宁市.xlsx": b"h"}, codec="utf-8"), LIMITS)
    assert names(out) == ["u.zip/嘉兴市/海宁市.xlsx"]


def test_winrar_unicode_path_field_wins() -> None:
    raw = "丽水市.xlsx".encode("gbk")
    utf8 = "丽水市.xlsx".encode()
    body = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + utf8
    extra = struct.pack("<HH", 0x7075, len(body)) + body
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_RawName(raw, extra), b"z")
    info = zipfile.ZipFile(buf).infolist()[0]
    assert zip_member_name(info) == "丽水市.xlsx"


def test_nested_zip_and_stored_members() -> None:
    inner = gbk_zip({"衢江区.xlsx": workbook("衢江")})
    outer = utf8_zip({"衢州市/各县.zip": inner, "衢州市/柯城区.xlsx": workbook("柯城")}, 0)
    out = unpack("衢州.zip", outer, LIMITS)
    assert names(out) == ["衢州.zip/衢州市/各县.zip/衢江区.xlsx", "衢州.zip/衢州市/柯城区.xlsx"]
    assert out.members[0].data == workbook("衢江")


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_system_files_are_skipped_and_duplicates_kept_apart() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("__MACOSX/._a.xlsx", b"apple")
        zf.writestr("Thumbs.db", b"t")
        zf.writestr("dir/", b"")
        zf.writestr("a.xlsx", b"1")
        zf.writestr("a.xlsx", b"2")  # zip allows the same name twice
    out = unpack("m.zip", buf.getvalue(), LIMITS)
    assert names(out) == ["m.zip/a.xlsx", "m.zip/a (2).xlsx"]
    assert [m.data for m in out.members] == [b"1", b"2"]
    assert out.skipped == ["m.zip/__MACOSX/._a.xlsx", "m.zip/Thumbs.db"]


def test_documents_are_not_containers() -> None:
    assert container_kind(workbook("x")) is None
    docx = utf8_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
    ods = utf8_zip(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}
    )
    assert container_kind(docx) is None and container_kind(ods) is None
    assert container_kind(utf8_zip({"a.xlsx": workbook("x")})) == "zip"
    assert container_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) is None
    assert container_kind("县,数量\n淳安县,3\n".encode()) is None
    assert container_kind(b"Subject: only one header\n\nbody") is None
    assert unpack("x.xlsx", workbook("x"), LIMITS).kind == ""


def test_path_traversal_names_are_only_labels() -> None:
    evil = {
        "../../etc/cron.d/x.xlsx": b"1",
        "/etc/passwd.xlsx": b"2",
        "C:\\Windows\\evil.xlsx": b"3",
        "a/./../../b.xlsx": b"4",
        "..": b"5",
    }
    out = unpack("evil.zip", utf8_zip(evil), LIMITS)
    assert names(out) == [
        "evil.zip/etc/cron.d/x.xlsx",
        "evil.zip/etc/passwd.xlsx",
        "evil.zip/Windows/evil.xlsx",
        "evil.zip/a/b.xlsx",
        "evil.zip/文件5",
    ]
    for label in names(out):
        assert ".." not in label.split("/") and not label.startswith("/")


def test_encrypted_members_refused_with_a_clear_message() -> None:
    data = flag_encrypted(utf8_zip({"丽水市/莲都区.xlsx": b"secret", "青田县.xlsx": b"s2"}))
    out = unpack("丽水.zip", data, LIMITS)
    assert out.members == []
    [p] = out.problems
    assert p.code == "container-encrypted" and p.file == "丽水.zip"
    assert "莲都区.xlsx" in p.message and "密码" in p.message


def test_corrupt_archives_give_a_reason() -> None:
    good = utf8_zip({"a.xlsx": workbook("a")})
    out = unpack("坏.zip", good[: len(good) // 2], LIMITS)
    assert out.kind == "zip" and [p.code for p in out.problems] == ["container-corrupt"]
    assert "损坏" in out.problems[0].message
    assert container_kind(good[: len(good) // 2], "坏.xlsx") is None  # a cut workbook: sniff's
    stored = bytearray(utf8_zip({"a.txt": b"hello world" * 10}, zipfile.ZIP_STORED))
    stored[stored.find(b"hello") + 3] ^= 0xFF  # flip a byte: CRC mismatch
    out = unpack("crc.zip", bytes(stored), LIMITS)
    assert out.members == [] and out.problems[0].file == "crc.zip/a.txt"


# --- hostile sizes ----------------------------------------------------------------------------


def test_zip_bomb_ratio_refused() -> None:
    bomb = utf8_zip({"a.xlsx": b"\0" * 5_000_000})
    out = unpack("bomb.zip", bomb, LIMITS)
    assert out.members == [] and out.problems[0].code == "container-limit"
    assert "压缩比" in out.problems[0].message


def test_too_many_members_and_too_large_refused() -> None:
    many = utf8_zip({f"{i}.xlsx": b"x" for i in range(11)})
    out = unpack("many.zip", many, Limits(max_container_members=10))
    assert out.members == [] and "超过 10 个" in out.problems[0].message
    assert len(unpack("many.zip", many, Limits(max_container_members=11)).members) == 11
    big = utf8_zip({"a.bin": random.Random(1).randbytes(30_000)})
    out = unpack("big.zip", big, Limits(max_container_mb=0.02))
    assert out.members == [] and "过大" in out.problems[0].message


def test_nesting_depth_limited() -> None:
    data = utf8_zip({"a.xlsx": b"leaf"})
    for i in range(2):
        data = utf8_zip({f"level{i}.zip": data})
    assert names(unpack("top.zip", data, LIMITS)) == ["top.zip/level1.zip/level0.zip/a.xlsx"]
    deeper = utf8_zip({"level2.zip": data})
    out = unpack("top.zip", deeper, LIMITS)
    assert out.members == [] and "嵌套超过 3 层" in out.problems[0].message


# --- email messages ---------------------------------------------------------------------------


def client_email(
    attachments: dict[str, bytes], date: str = "Fri, 09 Jun 2023 16:20:00 +0800"
) -> bytes:
    """An email as a modern client saves it (RFC 2231 UTF-8 names)."""
    msg = EmailMessage()
    msg["From"] = "杭州市人社局 <hz@example.cn>"
    msg["To"] = "centre@example.cn"
    msg["Subject"] = "杭州市2023年上半年专家服务报表"
    msg["Date"] = date
    msg.set_content("附件是我市各县报表，请查收。")
    for name, data in attachments.items():
        msg.add_attachment(data, *XLSX_TYPE, filename=name)
    return bytes(msg)


def test_email_attachments_carry_date_and_sender() -> None:
    a, b = workbook("淳安"), workbook("桐庐")
    out = unpack("来信.eml", client_email({"淳安县.xlsx": a, "桐庐县.xlsx": b}), LIMITS)
    assert out.kind == "eml" and not out.problems
    assert names(out) == ["来信.eml/淳安县.xlsx", "来信.eml/桐庐县.xlsx"]
    assert [m.data for m in out.members] == [a, b]
    when = dt.datetime(2023, 6, 9, 16, 20, tzinfo=CHINA)
    assert all(m.received_at == when for m in out.members)
    assert out.members[0].sender == "杭州市人社局 <hz@example.cn>"
    [env] = out.messages
    assert env.subject == "杭州市2023年上半年专家服务报表" and "请查收" in env.body


def foxmail_email(disposition: bytes, body_charset: str = "gb2312") -> bytes:
    """An email as older Chinese clients write it: GBK everywhere, charset labels loose."""
    body = base64.b64encode("各县报表见附件。填报人：张喆".encode("gbk"))
    return (
        b"From: =?gb2312?B?"
        + base64.b64encode("宁波市人社局".encode("gbk"))
        + b"?= <nb@example.cn>\r\n"
        b"Subject: =?GBK?B?" + base64.b64encode("宁波报表".encode("gbk")) + b"?=\r\n"
        b"Date: Sat, 10 Jun 2023 23:10:00\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="==b=="\r\n\r\n'
        b"--==b==\r\nContent-Type: text/plain; charset=" + body_charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n"
        b"--==b==\r\nContent-Type: application/vnd.ms-excel\r\n"
        b"Content-Disposition: attachment; " + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(workbook("宁波"))
        + b"--==b==--\r\n"
    )


def _rfc2047(text: str, charset: str = "gb2312") -> bytes:
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode("gbk")) + b"?="


@pytest.mark.parametrize(
    "disposition",
    [
        b'filename="' + _rfc2047("宁海县上半年.xlsx") + b'"',
        b"filename*=gbk''"
        + urllib.parse.quote_from_bytes("宁海县上半年.xlsx".encode("gbk")).encode(),
        b"filename*0*=gb2312''%C4%FE%BA%A3%CF%D8; filename*1*=%C9%CF%B0%EB%C4%EA.xlsx",
        b'filename="' + "宁海县上半年.xlsx".encode("gbk") + b'"',  # raw 8-bit GBK, no encoding
        b'filename="' + _rfc2047("宁海县")[:-2] + b"?= " + _rfc2047("上半年.xlsx") + b'"',
    ],
    ids=["rfc2047-gb2312", "rfc2231-gbk", "rfc2231-continued", "raw-gbk", "split-words"],
)
def test_gbk_attachment_names(disposition: bytes) -> None:
    out = unpack("宁波.eml", foxmail_email(disposition), LIMITS)
    assert names(out) == ["宁波.eml/宁海县上半年.xlsx"]
    assert out.members[0].data == workbook("宁波")
    # no zone in the Date header: China time
    assert out.members[0].received_at == dt.datetime(2023, 6, 10, 23, 10, tzinfo=CHINA)
    assert out.members[0].sender == "宁波市人社局 <nb@example.cn>"
    assert out.messages[0].subject == "宁波报表"


def test_gb2312_label_with_gbk_characters() -> None:
    name = "张喆填报.xlsx"
    with pytest.raises(UnicodeEncodeError):
        name.encode("gb2312")
    disposition = b'filename="' + _rfc2047(name, "gb2312") + b'"'
    out = unpack("m.eml", foxmail_email(disposition), LIMITS)
    assert names(out) == ["m.eml/张喆填报.xlsx"]
    assert out.messages[0].body.endswith("张喆")  # body labelled gb2312, written in GBK


def test_nested_containers_are_listed_with_their_kind() -> None:
    inner = gbk_zip({"衢江区.xlsx": workbook("衢江")})
    mailed = client_email({"江山市.xlsx": workbook("江山")}, date="Mon, 05 Jun 2023 09:00:00 +0800")
    outer = utf8_zip(
        {"衢州市/各县.zip": inner, "来信.eml": mailed, "柯城区.xlsx": workbook("柯城")}
    )
    out = unpack("衢州.zip", outer, LIMITS)
    assert [(c.name, c.kind) for c in out.containers] == [
        ("衢州.zip/衢州市/各县.zip", "zip"),
        ("衢州.zip/来信.eml", "eml"),
    ]
    assert out.containers[0].data == inner
    assert all(not m.kind for m in out.members)
    assert "衢州.zip/衢州市/各县.zip/衢江区.xlsx" in names(out)


def test_zip_inside_email_and_forwarded_message() -> None:
    z = gbk_zip({"舟山市/岱山县.xlsx": workbook("岱山")})
    inner = client_email({"嵊泗县.xlsx": workbook("嵊泗")}, date="Mon, 05 Jun 2023 09:00:00 +0800")
    outer = EmailMessage()
    outer["From"] = "zs@example.cn"
    outer["Date"] = "Thu, 08 Jun 2023 10:00:00 +0800"
    outer["Subject"] = "Fwd"
    outer.set_content("转发")
    outer.add_attachment(z, "application", "zip", filename="舟山.zip")
    forwarded = message_from_bytes(inner, policy=policy.default)
    outer.add_attachment(forwarded, filename="原邮件.eml")  # message/rfc822
    out = unpack("舟山.eml", bytes(outer), LIMITS)
    assert not out.problems
    assert names(out) == ["舟山.eml/舟山.zip/舟山市/岱山县.xlsx", "舟山.eml/原邮件.eml/嵊泗县.xlsx"]
    assert out.members[1].data == workbook("嵊泗")
    when = dt.datetime(2023, 6, 8, 10, 0, tzinfo=CHINA)  # the email that reached the centre
    assert [m.received_at for m in out.members] == [when, when]
    assert [(c.name, c.kind) for c in out.containers] == [
        ("舟山.eml/舟山.zip", "zip"),
        ("舟山.eml/原邮件.eml", "eml"),
    ]
    assert [c.received_at for c in out.containers] == [when, when]


def test_emails_inside_a_zip_keep_their_own_dates() -> None:
    e1 = client_email({"a.xlsx": b"1"}, date="Mon, 05 Jun 2023 09:00:00 +0800")
    e2 = client_email({"b.xlsx": b"2"}, date="Tue, 06 Jun 2023 02:00:00 +0000")
    out = unpack("mails.zip", gbk_zip({"邮件一.eml": e1, "邮件二.eml": e2}), LIMITS)
    assert names(out) == ["mails.zip/邮件一.eml/a.xlsx", "mails.zip/邮件二.eml/b.xlsx"]
    assert [m.received_at for m in out.members] == [
        dt.datetime(2023, 6, 5, 9, tzinfo=CHINA),
        dt.datetime(2023, 6, 6, 10, tzinfo=CHINA),
    ]


def test_email_without_attachments_and_embedded_images() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.cn"
    msg["Date"] = "bad date"
    msg.set_content("只有正文")
    msg.add_alternative("<p>只有正文<img src='cid:logo'></p>", subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG....", "image", "png", cid="<logo>")
    out = unpack("空.eml", bytes(msg), LIMITS)
    assert out.members == [] and [p.code for p in out.problems] == ["container-empty"]
    assert out.messages[0].date is None and len(out.skipped) == 1


def test_saved_emails_are_recognised_by_their_headers() -> None:
    thunderbird = (
        b"From - Fri Jun 09 16:21:00 2023\r\nX-Mozilla-Status: 0001\r\n"
        + b"Received: from mx (mx [10.0.0.1])\r\n  by centre; Fri, 9 Jun 2023 16:20:05 +0800\r\n"
        * 400
        + client_email({"a.xlsx": b"a"})
    )
    assert len(thunderbird) > 16384  # long routing headers before From
    assert container_kind(thunderbird) == "eml"
    out = unpack("t.eml", thunderbird, LIMITS)
    assert names(out) == ["t.eml/a.xlsx"] and out.members[0].received_at is not None
    assert container_kind(b"From: a@example.cn\nTo: b@example.cn\n\nhello") == "eml"


def test_outlook_msg_asks_for_eml() -> None:
    fake = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "__substg1.0_3701".encode("utf-16-le")
    )
    out = unpack("来信.msg", fake, LIMITS)
    assert out.kind == "msg" and out.members == []
    assert out.problems[0].code == "container-msg" and ".eml" in out.problems[0].message


def test_hostile_bytes_never_raise() -> None:
    rng = random.Random(2023)
    seeds = [
        client_email({"a.xlsx": workbook("a")}),
        foxmail_email(b'filename="' + _rfc2047("宁海县.xlsx") + b'"'),
        gbk_zip({"温州/a.xlsx": workbook("a"), "b.eml": client_email({"c.xlsx": b"c"})}),
    ]
    for _ in range(150):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(len(data)) :]
        out = unpack("x", bytes(data), LIMITS)
        assert all(isinstance(m.name, str) and m.name.startswith("x/") for m in out.members)


# --- the limits in the policy file ------------------------------------------------------------


def test_container_limits_in_policy() -> None:
    p = load_policy(POLICY_DIR / "2023.toml")
    assert p.limits.max_container_members == 500 and p.limits.max_container_depth == 3
    assert p.limits.max_container_mb == 200


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("max_container_members = 500", "max_container_members = 0", "应为正整数"),
        ("max_container_members = 500", "max_container_members = 2.5", "应为正整数"),
        ("max_container_depth = 3", 'max_container_depth = "三"', "max_container_depth"),
        ("max_container_mb = 200", "max_container_mb = -1", "应为正数"),
        ("max_container_mb = 200", "max_container_mb = true", "应为正数"),
    ],
)
def test_container_limit_mistakes_are_named(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    for f in POLICY_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "2023.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_policy(path)
    path.write_text(text.replace("max_container_mb = 200", "max_container_mb = 0.5"), "utf-8")
    assert load_policy(path).limits.max_container_mb == 0.5
