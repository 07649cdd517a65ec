"""POST /v1/imports and GET /v1/stations/export over HTTP: reports, errors, round trips."""

from __future__ import annotations

import bz2
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx2
import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pyproj import Geod

from geo.datums import wgs84_to_bd09
from geo.export import FORMATS
from tests.conftest import AUTH, assert_error, feature, make_app, post_station
from tests.geo.imports.fixtures import HEADERS, STATIONS, csv_text

GEOD = Geod(ellps="WGS84")
COUNTS = ("rows", "created", "updated", "unchanged", "duplicates", "rejected")
NO_NAME = ["4", "", "116.4100", "39.9100", "北京市东城区", "饮水"]  # CSV line 5
GOOD_CSV = csv_text([HEADERS, *STATIONS]).encode()
BAD_CSV = csv_text([HEADERS, *STATIONS, NO_NAME]).encode()


def upload(client: TestClient, name: str, content: bytes, **form: Any) -> httpx2.Response:
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()}
    return client.post("/v1/imports", files={"file": (name, content)}, data=data, headers=AUTH)


def imported(client: TestClient, name: str, content: bytes, **form: Any) -> dict[str, Any]:
    """POST a file that must be read; returns the report, checked to account for every row."""
    response = upload(client, name, content, **form)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    assert report["rows"] == sum(report[k] for k in COUNTS[1:]), report
    return report


def counts(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[k] for k in COUNTS)


