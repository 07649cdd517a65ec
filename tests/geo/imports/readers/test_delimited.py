"""CSV: delimiters, line numbers, headers, fields over the csv module's limit, streaming."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidFile
from geo.imports.readers import EXTRA_KEY, MAX_CELL_CHARS, open_source
from geo.imports.readers.delimited import _long_record
from tests.geo.imports.fixtures import HEADERS, STATIONS, csv_text, write_csv
from tests.geo.imports.readers.common import NAMES, assert_invalid_file, read_all


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        (csv_text([HEADERS, *STATIONS], delimiter="\t"), "tab"),  # addresses hold commas too
        (csv_text([HEADERS, *STATIONS], delimiter=";"), "semicolon"),  # European Excel
        (csv_text([HEADERS, *STATIONS], delimiter="|"), "pipe"),  # database dumps
        (csv_text([HEADERS, *STATIONS]), "comma"),  # quoted cells hold commas
        ("sep=;\r\n" + csv_text([HEADERS, *STATIONS], delimiter=";"), "semicolon"),  # Excel hint
    ],
)
def test_csv_delimiter_is_sniffed(tmp_path: Path, text: str, delimiter: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    source, got = read_all(path)
    assert f"delimiter: {delimiter}" in source.notes
    assert source.headers == HEADERS
    assert [r.values["服务内容"] for r in got] == [row[5] for row in STATIONS]


def test_csv_row_numbers_are_physical_lines(tmp_path: Path) -> None:
    text = (
        "名称,地址\n"  # line 1: header
        "站A,朝阳\n"  # line 2
        '站B,"第一行\n第二行"\n'  # lines 3-4: a quoted cell spanning two lines
        "站C,海淀\n"  # line 5
        ",\n"  # line 6: a row of blank cells, skipped
        "\n"  # line 7: a blank line, skipped
        "站D,丰台\n"  # line 8
    )
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    _, got = read_all(path)
    assert [(r.number, r.values["名称"]) for r in got] == [
        (2, "站A"),
        (3, "站B"),
        (5, "站C"),
        (8, "站D"),
    ]
    assert got[1].values["地址"] == "第一行\n第二行"


def test_csv_header_below_title_lines(tmp_path: Path) -> None:
    rows = [
        ["朝阳区工会驿站名单", "", "", "", "", ""],  # line 1: a title, one cell
        ["填报单位：朝阳区总工会", "", "", "", "日期：2024年5月", ""],  # line 2: two of six cells
        HEADERS,  # line 3
        *STATIONS,
    ]
    source, got = read_all(write_csv(tmp_path / "s.csv", rows))
    assert source.headers == HEADERS
    assert [r.number for r in got] == [4, 5, 6]
    assert "header found on line 3; the lines above it were skipped" in source.notes


def test_csv_cells_headers_and_ragged_rows(tmp_path: Path) -> None:
    rows = [
        ["名称", "电话", "", "电话", " 地址 "],  # a blank header, a repeated one, spaces
        ["  站A ", "010-1", "x", "010-2", ""],  # strings stripped, blank -> None
        ["站B", "010-3"],  # short row: missing cells are None
        ["站C", "", "", "", "朝阳", "多余1", "", "多余2"],  # cells beyond the headers kept
    ]
    source, got = read_all(write_csv(tmp_path / "s.csv", rows))
    assert source.headers == ["名称", "电话", "column_3", "电话.2", "地址"]
    assert got[0].values == {
        "名称": "站A",
        "电话": "010-1",
        "column_3": "x",
        "电话.2": "010-2",
        "地址": None,
    }
    assert got[1].values["地址"] is None
    assert got[2].values[EXTRA_KEY] == ["多余1", "多余2"]
    assert EXTRA_KEY not in got[0].values
    assert any("'电话.2'" in n for n in source.notes)
    assert all(r.point is None and r.geometry_problem is None for r in got)


@pytest.mark.parametrize(
    ("line", "quoted"),
    [
        (2, False),  # within the lines sniffed for the delimiter
        (2, True),  # quoted, and spanning 5 lines
        (70, False),  # after them
        (70, True),
    ],
)
def test_csv_field_over_the_csv_modules_limit(tmp_path: Path, line: int, quoted: bool) -> None:
    """Python's csv stops at 131,072 characters: the record is read again, its cell cut to
    Excel's limit + 1 (rejected later as too long), and every other record is read."""
    huge = "路" * 200_000
    if quoted:
        huge = '"' + "\n".join([huge, "第二行", "第三行, 含逗号", '含""引号""', "末行"]) + '"'
    lines = ["名称,经度,纬度,地址"]
    lines += [f"站{i},116.{i:04d},39.9,地址{i}" for i in range(2, line)]
    lines.append(f"长,116.5,39.9,{huge}")
    lines += [f"后{i},116.{i:04d},39.8,地址{i}" for i in range(3)]
    path = tmp_path / "s.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    source, got = read_all(path)
    assert source.headers == ["名称", "经度", "纬度", "地址"]
    assert "delimiter: comma" in source.notes
    span = 5 if quoted else 1
    assert [r.number for r in got] == [
        *range(2, line), line, *range(line + span, line + span + 3),
    ]  # fmt: skip
    long_row = got[line - 2]
    assert (long_row.values["名称"], long_row.values["纬度"]) == ("长", "39.9")
    assert long_row.values["地址"] is None
    assert long_row.oversized == ("地址",)
    assert [r.values["名称"] for r in got[line - 1 :]] == ["后0", "后1", "后2"]
    assert got[-1].values["地址"] == "地址2"


