"""Words users type (issue 14): amenity labels in Chinese or English wherever amenity
codes are taken, and the datum names of the map apps wherever a datum is."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.datums import Datum, parse_datum
from tests.conftest import assert_error, feature, post_station

LABELS = "微波炉、卫生间"
CODES = "microwave,toilet"
ROUTE = "116.39,39.90;116.41,39.90"
# Every route that takes amenities, with what else it needs.
ROUTES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/stations/nearest", {"lon": 116.40, "lat": 39.90, "open_at": "2026-11-23T12:00:00+08:00"}),
    ("/v1/stations", {}),
    ("/v1/stations/along-route", {"route": ROUTE, "open_at": "2026-11-23T12:00:00+08:00"}),
    ("/v1/coverage/stats", {"city": "110101"}),
    ("/page/data/nearest", {"lon": 116.40, "lat": 39.90}),
    ("/page/data/along-route", {"route": ROUTE}),
]


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    for lon, lat, name, amenities in [
        (116.400, 39.901, "甲", ["microwave", "toilet"]),
        (116.401, 39.900, "乙", ["microwave"]),
        (116.402, 39.899, "丙", ["toilet", "wifi"]),
    ]:
        post_station(
            client, feature(lon, lat, name=name, amenities=amenities, opening_hours="24小时")
        )
    return client


@pytest.mark.parametrize(("path", "params"), ROUTES, ids=[p for p, _ in ROUTES])
def test_labels_answer_as_codes_do(seeded: TestClient, path: str, params: dict[str, Any]) -> None:
    by_code = seeded.get(path, params=params | {"amenities": CODES})
    by_label = seeded.get(path, params=params | {"amenities": LABELS})
    assert by_code.status_code == 200, by_code.text
    assert by_label.status_code == 200, by_label.text
    if "json" in by_code.headers["content-type"]:
        ja, jb = by_code.json(), by_label.json()
        for doc in (ja, jb):
            doc.pop("links", None)  # they echo what was sent
        assert ja == jb
        if path != "/v1/coverage/stats":  # (coverage counts; it names no station)
            assert "甲" in by_code.text  # the station with both, found
    else:
        assert by_code.content == by_label.content


def test_english_labels_any_case_and_the_query_echoes_codes(seeded: TestClient) -> None:
    answer = seeded.get(
        "/v1/stations/nearest",
        params={"lon": 116.40, "lat": 39.90, "amenities": "MICROWAVE，toilet", "open_at": "any"},
    ).json()
    assert answer["query"]["amenities"] == ["microwave", "toilet"]
    assert [f["properties"]["name"] for f in answer["features"]] == ["甲"]


@pytest.mark.parametrize(
    ("given", "meant"), [("微波", "microwave"), ("microwav", "microwave"), ("xyz", None)]
)
def test_an_unknown_label_is_refused_with_what_was_meant(
    seeded: TestClient, given: str, meant: str | None
) -> None:
    error = assert_error(
        seeded.get("/v1/stations/nearest", params={"lon": 116.4, "lat": 39.9, "amenities": given}),
        422,
        "unknown_amenity",
    )
    assert error["details"] == [{"value": given, "did_you_mean": meant}]
    assert given in error["message"]
    assert given in error["message_zh"]
    assert "未知的服务设施" in error["message_zh"]
    if meant:
        assert f"did you mean '{meant}'?" in error["message"]
        assert f"是否想用 '{meant}'？" in error["message_zh"]


def test_a_station_written_with_labels_stores_codes(client: TestClient) -> None:
    created = post_station(client, feature(amenities=["微波炉", "Toilet"]))
    assert created["properties"]["amenities"] == ["microwave", "toilet"]


@pytest.mark.parametrize(
    ("name", "datum"),
    [
        ("高德", Datum.GCJ02),
        ("gaode", Datum.GCJ02),
        ("AMap", Datum.GCJ02),
        ("腾讯", Datum.GCJ02),
        ("tencent", Datum.GCJ02),
        ("qq", Datum.GCJ02),
        ("GCJ_02", Datum.GCJ02),
        ("百度", Datum.BD09),
        ("Baidu", Datum.BD09),
        ("bd-09", Datum.BD09),
        ("gps", Datum.WGS84),
        ("WGS", Datum.WGS84),
        ("wgs 84", Datum.WGS84),
    ],
)
def test_datum_names(name: str, datum: Datum) -> None:
    assert parse_datum(name) is datum


def test_datum_names_through_the_api(seeded: TestClient) -> None:
    base = {"lon": 116.4062, "lat": 39.9014, "k": 1}  # a GCJ-02 position near 甲
    gcj = seeded.get("/v1/stations/nearest", params=base | {"crs": "gcj02"}).json()
    gaode = seeded.get("/v1/stations/nearest", params=base | {"crs": "高德"}).json()
    assert gaode["query"]["crs"] == "gcj02"
    assert gaode["features"] == gcj["features"]
    out = seeded.get(
        "/v1/stations/nearest", params={"lon": 116.4, "lat": 39.9, "k": 1, "out_crs": "百度"}
    ).json()
    assert out["datum"] == "bd09"
    error = assert_error(
        seeded.get("/v1/stations/nearest", params={"lon": 116.4, "lat": 39.9, "crs": "google"}),
        422,
        "unknown_crs",
    )
    assert "gcj02: gcj02, gcj-02, 高德, gaode, amap" in error["message"]
    assert "不支持的坐标系 'google'" in error["message_zh"]