def listing(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/v1/stations", params={"limit": 1000})
    assert response.status_code == 200, response.text
    features: list[dict[str, Any]] = response.json()["features"]
    return features


def stored(client: TestClient) -> int:
    total: int = client.get("/v1/stations").json()["numberMatched"]
    return total


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def geojson_bytes(*geometries: dict[str, Any]) -> bytes:
    features = [
        {"type": "Feature", "geometry": g, "properties": {"name": "线"}} for g in geometries
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


# -- importing ----------------------------------------------------------------------------


def test_csv_import_reports_every_row_and_commits_the_good_ones(client: TestClient) -> None:
    report = imported(client, "朝阳区驿站.csv", BAD_CSV, crs="wgs84")
    assert counts(report) == (4, 3, 0, 0, 0, 1)
    assert (report["file"], report["format"], report["mode"]) == ("朝阳区驿站.csv", "csv", "commit")
    assert (report["datum"], report["datum_source"]) == ("wgs84", "option")
    assert report["committed"] is True
    assert report["mapping"]["name"] == "驿站名称"
    [issue] = report["issues"]
    assert issue["row"] == 5  # the CSV line, header being line 1
    assert (issue["column"], issue["code"]) == ("驿站名称", "missing_name")
    assert issue["severity"] == "error"
    assert issue["message"]
    assert issue["message_zh"]
    # The committed stations are searchable at once, where the file put them.
    lon, lat = float(STATIONS[0][2]), float(STATIONS[0][3])
    params: dict[str, Any] = {"lon": lon, "lat": lat, "open_at": "any", "k": 3}
    response = client.get("/v1/stations/nearest", params=params)
    assert response.status_code == 200, response.text
    found = response.json()["features"]
    assert found[0]["properties"]["name"] == STATIONS[0][1]
    assert {f["properties"]["name"] for f in found} == {row[1] for row in STATIONS}
    assert found[0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)


def test_reimporting_the_same_file_changes_nothing(client: TestClient) -> None:
    first = imported(client, "s.csv", BAD_CSV)
    before = listing(client)
    again = imported(client, "s.csv", BAD_CSV)
    assert counts(first) == (4, 3, 0, 0, 0, 1)
    assert counts(again) == (4, 0, 0, 3, 0, 1)
    assert listing(client) == before  # updated_at included


def test_gbk_csv_with_baidu_headers_is_read_as_bd09(client: TestClient) -> None:
    lon, lat = 116.4340, 39.9243  # WGS84 truth
    x, y = wgs84_to_bd09([lon], [lat])
    rows = [
        ["站点名称", "经度(百度)", "纬度(百度)"],
        ["朝阳门工会驿站", f"{x[0]:.7f}", f"{y[0]:.7f}"],
    ]
    report = imported(client, "wps导出.csv", csv_text(rows).encode("gbk"))
    assert (report["datum"], report["datum_source"]) == ("bd09", "header")
    assert report["encoding"] in ("gbk", "gb18030")
    assert counts(report) == (1, 1, 0, 0, 0, 0)
    [station] = listing(client)
    assert station["properties"]["name"] == "朝阳门工会驿站"
    assert GEOD.inv(lon, lat, *station["geometry"]["coordinates"])[2] < 0.5


def test_crs_form_field_overrides_the_header(client: TestClient) -> None:
    rows = [["站点名称", "经度(百度)", "纬度(百度)"], ["朝阳门工会驿站", "116.4340", "39.9243"]]
    report = imported(client, "b.csv", csv_text(rows).encode("gbk"), crs="wgs84")
    assert (report["datum"], report["datum_source"]) == ("wgs84", "option")
    assert [i["code"] for i in report["issues"]] == ["datum_conflict"]
    [station] = listing(client)
    assert station["geometry"]["coordinates"] == pytest.approx([116.4340, 39.9243], abs=1e-6)


def test_column_mapping_names_headers_nobody_would_guess(client: TestClient) -> None:
    rows = [["点位名", "横坐标", "纵坐标"], ["望京暖心驿站", "116.47", "39.996"]]
    content = csv_text(rows).encode()
    error = assert_error(upload(client, "o.csv", content), 422, "invalid_file")
    assert "横坐标" in error["message"]
    report = imported(client, "o.csv", content, columns="name=点位名,lon=横坐标,lat=纵坐标")
    assert report["mapping"] == {"name": "点位名", "lon": "横坐标", "lat": "纵坐标"}
    assert counts(report) == (1, 1, 0, 0, 0, 0)
    assert [s["properties"]["name"] for s in listing(client)] == ["望京暖心驿站"]


def test_dry_run_writes_nothing(client: TestClient) -> None:
    report = imported(client, "s.csv", BAD_CSV, dry_run=True)
    assert (report["mode"], report["committed"]) == ("dry_run", False)
    assert counts(report) == (4, 3, 0, 0, 0, 1)  # counted as if committed
    assert stored(client) == 0


@pytest.mark.parametrize(
    ("content", "committed", "expected"),
    [
        pytest.param(BAD_CSV, False, 0, id="bad-row-nothing"),
        pytest.param(GOOD_CSV, True, 3, id="all-good-everything"),
    ],
)
def test_atomic_commits_all_or_nothing(
    client: TestClient, content: bytes, committed: bool, expected: int
) -> None:
    report = imported(client, "s.csv", content, atomic=True)
    assert (report["mode"], report["committed"]) == ("atomic", committed)
    assert stored(client) == expected


# -- import errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Authorization at all
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic test-token"},  # right secret, wrong scheme
    ],
)
def test_import_needs_the_admin_token(client: TestClient, headers: dict[str, str]) -> None:
    files = {"file": ("s.csv", GOOD_CSV)}
    response = client.post("/v1/imports", files=files, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stored(client) == 0


def test_import_is_refused_when_writes_are_disabled(db_url: str) -> None:
    with TestClient(make_app(db_url, admin_token=None)) as c:
        assert_error(upload(c, "s.csv", GOOD_CSV), 403, "writes_disabled")


def test_a_request_without_a_file_is_a_malformed_body(client: TestClient) -> None:
    response = client.post("/v1/imports", data={"crs": "wgs84"}, headers=AUTH)
    error = assert_error(response, 400, "malformed_body")
    assert error["details"][0]["location"] == "body.file"


TRUNCATED_XLSX = xlsx_bytes([HEADERS, *STATIONS])
UNREADABLE = [
    ("驿站.pdf", b"%PDF-1.7\n", "'.pdf'"),  # not a format we read
    ("驿站", GOOD_CSV, "no extension"),
    ("junk.csv", bytes(range(256)) * 8, "binary"),  # binary junk named .csv
    ("empty.csv", b"", "empty"),
    ("cut.xlsx", TRUNCATED_XLSX[: len(TRUNCATED_XLSX) // 2], "cut.xlsx"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + bytes(60), ".xls"),
    ("noshp.zip", zip_bytes({"readme.txt": b"hi", "a.dbf": b""}), "no Shapefile"),
    ("notzip.zip", b"PK\x03\x04 cut", "notzip.zip"),
    ("list.geojson", b"[1, 2]", "not GeoJSON"),
    ("broken.geojson", b'{"type": "FeatureCollection", "feat', "broken.geojson"),
    ("fake.gpkg", b"SQLite format 3\x00" + bytes(100), "fake.gpkg"),  # GDAL warns, too
]


@pytest.mark.parametrize(("name", "content", "says"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_files_are_422_invalid_file(
    client: TestClient, name: str, content: bytes, says: str
) -> None:
    error = assert_error(upload(client, name, content), 422, "invalid_file")
    assert says in error["message"]
    assert stored(client) == 0
    # The user's file, in plain words: not the server's copy of it, nor a library's words.
    shown = json.dumps(error, ensure_ascii=False)
    for internal in ("upload", "stationfinder-import", "/tmp", "Error:", "sqlite3", "SELECT",
                     "It might help", "vsizip"):  # fmt: skip
        assert internal not in shown, (internal, error)
    if name.isascii() and "." in name:
        assert error["message"].startswith(f"{name}: "), error
        assert error["message_zh"].startswith(f"{name}："), error


def test_a_lone_shp_names_the_files_the_user_must_add(client: TestClient) -> None:
    error = assert_error(
        upload(client, "网点.shp", b"\x00\x00\x27\x0a" + bytes(96)), 422, "invalid_file"
    )
    assert ".zip" in error["message"]
    # The user's file names, not the server's temporary copy ("upload.dbf").
    assert "网点.dbf" in error["message"], error
    assert "upload" not in error["message"] + error["message_zh"], error


def test_a_linestring_is_a_rejected_row_not_an_error(client: TestClient) -> None:
    line = {"type": "LineString", "coordinates": [[116.40, 39.90], [116.45, 39.92]]}
    report = imported(client, "lines.geojson", geojson_bytes(line))
    assert counts(report) == (1, 0, 0, 0, 0, 1)
    [issue] = report["issues"]
    assert (issue["row"], issue["code"], issue["value"]) == (2, "not_a_point", "LineString")
    assert issue["message_zh"]
    assert stored(client) == 0


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"crs": "beijing54"}, 422, "unknown_crs"),
        ({"columns": "nom=驿站名称"}, 422, "invalid_parameter"),  # unknown field name
        ({"columns": "name"}, 422, "invalid_parameter"),  # no "="
        ({"columns": '{"name": '}, 422, "invalid_parameter"),  # broken JSON form
        ({"encoding": "klingon"}, 422, "invalid_parameter"),  # see the encoding tests below
        ({"dry_run": "maybe"}, 400, "malformed_body"),
    ],
)
def test_bad_options_are_refused(
    client: TestClient, form: dict[str, str], status: int, code: str
) -> None:
    assert_error(upload(client, "s.csv", GOOD_CSV, **form), status, code)
    assert stored(client) == 0


# The encoding option names a text encoding; Python also has codecs that are none.
REFUSED_ENCODINGS = [
    "bz2_codec",  # a 177-byte upload inflated to 200 MB
    "zlib_codec",
    "base64_codec",
    "rot13",  # text to text
    "hex",
    "undefined",  # always raises
    "uu_codec",
    "quopri_codec",
    "unicode_escape",
    "idna",
    "klingon",  # no such thing
    "[/]{{ 7*7 }}<b>",  # markup in the value: shown as text
]


@pytest.mark.parametrize("encoding", REFUSED_ENCODINGS)
@pytest.mark.parametrize("name", ["s.csv", "s.xlsx", "s.zip"])
def test_the_encoding_must_be_a_character_encoding(
    client: TestClient, encoding: str, name: str
) -> None:
    content = {
        "s.csv": bz2.compress(b"0" * 10_000_000) if encoding == "bz2_codec" else GOOD_CSV,
        "s.xlsx": xlsx_bytes([HEADERS, *STATIONS]),
        "s.zip": zip_bytes({"a.shp": b""}),
    }[name]
    error = assert_error(upload(client, name, content, encoding=encoding), 422, "invalid_parameter")
    for message in (error["message"], error["message_zh"]):
        assert repr(encoding) in message
        assert "utf-8, utf-8-sig, gbk, gb18030" in message.replace("、", ", ")
        assert "big5" in message
    assert error["message"].startswith(f"encoding {encoding!r}: ")
    assert error["message_zh"].startswith(f"编码 {encoding!r}：")
    [detail] = error["details"]
    assert (detail["parameter"], detail["value"]) == ("encoding", encoding)
    assert "gb18030" in detail["accepted"]
    assert stored(client) == 0


@pytest.mark.parametrize(
    ("encoding", "used"), [("GBK", "gbk"), ("cp936", "gbk"), ("gb18030", "gb18030")]
)
def test_a_stated_chinese_encoding_is_used(client: TestClient, encoding: str, used: str) -> None:
    content = csv_text([HEADERS, *STATIONS]).encode("gbk")
    report = imported(client, "s.csv", content, encoding=encoding, crs="wgs84")
    assert (report["encoding"], report["created"]) == (used, 3)


def test_a_csv_cell_over_the_csv_modules_limit_rejects_its_row(client: TestClient) -> None:
    """Python's csv stops at 131,072 characters; within the lines sniffed this was a 500."""
    long_row = ["9", "长驿站", "116.4400", "39.9200", "路" * 140_000, "饮水"]
    content = csv_text([HEADERS, STATIONS[0], long_row, *STATIONS[1:]]).encode()
    report = imported(client, "s.csv", content, crs="wgs84")
    assert counts(report) == (4, 3, 0, 0, 0, 1)
    [issue] = report["issues"]
    assert (issue["row"], issue["column"], issue["code"]) == (3, "详细地址", "cell_too_long")
    assert stored(client) == 3


def test_geojson_elements_that_are_not_features_are_rejected_rows(client: TestClient) -> None:
    features: list[Any] = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.434, 39.9243]},
         "properties": {"name": "朝阳门工会驿站"}},
        {"geometry": {"type": "Point", "coordinates": [116.47, 39.996]},
         "properties": {"name": "望京暖心驿站"}},  # no "type"
        {"type": "Station", "properties": {"name": "x"}},  # an unknown type
        None,
        {"type": "Feature", "geometry": None, "properties": {"name": "无位置驿站"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.459, 39.909]},
         "properties": {"name": "国贸户外劳动者驿站"}},
    ]  # fmt: skip
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    report = imported(client, "s.geojson", content)
    assert counts(report) == (6, 2, 0, 0, 0, 4)
    assert [(i["row"], i["code"]) for i in report["issues"]] == [
        (3, "invalid_feature"), (4, "invalid_feature"), (5, "invalid_feature"),
        (6, "not_a_point"),
    ]  # fmt: skip
    assert all(i["message_zh"] and i["message"] != i["message_zh"] for i in report["issues"])


