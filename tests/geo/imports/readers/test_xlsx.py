"""XLSX: titles above the header, cell types, sheets, formulas without stored results."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from geo.errors import InvalidFile
from geo.imports.readers import EXTRA_KEY, open_source
from tests.geo.imports.fixtures import HEADERS, STATIONS, write_xlsx
from tests.geo.imports.readers.common import NAMES, assert_invalid_file, read_all

XLSX_ROWS: list[list[Any]] = [
    ["北京市朝阳区工会驿站名单"],  # row 1: title (a merged cell in real files)
    ["填报单位：朝阳区总工会", None, None, None, "日期：2024年5月"],  # row 2: subtitle
    ["序号", "驿站名称", "经度(高德)", "纬度(高德)", "停车位", "建成日期", "开放时间"],  # row 3
    [1, "  朝阳门工会驿站 ", 116.4340, 39.9243, 3, datetime(2021, 5, 1), "24小时"],  # row 4
    [],  # row 5: blank
    [2, "望京暖心驿站", 116.4700, 39.9960, None, datetime(2022, 1, 9), "08:00-20:00"],  # row 6
    [],  # row 7: blank
    [],  # row 8: blank
    [3, "国贸户外劳动者驿站", "116.4590", "39.9090", 0, None, None, None, "备注"],  # row 9
]


def test_xlsx_header_below_titles_and_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", {"驿站": XLSX_ROWS})
    source, got = read_all(path)
    assert source.format == "xlsx"
    assert source.sheet == "驿站"
    assert source.headers == XLSX_ROWS[2]
    assert [r.number for r in got] == [4, 6, 9]
    assert source.total_rows == 6  # rows 4-9, blank ones included: a progress-bar bound
    assert "header found on row 3; the rows above it were skipped" in source.notes


def test_xlsx_cells_keep_their_types(tmp_path: Path) -> None:
    _, got = read_all(write_xlsx(tmp_path / "s.xlsx", {"驿站": XLSX_ROWS}))
    first, second, third = (r.values for r in got)
    assert first["驿站名称"] == "朝阳门工会驿站"  # stripped
    assert first["序号"] == 1
    assert isinstance(first["序号"], int)
    assert first["经度(高德)"] == pytest.approx(116.4340)
    assert first["停车位"] == 3
    assert first["建成日期"] == datetime(2021, 5, 1)
    assert second["停车位"] is None
    assert third["经度(高德)"] == "116.4590"  # numbers stored as text stay text
    assert third["停车位"] == 0
    assert third[EXTRA_KEY] == ["备注"]


ALL = [HEADERS, *STATIONS]
ONE = [HEADERS, STATIONS[0]]


@pytest.mark.parametrize(
    ("sheets", "hidden", "option", "expected"),
    [
        # an empty first sheet is passed over
        ({"说明": [], "名单": ALL}, (), None, "名单"),
        # so is a hidden one (usually a lookup list)
        ({"代码表": ONE, "名单": ALL}, ("代码表",), None, "名单"),
        # chosen by name
        ({"名单": ONE, "第二批": ALL}, (), "第二批", "第二批"),
        # by name, ignoring case and surrounding spaces
        ({"名单": ONE, "Batch 2": ALL}, (), " batch 2", "Batch 2"),
        # a cover page first (title lines, no station columns): the list is read
        ({"说明": [["2026年驿站名录"], ["填报单位：朝阳区总工会"]], "名单": ALL}, (), None, "名单"),
        # ... and a summary table is no list either
        ({"汇总": [["区", "数量"], ["朝阳区", 3]], "名单": ALL}, (), None, "名单"),
    ],
)
def test_xlsx_sheet_selection(
    tmp_path: Path,
    sheets: dict[str, list[list[Any]]],
    hidden: tuple[str, ...],
    option: str | None,
    expected: str,
) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", sheets, hidden=hidden)
    source, got = read_all(path, sheet=option)
    assert source.sheet == expected
    assert [r.values["驿站名称"] for r in got] == NAMES


def test_no_sheet_like_a_list_names_the_sheets_and_the_option(tmp_path: Path) -> None:
    """Issue 14: the list was on a sheet nobody named; the refusal said to map columns."""
    from geo.imports.runner import import_file
    from geo.registry import open_registry

    cover = [["2026年驿站名录"], ["填报单位：朝阳区总工会"]]
    path = write_xlsx(tmp_path / "s.xlsx", {"说明": cover, "汇总": [["区", "数量"], ["朝阳区", 3]]})
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with pytest.raises(InvalidFile) as excinfo:
            import_file(registry, path, mode="dry_run")
    finally:
        registry.close()
    assert "the workbook's sheets: '说明', '汇总'" in excinfo.value.message
    assert "sheet option (--sheet NAME, or the form field sheet)" in excinfo.value.message
    assert "工作簿中的工作表：“说明”、“汇总”" in excinfo.value.message_zh
    assert "sheet 选项选择驿站名录所在的工作表（--sheet 工作表名，或表单字段 sheet）" in (
        excinfo.value.message_zh
    )


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", {"名单": [HEADERS], "第二批": [HEADERS]})
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, sheet="第三批")
    assert_invalid_file(excinfo, "'第三批'", "名单, 第二批")


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda good: good[: len(good) // 2], "cannot be read"),  # a truncated upload
        (lambda good: b"not a zip at all", "cannot be read"),  # text renamed .xlsx
        (lambda good: bytes(len(good)), "cannot be read"),  # zeros
    ],
)
def test_xlsx_corrupt_file(tmp_path: Path, make: Any, fragment: str) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", {"名单": [HEADERS, *STATIONS]}).read_bytes()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make(good))
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, fragment)


def test_xlsx_without_data(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", {"空": []})
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, "no data")


def test_xlsx_with_a_wrong_recorded_size(tmp_path: Path) -> None:
    # Some writers record <dimension ref="A1"/>: trusting it would drop every row but one.
    good = write_xlsx(tmp_path / "good.xlsx", {"名单": [HEADERS, *STATIONS]})
    path = tmp_path / "s.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            dst.writestr(item, data)
    source, got = read_all(path)
    assert source.headers == HEADERS
    assert [r.values["驿站名称"] for r in got] == NAMES


def test_header_with_a_number_in_it(tmp_path: Path) -> None:
    rows = [["驿站名单"], ["名称", "经度", "纬度", 2024], ["站A", 116.4, 39.9, "是"]]
    source, got = read_all(write_xlsx(tmp_path / "s.xlsx", {"名单": rows}))
    assert source.headers == ["名称", "经度", "纬度", "2024"]
    assert got[0].values["2024"] == "是"


def with_cells(path: Path, cells: dict[str, str]) -> Path:
    """The workbook with the text cells holding a key of `cells` replaced by the XML
    given (what Excel writes for a formula, which openpyxl cannot write)."""
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    for placeholder, cell in cells.items():
        xml, n = re.subn(
            rf'<c r="(\w+)" t="inlineStr"><is><t>{placeholder}</t></is></c>',
            lambda m, cell=cell: cell.format(ref=m.group(1)), xml,
        )  # fmt: skip
        assert n == 1, placeholder
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_xlsx_formulas_without_a_stored_result_are_not_blank(tmp_path: Path) -> None:
    """openpyxl and other writers that do not calculate store no formula results: such a
    row used to vanish, and the rows after it kept their numbers only by luck."""
    rows: list[list[Any]] = [
        ["驿站名称", "经度", "纬度", "备注"],  # row 1
        ["站A", 116.40, 39.90, None],  # row 2
        ['=A2&"二号"', "=B2+0.01", "=C2", None],  # row 3: formulas only
        [],  # row 4: blank
        ["站C", 116.42, 39.90, "=LEN(A5)"],  # row 5: a formula in a column not imported
        [None, None, None, "=NOW()"],  # row 6: nothing but a formula
        ["CACHED-NUMBER", "CACHED-TEXT", "CACHED-EMPTY", None],  # row 7: as Excel stores
        ["站E", 116.44, 39.90, None],  # row 8
    ]
    path = with_cells(
        write_xlsx(tmp_path / "s.xlsx", {"驿站": rows}),
        {
            "CACHED-NUMBER": '<c r="{ref}"><f>1+1</f><v>2</v></c>',
            "CACHED-TEXT": '<c r="{ref}" t="str"><f>"站"&amp;"D"</f><v>站D</v></c>',
            "CACHED-EMPTY": '<c r="{ref}" t="str"><f>IF(1,"","")</f><v></v></c>',
        },
    )
    _source, got = read_all(path)
    assert [r.number for r in got] == [2, 3, 5, 6, 7, 8]
    by_row = {r.number: r for r in got}
    assert by_row[3].uncached == ("驿站名称", "经度", "纬度")
    assert by_row[3].values == {"驿站名称": None, "经度": None, "纬度": None, "备注": None}
    assert (by_row[5].values["驿站名称"], by_row[5].uncached) == ("站C", ("备注",))
    assert by_row[6].uncached == ("备注",)
    assert by_row[7].values == {"驿站名称": 2, "经度": "站D", "纬度": None, "备注": None}
    assert by_row[7].uncached == ()  # a formula that gave "" is blank, not missing
    assert by_row[8].values["驿站名称"] == "站E"


def test_xlsx_formulas_in_the_header_row_name_no_column(tmp_path: Path) -> None:
    rows = [['=UPPER("x")', "=B9"], ["驿站名称", "经度", "纬度"], ["站A", 116.4, 39.9]]
    source, got = read_all(write_xlsx(tmp_path / "s.xlsx", {"s": rows}))
    assert source.headers == ["驿站名称", "经度", "纬度"]
    assert [(r.number, r.values["驿站名称"]) for r in got] == [(3, "站A")]
