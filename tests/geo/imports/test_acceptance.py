"""Issue 3 acceptance: realistic lists imported, re-imported, corrected, exported and back.

Every list comes from :mod:`tests.geo.imports.realistic` with its truth table: each count
of the report, each issue's row number and code, and each created station's fields and
true WGS84 position (to 0.5 m, measured on the ellipsoid) are checked against it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import geo.imports.runner
from geo.datums import Datum
from geo.errors import InvalidFile
from geo.export import export_registry
from geo.imports.report import ISSUE_CODES, ImportReport
from geo.imports.runner import import_file
from geo.model import EDITABLE_FIELDS, Station, Status, build_station_data
from geo.registry import Registry
from tests.geo.imports.fixtures import feature, point, write_csv, write_geojson, write_zip
from tests.geo.imports.realistic import BUILDERS, GEOD, Truth, build
from tests.geo.imports.registries import fresh, on_each_backend  # noqa: F401 (autouse)

KINDS = list(BUILDERS)  # xlsx (GCJ-02), csv (GBK, BD-09), geojson, zipped shp, gpkg (3857)
TOLERANCE_M = 0.5
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
COUNTS = ("rows", "created", "updated", "unchanged", "duplicates", "rejected")
# Codes that refuse a row (rejected, or a duplicate); every other code is a warning.
ERROR_CODES = {
    "missing_name",
    "missing_coordinate",
    "invalid_coordinate",
    "coordinate_out_of_range",
    "not_a_point",
    "invalid_station",
    "duplicate_row",
    "duplicate_station",
    "duplicate_external_id",
}


# --------------------------------------------------------------------------- helpers


def all_stations(registry: Registry) -> list[Station]:
    """Every station of any status, by id, read from the store."""
    page = registry.list_stations(statuses=frozenset(Status), limit=10_000)
    assert page.total == len(page.items)
    return page.items


def by_key(registry: Registry) -> dict[str, Station]:
    """Stations by external id, or by name when they have none (as the truth keys them)."""
    found: dict[str, Station] = {}
    for station in all_stations(registry):
        key = station.external_id or station.name
        assert key not in found, f"two stations keyed {key!r}"
        found[key] = station
    return found


def counts(report: ImportReport) -> dict[str, int]:
    return {c: getattr(report, c) for c in COUNTS}


def issue_table(report: ImportReport) -> dict[int, list[str]]:
    table: dict[int, list[str]] = defaultdict(list)
    for issue in report.issues:
        if issue.row is not None:
            table[issue.row].append(issue.code)
    return {row: sorted(codes) for row, codes in table.items()}


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Make the importer's clock say `moment`."""
    monkeypatch.setattr(geo.imports.runner, "utc_now", lambda: moment)


def imported(tmp_path: Path, kind: str, **options: Any) -> tuple[Registry, Truth, ImportReport]:
    """A fresh registry with the `kind` list imported (commit mode)."""
    registry = fresh(tmp_path)
    truth = build(kind, tmp_path)
    report = import_file(registry, truth.path, crs=truth.crs, **options)
    return registry, truth, report


def assert_stations_match(registry: Registry, truth: Truth) -> None:
    """Every station of the truth is in the registry with its fields, at its place."""
    stations = by_key(registry)
    assert set(stations) == set(truth.stations)
    for key, expected in truth.stations.items():
        station = stations[key]
        got = {f: getattr(station, f) for f in expected}
        if "amenities" in got:
            got["amenities"] = frozenset(got["amenities"])
        if "status" in got:
            got["status"] = got["status"].value
        assert got == expected, key
        off = distance_m((station.lon, station.lat), truth.positions[key])
        assert off <= TOLERANCE_M, f"{key} is {off:.3f} m from the truth"


# --------------------------------------------------------------------------- first import


