"""Words users type (issue 14): amenity labels in Chinese or English wherever amenity
codes are taken, and the datum names of the map apps wherever a datum is."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.errors import printable
from geo.amenities import QUERY_SEPARATORS
from geo.datums import Datum, parse_datum
from tests.conftest import assert_error, feature, post_station
from tests.hostile import HOSTILE

CJK = re.compile(r"[\u4e00-\u9fff]")
FOLIUM_ID = re.compile(rb"[_-][0-9a-f]{32}")

LABELS = "微波炉、卫生间"
CODES = "microwave,toilet"
ROUTE = "116.39,39.90;116.41,39.90"
LINE = {"type": "LineString", "coordinates": [[116.39, 39.90], [116.41, 39.90]]}
NOON = "2026-11-23T12:00:00+08:00"
# Every route that takes amenities, with what else it needs: (method, path, parameters,
# form fields or JSON body). The amenities go where the route takes them.
ROUTES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("GET", "/v1/stations/nearest", {"lon": 116.40, "lat": 39.90, "open_at": NOON}, None),
    ("GET", "/v1/stations", {}, None),
    ("GET", "/v1/stations/along-route", {"route": ROUTE, "open_at": NOON}, None),
    ("POST", "/v1/stations/along-route", {"open_at": NOON}, LINE),
    ("GET", "/v1/coverage/stats", {"city": "110101", "radius_m": "300"}, None),
    ("GET", "/v1/coverage/stats", {"city": "110101", "radius_m": "300", "format": "csv"}, None),
    ("GET", "/v1/maps/coverage", {"city": "110101", "radius_m": "300"}, None),
    ("POST", "/v1/maps/coverage", {}, {"city": "110101", "radius_m": "300"}),  # a form
    ("GET", "/page/data/nearest", {"lon": 116.40, "lat": 39.90}, None),
    ("GET", "/page/data/along-route", {"route": ROUTE}, None),
]
IDS = [f"{m} {p}{' csv' if q.get('format') else ''}" for m, p, q, _ in ROUTES]
DEMAND = ("orders.csv", b"lon,lat,weight\n116.40,39.90,1\n", "text/csv")


def ask(client: TestClient, method: str, path: str, params: dict[str, Any], body: Any,
        amenities: str) -> httpx2.Response:  # fmt: skip
    """The route asked for these amenities, in the query or, for a form, in the form."""
    if path == "/v1/maps/coverage" and method == "POST":
        form = body | {"amenities": amenities, "demand_crs": "wgs84"}
        return client.post(path, data=form, files={"demand": DEMAND})
    return client.request(method, path, params=params | {"amenities": amenities}, json=body)


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


@pytest.mark.parametrize(("method", "path", "params", "body"), ROUTES, ids=IDS)
def test_labels_answer_as_codes_do(
    seeded: TestClient, method: str, path: str, params: dict[str, Any], body: Any
) -> None:
    by_code = ask(seeded, method, path, params, body, CODES)
    assert by_code.status_code == 200, by_code.text
    for labels in (LABELS, "Microwave，TOILET", "微波炉 卫生间", "热饭+洗手间"):
        by_label = ask(seeded, method, path, params, body, labels)
        assert by_label.status_code == 200, by_label.text
        if "json" in by_code.headers["content-type"]:
            ja, jb = by_code.json(), by_label.json()
            for doc in (ja, jb):
                doc.pop("links", None)  # they echo what was sent
            assert ja == jb
            if "coverage" not in path:  # (coverage counts; it names no station)
                assert "甲" in by_code.text  # the station with both, found
        else:  # (an uncached map's elements have random ids)
            assert FOLIUM_ID.sub(b"", by_code.content) == FOLIUM_ID.sub(b"", by_label.content)


@pytest.mark.parametrize(("method", "path", "params", "body"), ROUTES, ids=IDS)
def test_an_unknown_name_is_refused_on_every_route(
    seeded: TestClient, method: str, path: str, params: dict[str, Any], body: Any
) -> None:
    error = assert_error(
        ask(seeded, method, path, params, body, "微波炉、微波"), 422, "unknown_amenity"
    )
    assert error["details"] == [{"value": "微波", "did_you_mean": "microwave"}]


def test_english_labels_any_case_and_the_query_echoes_codes(seeded: TestClient) -> None:
    answer = seeded.get(
        "/v1/stations/nearest",
        params={"lon": 116.40, "lat": 39.90, "amenities": "MICROWAVE，toilet", "open_at": "any"},
    ).json()
    assert answer["query"]["amenities"] == ["microwave", "toilet"]
    assert [f["properties"]["name"] for f in answer["features"]] == ["甲"]


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("微波", "microwave"),  # part of a name: not taken, but named
        ("microwav", "microwave"),  # a typo
        ("提供微波炉加热", "microwave"),  # a phrase holding a name
        ("xyz", None),
    ],
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
    assert error["message"].startswith(f"unknown amenity {given!r}")
    assert error["message_zh"].startswith(f"未知的服务设施 {given!r}")
    assert "Known, by code or by Chinese or English name" in error["message"]
    assert "饮水（drinking_water）、微波炉（microwave）" in error["message_zh"]
    assert CJK.search(error["message_zh"].replace(given, ""))
    if meant:
        assert "(did you mean 'microwave': 微波炉, Microwave?)" in error["message"]
        assert "（是否想用“微波炉”，即 microwave？）" in error["message_zh"]
    else:
        assert "did you mean" not in error["message"]
        assert "是否想用" not in error["message_zh"]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_an_unknown_name_is_echoed_as_data(seeded: TestClient, name: str) -> None:
    text = HOSTILE[name]
    if QUERY_SEPARATORS.search(text) or len(text.split()) != 1 or "\x00" in text:
        return  # a list of several, or nothing (a NUL is refused as a parameter)
    if len(text) > 4000 or any("\ud800" <= c <= "\udfff" for c in text):
        return  # no URL carries it (tests/api/test_hostile_input.py sends it otherwise)
    response = seeded.get("/v1/stations", params={"amenities": text})
    error = assert_error(response, 422, "unknown_amenity")
    assert error["details"][0]["value"] == printable(text.strip())


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
    assert "gcj02 (Amap, Tencent): gcj02, gcj-02, 高德, gaode, amap" in error["message"]
    assert "bd09（百度）：bd09, bd-09, bd09ll, 百度, baidu" in error["message_zh"]
    assert "不支持的坐标系 'google'" in error["message_zh"]