def test_csv_long_record_parser_agrees_with_the_csv_module() -> None:
    """The parser of records over csv's limit reads every record as csv does."""
    examples = [
        'a,b,c\r\n', 'a,,\n', '"a,b",c\n', '"a""b",c\n', '"a\nb",c\r\n', '"a"b,c\n',
        'a"b",c\n', '"",x\n', '"unterminated\n', 'last,line', 'x,"y"\r', ',\n',
    ]  # fmt: skip
    for text in examples:
        assert_same_records(text, ",")


def assert_same_records(text: str, delimiter: str) -> None:
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    lines = iter(io.StringIO(text, newline=""))
    got = []
    for first in lines:
        if first in ("\n", "\r\n", "\r"):  # a blank line: csv gives []
            got.append([])
            continue
        cells, too_long = _long_record(iter([first]), lines, delimiter)
        assert too_long == []
        got.append(cells)
    assert got == expected, text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    text=st.text(alphabet=st.sampled_from(list('ab ,;"\r\n')), max_size=40),
    delimiter=st.sampled_from([",", ";"]),
)
def test_csv_long_record_parser_agrees_on_any_text(text: str, delimiter: str) -> None:
    assert_same_records(text, delimiter)


def test_csv_long_record_parser_drops_long_fields_and_says_which() -> None:
    lines = iter(
        ['x,"' + "y" * 600_000 + "\n", "y" * 600_000 + '",z,' + "w" * MAX_CELL_CHARS + "\n"]
    )
    cells, too_long = _long_record(lines, iter(["next,record\n"]), ",")
    assert (cells, too_long) == (["x", "", "z", "w" * MAX_CELL_CHARS], [1])


def test_csv_header_only_has_no_rows(tmp_path: Path) -> None:
    source, got = read_all(write_csv(tmp_path / "s.csv", [HEADERS]))
    assert source.headers == HEADERS
    assert got == []
    assert source.total_rows is None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),  # a zero-byte upload
        (b"\r\n  \r\n", "no header"),  # only blank lines
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8, "not a text CSV"),  # zip
        (bytes(range(1, 32)) * 200, "not a text CSV"),  # control characters, no NUL
        (b"\x80\x81\xfd\xfe\xff" * 100 + b"\x00", "not a text CSV"),  # junk with a NUL
        (b"name\n\x81\x20\xff\n", "neither UTF-8 nor GBK"),  # undecodable, still text-like
    ],
)
def test_csv_that_is_not_a_station_list(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, fragment)


@pytest.mark.slow
def test_csv_is_streamed_in_flat_memory(tmp_path: Path) -> None:
    n = 200_000
    line = "驿站{0},116.{0:06d},39.{0:06d},北京市朝阳区某某街道{0}号,饮水、热饭\n"
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("名称,经度,纬度,地址,服务内容\n")
        for i in range(n):
            f.write(line.format(i))
    limit = 4 * 2**20
    assert path.stat().st_size > 3 * limit  # holding the file would break the limit
    tracemalloc.start()
    try:
        with open_source(path) as source:
            count = sum(1 for _ in source.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    assert peak < limit


def test_csv_rows_are_read_lazily(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv")
    with open_source(path) as source:
        first = next(source.rows)
        path.write_text("名称\n换了\n", encoding="utf-8")  # rewritten after the first row
    assert first.values["驿站名称"] == NAMES[0]