@pytest.mark.parametrize("kind", KINDS)
def test_report_accounts_for_every_row(tmp_path: Path, kind: str) -> None:
    _, truth, report = imported(tmp_path, kind)
    assert report.balanced
    assert report.rows == sum(counts(report)[c] for c in COUNTS[1:])
    assert counts(report) == {
        "rows": truth.rows,
        "created": truth.created,
        "updated": 0,
        "unchanged": 0,
        "duplicates": truth.duplicates,
        "rejected": truth.rejected,
    }
    assert report.committed
    assert (report.format, report.mode) == (truth.format, "commit")
    assert (report.datum, report.datum_source) == (truth.datum, truth.datum_source)
    assert report.encoding == truth.encoding
    assert report.mapping == truth.mapping
    assert report.unmapped == truth.unmapped
    assert issue_table(report) == truth.issues
    assert sorted(i.code for i in report.issues if i.row is None) == truth.file_issues
    as_json = json.loads(report.to_json())
    assert {c: as_json[c] for c in COUNTS} == counts(report)
    assert len(as_json["issues"]) == len(report.issues)


@pytest.mark.parametrize("kind", KINDS)
def test_every_issue_names_its_value_and_has_both_messages(tmp_path: Path, kind: str) -> None:
    _, truth, report = imported(tmp_path, kind)
    values: dict[tuple[int, str], list[str]] = defaultdict(list)
    for issue in report.issues:
        assert issue.code in ISSUE_CODES or issue.row is None, issue
        assert issue.message
        assert issue.message_zh
        assert issue.message != issue.message_zh
        assert issue.severity in ("error", "warning"), issue
        if issue.row is not None and (issue.row, issue.code) in truth.values:
            values[issue.row, issue.code].append(str(issue.value))
    assert {k: sorted(v) for k, v in values.items()} == truth.values


@pytest.mark.parametrize("kind", KINDS)
def test_rows_with_errors_are_exactly_the_refused_ones(tmp_path: Path, kind: str) -> None:
    _, truth, report = imported(tmp_path, kind)
    errors = {i.row for i in report.issues if i.severity == "error"}
    refused = {row for row, codes in truth.issues.items() if set(codes) & ERROR_CODES}
    assert errors == refused
    assert len(errors) == truth.duplicates + truth.rejected


@pytest.mark.parametrize("kind", KINDS)
def test_issue_columns_are_the_files_own_headers(tmp_path: Path, kind: str) -> None:
    # The report says where to look: a header the user can find in the file (or none).
    # A vector file's coordinates come from its geometry, which has no header.
    _, truth, report = imported(tmp_path, kind)
    headers = set(truth.mapping.values()) | {"序号"}
    geometry = {"lon", "lat"} if truth.format in ("geojson", "gpkg", "shp") else set()
    wrong = [
        (i.row, i.code, i.column)
        for i in report.issues
        if i.column is not None and i.column not in headers | geometry
    ]
    assert wrong == []


@pytest.mark.parametrize("kind", KINDS)
def test_imported_stations_are_at_their_true_place_with_their_fields(
    tmp_path: Path, kind: str
) -> None:
    registry, truth, _ = imported(tmp_path, kind)
    assert len(registry) == truth.created == registry.store.count()
    assert_stations_match(registry, truth)


# --------------------------------------------------------------------------- re-imports


@pytest.mark.parametrize("kind", KINDS)
def test_reimporting_the_same_file_changes_nothing(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, T0)
    registry, truth, first = imported(tmp_path, kind)
    before = [s.model_dump() for s in all_stations(registry)]
    at(monkeypatch, T1)
    again = import_file(registry, truth.path, crs=truth.crs)
    assert counts(again) == counts(first) | {
        "created": 0,
        "updated": 0,
        "unchanged": truth.created,
    }
    assert issue_table(again) == issue_table(first)
    assert [s.model_dump() for s in all_stations(registry)] == before  # updated_at included
    assert {s.updated_at for s in all_stations(registry)} == {T0}


