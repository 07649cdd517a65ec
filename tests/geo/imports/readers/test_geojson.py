"""GeoJSON: every element of "features" is a row; geometries, properties, crs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer

from geo.errors import InvalidFile
from geo.imports.readers import open_source
from tests.geo.imports.fixtures import feature, point, write_geojson
from tests.geo.imports.readers.common import LONLATS, assert_invalid_file, read_all


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
    ("content", "fragment", "fragment_zh"),
    [
        ("{not json", "line 1, column 2", "第 1 行第 2 列"),  # broken text: where
        ("[1, 2, 3]", "got an array", "数组"),  # a JSON array
        ('{"name": "驿站"}', "without a type", "没有 type"),  # JSON, but no GeoJSON type
        ('{"type": "Point", "coordinates": [1, 2]}', 'type "Point"', '"Point"'),  # a geometry
        ('{"type": "FeatureCollection", "features": {}}', '"features" is not', "不是数组"),
        ("名称,经度\n站A,116.4\n", "not valid JSON", "不是有效的 JSON"),  # a CSV renamed
        ("", "empty", "为空"),  # a zero-byte upload
        ("[" * 100_000 + "]" * 100_000, "nested too deeply", "嵌套过深"),
    ],
)
def test_geojson_that_is_not_geojson(
    tmp_path: Path, content: str, fragment: str, fragment_zh: str
) -> None:
    path = tmp_path / "s.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, filename="海淀.geojson")
    assert_invalid_file(excinfo, "海淀.geojson", fragment)
    assert fragment_zh in excinfo.value.message_zh


def test_geojson_in_gbk_says_it_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.geojson"
    text = json.dumps({"type": "Feature", "geometry": None, "properties": {"名称": "站"}})
    path.write_bytes(text.encode("utf-8").decode("unicode_escape").encode("gbk"))
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path)
    assert_invalid_file(excinfo, "not UTF-8")


# Elements of "features" that are not Features: each is a row, rejected with the reason.
NOT_FEATURES: list[tuple[Any, str]] = [
    (None, "null, not an object"),
    (5, "a number, not an object"),
    ("Feature", "a string, not an object"),
    ([feature(point(116.4, 39.9), {"名称": "站"})], "an array, not an object"),
    ({"geometry": point(116.4, 39.9), "properties": {"名称": "站"}}, 'no "type"'),  # no type
    ({"type": "Foo", "geometry": point(116.4, 39.9), "properties": {"名称": "站"}}, '"Foo"'),
    ({"type": "Point", "coordinates": [116.4, 39.9]}, '"Point"'),  # a bare geometry
    ({"type": "Feature", "geometry": point(116.4, 39.9), "properties": ["站"]}, "an array"),
]


def test_geojson_elements_that_are_not_features_are_rows(tmp_path: Path) -> None:
    """None vanishes (GDAL drops them) and the features after them keep their numbers."""
    good = [feature(point(116.40 + i / 100, 39.9), {"名称": f"站{i}"}, id=i) for i in range(3)]
    features = [good[0], *[f for f, _ in NOT_FEATURES], good[1], None, good[2]]
    source, got = read_all(write_geojson(tmp_path / "s.geojson", features))
    assert source.total_rows == len(features)
    assert [r.number for r in got] == list(range(2, len(features) + 2))
    assert source.headers == ["名称", "id"]
    problems = [r.problem for r in got]
    assert problems[0] is None
    assert problems[-3] is None
    assert problems[-1] is None
    for k, (row, (_, says)) in enumerate(zip(got[1:], NOT_FEATURES, strict=False), start=2):
        assert row.problem is not None, row
        assert row.problem.code == "invalid_feature"
        assert f"feature {k} is not a GeoJSON Feature" in row.problem.message
        assert says in row.problem.message
        assert f"第 {k} 个要素" in row.problem.message_zh
        assert row.point is None
        assert row.values == {"名称": None, "id": None}
    assert got[-1].values == {"名称": "站2", "id": 2}
    assert got[-1].point == (116.42, 39.9)


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        ({"type": "Point", "coordinates": []}, "empty"),
        ({"type": "Point", "coordinates": ["116.4", "39.9"]}, "invalid"),  # strings
        ({"type": "Point", "coordinates": [True, 1]}, "invalid"),  # a boolean is no number
        ({"type": "Point", "coordinates": [10**400, 1]}, "invalid"),  # too big for a float
        ({"type": "Point", "coordinates": 116.4}, "invalid"),
        ({"type": "Point"}, "invalid"),  # no coordinates
        ({"type": "Circle", "coordinates": [116.4, 39.9]}, "invalid"),  # not GeoJSON
        ({"coordinates": [116.4, 39.9]}, "invalid"),  # no type
        ("POINT (116.4 39.9)", "invalid"),  # WKT, not GeoJSON
        ({"type": "MultiPoint", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "Polygon"),
        ({"type": "GeometryCollection", "geometries": [point(116.4, 39.9)]}, "GeometryCollection"),
    ],
)
def test_geojson_geometries_without_a_point(tmp_path: Path, geometry: Any, problem: str) -> None:
    path = write_geojson(tmp_path / "s.geojson", [feature(geometry, {"名称": "站"})])
    _, [row] = read_all(path)
    assert (row.point, row.geometry_problem, row.problem) == (None, problem, None)


def test_geojson_property_values(tmp_path: Path) -> None:
    properties = {
        " 名称 ": "站A",  # a header with spaces: stripped
        "服务": ["饮水", None, "热饭"],
        "车位": 3,
        "评分": 4.5,
        "大数": 10**30,  # beyond int64: kept as its digits
        "开放": True,
        "其他": {"a": 1},
        "空": "  ",
    }
    path = write_geojson(tmp_path / "s.geojson", [feature(point(116.4, 39.9), properties)])
    source, [row] = read_all(path)
    assert source.headers == ["名称", "服务", "车位", "评分", "大数", "开放", "其他", "空"]
    assert row.values == {
        "名称": "站A", "服务": "饮水,热饭", "车位": 3, "评分": 4.5, "大数": str(10**30),
        "开放": True, "其他": '{"a": 1}', "空": None,
    }  # fmt: skip


def test_geojson_crs_member_not_known_is_a_note(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "s.geojson", [feature(point(116.4, 39.9), {"名称": "站"})], crs_name="EPSG:99999"
    )
    source, [row] = read_all(path)
    assert source.file_crs == "EPSG:4326"
    assert any("EPSG:99999" in n and "ignored" in n for n in source.notes)
    assert row.point == (116.4, 39.9)
