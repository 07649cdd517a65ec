"""The nearest-station API answers exactly what a brute-force scan answers.

A few hundred stations around Beijing and Chongqing are posted through the API (a
quarter of them in GCJ-02, as copied from Amap); each query is checked against
``tests.factories.brute_force`` over the registry's index entries.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from geo.amenities import BY_CODE
from geo.clock import ManualClock, use_clock
from geo.datums import wgs84_to_bd09, wgs84_to_gcj02
from geo.hours import SHANGHAI
from geo.index import IndexEntry
from geo.model import Status
from tests.conftest import BEIJING, feature, make_app, post_station
from tests.factories import Expected, brute_force

GEOD = Geod(ellps="WGS84")
NEAREST = "/v1/stations/nearest"

CHONGQING = (106.5516, 29.5630)
URUMQI = (87.6168, 43.8256)  # ~2,400 km from every station
TWIN = (116.4010, 39.9070)  # two stations stand exactly here: ties go by id

COMMON = ("drinking_water", "microwave", "toilet", "rest_area", "phone_charging", "wifi", "shelter")
HOURS = (
    None,
    "24小时",
    "08:00-20:00",
    "周一至周五 9:00-17:00",
    "周一至周五 9:00-17:00，周末休息",
    "早8点-晚8点",
    "20:00-08:00",
    "Mo-Su 06:00-22:00; PH off",
)
CITIES = (("北京", 116.40, 39.90, 0.3, 0.25, 220), ("重庆", 106.55, 29.56, 0.2, 0.15, 110))
EV_STATIONS = 5  # Chongqing stations 0, 22, 44, 66, 88: the rare amenity


def seed_features() -> list[dict[str, Any]]:
    """Deterministic POST bodies: two city clusters, EV piles only in Chongqing, two twins."""
    rng = random.Random(20261123)
    bodies = []
    for city, lon0, lat0, dlon, dlat, n in CITIES:
        for i in range(n):
            lon, lat = lon0 + rng.uniform(-dlon, dlon), lat0 + rng.uniform(-dlat, dlat)
            props: dict[str, Any] = {
                "name": f"{city}驿站{i}",
                "amenities": rng.sample(COMMON, rng.randint(0, 4)),
                "opening_hours": rng.choice(HOURS),
                "status": rng.choices(["open", "temporarily_closed", "planned"], [8, 1, 1])[0],
            }
            if i % 5 == 0:
                props["car_parking_spaces"] = rng.randint(1, 12)
            if city == "重庆" and i % 22 == 0:
                props["ev_charging_piles"] = rng.randint(1, 4)
            if i % 4 == 1:  # given in GCJ-02, as Amap shows it
                gcj_lon, gcj_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
                bodies.append(feature(gcj_lon, gcj_lat, crs="gcj02", **props))
            else:
                bodies.append(feature(lon, lat, **props))
    for j in range(2):
        bodies.append(
            feature(
                *TWIN, name=f"孪生驿站{j}", amenities=["drinking_water"], opening_hours="24小时"
            )
        )
    return bodies


@dataclass
class Seeded:
    client: TestClient
    created: list[dict[str, Any]]
    entries: list[IndexEntry]

    def nearest(self, **params: Any) -> dict[str, Any]:
        response = self.client.get(NEAREST, params=params)
        assert response.status_code == 200, response.text
        doc: dict[str, Any] = response.json()
        return doc


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with TestClient(make_app("sqlite://")) as client:
        created = [post_station(client, body) for body in seed_features()]
        entries = client.app.state.registry.index.entries()  # type: ignore[attr-defined]
        yield Seeded(client, created, entries)


def test_index_holds_what_was_posted(seeded: Seeded) -> None:
    """The oracle reads the index's entries, so first check they are the posted stations."""
    by_id = {e.id: e for e in seeded.entries}
    assert sorted(by_id) == sorted(f["id"] for f in seeded.created)
    assert len(by_id) == sum(c[-1] for c in CITIES) + 2
    for f in seeded.created:
        entry, props = by_id[f["id"]], f["properties"]
        assert [entry.lon, entry.lat] == pytest.approx(f["geometry"]["coordinates"], abs=1e-7)
        assert entry.mask == sum(1 << BY_CODE[c].bit for c in props["amenities"])
        assert (entry.status.value, entry.hours_osm) == (
            props["status"],
            props["opening_hours_osm"],
        )
    assert sum(e.mask >> BY_CODE["ev_charging"].bit & 1 for e in seeded.entries) == EV_STATIONS