def test_xlsx_rows_of_formulas_without_results_are_rejected_rows(client: TestClient) -> None:
    rows = [
        ["驿站名称", "经度", "纬度"],
        ["朝阳门工会驿站", 116.4340, 39.9243],
        ['=A2&"分站"', "=B2+0.001", "=C2"],  # written by a program that does not calculate
        ["望京暖心驿站", 116.4700, 39.9960],
    ]
    report = imported(client, "s.xlsx", xlsx_bytes(rows), crs="wgs84")
    assert counts(report) == (3, 2, 0, 0, 0, 1)
    assert {(i["row"], i["code"]) for i in report["issues"]} == {(3, "formula_without_value")}
    assert [i["column"] for i in report["issues"]] == ["驿站名称", "经度", "纬度"]


def test_a_csv_without_station_columns_names_its_headers(client: TestClient) -> None:
    content = csv_text([["备注", "联系人"], ["无", "张三"]]).encode()
    error = assert_error(upload(client, "s.csv", content), 422, "invalid_file")
    for text in (error["message"], error["message_zh"]):
        assert "备注" in text
        assert "联系人" in text


def test_chinese_messages_have_no_english_phrases(client: TestClient) -> None:
    cut = TRUNCATED_XLSX[:100]
    error = assert_error(upload(client, "cut.xlsx", cut), 422, "invalid_file")
    assert "workbook" not in error["message_zh"], error
    rows = [["站点名称", "经度(百度)", "纬度(百度)"], ["朝阳门工会驿站", "116.4340", "39.9243"]]
    report = imported(client, "b.csv", csv_text(rows).encode(), crs="wgs84", dry_run=True)
    [warning] = report["issues"]
    assert "the file suggests" not in warning["message_zh"], warning


