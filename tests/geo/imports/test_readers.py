"""Reading station lists: encodings, delimiters, row numbers, sheets, geometries, bad files."""

from __future__ import annotations

import contextlib
import os
import re
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer

from geo.errors import InvalidFile
from geo.imports.readers import EXTRA_KEY, RawRow, Source, open_source
from tests.geo.imports.fixtures import (
    HEADERS,
    STATIONS,
    csv_text,
    feature,
    point,
    shapefile_parts,
    write_csv,
    write_geojson,
    write_vector,
    write_xlsx,
    write_zip,
)

NAMES = [row[1] for row in STATIONS]
LONLATS = [(116.4340, 39.9243), (116.4700, 39.9960), (116.4590, 39.9090)]  # WGS84


def read_all(path: Path, **options: Any) -> tuple[Source, list[RawRow]]:
    """Open `path` and read every row."""
    with open_source(path, **options) as source:
        return source, list(source.rows)


def open_fds_on(path: Path) -> int:
    """How many of this process's file descriptors point at `path` (Linux)."""
    fd_dir = Path("/proc/self/fd")
    count = 0
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):  # the fd of the listing itself, already closed
            count += Path(os.readlink(fd)) == path.resolve()
    return count


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


def assert_invalid_file(excinfo: pytest.ExceptionInfo[InvalidFile], *fragments: str) -> None:
    """The error has an English and a Chinese message, the English naming `fragments`."""
    error = excinfo.value
    assert error.code == "invalid_file"
    assert error.message_zh
    assert error.message_zh != error.message
    for fragment in fragments:
        assert fragment in error.message


# --------------------------------------------------------------------------- CSV


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


@pytest.mark.parametrize(
    ("written_as", "stated", "fragment"),
    [
        ("gbk", "utf-8", "not valid utf-8"),  # the wrong encoding stated: say where it fails
        ("utf-8", "no-such-codec", "unknown encoding"),  # a typo in the option
    ],
)
def test_stated_encoding_errors(
    tmp_path: Path, written_as: str, stated: str, fragment: str
) -> None:
    path = write_csv(tmp_path / "s.csv", encoding=written_as)
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, encoding=stated)
    assert_invalid_file(excinfo, fragment)


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


# --------------------------------------------------------------------------- XLSX

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