@pytest.mark.parametrize("kind", KINDS)
def test_a_corrected_file_updates_only_the_changed_stations(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, T0)
    registry, truth, _ = imported(tmp_path, kind)
    ids = {k: s.id for k, s in by_key(registry).items()}
    corrected = build(kind, tmp_path, variant="modified", name="corrected")
    assert len(corrected.changed) == 3
    assert len(corrected.added) == 1
    at(monkeypatch, T1)
    report = import_file(registry, corrected.path, crs=corrected.crs)
    assert counts(report) == {
        "rows": truth.rows + 1,
        "created": 1,
        "updated": 3,
        "unchanged": truth.created - 3,
        "duplicates": truth.duplicates,
        "rejected": truth.rejected,
    }
    assert_stations_match(registry, corrected)
    stations = by_key(registry)
    moved = {k for k, s in stations.items() if s.updated_at == T1}
    assert moved == {*corrected.changed, *corrected.added}
    assert {k: s.id for k, s in stations.items() if k in ids} == ids  # updated in place
    assert stations[corrected.added[0]].created_at == T1


# --------------------------------------------------------------------------- modes


@pytest.mark.parametrize("kind", KINDS)
def test_dry_run_reports_the_same_and_writes_nothing(tmp_path: Path, kind: str) -> None:
    registry = fresh(tmp_path)
    truth = build(kind, tmp_path)
    report = import_file(registry, truth.path, crs=truth.crs, mode="dry_run")
    assert not report.committed
    assert (report.rows, report.created, report.duplicates, report.rejected) == (
        truth.rows,
        truth.created,
        truth.duplicates,
        truth.rejected,
    )
    assert issue_table(report) == truth.issues
    assert len(registry) == registry.store.count() == 0
    assert len(fresh(tmp_path)) == 0  # nothing on disk either


@pytest.mark.parametrize("kind", KINDS)
def test_dry_run_of_a_corrected_file_changes_nothing(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, T0)
    registry, truth, _ = imported(tmp_path, kind)
    before = [s.model_dump() for s in all_stations(registry)]
    corrected = build(kind, tmp_path, variant="modified", name="corrected")
    at(monkeypatch, T1)
    report = import_file(registry, corrected.path, crs=corrected.crs, mode="dry_run")
    assert not report.committed
    assert (report.created, report.updated, report.unchanged) == (1, 3, truth.created - 3)
    assert [s.model_dump() for s in all_stations(registry)] == before
    assert len(registry) == truth.created


@pytest.mark.parametrize("kind", KINDS)
def test_atomic_with_a_rejected_row_writes_nothing(tmp_path: Path, kind: str) -> None:
    registry = fresh(tmp_path)
    truth = build(kind, tmp_path)
    assert truth.rejected > 0
    report = import_file(registry, truth.path, crs=truth.crs, mode="atomic")
    assert not report.committed
    assert (report.created, report.rejected) == (truth.created, truth.rejected)
    assert len(registry) == registry.store.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_atomic_on_a_clean_file_commits_everything(tmp_path: Path, kind: str) -> None:
    registry = fresh(tmp_path)
    truth = build(kind, tmp_path, variant="clean")
    assert truth.rejected == 0
    assert truth.duplicates > 0
    report = import_file(registry, truth.path, crs=truth.crs, mode="atomic")
    assert report.committed
    assert counts(report)["created"] == truth.created == len(registry) == registry.store.count()
    assert_stations_match(registry, truth)


# --------------------------------------------------------------------------- datum


@pytest.mark.parametrize(
    ("kind", "crs", "datum", "source", "file_codes"),
    [
        # plain 经度/纬度 and no option: GCJ-02 assumed (the documented default), said so
        ("xlsx", None, "gcj02", "default", ["datum_assumed"]),
        # the option says it: no warning
        ("xlsx", "gcj02", "gcj02", "option", []),
        # 经度(百度) says BD-09
        ("csv", None, "bd09", "header", []),
        # the option wins over the header, with a warning
        ("csv", "gcj02", "gcj02", "option", ["datum_conflict"]),
        # GeoJSON is WGS84 by definition
        ("geojson", None, "wgs84", "file", []),
        # a projected GeoPackage is converted to WGS84
        ("gpkg", None, "wgs84", "file", []),
    ],
)
def test_the_report_says_which_datum_and_why(
    tmp_path: Path, kind: str, crs: str | None, datum: str, source: str, file_codes: list[str]
) -> None:
    truth = build(kind, tmp_path)
    report = import_file(fresh(tmp_path), truth.path, crs=crs)
    assert (report.datum, report.datum_source) == (datum, source)
    file_issues = [i for i in report.issues if i.row is None]
    assert [i.code for i in file_issues] == file_codes
    assert all(i.severity == "warning" for i in file_issues)


