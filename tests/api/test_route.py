"""GET/POST /v1/stations/along-route: the domain's answer over HTTP, and every 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from geo.datums import from_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo.polyline import encode_polyline
from geo.route import MAX_VERTICES, Route, along_route
from geo.search import MAX_DISTANCE_M
from tests.conftest import assert_error, feature, make_app, post_station
from tests.factories import GEOD

URL = "/v1/stations/along-route"
# East along Chang'an Avenue from Tiananmen to Jianguomen, then north: WGS84.
ROUTE = [(116.3975, 39.9087), (116.4200, 39.9087), (116.4350, 39.9085), (116.4350, 39.9200)]


def lonlat_text(points: list[tuple[float, float]]) -> str:
    return ";".join(f"{x!r},{y!r}" for x, y in points)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Stations beside the route (some with a microwave, one closed), and far from it."""
    db = tmp_path_factory.mktemp("route") / "t.db"
    with TestClient(make_app(f"sqlite:///{db}")) as client:
        r = Route.from_wgs84(np.array([p[0] for p in ROUTE]), np.array([p[1] for p in ROUTE]))
        rng = np.random.default_rng(5)
        for i in range(40):
            lon, lat = (float(v[0]) for v in r.point_at(np.array([rng.uniform(0, 4000)])))
            x, y, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360), rng.uniform(0, 600))
            props: dict[str, Any] = {
                "name": f"长安街驿站{i}",
                "amenities": ["microwave"] if i % 3 == 0 else ["drinking_water"],
                "opening_hours": "24小时",
            }
            if i == 7:
                props["status"] = "temporarily_closed"
            post_station(client, feature(float(x), float(y), **props))
        post_station(client, feature(116.30, 39.99, name="远处驿站", opening_hours="24小时"))
        yield client


def domain(client: TestClient, width_m: float, mask: int = 0) -> list[int]:
    index = client.app.state.registry.index  # type: ignore[attr-defined]
    r = Route.from_wgs84(np.array([p[0] for p in ROUTE]), np.array([p[1] for p in ROUTE]))
    return [h.id for h in along_route(index, r, width_m=width_m, mask=mask, limit=100)]


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def test_get_answers_what_the_domain_answers_in_route_order(seeded: TestClient) -> None:
    response = seeded.get(URL, params={"route": lonlat_text(ROUTE), "width_m": 300, "limit": 100})
    got = ids(response)
    assert got == domain(seeded, 300.0)
    assert 5 < len(got) < 40
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["datum"] == "wgs84"
    assert body["query"]["vertices"] == 4
    assert body["query"]["width_m"] == 300.0
    assert body["query"]["status"] == ["open"]
    props = [f["properties"] for f in body["features"]]
    along = [p["distance_along_route_m"] for p in props]
    assert along == sorted(along)
    assert all(p["distance_from_route_m"] <= 300 for p in props)
    assert all(p["passage_distance_m"] >= p["distance_from_route_m"] for p in props)
    assert all(p["status"] == "open" for p in props)  # the closed one is left out


def test_every_format_and_datum_gives_the_same_stations(seeded: TestClient) -> None:
    want = ids(seeded.get(URL, params={"route": lonlat_text(ROUTE), "width_m": 250}))
    lon, lat = [p[0] for p in ROUTE], [p[1] for p in ROUTE]
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    gcj = list(zip(g_lon.tolist(), g_lat.tolist(), strict=True))
    cases = [
        {"route": encode_polyline(lon, lat, 6), "route_format": "polyline6"},
        {"route": lonlat_text(gcj), "route_format": "amap"},  # GCJ-02 by default
        {"route": lonlat_text(gcj), "crs": "gcj02"},
        {"route": encode_polyline(b_lon.tolist(), b_lat.tolist(), 6), "route_format": "polyline6",
         "crs": "bd09"},
    ]  # fmt: skip
    for params in cases:
        assert ids(seeded.get(URL, params=params | {"width_m": 250})) == want, params
    # Precision 5 moves vertices by up to ~0.5 m: compare with a margin-free subset.
    five = ids(seeded.get(URL, params={"route": encode_polyline(lon, lat), "route_format":
                                        "polyline", "width_m": 250}))  # fmt: skip
    assert len(set(five) ^ set(want)) <= 1


def test_amenities_limit_and_out_crs(seeded: TestClient) -> None:
    base = {"route": lonlat_text(ROUTE), "width_m": 400}
    every = ids(seeded.get(URL, params=base | {"limit": 100}))
    micro = ids(seeded.get(URL, params=base | {"amenities": "microwave", "limit": 100}))
    assert micro == [i for i in every if i in set(micro)]
    assert micro == domain(seeded, 400.0, mask=1 << 1)
    assert ids(seeded.get(URL, params=base | {"limit": 3})) == every[:3]
    wgs = seeded.get(URL, params=base).json()["features"][0]
    gcj = seeded.get(URL, params=base | {"out_crs": "gcj02"}).json()
    assert gcj["datum"] == "gcj02"
    x, y = from_wgs84(*wgs["geometry"]["coordinates"], "gcj02")
    assert gcj["features"][0]["geometry"]["coordinates"] == pytest.approx(
        [float(x), float(y)], abs=1e-7
    )


def test_a_corridor_that_catches_nothing(seeded: TestClient) -> None:
    far = [(100.0, 30.0), (100.01, 30.0)]
    body = seeded.get(URL, params={"route": lonlat_text(far), "width_m": 1000}).json()
    assert body["numberReturned"] == 0
    assert body["features"] == []