@needs_proc
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_file_is_closed_when_done_or_closed(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        write_csv(path)
    else:
        write_xlsx(path, {"名单": [HEADERS, *STATIONS]})
    source = open_source(path)
    assert open_fds_on(path) <= 1  # CSV opens the file on the first row
    list(source.rows)  # exhausted: closed
    assert open_fds_on(path) == 0
    with open_source(path) as source:
        next(source.rows)  # abandoned after one row
    assert open_fds_on(path) == 0
    open_source(path).close()  # never iterated
    assert open_fds_on(path) == 0


def test_upload_name_decides_the_format(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "upload-7f3a", {"名单": [HEADERS, *STATIONS]})
    source, got = read_all(path, filename="驿站名单.XLSX")
    assert source.format == "xlsx"
    assert len(got) == 3


# --------------------------------------------------------------------------- file types


@pytest.mark.parametrize(
    ("filename", "fragments"),
    [
        ("名单.xls", ("save it as .xlsx",)),  # old binary Excel
        ("名单.docx", ("unsupported", ".csv", ".xlsx", ".zip")),  # lists what is supported
        ("名单", ("(no extension)",)),  # no extension at all
    ],
)
def test_unsupported_file_types(tmp_path: Path, filename: str, fragments: tuple[str, ...]) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b"\xd0\xcf\x11\xe0 whatever")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, filename=filename)
    assert_invalid_file(excinfo, *fragments)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as excinfo:
        open_source(tmp_path / "nowhere.csv")
    assert_invalid_file(excinfo, "not found")


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_points_and_problems(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}
    features = [
        feature(point(116.434, 39.9243), {"名称": " 站A ", "停车位": 3, "服务": ["饮水", "热饭"]}),
        feature(line, {"名称": "站B", "停车位": None}),  # not a point
        feature(None, {"名称": "站C"}),  # null geometry
        feature({"type": "Point", "coordinates": [116.4]}, {"名称": "站D"}),  # unreadable
        feature({"type": "MultiPoint", "coordinates": [[116.47, 39.996]]}, {"名称": "站E"}),
        feature({"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}, {"名称": "站F"}),
    ]
    source, got = read_all(write_geojson(tmp_path / "s.geojson", features))
    assert source.format == "geojson"
    assert source.file_crs == "EPSG:4326"
    assert source.total_rows == 6
    assert [r.number for r in got] == [2, 3, 4, 5, 6, 7]
    assert [r.point for r in got] == [(116.434, 39.9243), None, None, None, (116.47, 39.996), None]
    assert [r.geometry_problem for r in got] == [
        None, "LineString", "missing", "invalid", None, "MultiPoint",
    ]  # fmt: skip
    assert got[0].values == {"名称": "站A", "停车位": 3, "服务": "饮水,热饭"}
    assert got[1].values["停车位"] is None


def test_geojson_crs_member_naming_gcj02(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "s.geojson", [feature(point(116.44, 39.93), {"名称": "站A"})], crs_name="gcj02"
    )
    source, got = read_all(path)
    assert source.file_crs == "gcj02"
    assert got[0].point == (116.44, 39.93)  # as written: the datum conversion comes later


def test_geojson_crs_member_naming_web_mercator(tmp_path: Path) -> None:
    lon, lat = LONLATS[0]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(lon, lat)
    path = write_geojson(
        tmp_path / "s.geojson",
        [feature(point(x, y), {"名称": "站A"})],
        crs_name="urn:ogc:def:crs:EPSG::3857",
    )
    source, got = read_all(path)
    assert source.file_crs == "EPSG:3857"
    assert got[0].point == pytest.approx((lon, lat), abs=1e-7)


def test_geojson_integer_feature_ids_become_a_column(tmp_path: Path) -> None:
    features = [feature(point(116.4, 39.9), {"名称": f"站{i}"}, id=100 + i) for i in range(2)]
    source, got = read_all(write_geojson(tmp_path / "s.geojson", features))
    assert source.headers == ["名称", "id"]
    assert [r.values["id"] for r in got] == [100, 101]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),  # broken text
        ("[1, 2, 3]", "got 'list'"),  # a JSON array
        ('{"name": "驿站"}', "got None"),  # JSON, but no GeoJSON type
        ('{"type": "FeatureCollection", "features": {}}', "not GeoJSON"),  # features not a list
        ('{"type": "FeatureCollection", "features": [1]}', "not JSON objects"),  # bad feature
        ("名称,经度\n站A,116.4\n", "not valid JSON"),  # a CSV renamed .geojson
    ],
)
def test_geojson_that_is_not_geojson(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "s.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, fragment)


# --------------------------------------------------------------------------- GeoPackage

RECORDS = [{"名称": name, "车位": i} for i, name in enumerate(NAMES)]


@pytest.mark.parametrize(
    ("crs", "converted"),
    [
        ("EPSG:4326", False),  # WGS84 lon/lat: taken as is
        ("EPSG:4490", False),  # CGCS2000 lon/lat: equal to WGS84 to centimetres
        ("EPSG:3857", True),  # web Mercator metres
        ("EPSG:4548", True),  # CGCS2000 / 3-degree Gauss-Kruger CM 117E, metres
    ],
)
def test_geopackage_points_in_lon_lat(tmp_path: Path, crs: str, converted: bool) -> None:
    path = write_vector(tmp_path / "s.gpkg", RECORDS, LONLATS, crs=crs, layer="驿站")
    source, got = read_all(path)
    assert source.format == "gpkg"
    assert source.file_crs == crs
    assert source.sheet == "驿站"
    assert [r.values for r in got] == RECORDS
    for row, (lon, lat) in zip(got, LONLATS, strict=True):
        assert row.point == pytest.approx((lon, lat), abs=1e-7)
    assert any("converted from" in n for n in source.notes) is converted


def test_geopackage_layer_selection(tmp_path: Path) -> None:
    path = write_vector(tmp_path / "s.gpkg", RECORDS[:1], LONLATS[:1], layer="第一批")
    write_vector(path, RECORDS, LONLATS, layer="第二批")
    assert len(read_all(path)[1]) == 1  # the first layer by default
    source, got = read_all(path, sheet="第二批")
    assert source.sheet == "第二批"
    assert len(got) == 3
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, sheet="第三批")
    assert_invalid_file(excinfo, "'第三批'", "第一批, 第二批")