def test_no_datum_anywhere_gives_gcj02_with_a_warning_and_right_positions(
    tmp_path: Path,
) -> None:
    registry = fresh(tmp_path)
    truth = build("xlsx", tmp_path)  # written in GCJ-02, headers do not say so
    report = import_file(registry, truth.path)
    assert (report.datum, report.datum_source) == ("gcj02", "default")
    (warning,) = [i for i in report.issues if i.row is None]
    assert (warning.code, warning.severity) == ("datum_assumed", "warning")
    assert "gcj02" in warning.message
    assert "crs" in warning.message
    assert_stations_match(registry, truth)


# --------------------------------------------------------------------------- export -> import

FORMULA_NAME = "=cmd|' /C calc'!A0"
ROUND_TRIP_STATIONS: list[dict[str, Any]] = [
    # every field, Chinese text and hours
    {
        "name": "朝阳区总工会暖心驿站", "lon": 116.4434123, "lat": 39.9219456,
        "external_id": "BJ-CY-0001", "address": "北京市朝阳区工体北路8号", "district": "朝阳区",
        "adcode": "110105", "host": "中国工商银行朝阳支行",
        "amenities": ["drinking_water", "microwave", "toilet", "wifi", "car_parking"],
        "car_parking_spaces": 12, "motorcycle_parking_spaces": 30, "ev_charging_piles": 2,
        "opening_hours": "周一至周五 9:00-17:00，周末休息", "status": "open",
        "phone": "010-65001234",
    },
    # a name a spreadsheet would run as a formula; +86 phone; temporarily closed
    {
        "name": FORMULA_NAME, "lon": 116.3975, "lat": 39.9087, "external_id": "BJ-X-1",
        "host": "@home", "address": "-1层", "phone": "+86 10 8888 8888",
        "status": "temporarily_closed", "opening_hours": "24小时",
    },
    # quotes, a comma and a line break; zero counts; planned; Chongqing
    {
        "name": '解放碑"户外劳动者"驿站', "lon": 106.5770001, "lat": 29.5570002,
        "address": "重庆市渝中区民族路, 188号\n2楼", "district": "渝中区", "adcode": "500103",
        "amenities": ["rest_area", "shelter"], "car_parking_spaces": 0,
        "motorcycle_parking_spaces": 0, "ev_charging_piles": 0,
        "opening_hours": "08:00-12:00；14:00-18:00", "status": "planned",
    },
    # every amenity, no id
    {
        "name": "全能驿站", "lon": 113.2644, "lat": 23.1291, "phone": "+8613800138000",
        "amenities": ["drinking_water", "microwave", "toilet", "rest_area", "phone_charging",
                      "ebike_charging", "battery_swap", "ev_charging", "car_parking",
                      "motorcycle_parking", "first_aid", "sewing_kit", "heating_cooling",
                      "shelter", "wifi", "counseling", "legal_aid"],
    },
    # only the required fields; two stations of the same name 2 km apart, no ids
    {"name": "最简驿站", "lon": 121.4737, "lat": 31.2304},
    {"name": "最简驿站", "lon": 121.4937, "lat": 31.2304},
    # an id that looks like a number, Xinjiang (far west)
    {"name": "喀什驿站", "lon": 75.9898, "lat": 39.4677, "external_id": "00731",
     "status": "open", "opening_hours": "早8点至晚8点"},
]  # fmt: skip