def oracle(
    entries: list[IndexEntry], lon: float, lat: float, params: dict[str, Any]
) -> list[Expected]:
    """The brute-force answer to a query, its parameters read independently of the API."""
    codes = {c for item in params.get("amenities", "").split(",") if (c := item.strip())}
    status = params.get("status", "open")
    statuses = (
        frozenset(Status) if status == "any" else frozenset(Status(s) for s in status.split(","))
    )
    when = None
    if params["open_at"] != "any":
        when = datetime.fromisoformat(params["open_at"])
        when = when.replace(tzinfo=SHANGHAI) if when.tzinfo is None else when.astimezone(SHANGHAI)
    return brute_force(
        entries,
        lon,
        lat,
        k=int(params.get("k", 5)),
        mask=sum(1 << BY_CODE[c].bit for c in codes),
        max_distance_m=params.get("max_distance_m"),
        statuses=statuses,
        open_at=when,
    )


def angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


ANY = {"open_at": "any"}
QUERIES = [
    pytest.param(BEIJING, ANY, 5, id="plain"),  # five nearest open stations
    pytest.param(
        BEIJING, ANY | {"amenities": "drinking_water,microwave", "k": 8}, 8, id="two-amenities"
    ),
    pytest.param(
        BEIJING, ANY | {"amenities": "ev_charging", "k": 3}, 3, id="rare-and-far"
    ),  # ~1,460 km
    pytest.param(BEIJING, ANY | {"amenities": "ev_charging", "k": 50}, 3, id="k-beyond-matches"),
    pytest.param(
        BEIJING,
        ANY | {"amenities": "ev_charging", "max_distance_m": 1e6},
        0,
        id="radius-short-of-rare",
    ),
    pytest.param(BEIJING, ANY | {"amenities": "counseling"}, 0, id="nobody-has-it"),
    pytest.param(
        BEIJING, ANY | {"amenities": "car_parking,toilet", "k": 4}, 4, id="implied-amenity"
    ),
    pytest.param(BEIJING, ANY | {"max_distance_m": 6000, "k": 100}, 10, id="radius"),
    pytest.param(BEIJING, {"open_at": "2026-11-23T03:00", "k": 10}, 10, id="monday-3am"),
    pytest.param(BEIJING, {"open_at": "2026-11-23T12:30", "k": 10}, 10, id="monday-noon"),
    pytest.param(
        BEIJING, {"open_at": "2026-11-21T10:00:00+08:00", "k": 10}, 10, id="saturday-10am"
    ),
    pytest.param(
        BEIJING, {"open_at": "2026-11-23T14:30:00Z", "k": 10}, 10, id="utc-offset"
    ),  # 22:30 local
    pytest.param(
        BEIJING, {"open_at": "2026-10-01T12:00", "k": 10}, 10, id="national-day"
    ),  # PH off
    pytest.param(BEIJING, ANY | {"status": "any", "k": 30}, 30, id="status-any"),
    pytest.param(
        BEIJING, ANY | {"status": "planned,temporarily_closed", "k": 10}, 10, id="not-open"
    ),
    pytest.param(CHONGQING, ANY | {"amenities": "ev_charging", "k": 10}, 3, id="rare-nearby"),
    pytest.param(CHONGQING, ANY | {"k": 100, "status": "any"}, 100, id="k-100"),
    pytest.param(URUMQI, ANY | {"k": 3}, 3, id="far-from-all"),
    pytest.param(URUMQI, ANY | {"max_distance_m": 1_000_000}, 0, id="far-with-radius"),
    pytest.param(TWIN, ANY | {"k": 3}, 3, id="at-a-station"),  # distance 0, tie by id
]


@pytest.mark.parametrize(("where", "params", "min_hits"), QUERIES)
def test_nearest_equals_brute_force(
    seeded: Seeded, where: tuple[float, float], params: dict[str, Any], min_hits: int
) -> None:
    lon, lat = where
    doc = seeded.nearest(lon=lon, lat=lat, **params)
    want = oracle(seeded.entries, lon, lat, params)
    got = doc["features"]
    assert [f["id"] for f in got] == [w.id for w in want]
    assert len(got) >= min_hits
    assert doc["numberReturned"] == len(got)
    for f, w in zip(got, want, strict=True):
        props = f["properties"]
        assert props["distance_m"] == pytest.approx(w.distance_m, abs=0.01)
        assert w.distance_m == 0 or angle_gap(props["bearing_deg"], w.bearing_deg) <= 0.051
        assert props["open_at_time"] is (None if params["open_at"] == "any" else True)
    q = doc["query"]
    assert q["k"] == int(params.get("k", 5))
    assert q["max_distance_m"] == params.get("max_distance_m")
    assert q["amenities"] == [c for c in BY_CODE if c in params.get("amenities", "").split(",")]


