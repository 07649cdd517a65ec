"""Registry export: every format read back with an independent reader, field by field.

The readers here are the csv module, openpyxl, json and geopandas, never our importer:
the export -> import round trip is tested with the importer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

import geo.export
from geo.amenities import AMENITIES, BY_CODE, match_labels
from geo.datums import Datum, from_wgs84
from geo.errors import InvalidParameter
from geo.export import FORMATS, MEDIA_TYPES, escape_formula, export_registry, unescape_formula
from geo.geojson import station_feature
from geo.model import EDITABLE_FIELDS, Station, Status, build_station_data
from geo.registry import Registry, open_registry

FORMULA_NAME = "=cmd|' /C calc'!A0"

STATIONS: list[dict[str, Any]] = [
    # every field, Chinese text and hours, Beijing
    {
        "name": "朝阳区总工会暖心驿站",
        "lon": 116.4434,
        "lat": 39.9219,
        "external_id": "BJ-CY-0001",
        "address": "北京市朝阳区工体北路8号",
        "district": "朝阳区",
        "adcode": "110105",
        "host": "中国工商银行朝阳支行",
        "amenities": ["drinking_water", "microwave", "toilet", "wifi"],
        "car_parking_spaces": 12,
        "motorcycle_parking_spaces": 30,
        "ev_charging_piles": 2,
        "opening_hours": "周一至周五 9:00-17:00，周末休息",
        "status": "open",
        "phone": "010-65001234",
    },
    # formula-like text in several fields, temporarily closed
    {
        "name": FORMULA_NAME,
        "lon": 116.3975,
        "lat": 39.9087,
        "external_id": "-42",  # text that looks like a negative number stays text
        "host": "@home",
        "address": "+1 地下一层",
        "phone": "+86 10 8888 8888",
        "status": "temporarily_closed",
        "opening_hours": "24小时",
    },
    # comma, newline and quotes in text; zero counts; planned; Chongqing
    {
        "name": '解放碑"户外劳动者"驿站',
        "lon": 106.5770,
        "lat": 29.5570,
        "address": "重庆市渝中区民族路, 188号\n2楼",
        "district": "渝中区",
        "adcode": "500103",
        "amenities": ["rest_area", "shelter"],
        "car_parking_spaces": 0,
        "motorcycle_parking_spaces": 0,
        "ev_charging_piles": 0,
        "opening_hours": "08:00-12:00；14:00-18:00",
        "status": "planned",
    },
    # only the required fields
    {"name": "最简驿站", "lon": 121.4737, "lat": 31.2304},
    # every amenity; west of Greenwich, so a negative longitude
    {
        "name": "London test station",
        "lon": -0.1276,
        "lat": 51.5072,
        "amenities": [a.code for a in AMENITIES],
    },
]

# The header contract with the importer (zh first, then the field name).
HEADER = {
    "id": "站点ID station_id",  # not "id": importers read that as external_id
    "external_id": "编号 external_id",
    "name": "驿站名称 name",
    "address": "详细地址 address",
    "district": "所属区 district",
    "adcode": "行政区划代码 adcode",
    "city": "城市 city",
    "city_adcode": "城市行政区划代码 city_adcode",
    "province": "省份 province",
    "province_adcode": "省级行政区划代码 province_adcode",
    "host": "依托单位 host",
    "amenities": "服务内容 amenities",
    "car_parking_spaces": "机动车停车位 car_parking_spaces",
    "motorcycle_parking_spaces": "摩托车停车位 motorcycle_parking_spaces",
    "ev_charging_piles": "充电桩 ev_charging_piles",
    "opening_hours": "开放时间 opening_hours",
    "status": "状态 status",
    "phone": "联系电话 phone",
    "updated_at": "更新时间(UTC) updated_at",
}
COORD_HEADER = {
    Datum.WGS84: ("经度(WGS84) lon", "纬度(WGS84) lat"),
    Datum.GCJ02: ("经度(高德) lon", "纬度(高德) lat"),
    Datum.BD09: ("经度(百度) lon", "纬度(百度) lat"),
}
COUNTS = ("car_parking_spaces", "motorcycle_parking_spaces", "ev_charging_piles")
TEXT = (
    "external_id", "name", "address", "district", "adcode", "city", "city_adcode", "province",
    "province_adcode", "host", "opening_hours", "phone",
)  # fmt: skip
TOL = 0.5e-7 + 1e-12  # rounding to 7 decimals


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    reg = open_registry(db_url)  # SQLite and PostGIS (see tests/conftest.py)
    reg.create_many(items=[build_station_data(s) for s in STATIONS])
    yield reg
    reg.close()


@pytest.fixture
def stations(registry: Registry) -> list[Station]:
    return registry.list_stations(limit=100).items


def export_bytes(registry: Registry, fmt: str, datum: Datum = Datum.WGS84) -> bytes:
    buf = io.BytesIO()
    assert export_registry(registry, fmt=fmt, datum=datum, out=buf) == len(registry)
    return buf.getvalue()


def expected_position(station: Station, datum: Datum) -> tuple[float, float]:
    lon, lat = from_wgs84(station.lon, station.lat, datum)
    return float(lon), float(lat)


def neutral(text: str | None) -> str | None:
    """What a text cell must hold: a formula-looking value behind a quote."""
    if text is not None and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def zh_amenities(station: Station) -> str | None:
    return "、".join(BY_CODE[c].zh for c in station.amenities) or None


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def read_xlsx(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["stations"]
    rows = list(book["stations"].iter_rows())
    return [c.value for c in rows[0]], rows[1:]


# -- contract ------------------------------------------------------------------------


def test_fixture_covers_every_status_and_null_fields(stations: list[Station]) -> None:
    assert {s.status for s in stations} == set(Status)
    assert any(s.external_id is None and s.amenities == () for s in stations)


def test_formats_have_media_types() -> None:
    assert set(MEDIA_TYPES) == set(FORMATS) == {"geojson", "gpkg", "csv", "xlsx"}


def test_table_covers_every_editable_field() -> None:
    fields = set(EDITABLE_FIELDS) - {"lon", "lat"}
    assert set(HEADER) == fields | {"id", "updated_at"}
    for datum in Datum:
        header = geo.export.table_header(datum)
        assert set(header) == set(HEADER.values()) | set(COORD_HEADER[datum])


@pytest.mark.parametrize("amenity", AMENITIES, ids=lambda a: a.code)
def test_every_zh_label_maps_back_to_its_own_code(amenity: Any) -> None:
    assert match_labels(amenity.zh) == ((amenity.code,), ())


def test_all_labels_joined_map_back_to_all_codes() -> None:
    text = "、".join(a.zh for a in AMENITIES)
    assert match_labels(text) == (tuple(a.code for a in AMENITIES), ())


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        (FORMULA_NAME, "'" + FORMULA_NAME),
        ("+86 10 8888 8888", "'+86 10 8888 8888"),  # a phone number is text, not a number
        ("-42", "'-42"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=already quoted", "''=already quoted"),  # stays reversible
        ("驿站", "驿站"),
        ("a=b", "a=b"),  # only the first character counts
        ("'plain", "'plain"),
        ("", ""),
    ],
)
def test_escape_formula(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped
    assert unescape_formula(escaped) == text


@given(st.text())
def test_escape_formula_is_reversible_and_safe(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_unknown_format_is_refused(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "x.shp"
    with pytest.raises(InvalidParameter) as info:
        export_registry(registry, fmt="shp", out=out)
    for fmt in FORMATS:
        assert fmt in info.value.message
        assert fmt in info.value.message_zh
    assert not out.exists()


@pytest.mark.parametrize("datum", [Datum.GCJ02, Datum.BD09])
def test_gpkg_refuses_offset_datums(registry: Registry, tmp_path: Path, datum: Datum) -> None:
    out = tmp_path / "x.gpkg"
    with pytest.raises(InvalidParameter) as info:
        export_registry(registry, fmt="gpkg", datum=datum, out=out)
    assert "WGS84" in info.value.message
    assert datum.label in info.value.message
    assert "WGS84" in info.value.message_zh
    assert not out.exists()
    assert list(tmp_path.glob("*.gpkg")) == []


def test_format_name_is_case_insensitive(registry: Registry) -> None:
    assert json.loads(export_bytes(registry, " GeoJSON "))["type"] == "FeatureCollection"


def test_datum_may_be_named(registry: Registry) -> None:
    buf = io.BytesIO()
    export_registry(registry, fmt="gpkg", datum="wgs84", out=buf)
    with pytest.raises(InvalidParameter):
        export_registry(registry, fmt="gpkg", datum="gcj02", out=buf)


# -- CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize("datum", list(Datum))
def test_csv_every_field(registry: Registry, stations: list[Station], datum: Datum) -> None:
    rows = read_csv(export_bytes(registry, "csv", datum))
    assert len(rows) == len(stations)
    lon_h, lat_h = COORD_HEADER[datum]
    assert list(rows[0]) == [
        HEADER["id"],
        HEADER["external_id"],
        HEADER["name"],
        lon_h,
        lat_h,
        *(HEADER[f] for f in list(HEADER)[3:]),
    ]
    for row, station in zip(rows, stations, strict=True):
        assert row[HEADER["id"]] == str(station.id)
        for field in TEXT:
            assert row[HEADER[field]] == (neutral(getattr(station, field)) or ""), field
        for field in COUNTS:
            value = getattr(station, field)
            assert row[HEADER[field]] == ("" if value is None else str(value)), field
        assert row[HEADER["amenities"]] == (zh_amenities(station) or "")
        assert row[HEADER["status"]] == station.status.value
        assert datetime.fromisoformat(row[HEADER["updated_at"]]) == station.updated_at
        assert row[HEADER["updated_at"]].endswith("Z")
        lon, lat = expected_position(station, datum)
        for text, want in ((row[lon_h], lon), (row[lat_h], lat)):
            assert len(text.split(".")[1]) == 7
            assert float(text) == pytest.approx(want, abs=TOL)


def test_csv_is_rfc4180(registry: Registry, stations: list[Station]) -> None:
    data = export_bytes(registry, "csv")
    text = data[3:].decode("utf-8")
    assert text.count("\r\n") == len(stations) + 1  # header + rows; the address's \n is not
    chongqing = next(s for s in stations if s.district == "渝中区")
    assert '"重庆市渝中区民族路, 188号\n2楼"' in text
    assert '"解放碑""户外劳动者""驿站"' in text
    rows = read_csv(data)
    assert rows[stations.index(chongqing)][HEADER["address"]] == chongqing.address


def test_csv_neutralises_formulas_but_not_numbers(registry: Registry) -> None:
    rows = read_csv(export_bytes(registry, "csv"))
    formula = next(r for r in rows if FORMULA_NAME in r[HEADER["name"]])
    assert formula[HEADER["name"]] == "'" + FORMULA_NAME
    assert formula[HEADER["phone"]] == "'+86 10 8888 8888"
    london = next(r for r in rows if r[HEADER["name"]] == "London test station")
    assert london["经度(WGS84) lon"] == "-0.1276000"  # a negative number is not escaped


# -- XLSX ----------------------------------------------------------------------------


@pytest.mark.parametrize("datum", list(Datum))
def test_xlsx_every_field(registry: Registry, stations: list[Station], datum: Datum) -> None:
    header, rows = read_xlsx(export_bytes(registry, "xlsx", datum))
    lon_h, lat_h = COORD_HEADER[datum]
    assert set(header) == set(HEADER.values()) | {lon_h, lat_h}
    col = {h: i for i, h in enumerate(header)}
    assert len(rows) == len(stations)
    for row, station in zip(rows, stations, strict=True):

        def cell(h: str, row: Any = row) -> Any:
            return row[col[h]]

        assert cell(HEADER["id"]).value == station.id
        assert cell(HEADER["id"]).data_type == "n"
        for field in TEXT:
            c = cell(HEADER[field])
            assert c.value == neutral(getattr(station, field)), field
            assert c.data_type in ("s", "n"), field  # never a formula ("f")
            if c.value is not None:
                assert c.data_type == "s", field
        for field in COUNTS:
            c = cell(HEADER[field])
            assert c.value == getattr(station, field), field
            assert c.data_type == "n", field
            assert c.value is None or isinstance(c.value, int), field
        assert cell(HEADER["amenities"]).value == zh_amenities(station)
        assert cell(HEADER["status"]).value == station.status.value
        updated = cell(HEADER["updated_at"])
        assert updated.is_date
        assert updated.value == station.updated_at.replace(tzinfo=None)
        lon, lat = expected_position(station, datum)
        for h, want in ((lon_h, lon), (lat_h, lat)):
            assert cell(h).data_type == "n"
            assert isinstance(cell(h).value, float)
            assert cell(h).value == pytest.approx(want, abs=TOL)


def test_xlsx_neutralises_formulas(registry: Registry) -> None:
    header, rows = read_xlsx(export_bytes(registry, "xlsx"))
    col = {h: i for i, h in enumerate(header)}
    names = [r[col[HEADER["name"]]] for r in rows]
    formula = next(c for c in names if FORMULA_NAME in str(c.value))
    assert formula.value == "'" + FORMULA_NAME
    assert formula.data_type == "s"
    assert all(c.data_type != "f" for r in rows for c in r)
    london = next(r for r in rows if r[col[HEADER["name"]]].value == "London test station")
    assert london[col["经度(WGS84) lon"]].value == pytest.approx(-0.1276)


# -- GeoJSON -------------------------------------------------------------------------


@pytest.mark.parametrize("datum", list(Datum))
def test_geojson_is_the_api_features(
    registry: Registry, stations: list[Station], datum: Datum
) -> None:
    doc = json.loads(export_bytes(registry, "geojson", datum).decode("utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert doc.get("datum") == (None if datum is Datum.WGS84 else datum.value)
    assert doc["features"] == [station_feature(s, datum=datum) for s in stations]
    for feature, station in zip(doc["features"], stations, strict=True):
        props = feature["properties"]
        assert feature["id"] == props["id"] == station.id
        assert props["name"] == station.name  # GeoJSON is data, not a spreadsheet
        assert props["address"] == station.address
        assert props["opening_hours"] == station.opening_hours
        assert props["amenities"] == list(station.amenities)
        lon, lat = expected_position(station, datum)
        assert feature["geometry"]["type"] == "Point"
        assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=TOL)


# -- GeoPackage ----------------------------------------------------------------------


def test_gpkg_every_field(registry: Registry, stations: list[Station], tmp_path: Path) -> None:
    out = tmp_path / "stations.gpkg"
    assert export_registry(registry, fmt="gpkg", out=out) == len(stations)
    assert pyogrio.list_layers(out).tolist() == [["stations", "Point"]]
    frame = gpd.read_file(out)
    assert frame.crs.to_epsg() == 4326
    assert frame["id"].tolist() == [s.id for s in stations]
    for record, station in zip(frame.to_dict("records"), stations, strict=True):
        for field in TEXT:
            want = getattr(station, field)
            got = record[field]
            assert (got if isinstance(got, str) else None) == want, field
        for field in COUNTS:
            want = getattr(station, field)
            got = record[field]
            assert (None if got != got else int(got)) == want, field  # NaN for null
        codes = record["amenities"]
        assert (codes if isinstance(codes, str) else None) == (",".join(station.amenities) or None)
        assert record["status"] == station.status.value
        assert record["updated_at"] == station.updated_at
        assert (record["geometry"].x, record["geometry"].y) == (station.lon, station.lat)


def test_gpkg_to_a_stream(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "streamed.gpkg"
    path.write_bytes(export_bytes(registry, "gpkg"))
    assert len(gpd.read_file(path)) == len(registry)


def test_gpkg_overwrites_an_existing_file(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "stations.gpkg"
    export_registry(registry, fmt="gpkg", out=out)
    export_registry(registry, fmt="gpkg", out=out)
    assert pyogrio.list_layers(out).tolist() == [["stations", "Point"]]
    assert len(gpd.read_file(out)) == len(registry)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".gpkg"] == ["stations.gpkg"]


# -- any format ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_path_and_stream_give_the_same_file(registry: Registry, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out" / f"stations.{fmt}"
    out.parent.mkdir()
    assert export_registry(registry, fmt=fmt, out=out) == len(registry)
    if fmt == "xlsx":  # a zip holds timestamps: compare the content
        assert read_xlsx(out.read_bytes())[0] == read_xlsx(export_bytes(registry, fmt))[0]
    else:
        assert out.read_bytes() == export_bytes(registry, fmt)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_stream_is_left_open(registry: Registry) -> None:
    buf = io.BytesIO()
    buf.write(b"prefix")
    export_registry(registry, fmt="csv", out=buf)
    assert not buf.closed
    assert buf.getvalue().startswith(b"prefix\xef\xbb\xbf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_pages_are_joined_in_id_order(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(geo.export, "PAGE_SIZE", 2)  # 5 stations: pages of 2, 2, 1
    out = tmp_path / f"stations.{fmt}"
    assert export_registry(registry, fmt=fmt, out=out) == 5
    assert ids_in(out, fmt) == [s.id for s in registry.list_stations(limit=100).items]


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_registry_gives_a_valid_empty_file(tmp_path: Path, fmt: str) -> None:
    registry = open_registry(f"sqlite:///{tmp_path}/empty.db")
    out = tmp_path / f"stations.{fmt}"
    assert export_registry(registry, fmt=fmt, out=out) == 0
    assert ids_in(out, fmt) == []
    if fmt == "csv":
        assert out.read_bytes().decode("utf-8-sig").count("\r\n") == 1
    if fmt == "xlsx":
        assert len(read_xlsx(out.read_bytes())[0]) == len(HEADER) + 2
    if fmt == "gpkg":
        info = pyogrio.read_info(out, layer="stations")
        assert info["geometry_type"] == "Point"
        assert info["crs"] == "EPSG:4326"
        assert set(info["fields"]) == set(HEADER)


def ids_in(path: Path, fmt: str) -> list[int]:
    """Station ids in file order, read with the format's own reader."""
    if fmt == "csv":
        return [int(r[HEADER["id"]]) for r in read_csv(path.read_bytes())]
    if fmt == "xlsx":
        header, rows = read_xlsx(path.read_bytes())
        return [r[header.index(HEADER["id"])].value for r in rows]
    if fmt == "geojson":
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection"
        return [f["id"] for f in doc["features"]]
    return [int(i) for i in gpd.read_file(path)["id"]]