# -- exporting -----------------------------------------------------------------------------


def seed(client: TestClient) -> None:
    post_station(
        client,
        feature(
            116.4612, 39.9087, name="建国路工商银行暖心驿站", external_id="BJ-1",
            amenities=["drinking_water", "wifi"], opening_hours="08:00-20:00",
            car_parking_spaces=3, phone="010-12345678", address="北京市朝阳区建国路",
            district="朝阳区", adcode="110105", host="工商银行",
        ),
    )  # fmt: skip
    post_station(
        client,
        feature(
            106.5516, 29.5630, name="=解放碑驿站", status="temporarily_closed", ev_charging_piles=2
        ),
    )
    post_station(client, feature(116.3975, 39.9087, name="无编号驿站"))


MAGIC: dict[str, Callable[[bytes], bool]] = {
    "geojson": lambda b: json.loads(b)["type"] == "FeatureCollection",
    "gpkg": lambda b: b.startswith(b"SQLite format 3\x00"),
    "csv": lambda b: b.startswith(b"\xef\xbb\xbf\xe7\xab\x99"),  # BOM, then 站点ID
    "xlsx": lambda b: b.startswith(b"PK\x03\x04"),
}


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("geojson", "application/geo+json"),
        ("gpkg", "application/geopackage+sqlite3"),
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_export_formats(client: TestClient, fmt: str, media_type: str) -> None:
    seed(client)
    response = client.get("/v1/stations/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert f'filename="stations-wgs84.{fmt}"' in disposition
    assert MAGIC[fmt](response.content)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"format": "pdf"}, "invalid_parameter"),
        ({"format": "gpkg", "crs": "gcj02"}, "invalid_parameter"),  # GIS files are WGS84
        ({"format": "gpkg", "crs": "bd09"}, "invalid_parameter"),
        ({"format": "csv", "crs": "xx"}, "unknown_crs"),
    ],
)
def test_export_errors(client: TestClient, params: dict[str, str], code: str) -> None:
    assert_error(client.get("/v1/stations/export", params=params), 422, code)


