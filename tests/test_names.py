"""File names as a Chinese Windows user meant them: real GBK-named files on disk, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aggregator.store.names import decode_name, decode_path, escape_bytes, name_bytes

GBK_NAME = "杭州市淳安县2023年上半年报表.xlsx"


def _touch(folder: bytes, name: bytes, data: bytes = b"x") -> bytes:
    """Create a file with a raw bytes name (as a Samba share or an old unzip would)."""
    path = os.path.join(folder, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return path


def test_utf8_names_stay_as_they_are() -> None:
    assert decode_name(GBK_NAME) == GBK_NAME
    assert decode_name(GBK_NAME.encode()) == GBK_NAME
    assert decode_name("plain.xlsx") == "plain.xlsx"
    assert decode_name(Path("景宁畲族自治县.xlsx")) == "景宁畲族自治县.xlsx"


def test_gbk_file_on_disk_is_read_as_meant(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    _touch(folder, GBK_NAME.encode("gbk"))
    listed_str = os.listdir(tmp_path)  # str with lone surrogates, as Python gives on Linux
    listed_bytes = os.listdir(folder)
    assert len(listed_str) == 1 and listed_str[0] != GBK_NAME
    with pytest.raises(UnicodeEncodeError):
        listed_str[0].encode("utf-8")  # what used to stop every run
    assert decode_name(listed_str[0]) == GBK_NAME
    assert decode_name(listed_bytes[0]) == GBK_NAME
    assert decode_name(next(tmp_path.iterdir()).name) == GBK_NAME


def test_gb18030_only_characters() -> None:
    # 䶮 (U+4DAE) is outside GBK but in GB18030: four bytes.
    name = "龑䶮报表.xlsx"
    raw = name.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    assert decode_name(raw) == name


def test_names_in_folders_mixed(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    city = os.path.join(root, "温州市".encode("gbk"))
    os.mkdir(city)
    county = os.path.join(city, "文成县".encode())  # a UTF-8 folder inside a GBK one
    os.mkdir(county)
    _touch(county, "文成县上半年.xlsx".encode("gbk"))
    _touch(city, "说明.txt".encode())
    found = sorted(
        decode_path(os.path.relpath(os.path.join(d, f), root))
        for d, _, files in os.walk(root)
        for f in files
    )
    assert found == ["温州市/文成县/文成县上半年.xlsx", "温州市/说明.txt"]
    # the same through str paths with surrogates, as pathlib.rglob gives them
    via_str = sorted(decode_path(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.*"))
    assert via_str == found


def test_undecodable_bytes_are_escaped_losslessly() -> None:
    raw = b"report-\xff\xfe-\xe6\x9d\xad.xlsx"  # not UTF-8, not GBK; ends with a UTF-8 杭
    text = decode_name(raw)
    assert text == "report-\\xff\\xfe-杭.xlsx"
    assert escape_bytes(b"a\\b\x80") == "a\\\\b\\x80"
    # different bytes never give the same escape
    assert escape_bytes(b"\x80") != escape_bytes(b"\\x80")


def test_control_characters_are_shown_not_obeyed() -> None:
    assert decode_name("a\nb.xlsx") == "a\\x0ab.xlsx"
    assert "\n" not in decode_path(b"dir\n/f\r.xlsx")


def test_gbk_reading_with_private_use_is_not_trusted() -> None:
    raw = b"\xaa\xa1.xlsx"  # GBK user-defined area: private-use characters, not a real name
    assert decode_name(raw) == "\\xaa\\xa1.xlsx"


@pytest.mark.parametrize(
    "value",
    [
        "\udcff\udcfe",
        "\ud800lone",  # a surrogate surrogateescape cannot map back
        b"",
        b"\x00",
        "",
        b"../../etc/passwd",
    ],
)
def test_never_raises(value: str | bytes) -> None:
    assert isinstance(decode_name(value), str)
    assert isinstance(decode_path(value), str)
    assert isinstance(name_bytes(value), bytes)


def test_path_drops_empty_and_dot_parts() -> None:
    assert decode_path(b"./a//b/./c.xlsx") == "a/b/c.xlsx"
    assert decode_path("市".encode("gbk") + b"/x.xlsx") == "市/x.xlsx"