ROUND_TRIPS = [
    ("geojson", Datum.WGS84),  # the API's own features
    ("geojson", Datum.GCJ02),  # with a "datum" member saying GCJ-02
    ("geojson", Datum.BD09),  # with a "datum" member saying BD-09
    ("gpkg", Datum.WGS84),  # GeoPackage is WGS84 only
    ("csv", Datum.WGS84),
    ("csv", Datum.GCJ02),  # 经度(高德)
    ("csv", Datum.BD09),  # 经度(百度)
    ("xlsx", Datum.WGS84),
    ("xlsx", Datum.GCJ02),
    ("xlsx", Datum.BD09),
]


@pytest.fixture
def source_registry(tmp_path: Path) -> Registry:
    registry = fresh(tmp_path, "source")
    registry.create_many(items=[build_station_data(s) for s in ROUND_TRIP_STATIONS])
    return registry


def editable(station: Station) -> dict[str, Any]:
    return {f: getattr(station, f) for f in EDITABLE_FIELDS if f not in ("lon", "lat")}


@pytest.mark.parametrize(("fmt", "datum"), ROUND_TRIPS, ids=lambda v: str(v))
def test_export_then_import_gives_back_the_registry(
    tmp_path: Path, source_registry: Registry, fmt: str, datum: Datum
) -> None:
    path = tmp_path / f"export.{fmt}"
    assert export_registry(source_registry, fmt=fmt, datum=datum, out=path) == len(
        ROUND_TRIP_STATIONS
    )
    target = fresh(tmp_path, "target")
    report = import_file(target, path)
    assert [(i.row, i.code, i.message) for i in report.issues] == []
    assert counts(report) == {
        "rows": len(ROUND_TRIP_STATIONS), "created": len(ROUND_TRIP_STATIONS), "updated": 0,
        "unchanged": 0, "duplicates": 0, "rejected": 0,
    }  # fmt: skip
    assert report.datum == datum.value
    originals, copies = all_stations(source_registry), all_stations(target)
    assert [editable(c) for c in copies] == [editable(o) for o in originals]
    for original, copy in zip(originals, copies, strict=True):
        off = distance_m((original.lon, original.lat), (copy.lon, copy.lat))
        assert off <= TOLERANCE_M, f"{original.name} moved {off:.3f} m"

    # imported again, into the copy or back into the registry it came from: no change
    for registry in (target, source_registry):
        before = [s.model_dump() for s in all_stations(registry)]
        again = import_file(registry, path)
        assert (again.created, again.updated) == (0, 0), [(i.row, i.code) for i in again.issues]
        assert again.unchanged == len(ROUND_TRIP_STATIONS)
        assert [s.model_dump() for s in all_stations(registry)] == before


# --------------------------------------------------------------------------- bad files


def _truncated_xlsx(path: Path, registry: Registry) -> None:
    buffer = io.BytesIO()
    export_registry(registry, fmt="xlsx", out=buffer)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def _junk(path: Path, _: Registry) -> None:
    path.write_bytes(random.Random(3).randbytes(8192))


def _zip_without_shp(path: Path, _: Registry) -> None:
    write_zip(path, {"stations/readme.txt": "驿站名录".encode(), "stations/stations.dbf": b"x"})


def _old_excel(path: Path, _: Registry) -> None:
    # the start of an OLE2 compound file, as .xls files begin
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))


def _empty(path: Path, _: Registry) -> None:
    path.write_bytes(b"")


def _no_station_columns(path: Path, _: Registry) -> None:
    write_csv(path, [["序号", "备注", "日期"], ["1", "无", "2026-11-01"]])


def _not_json(path: Path, _: Registry) -> None:
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")


def _json_not_geojson(path: Path, _: Registry) -> None:
    path.write_text(json.dumps([{"name": "驿站"}]), encoding="utf-8")


def _zip_not_zip(path: Path, _: Registry) -> None:
    path.write_bytes(b"PK\x03\x04" + random.Random(4).randbytes(200))


def _gpkg_junk(path: Path, _: Registry) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(100))