def test_not_a_geopackage(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.gpkg")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, "not a GeoPackage")


# --------------------------------------------------------------------------- Shapefile

SHP_RECORDS = [{"名称": name, "地址": "北京市朝阳区"} for name in NAMES]


def gbk_shapefile(folder: Path, *, keep_cpg: bool = False) -> Path:
    """A Shapefile with GBK attributes, as Chinese desktop GIS writes it (often no .cpg)."""
    folder.mkdir()
    shp = write_vector(folder / "驿站.shp", SHP_RECORDS, LONLATS, encoding="gbk")
    if not keep_cpg:
        shapefile_parts(shp)[".cpg"].unlink()
    return shp


@pytest.mark.parametrize(
    ("keep_cpg", "option", "encoding"),
    [
        (False, None, "gb18030"),  # no .cpg: GBK detected (GB18030 reads it)
        (True, None, "GBK"),  # the .cpg says it
        (False, "gbk", "gbk"),  # stated by the user
    ],
)
def test_shapefile_gbk_attributes(
    tmp_path: Path, keep_cpg: bool, option: str | None, encoding: str
) -> None:
    shp = gbk_shapefile(tmp_path / "shp", keep_cpg=keep_cpg)
    source, got = read_all(shp, encoding=option)
    assert source.format == "shp"
    assert source.encoding == encoding
    assert source.headers == ["名称", "地址"]
    assert [r.values for r in got] == SHP_RECORDS
    assert [r.point for r in got] == LONLATS


def test_zipped_shapefile_in_a_subfolder(tmp_path: Path) -> None:
    parts = shapefile_parts(gbk_shapefile(tmp_path / "shp"))
    members: dict[str, Path | bytes] = {f"导出/驿站/驿站{ext}": p for ext, p in parts.items()}
    members["__MACOSX/导出/驿站/._驿站.shp"] = b"\x00\x05\x16\x07"  # macOS resource fork
    members["说明.txt"] = "坐标系 WGS84".encode()
    path = write_zip(tmp_path / "upload", members)
    source, got = read_all(path, filename="驿站.zip")
    assert source.format == "shp"
    assert source.encoding == "gb18030"
    assert source.file_crs == "EPSG:4326"
    assert [r.values["名称"] for r in got] == NAMES
    assert [r.number for r in got] == [2, 3, 4]


def test_bad_zips(tmp_path: Path) -> None:
    parts = shapefile_parts(gbk_shapefile(tmp_path / "shp"))
    cases: list[tuple[dict[str, Path | bytes], tuple[str, ...]]] = [
        ({"名单.csv": b"a,b\n"}, ("no Shapefile", "名单.csv")),  # no .shp
        ({}, ("no Shapefile", "nothing")),  # empty zip
        ({f"a/s{e}": p for e, p in parts.items()} | {f"b/s{e}": p for e, p in parts.items()},
         ("2 Shapefiles", "a/s.shp", "b/s.shp")),  # two layers
        ({"s.shp": parts[".shp"], "s.shx": parts[".shx"]}, ("incomplete", "s.dbf")),  # no .dbf
    ]  # fmt: skip
    for i, (members, fragments) in enumerate(cases):
        path = write_zip(tmp_path / f"{i}.zip", members)
        with pytest.raises(InvalidFile) as excinfo:
            open_source(path)
        assert_invalid_file(excinfo, *fragments)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(junk)
    assert_invalid_file(excinfo, "cannot be read as a zip")


def test_shapefile_without_its_sidecars(tmp_path: Path) -> None:
    shp = gbk_shapefile(tmp_path / "shp")
    shapefile_parts(shp)[".dbf"].unlink()
    with pytest.raises(InvalidFile) as excinfo:
        open_source(shp)
    assert_invalid_file(excinfo, "incomplete", "驿站.dbf", ".zip")