def test_export_is_not_taken_for_a_station_id(client: TestClient) -> None:
    seed(client)
    response = client.get("/v1/stations/export")
    assert response.status_code == 200, response.text
    assert len(response.json()["features"]) == 3
    assert client.get("/v1/stations/1").json()["properties"]["external_id"] == "BJ-1"
    assert_error(client.get("/v1/stations/exports"), 422, "invalid_parameter")


def comparable(features: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[float]]]:
    drop = {"id", "created_at", "updated_at"}
    return [
        ({k: v for k, v in f["properties"].items() if k not in drop}, f["geometry"]["coordinates"])
        for f in features
    ]


@pytest.mark.parametrize(
    ("fmt", "crs"),
    [("csv", "gcj02"), ("xlsx", "bd09"), ("geojson", "gcj02"), ("gpkg", "wgs84")],
)
def test_export_then_import_gives_back_the_registry(
    client: TestClient, tmp_path: Any, fmt: str, crs: str
) -> None:
    seed(client)
    exported = client.get("/v1/stations/export", params={"format": fmt, "crs": crs})
    assert exported.status_code == 200, exported.text
    with TestClient(make_app(f"sqlite:///{tmp_path}/other.db")) as other:
        report = imported(other, f"stations.{fmt}", exported.content)
        assert (report["datum"], counts(report)) == (crs, (3, 3, 0, 0, 0, 0))
        assert [i for i in report["issues"] if i["severity"] == "error"] == []
        again = comparable(listing(other))
    want = comparable(listing(client))
    assert [p for p, _ in again] == [p for p, _ in want]
    for (_, got), (_, expected) in zip(again, want, strict=True):
        assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_leaves_out_a_damaged_row_instead_of_failing(
    client: TestClient, caplog: pytest.LogCaptureFixture, fmt: str
) -> None:
    """A station whose stored ``updated_at`` is not ISO text (a hand edit of the
    database) is left out, logged and counted; the export is not a 500 (issue 22)."""
    seed(client)
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE stations SET updated_at = 'not a time' WHERE id = 2"))
    response = client.get("/v1/stations/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["x-stations-skipped"] == "1"
    assert "export: station 2 left out" in caplog.text
    if fmt == "geojson":
        assert [f["id"] for f in response.json()["features"]] == [1, 3]
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM stations WHERE id = 2"))
    assert client.get("/v1/stations/export").headers["x-stations-skipped"] == "0"


def test_an_apps_own_row_limit_applies_to_its_imports(db_url: str) -> None:
    """The limit comes from the settings the app was made with, not from the environment:
    the import's child process is told it (issue 15)."""
    rows = [HEADERS] + [[str(i), f"驿站{i}", f"116.4{i:02d}", "39.9", "", ""] for i in range(5)]
    with TestClient(make_app(db_url, max_import_rows=3)) as client:
        response = upload(client, "五行.csv", csv_text(rows).encode(), crs="wgs84")
        error = assert_error(response, 422, "invalid_file")
        assert "more than 3 data rows" in error["message"]
        assert "超过 3 行" in error["message_zh"]
        assert client.get("/v1/stations").json()["numberMatched"] == 0