# -- consistency: one snapshot, damaged rows (issue 22) ------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_writes_between_pages_neither_hide_nor_repeat_a_station(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Another worker deletes, adds and edits stations between the export's pages (a
    hook after each page): the file is exactly the registry as it was at the first page.
    With OFFSET pages in separate transactions, each delete of an exported station
    shifted the next page past one that was never deleted."""
    registry, worker = open_registry(db_url), open_registry(db_url)
    try:
        seeded = registry.create_many(
            items=[
                build_station_data({"name": f"驿站{i}", "lon": 116.30 + i / 1000, "lat": 39.9})
                for i in range(23)
            ]
        )
        before = {s.id: s.name for s in seeded}
        monkeypatch.setattr(geo.export, "PAGE_SIZE", 4)
        original = geo.export._pages
        alive = sorted(before)

        def interleaved(*args: Any) -> Iterator[list[Station]]:
            for page in original(*args):
                yield page
                if not page:
                    continue
                # behind the export: the oldest station left; ahead of it: the newest
                worker.delete(station_id=alive.pop(0))
                worker.delete(station_id=alive.pop())
                worker.create(
                    data=build_station_data({"name": "新驿站", "lon": 116.2, "lat": 39.8})
                )
                if alive:
                    worker.patch(station_id=alive[-1], changes={"name": "改名驿站"})

        monkeypatch.setattr(geo.export, "_pages", interleaved)
        out = tmp_path / f"stations.{fmt}"
        assert export_registry(registry, fmt=fmt, out=out) == len(before)
        assert ids_in(out, fmt) == sorted(before)  # none skipped, none repeated, none new
        if fmt == "geojson":
            features = json.loads(out.read_text(encoding="utf-8"))["features"]
            assert {f["id"]: f["properties"]["name"] for f in features} == before
        assert len(worker.list_stations(limit=100).items) < len(before)  # it did write
    finally:
        registry.close()
        worker.close()


DAMAGE = [
    # column, stored value: what a hand edit of the database can leave behind
    ("updated_at", "yesterday"),
    ("created_at", "2026-13-45T99:99:99Z"),  # the right shape, not a date
    ("status", "closed_forever"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("column", "value"), DAMAGE, ids=[c for c, _ in DAMAGE])
def test_a_damaged_row_is_left_out_logged_and_reported(
    registry: Registry,
    stations: list[Station],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fmt: str,
    column: str,
    value: str,
) -> None:
    damaged = stations[1].id
    with registry.store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            sa.text(f"UPDATE stations SET {column} = :v WHERE id = :i"), {"v": value, "i": damaged}
        )
    reported: list[tuple[int, str]] = []
    out = tmp_path / f"stations.{fmt}"
    written = export_registry(
        registry, fmt=fmt, out=out, on_damaged=lambda i, why: reported.append((i, why))
    )
    assert written == len(stations) - 1
    assert ids_in(out, fmt) == [s.id for s in stations if s.id != damaged]
    assert [i for i, _ in reported] == [damaged]
    assert value in reported[0][1]  # says what is wrong
    assert f"export: station {damaged} left out" in caplog.text


def test_a_damaged_coordinate_is_left_out(tmp_path: Path) -> None:
    """SQLite keeps any value in any column: a longitude edited into text."""
    registry = open_registry(f"sqlite:///{tmp_path}/r.db")
    try:
        a, b = registry.create_many(items=[build_station_data(s) for s in STATIONS[:2]])
        with registry.store.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(sa.text("UPDATE stations SET lon = 'east' WHERE id = :i"), {"i": a.id})
        reported: list[int] = []
        out = tmp_path / "stations.csv"
        written = export_registry(
            registry, fmt="csv", out=out, on_damaged=lambda i, _: reported.append(i)
        )
        assert (written, ids_in(out, "csv"), reported) == (1, [b.id], [a.id])
    finally:
        registry.close()