def test_post_geojson_equals_get(seeded: TestClient) -> None:
    want = ids(seeded.get(URL, params={"route": lonlat_text(ROUTE), "width_m": 300}))
    line = {"type": "LineString", "coordinates": [list(p) for p in ROUTE]}
    assert ids(seeded.post(URL, params={"width_m": 300}, json=line)) == want
    feat = {"type": "Feature", "geometry": line, "properties": {}}
    response = seeded.post(URL, params={"width_m": 300}, json=feat)
    assert ids(response) == want
    assert response.json()["query"]["route_format"] == "geojson"
    g_lon, g_lat = wgs84_to_gcj02([p[0] for p in ROUTE], [p[1] for p in ROUTE])
    gcj = {"type": "LineString", "coordinates": [[x, y] for x, y in zip(g_lon, g_lat, strict=True)]}
    stated = {"type": "Feature", "crs": "gcj02", "geometry": gcj, "properties": {}}
    assert ids(seeded.post(URL, params={"width_m": 300}, json=stated)) == want
    assert ids(seeded.post(URL, params={"width_m": 300, "crs": "gcj02"}, json=gcj)) == want


def test_post_takes_a_long_route(seeded: TestClient) -> None:
    r = Route.from_wgs84(np.array([p[0] for p in ROUTE]), np.array([p[1] for p in ROUTE]))
    x, y = r.point_at(np.linspace(0, r.total_length_m, 3000))  # a vertex every 1.4 m
    line = {"type": "LineString", "coordinates": np.stack([x, y], axis=1).tolist()}
    got = ids(seeded.post(URL, params={"width_m": 300}, json=line))
    assert got == ids(seeded.get(URL, params={"route": lonlat_text(ROUTE), "width_m": 300}))


LINE = lonlat_text(ROUTE)
TOO_LONG = lonlat_text([(100.0, 30.0), (110.0, 35.0)])  # ~1,100 km


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "invalid_parameter"),  # no route at all
        ({"route": "116.4,39.9"}, 422, "invalid_route"),  # one vertex
        ({"route": "116.4,39.9;abc"}, 422, "invalid_route"),
        ({"route": "_p~iF~ps|U_", "route_format": "polyline"}, 422, "invalid_route"),
        ({"route": LINE, "route_format": "wkt"}, 422, "invalid_route"),
        ({"route": "116.4,39.9;116.4,91"}, 422, "invalid_route"),  # lat out of range
        ({"route": "0,0;0.1,0.1", "crs": "gcj02"}, 422, "invalid_route"),  # GCJ-02 abroad
        ({"route": LINE, "crs": "tokyo"}, 422, "unknown_crs"),
        ({"route": LINE, "width_m": 0}, 422, "invalid_parameter"),
        ({"route": LINE, "width_m": 1000.5}, 422, "invalid_parameter"),  # over the cap
        ({"route": LINE, "width_m": "wide"}, 422, "invalid_parameter"),
        ({"route": LINE, "limit": 0}, 422, "invalid_parameter"),
        ({"route": LINE, "limit": 101}, 422, "invalid_parameter"),
        ({"route": LINE, "amenities": "sauna"}, 422, "unknown_amenity"),
        ({"route": LINE, "open_at": "soon"}, 422, "invalid_datetime"),
        ({"route": LINE, "status": "gone"}, 422, "unknown_status"),
        ({"route": LINE, "out_crs": "tokyo"}, 422, "unknown_crs"),
        ({"route": TOO_LONG}, 422, "route_too_long"),
    ],
)
def test_get_errors(seeded: TestClient, params: dict[str, Any], status: int, code: str) -> None:
    assert_error(seeded.get(URL, params=params), status, code)


def test_bad_vertices_are_each_named(seeded: TestClient) -> None:
    error = assert_error(
        seeded.get(URL, params={"route": "116.4,39.9;x,1;116.5,39.9;1,2,3"}), 422, "invalid_route"
    )
    assert [d["vertex"] for d in error["details"]] == [2, 4]
    assert "2" in error["message"]
    assert "第 2 个点" in error["message_zh"]


def test_post_errors(seeded: TestClient) -> None:
    post = seeded.post
    assert_error(post(URL, content=b"not json", headers={"Content-Type": "application/json"}),
                 400, "malformed_body")  # fmt: skip
    assert_error(post(URL, json={"type": "Point", "coordinates": [116.4, 39.9]}), 422,
                 "invalid_route")  # fmt: skip
    assert_error(post(URL, json={"type": "LineString", "coordinates": "116.4,39.9"}), 422,
                 "invalid_route")  # fmt: skip
    line = {"type": "LineString", "coordinates": [list(p) for p in ROUTE]}
    stated = {"type": "Feature", "crs": "bd09", "geometry": line, "properties": {}}
    error = assert_error(post(URL, params={"crs": "gcj02"}, json=stated), 422, "invalid_parameter")
    assert error["details"][0]["parameter"] == "crs"
    many = {"type": "LineString", "coordinates": [[116.4, 39.9]] * (MAX_VERTICES + 1)}
    assert_error(post(URL, json=many), 422, "route_too_long")
    far = {"type": "LineString", "coordinates": [[100.0, 30.0], [110.0, 35.0]]}
    error = assert_error(post(URL, json=far), 422, "route_too_long")
    assert error["details"][0]["length_m"] < MAX_DISTANCE_M