def test_twins_tie_by_id(seeded: Seeded) -> None:
    features = seeded.nearest(lon=TWIN[0], lat=TWIN[1], k=2, open_at="any")["features"]
    assert [f["properties"]["name"] for f in features] == ["孪生驿站0", "孪生驿站1"]
    assert features[0]["id"] < features[1]["id"]
    assert [f["properties"]["distance_m"] for f in features] == [0.0, 0.0]


@pytest.mark.parametrize("where", [BEIJING, CHONGQING, TWIN])
@pytest.mark.parametrize(("crs", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_query_in_gcj02_or_bd09_equals_wgs84(
    seeded: Seeded, where: tuple[float, float], crs: str, forward: Any
) -> None:
    params = {"k": 10, "open_at": "any", "status": "any"}
    x, y = (float(v) for v in forward(*where))
    assert GEOD.inv(*where, x, y)[2] > 100  # the datums really differ here
    wgs = seeded.nearest(lon=where[0], lat=where[1], **params)
    other = seeded.nearest(lon=x, lat=y, crs=crs, **params)
    assert len(wgs["features"]) == 10
    assert [f["id"] for f in other["features"]] == [f["id"] for f in wgs["features"]]
    for a, b in zip(other["features"], wgs["features"], strict=True):
        assert a["properties"]["distance_m"] == pytest.approx(
            b["properties"]["distance_m"], abs=0.01
        )
    q = other["query"]
    assert (q["crs"], q["lon"], q["lat"]) == (crs, x, y)
    assert [q["lon_wgs84"], q["lat_wgs84"]] == pytest.approx(list(where), abs=1e-8)
    assert wgs["query"]["crs"] == "wgs84"


@pytest.mark.parametrize(
    ("out_crs", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09), ("wgs84", None)]
)
def test_out_crs_converts_coordinates_and_says_so(
    seeded: Seeded, out_crs: str, forward: Any
) -> None:
    params = {"lon": CHONGQING[0], "lat": CHONGQING[1], "k": 20, "open_at": "any"}
    base = seeded.nearest(**params)
    doc = seeded.nearest(**params, out_crs=out_crs)
    assert (base["datum"], doc["datum"]) == ("wgs84", out_crs)
    assert len(doc["features"]) == 20
    by_id = {e.id: e for e in seeded.entries}
    for f, b in zip(doc["features"], base["features"], strict=True):
        assert f["properties"] == b["properties"]  # only the coordinates change
        entry = by_id[f["id"]]
        want = (
            [entry.lon, entry.lat]
            if forward is None
            else [float(v) for v in forward(entry.lon, entry.lat)]
        )
        assert f["geometry"]["coordinates"] == pytest.approx(want, abs=1e-7)


PROPERTIES = (
    "id", "name", "address", "amenities", "distance_m", "bearing_deg", "opening_hours",
    "open_at_time", "car_parking_spaces", "motorcycle_parking_spaces", "ev_charging_piles",
)  # fmt: skip


@pytest.mark.parametrize("where", [BEIJING, CHONGQING, URUMQI])
def test_features_carry_what_a_courier_needs(seeded: Seeded, where: tuple[float, float]) -> None:
    doc = seeded.nearest(lon=where[0], lat=where[1], k=25, open_at="2026-11-23T12:30")
    assert len(doc["features"]) == 25
    for f in doc["features"]:
        props = f["properties"]
        assert set(PROPERTIES) <= set(props), set(PROPERTIES) - set(props)
        assert props["id"] == f["id"]
        az, _, dist = GEOD.inv(*where, *f["geometry"]["coordinates"])
        assert abs(props["distance_m"] - dist) < 0.5
        assert angle_gap(props["bearing_deg"], az) < 0.1
        assert 0.0 <= props["bearing_deg"] < 360.0
    distances = [f["properties"]["distance_m"] for f in doc["features"]]
    assert distances == sorted(distances)


@pytest.mark.parametrize(
    "amenities",
    [
        ["drinking_water", "toilet"],  # repeated
        ["toilet,drinking_water"],  # comma-separated, any order
        ["toilet", "drinking_water,toilet"],  # both, with a repeat
        ["drinking_water,,toilet,"],  # blank items are ignored
    ],
)
def test_amenities_comma_separated_or_repeated(seeded: Seeded, amenities: list[str]) -> None:
    params = {"lon": BEIJING[0], "lat": BEIJING[1], "k": 10, "open_at": "any"}
    want = seeded.nearest(**params, amenities="drinking_water,toilet")
    got = seeded.nearest(**params, amenities=amenities)
    assert got == want
    assert got["query"]["amenities"] == ["drinking_water", "toilet"]
    assert len(got["features"]) == 10


def test_open_at_any_ignores_hours(seeded: Seeded) -> None:
    doc = seeded.nearest(lon=BEIJING[0], lat=BEIJING[1], k=50, open_at="any")
    assert doc["query"]["open_at"] is None
    assert {f["properties"]["open_at_time"] for f in doc["features"]} == {None}
    assert None in {f["properties"]["opening_hours"] for f in doc["features"]}  # unknown hours too


def test_open_at_defaults_to_now_in_shanghai(seeded: Seeded) -> None:
    now = datetime(2026, 11, 23, 4, 30, 15, tzinfo=UTC)  # 12:30:15 in Beijing
    with use_clock(ManualClock(now)):
        doc = seeded.nearest(lon=BEIJING[0], lat=BEIJING[1])
    when = datetime.fromisoformat(doc["query"]["open_at"])
    assert when.utcoffset() == timedelta(hours=8)
    assert when == now
    assert {f["properties"]["open_at_time"] for f in doc["features"]} <= {True}


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON (RFC 8259)")


@pytest.mark.parametrize("out_crs", ["wgs84", "gcj02"])
def test_response_is_rfc7946_geojson(seeded: Seeded, out_crs: str) -> None:
    response = seeded.client.get(
        NEAREST,
        params={
            "lon": BEIJING[0],
            "lat": BEIJING[1],
            "k": 10,
            "open_at": "any",
            "out_crs": out_crs,
        },
    )
    assert response.headers["content-type"].startswith("application/json")
    doc = json.loads(response.text, parse_constant=_no_constants)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946 removed the crs member
    assert len(doc["features"]) == 10
    for f in doc["features"]:
        assert f["type"] == "Feature"
        assert isinstance(f["id"], int)
        assert isinstance(f["properties"], dict)
        assert f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]  # exactly two positions, lon first
        assert isinstance(lon, float)
        assert isinstance(lat, float)
        assert 115 < lon < 118  # Beijing: lon ~116, lat ~40
        assert 39 < lat < 41


