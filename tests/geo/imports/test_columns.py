"""Recognising station fields from real-world headers, and the explicit mapping option."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.datums import Datum
from geo.errors import InvalidParameter
from geo.imports.columns import parse_mapping_option, recognise_columns
from geo.imports.header_words import ALIASES, FIELDS

# Headers as people decorate the aliases: prefixes, datum notes, units, punctuation.
DECORATED = st.builds(
    lambda before, alias, after: before + alias + after,
    st.sampled_from(["", "*", "百度", "高德", "GPS", "驿站", " "]),
    st.sampled_from([a for aliases in ALIASES.values() for a in aliases]),
    st.sampled_from(["", "(百度)", "（GCJ02）", "：", "数量", "_wgs84", ".2", "(个)"]),
)


@pytest.mark.parametrize(
    ("headers", "expected", "datum"),
    [
        # a district office's Excel: 序号 is a row counter, not an id
        (
            ["序号", "驿站名称", "经度(百度)", "纬度(百度)", "详细地址", "服务内容", "开放时间"],
            {"name": "驿站名称", "lon": "经度(百度)", "lat": "纬度(百度)", "address": "详细地址",
             "amenities": "服务内容", "opening_hours": "开放时间"},
            Datum.BD09,
        ),
        # an English export, any case and spacing
        (
            ["ID", "Name", "Longitude", "Latitude", "Address", "Opening Hours", "Phone", "Status"],
            {"external_id": "ID", "name": "Name", "lon": "Longitude", "lat": "Latitude",
             "address": "Address", "opening_hours": "Opening Hours", "phone": "Phone",
             "status": "Status"},
            None,
        ),
        # a union template: full-width brackets and colons, * for required, counts with units
        (
            ["站点编号", "*站点名称", "经度（GCJ02）", "纬度（GCJ02）", "所属区县", "依托单位名称",
             "机动车停车位", "非机动车停车位数量", "充电桩(个)", "联系电话：", "运营状态"],
            {"external_id": "站点编号", "name": "*站点名称", "lon": "经度（GCJ02）",
             "lat": "纬度（GCJ02）", "district": "所属区县", "host": "依托单位名称",
             "car_parking_spaces": "机动车停车位",
             "motorcycle_parking_spaces": "非机动车停车位数量",
             "ev_charging_piles": "充电桩(个)", "phone": "联系电话：", "status": "运营状态"},
            Datum.GCJ02,
        ),
        # mixed Chinese and English, datum words in front or behind
        (
            ["station_id", "名称", "高德经度", "高德纬度", "行政区划代码", "服务项目",
             "摩托车停车位"],
            {"external_id": "station_id", "name": "名称", "lon": "高德经度", "lat": "高德纬度",
             "adcode": "行政区划代码", "amenities": "服务项目",
             "motorcycle_parking_spaces": "摩托车停车位"},
            Datum.GCJ02,
        ),
        # short GIS names with a datum suffix
        (
            ["name", "lng_wgs84", "lat_wgs84", "tel"],
            {"name": "name", "lon": "lng_wgs84", "lat": "lat_wgs84", "phone": "tel"},
            Datum.WGS84,
        ),
        # bare x / y and GPS coordinates
        (
            ["站名", "X", "Y", "GPS"],
            {"name": "站名", "lon": "X", "lat": "Y"},
            None,
        ),
        # one combined column, datum in its name
        (
            ["名称", "坐标(百度)", "地址"],
            {"name": "名称", "lonlat": "坐标(百度)", "address": "地址"},
            Datum.BD09,
        ),
        # 经纬度 is the combined column, not a latitude (纬度 is inside it)
        (
            ["网点名称", "经纬度", "营业时间"],
            {"name": "网点名称", "lonlat": "经纬度", "opening_hours": "营业时间"},
            None,
        ),
        # look-alikes that must stay unmapped: postcode, an amenity flag, a CRS column
        (
            ["驿站名称", "邮政编码", "手机充电", "坐标系", "经度", "纬度"],
            {"name": "驿站名称", "lon": "经度", "lat": "纬度"},
            None,
        ),
    ],
)  # fmt: skip
def test_real_world_headers(
    headers: list[str], expected: dict[str, str], datum: Datum | None
) -> None:
    mapping = recognise_columns(headers)
    assert mapping.columns == expected
    assert mapping.datum == datum
    assert mapping.datum_header == (
        expected.get("lon") or expected.get("lonlat") if datum else None
    )
    assert mapping.unmapped == [h for h in headers if h not in expected.values()]
    assert mapping.guessed is True


@pytest.mark.parametrize(
    ("headers", "field", "winner", "loser"),
    [
        (["名称", "地址", "详细地址"], "address", "详细地址", "地址"),  # the more specific alias
        (["驿站名称", "单位名称"], "name", "驿站名称", "单位名称"),  # exact beats partial
        (["电话", "电话.2"], "phone", "电话", "电话.2"),  # a repeated header: the first
    ],
)
def test_one_header_per_field(headers: list[str], field: str, winner: str, loser: str) -> None:
    mapping = recognise_columns(headers)
    assert mapping.columns[field] == winner
    assert loser in mapping.unmapped
    assert any(loser in note and winner in note for note in mapping.notes)


def test_coordinates_in_two_datums_are_paired() -> None:
    headers = ["名称", "经度(百度)", "纬度(百度)", "经度(高德)", "纬度(高德)"]
    mapping = recognise_columns(headers)
    assert (mapping.columns["lon"], mapping.columns["lat"]) == ("经度(高德)", "纬度(高德)")
    assert mapping.datum == Datum.GCJ02  # fewer conversions than BD-09
    assert mapping.unmapped == ["经度(百度)", "纬度(百度)"]


def test_disagreeing_datums_assume_none() -> None:
    mapping = recognise_columns(["名称", "经度(百度)", "纬度(高德)"])
    assert mapping.datum is None
    assert mapping.datum_header is None
    assert any("disagree" in note for note in mapping.notes)


def test_separate_columns_beat_the_combined_one() -> None:
    mapping = recognise_columns(["名称", "经纬度", "经度", "纬度"])
    assert "lonlat" not in mapping.columns
    assert mapping.unmapped == ["经纬度"]


def test_explicit_mapping_overrides_the_guess() -> None:
    headers = ["序号", "名称", "备注名", "经度(高德)", "纬度(高德)", "地址"]
    mapping = recognise_columns(
        headers, explicit={"name": "备注名", "external_id": "序号", "address": ""}
    )
    assert mapping.columns == {
        "external_id": "序号",  # allowed when asked for explicitly
        "name": "备注名",
        "lon": "经度(高德)",
        "lat": "纬度(高德)",
    }
    assert mapping.unmapped == ["名称", "地址"]  # "" unmaps a field
    assert mapping.datum == Datum.GCJ02
    assert mapping.guessed is True


def test_fully_explicit_mapping_is_not_guessed() -> None:
    headers = ["a", "b", "c"]
    mapping = recognise_columns(headers, explicit={"name": "a", "lon": "b", "lat": "c"})
    assert mapping.columns == {"name": "a", "lon": "b", "lat": "c"}
    assert mapping.guessed is False
    assert mapping.datum is None


def test_explicit_header_is_found_by_its_normalised_form() -> None:
    mapping = recognise_columns(
        ["名称", "经度(高德)", "纬度(高德)"], explicit={"lon": "经度（高德）"}
    )
    assert mapping.columns["lon"] == "经度(高德)"


def test_unmapping_the_combined_column_keeps_lon_lat_guesses() -> None:
    mapping = recognise_columns(["名称", "坐标", "经度", "纬度"], explicit={"lonlat": ""})
    assert mapping.columns == {"name": "名称", "lon": "经度", "lat": "纬度"}


def test_explicit_lon_lat_replace_the_combined_guess() -> None:
    mapping = recognise_columns(["名称", "坐标", "E", "N"], explicit={"lon": "E", "lat": "N"})
    assert mapping.columns == {"name": "名称", "lon": "E", "lat": "N"}
    assert mapping.unmapped == ["坐标"]


@pytest.mark.parametrize(
    ("explicit", "fragments"),
    [
        ({"name": "站点名"}, ("'站点名'", "'名称', '经度', '纬度'")),  # not in the file: list them
        ({"nmae": "名称"}, ("nmae", "known fields")),  # a typo in the field
        ({"name": "名称", "address": "名称"}, ("several fields",)),  # one column, two fields
        ({"lonlat": "经度", "lat": "纬度"}, ("either lonlat",)),  # both coordinate forms
    ],
)
def test_explicit_mapping_errors(explicit: dict[str, str], fragments: tuple[str, ...]) -> None:
    with pytest.raises(InvalidParameter) as excinfo:
        recognise_columns(["名称", "经度", "纬度"], explicit=explicit)
    assert excinfo.value.message_zh != excinfo.value.message
    for fragment in fragments:
        assert fragment in excinfo.value.message


def test_vector_files_take_coordinates_from_the_geometry() -> None:
    headers = ["名称", "经度(百度)", "纬度(百度)"]
    mapping = recognise_columns(headers, has_point=True)
    assert mapping.columns == {"name": "名称"}
    assert mapping.datum is None
    assert any("geometry" in note for note in mapping.notes)
    explicit = recognise_columns(headers, has_point=True, explicit={"lon": "经度(百度)"})
    assert explicit.columns == {"name": "名称", "lon": "经度(百度)", "lat": "纬度(百度)"}
    assert explicit.datum == Datum.BD09


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name=站点名称,lon=经度(高德)", {"name": "站点名称", "lon": "经度(高德)"}),  # pairs
        # spaces, upper case, a full-width comma
        (" Name = 站点名称 ， lat=纬度 ", {"name": "站点名称", "lat": "纬度"}),
        ('{"name": "名称,简称", "address": null}', {"name": "名称,简称", "address": ""}),  # JSON
        ("external_id=", {"external_id": ""}),  # do not map
        ("lon=x=1", {"lon": "x=1"}),  # only the first = splits
        ("", {}),  # nothing given
    ],
)  # fmt: skip
def test_parse_mapping_option(text: str, expected: dict[str, str]) -> None:
    assert parse_mapping_option(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name=名称,lng=经度,foo=x", "lng, foo"),  # unknown fields, all named
        ("name=名称,name=站名", "given twice"),  # repeated field
        ("name", "not field=header"),  # no =
        ("{name: 1}", "not valid JSON"),  # broken JSON
        ('{"name": 1}', "object of field: header strings"),  # not strings
        ('["name"]', "object of field: header strings"),  # JSON, but not an object
    ],
)
def test_parse_mapping_option_errors(text: str, fragment: str) -> None:
    with pytest.raises(InvalidParameter) as excinfo:
        parse_mapping_option(text)
    assert fragment in excinfo.value.message
    assert excinfo.value.message_zh != excinfo.value.message


@given(st.lists(st.one_of(st.text(max_size=12), DECORATED), max_size=16, unique=True))
def test_any_headers_give_a_consistent_mapping(headers: list[str]) -> None:
    mapping = recognise_columns(headers)
    used = list(mapping.columns.values())
    assert set(mapping.columns) <= set(FIELDS)
    assert len(used) == len(set(used))  # a header serves one field
    assert sorted(used + mapping.unmapped) == sorted(headers)  # every header accounted for
    assert not ({"lon", "lat"} <= mapping.columns.keys() and "lonlat" in mapping.columns)