@pytest.mark.parametrize(
    ("name", "make", "fragments"),
    [
        ("half.xlsx", _truncated_xlsx, ["half.xlsx"]),  # a download cut off
        ("junk.csv", _junk, ["not a text CSV"]),  # binary data named .csv
        ("shapes.zip", _zip_without_shp, ["no Shapefile", "readme.txt"]),  # lists what it has
        ("old.xls", _old_excel, [".xls", ".xlsx"]),  # says to save it as .xlsx
        ("empty.csv", _empty, ["empty"]),
        ("empty.xlsx", _empty, ["empty.xlsx"]),
        ("empty.geojson", _empty, ["empty.geojson"]),
        ("empty.gpkg", _empty, ["empty.gpkg"]),
        ("empty.zip", _empty, ["empty.zip"]),
        # names the missing columns and lists the headers it found
        ("notes.csv", _no_station_columns, ["name", "lon/lat", "序号, 备注, 日期"]),
        ("cut.geojson", _not_json, ["not valid JSON"]),
        ("list.geojson", _json_not_geojson, ["FeatureCollection"]),
        ("bad.zip", _zip_not_zip, ["bad.zip"]),
        ("bad.gpkg", _gpkg_junk, ["bad.gpkg"]),
    ],
)
def test_a_malformed_file_is_an_invalid_file_error(
    tmp_path: Path, source_registry: Registry, name: str, make: Any, fragments: list[str]
) -> None:
    path = tmp_path / name
    make(path, source_registry)
    registry = fresh(tmp_path)
    with pytest.raises(InvalidFile) as excinfo:
        import_file(registry, path, crs="wgs84")
    error = excinfo.value
    assert error.code == "invalid_file"
    assert error.message_zh
    assert error.message_zh != error.message
    for fragment in fragments:
        assert fragment in error.message
    assert len(registry) == registry.store.count() == 0


def test_a_geojson_of_lines_is_reported_row_by_row_not_a_crash(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[116.40, 39.90], [116.41, 39.91]]}
    path = write_geojson(
        tmp_path / "roads.geojson",
        [feature(line, {"name": "长安街"}), feature(point(116.40, 39.90), {"name": "天安门驿站"})],
    )
    registry = fresh(tmp_path)
    report = import_file(registry, path)
    assert (report.rows, report.created, report.rejected) == (2, 1, 1)
    assert [(i.row, i.code, i.value) for i in report.issues] == [(2, "not_a_point", "LineString")]
    assert [s.name for s in all_stations(registry)] == ["天安门驿站"]


def test_the_zip_fixture_really_hides_its_shapefile_in_a_folder(tmp_path: Path) -> None:
    # guards the fixture: the importer must find the .shp below a folder, without a .cpg
    truth = build("zip", tmp_path)
    with zipfile.ZipFile(truth.path) as archive:
        names = archive.namelist()
    assert "fengtai/stations.shp" in names
    assert not any(n.lower().endswith(".cpg") for n in names)


def test_the_csv_fixture_has_a_record_spanning_two_lines(tmp_path: Path) -> None:
    # guards the fixture: from that record on, CSV line numbers run ahead of record numbers
    truth = build("csv", tmp_path)
    text = truth.path.read_bytes().decode("gbk")
    assert '1号,\n中国银行一层"' in text
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(text.splitlines()) == len(records) + 1


@pytest.mark.parametrize(
    ("kind", "crs"),
    [
        ("xlsx", None),  # datum_assumed
        ("csv", "gcj02"),  # datum_conflict
        *[(kind, "keep") for kind in KINDS],  # every row issue of every list
    ],
)
def test_every_issue_code_is_documented(tmp_path: Path, kind: str, crs: str | None) -> None:
    # ISSUE_CODES is the stable list users and the summary rely on
    truth = build(kind, tmp_path)
    report = import_file(fresh(tmp_path), truth.path, crs=truth.crs if crs == "keep" else crs)
    assert report.issues
    assert sorted({i.code for i in report.issues} - set(ISSUE_CODES)) == []
