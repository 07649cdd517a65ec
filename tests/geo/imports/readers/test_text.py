"""Text encodings: detected for CSV, stated and checked (only character encodings)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from geo.errors import InvalidFile, InvalidParameter
from geo.imports.readers import open_source
from geo.imports.readers.text import character_encodings
from tests.geo.imports.fixtures import (
    HEADERS,
    STATIONS,
    feature,
    point,
    write_csv,
    write_geojson,
    write_xlsx,
)
from tests.geo.imports.readers.common import NAMES, assert_invalid_file, read_all


@pytest.mark.parametrize(
    ("written_as", "detected"),
    [
        ("utf-8", "utf-8"),  # the common case, also plain ASCII
        ("utf-8-sig", "utf-8-sig"),  # Excel's "CSV UTF-8": the BOM must not reach the header
        ("gbk", "gb18030"),  # WPS / older Excel on Chinese Windows
        ("gb18030", "gb18030"),  # includes characters outside GBK (row added below)
        ("utf-16", "utf-16"),  # Excel's "Unicode text" export
    ],
)
def test_csv_encoding_is_detected(tmp_path: Path, written_as: str, detected: str) -> None:
    rows = [HEADERS, *STATIONS]
    if written_as == "gb18030":
        rows.append(["4", "𠀾驿站", "116.40", "39.90", "北京", "饮水"])  # CJK Ext. B: not in GBK
    path = write_csv(tmp_path / "s.csv", rows, encoding=written_as)
    source, got = read_all(path)
    assert source.format == "csv"
    assert source.encoding == detected
    assert source.headers == HEADERS
    assert [r.values["驿站名称"] for r in got] == [row[1] for row in rows[1:]]
    assert got[0].values["服务内容"] == "饮水、热饭"
    assert f"encoding detected: {detected}" in source.notes


def test_stated_encoding_overrides_detection(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", encoding="gbk")
    source, got = read_all(path, encoding="GBK")
    assert source.encoding == "gbk"
    assert [r.values["驿站名称"] for r in got] == NAMES


def test_a_wrong_stated_encoding_says_where_it_fails(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", encoding="gbk")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, encoding="utf-8")
    assert_invalid_file(excinfo, "not valid utf-8", "line 1")
    assert "第 1 行" in excinfo.value.message_zh


@pytest.mark.parametrize(
    "stated",
    [
        "GBK",  # any case
        "cp936",  # Windows' name for GBK
        "GB2312",  # what many Chinese tools say (GBK reads it too, but it is stated)
        "utf8",  # an alias
        "UTF-8-SIG",
    ],
)
def test_stated_encoding_aliases(tmp_path: Path, stated: str) -> None:
    written_as = "utf-8-sig" if "utf" in stated.lower() else "gbk"
    path = write_csv(tmp_path / "s.csv", encoding=written_as)
    source, got = read_all(path, encoding=stated)
    assert source.encoding == codecs.lookup(stated).name
    assert [r.values["驿站名称"] for r in got] == NAMES


# Codecs Python has that are no character encoding, and names that are none at all.
REFUSED_ENCODINGS = [
    "bz2_codec",  # 177 bytes inflated to 200 MB
    "zlib_codec",  # compression too
    "base64_codec",  # bytes to bytes
    "hex",  # bytes to bytes
    "uu_codec",  # bytes to bytes
    "quopri_codec",  # bytes to bytes
    "rot13",  # text to text
    "undefined",  # always fails
    "unicode_escape",  # reads backslashes, not a file's characters
    "idna",  # domain names
    "punycode",  # domain names
    "klingon",  # unknown
    "",  # blank
    "utf-8\x00",  # a NUL: codecs.lookup would raise ValueError
    "g" * 10_000,  # long: not looked up, and not echoed whole
]


@pytest.mark.parametrize("stated", REFUSED_ENCODINGS, ids=lambda v: repr(v[:20]))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson"])
def test_stated_encoding_must_be_a_character_encoding(
    tmp_path: Path, stated: str, suffix: str
) -> None:
    """Refused whatever the file (an option that is wrong is wrong even where it is
    ignored), before anything is decoded."""
    path = {
        ".csv": lambda p: write_csv(p),
        ".xlsx": lambda p: write_xlsx(p, {"s": [HEADERS, *STATIONS]}),
        ".geojson": lambda p: write_geojson(p, [feature(point(116.4, 39.9), {"名称": "站A"})]),
    }[suffix](tmp_path / f"s{suffix}")
    with pytest.raises(InvalidParameter) as excinfo:
        open_source(path, encoding=stated)
    error = excinfo.value
    assert error.code == "invalid_parameter"
    shown = repr(stated if len(stated) <= 40 else stated[:40] + "…")
    for message in (error.message, error.message_zh):
        assert shown in message
        assert "utf-8, utf-8-sig, gbk, gb18030" in message.replace("、", ", ")
        assert "big5" in message
        assert len(message) < 600
    assert "encoding" in error.message
    assert "编码" in error.message_zh
    [detail] = error.details
    assert detail["parameter"] == "encoding"
    assert detail["accepted"][:4] == ["utf-8", "utf-8-sig", "gbk", "gb18030"]


def test_the_accepted_encodings_are_character_encodings() -> None:
    accepted = character_encodings()
    for name in (
        "utf-8",
        "utf-8-sig",
        "gbk",
        "gb18030",
        "gb2312",
        "big5",
        "big5hkscs",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "iso8859-1",
        "cp1252",
        "shift_jis",
    ):
        assert name in accepted
    for name in (
        "bz2",
        "zlib",
        "base64",
        "hex",
        "uu",
        "quopri",
        "rot-13",
        "undefined",
        "unicode-escape",
        "raw-unicode-escape",
        "idna",
        "punycode",
    ):
        assert name not in accepted
    for name in accepted:  # every one turns text into bytes and back, incrementally
        data = "name,lon\n".encode(name)
        assert codecs.getincrementaldecoder(name)().decode(data, final=True) == "name,lon\n"