def test_openapi_lists_every_route_and_a_nearest_example(seeded: Seeded) -> None:
    schema = seeded.client.get("/openapi.json").json()
    routes = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert routes == {
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/v1/stations/nearest", "get"),
        ("/v1/stations", "get"),
        ("/v1/stations", "post"),
        ("/v1/stations/{station_id}", "get"),
        ("/v1/stations/{station_id}", "put"),
        ("/v1/stations/{station_id}", "patch"),
        ("/v1/stations/{station_id}", "delete"),
        ("/v1/amenities", "get"),
        ("/v1/imports", "post"),
        ("/v1/imports/{job_id}", "get"),
        ("/v1/stations/export", "get"),
        ("/v1/maps/coverage", "get"),
        ("/v1/maps/coverage", "post"),
        ("/v1/coverage/stats", "get"),
        ("/v1/plans/sites", "post"),
        ("/v1/stations/along-route", "get"),
        ("/v1/stations/along-route", "post"),
        ("/v1/audit", "get"),
        ("/v1/report-kinds", "get"),
        ("/v1/stations/{station_id}/reports", "post"),
        ("/v1/reports", "get"),
        ("/v1/reports/by-district", "get"),
        ("/v1/reports/{report_id}/confirm", "post"),
        ("/v1/reports/{report_id}/dismiss", "post"),
        ("/ogc", "get"),
        ("/ogc/api", "get"),
        ("/ogc/conformance", "get"),
        ("/ogc/tileMatrixSets", "get"),
        ("/ogc/tileMatrixSets/WebMercatorQuad", "get"),
        ("/ogc/collections/stations/tiles", "get"),
        ("/ogc/collections/stations/tiles/WebMercatorQuad", "get"),
        ("/ogc/collections/stations/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", "get"),
        ("/ogc/collections", "get"),
        ("/ogc/collections/stations", "get"),
        ("/ogc/collections/stations/schema", "get"),
        ("/ogc/collections/stations/queryables", "get"),
        ("/ogc/collections/stations/items", "get"),
        ("/ogc/collections/stations/items/{featureId}", "get"),
    }
    op = schema["paths"]["/v1/stations/nearest"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert names == {
        "lon",
        "lat",
        "crs",
        "k",
        "amenities",
        "max_distance_m",
        "open_at",
        "status",
        "include_unknown",
        "exclude_reported",
        "out_crs",
    }
    example = op["responses"]["200"]["content"]["application/json"]["example"]
    assert example["type"] == "FeatureCollection"
    assert example["features"], "the example shows at least one station"
    assert {"distance_m", "bearing_deg"} <= set(example["features"][0]["properties"])
