"""GeoPackages and Shapefiles (plain and zipped): CRSs, layers, attribute encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import InvalidFile
from geo.imports.readers import open_source
from tests.geo.imports.fixtures import shapefile_parts, write_csv, write_vector, write_zip
from tests.geo.imports.readers.common import LONLATS, NAMES, assert_invalid_file, read_all

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
