"""Coverage input and output: demand files in, CSV/JSON/XLSX tables out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from geo.coverage import AmenityFilter, CoverageResult, StationPoints, compute_coverage
from geo.coverage.demand import read_demand
from geo.coverage.table import coverage_document, coverage_rows, write_table
from geo.datums import wgs84_to_gcj02
from geo.errors import InvalidFile, InvalidParameter
from tests.maps.factories import square_area


@pytest.fixture(scope="module")
def result() -> CoverageResult:
    return compute_coverage(
        square_area(116.40, 39.90),
        StationPoints.from_lonlat([116.40, 116.41], [39.90, 39.91], [1 << 1, 0]),
        filters=(AmenityFilter(()), AmenityFilter(("microwave",))),
        radii=(500.0, 1000.0),
    )


# -- demand files ------------------------------------------------------------------------


def test_csv_demand_with_chinese_headers_in_gbk_is_gcj02_by_default(tmp_path: Path) -> None:
    glon, glat = (float(v) for v in wgs84_to_gcj02(116.40, 39.90))
    path = tmp_path / "订单.csv"
    path.write_bytes(f"经度,纬度,订单量\n{glon},{glat},5\n{glon},{glat},2.5\n".encode("gbk"))
    points = read_demand(path)
    assert points.lon == pytest.approx([116.40, 116.40], abs=1e-9)
    assert points.lat == pytest.approx([39.90, 39.90], abs=1e-9)
    assert list(points.weight) == [5.0, 2.5]
    assert (points.datum, points.datum_source) == ("gcj02", "default")  # said back
    stated = read_demand(path, crs="wgs84")  # a stated datum is taken as it is
    assert stated.lon[0] == pytest.approx(glon)
    assert (stated.datum, stated.datum_source) == ("wgs84", "option")


def test_geojson_demand_is_wgs84_and_weights_default_to_one(tmp_path: Path) -> None:
    path = tmp_path / "d.geojson"
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.4, 39.9]}},
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [116.5, 39.8]},
            "properties": {"weight": 3},
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    points = read_demand(path)
    assert list(points.lon) == [116.4, 116.5]
    assert list(points.weight) == [1.0, 3.0]
    assert (points.datum, points.datum_source) == ("wgs84", "default")


def test_every_bad_demand_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("lon,lat,weight\n116.4,39.9,1\nabc,39.9,1\n116.4,39.9,-2\n\n0,0,1\n")
    with pytest.raises(InvalidFile) as info:
        read_demand(path, crs="gcj02")
    rows = [(d["row"], d["reason"]) for d in info.value.details]
    # line 6 is (0, 0): outside mainland China, where GCJ-02 is not defined
    assert rows == [(3, "bad_coordinate"), (4, "bad_weight"), (6, "bad_coordinate")]
    assert "row 3: a coordinate missing, not a number or not in the datum" in info.value.message
    assert "第 3 行：坐标缺失、不是数字或超出该坐标系范围" in info.value.message_zh
    assert "row" not in info.value.message_zh  # whole in Chinese


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", ""),  # no header
        ("noxy.csv", "a,b\n1,2\n"),  # no coordinate columns
        ("header.csv", "lon,lat\n"),  # no points
        ("bad.geojson", "{not json"),
        ("list.geojson", "[]"),  # not a FeatureCollection
        ("points.txt", "lon,lat\n116,39\n"),  # unknown suffix
    ],
)
def test_unreadable_demand_files(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidFile):
        read_demand(path)


# -- tables ------------------------------------------------------------------------------


def test_rows_one_per_district_and_filter_then_the_total(result: CoverageResult) -> None:
    rows = coverage_rows(result)
    assert [(r["district"], r["amenities"]) for r in rows] == [
        ("测试区", "all"),
        ("测试区", "microwave"),
        ("测试区", "all"),  # the whole area
        ("测试区", "microwave"),
    ]
    first = rows[0]
    assert first["matching_stations"] == 2
    assert rows[1]["matching_stations"] == 1
    assert 0 < first["share_500m"] < first["share_1000m"] <= 1
    assert first["covered_km2_500m"] == pytest.approx(2 * np.pi * 0.25, rel=1e-3)


def test_csv_has_a_bom_for_excel_and_the_same_figures(result: CoverageResult) -> None:
    data = write_table(result, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["district"] == "测试区"
    assert float(rows[0]["share_500m"]) == coverage_rows(result)[0]["share_500m"]


def test_json_document(result: CoverageResult) -> None:
    doc = json.loads(write_table(result, "json"))
    assert doc == json.loads(json.dumps(coverage_document(result)))
    assert doc["radii_m"] == [500.0, 1000.0]
    assert "+proj=laea" in doc["equal_area_crs"]
    radius = doc["districts"][0]["filters"][1]["radii"][0]
    assert set(radius) == {"radius_m", "covered_km2", "share", "demand_share"}


def test_xlsx_opens_with_the_same_rows(result: CoverageResult) -> None:
    book = load_workbook(io.BytesIO(write_table(result, "xlsx")))
    sheet = book["coverage"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("adcode", "district", "district_en")
    assert len(values) == 1 + len(coverage_rows(result))


def test_unknown_format_is_refused(result: CoverageResult) -> None:
    with pytest.raises(InvalidParameter, match="format"):
        write_table(result, "pdf")
