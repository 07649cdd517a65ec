"""Station CRUD, listing and the amenity vocabulary through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from geo.datums import gcj02_to_wgs84
from tests.conftest import AUTH, assert_error, feature, make_app, post_station

GEOD = Geod(ellps="WGS84")
T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
EV_LABEL = {"code": "ev_charging", "zh": "充电桩", "en": "EV charging pile"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], str]:
    """Freeze the registry's clock; ``clock(s)`` sets it to T0 + s seconds, returns it in ISO."""

    def set_to(seconds: int) -> str:
        now = T0 + timedelta(seconds=seconds)
        monkeypatch.setattr("geo.registry.utc_now", lambda: now)
        return now.strftime("%Y-%m-%dT%H:%M:%SZ")

    set_to(0)
    return set_to


def get(client: TestClient, station_id: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/stations/{station_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- create -----------------------------------------------------------------------------


def test_post_returns_201_location_and_the_normalised_feature(
    client: TestClient, clock: Any
) -> None:
    body = feature(
        116.4612,
        39.9087,
        name="  朝阳区建国路工商银行暖心驿站 ",
        amenities=["wifi", "drinking_water", "toilet", "wifi"],
        ev_charging_piles=2,
        opening_hours="24小时",
        adcode="110105",
        external_id="BJ-CY-0001",
    )
    response = client.post("/v1/stations", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    created = response.json()
    sid = created["id"]
    assert isinstance(sid, int)
    assert response.headers["Location"] == f"/v1/stations/{sid}"
    assert created["type"] == "Feature"
    assert created["geometry"] == {"type": "Point", "coordinates": [116.4612, 39.9087]}
    props = created["properties"]
    assert props["id"] == sid
    assert props["name"] == "朝阳区建国路工商银行暖心驿站"  # stripped
    # vocabulary order, de-duplicated, ev_charging implied by the pile count
    assert props["amenities"] == ["drinking_water", "toilet", "ev_charging", "wifi"]
    assert [a["code"] for a in props["amenity_labels"]] == props["amenities"]
    assert props["amenity_labels"][2] == EV_LABEL
    assert (props["opening_hours"], props["opening_hours_osm"]) == ("24小时", "24/7")
    assert props["status"] == "open"  # the default
    assert props["created_at"] == props["updated_at"] == "2026-11-23T04:00:00Z"
    assert created.pop("input_crs") == "wgs84"  # the datum the body was read in
    assert client.get(response.headers["Location"]).json() == created


@pytest.mark.parametrize(
    ("properties", "amenities", "hours_osm"),
    [
        ({"car_parking_spaces": 3}, ["car_parking"], None),  # a count implies its amenity
        ({"motorcycle_parking_spaces": 40}, ["motorcycle_parking"], None),
        ({"motorcycle_parking_spaces": 0}, [], None),  # zero spaces: no parking
        ({"amenities": ["legal_aid", "drinking_water"]}, ["drinking_water", "legal_aid"], None),
        ({"opening_hours": "08:00-20:00"}, [], "08:00-20:00"),
        ({"opening_hours": "早8点-晚8点"}, [], "08:00-20:00"),  # Chinese clock words
        (  # 周末 is rest days: holidays follow it
            {"opening_hours": "周一至周五 9:00-17:00，周末休息"},
            [],
            "Mo-Fr 09:00-17:00; Sa,Su,PH off",
        ),
        # already OSM syntax: kept as it is
        ({"opening_hours": "Mo-Fr 08:00-18:00; PH off"}, [], "Mo-Fr 08:00-18:00; PH off"),
        ({"opening_hours": ""}, [], None),  # blank hours are unknown hours
    ],
)
def test_post_normalises_properties(
    client: TestClient, properties: dict[str, Any], amenities: list[str], hours_osm: str | None
) -> None:
    props = post_station(client, feature(**properties))["properties"]
    assert props["amenities"] == amenities
    assert props["opening_hours_osm"] == hours_osm


def test_post_in_gcj02_stores_wgs84_and_gives_back_gcj02(client: TestClient) -> None:
    gcj = (116.4673, 39.9101)  # copied from Amap
    created = post_station(client, feature(*gcj, crs="gcj02"))
    lon, lat = created["geometry"]["coordinates"]
    want_lon, want_lat = (float(v) for v in gcj02_to_wgs84(*gcj))
    assert GEOD.inv(lon, lat, want_lon, want_lat)[2] < 0.5
    assert GEOD.inv(lon, lat, *gcj)[2] > 100  # the datum shift really was applied
    back = get(client, created["id"], out_crs="gcj02")
    assert back["geometry"]["coordinates"] == pytest.approx(list(gcj), abs=1e-6)


@pytest.mark.parametrize("out_crs", ["gcj02", "bd09"])
def test_get_in_another_datum_says_which(client: TestClient, out_crs: str) -> None:
    """Outputs must state their datum: a GCJ-02 feature unmarked reads as WGS84."""
    sid = post_station(client, feature())["id"]
    back = get(client, sid, out_crs=out_crs)
    assert back.get("datum") == out_crs, back


# -- replace, edit, delete ----------------------------------------------------------------


def test_put_replaces_every_field(client: TestClient, clock: Callable[[int], str]) -> None:
    full = feature(phone="010-1", address="建国路88号", amenities=["wifi"], opening_hours="24小时")
    sid = post_station(client, full)["id"]
    replaced = client.put(f"/v1/stations/{sid}", json=full, headers=AUTH).json()
    assert replaced.pop("input_crs") == "wgs84"
    assert replaced == get(client, sid)
    later = clock(60)
    response = client.put(
        f"/v1/stations/{sid}", json=feature(116.5, 40.0, name="新名字"), headers=AUTH
    )
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["name"] == "新名字"
    for cleared in ("phone", "address", "opening_hours", "opening_hours_osm"):
        assert props[cleared] is None, cleared
    assert props["amenities"] == []
    assert response.json()["geometry"]["coordinates"] == [116.5, 40.0]
    assert (props["created_at"], props["updated_at"]) == ("2026-11-23T04:00:00Z", later)
    assert get(client, sid) | {"input_crs": "wgs84"} == response.json()


def test_put_accepts_the_feature_that_get_returned(client: TestClient) -> None:
    """Read, edit, write back: the read-only members of a GET must not make PUT fail."""
    sid = post_station(client, feature(amenities=["toilet"], opening_hours="24小时"))["id"]
    doc = get(client, sid)
    doc["properties"]["name"] = "改过的名字"
    response = client.put(f"/v1/stations/{sid}", json=doc, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["name"] == "改过的名字"


def test_patch_merges(client: TestClient, clock: Callable[[int], str]) -> None:
    body = feature(phone="010-1", host="银行网点", amenities=["wifi"], car_parking_spaces=4)
    sid = post_station(client, body)["id"]
    clock(30)
    patch = {"properties": {"phone": None, "opening_hours": "08:00-20:00"}}
    response = client.patch(f"/v1/stations/{sid}", json=patch, headers=AUTH)
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["phone"] is None  # null clears
    assert props["host"] == "银行网点"  # absent is untouched
    assert props["car_parking_spaces"] == 4
    assert props["amenities"] == ["car_parking", "wifi"]
    assert props["opening_hours_osm"] == "08:00-20:00"
    assert props["updated_at"] == "2026-11-23T04:00:30Z"
    assert response.json()["geometry"] == body["geometry"]


def test_patch_moves_the_station_and_the_index_follows(client: TestClient) -> None:
    sid = post_station(client, feature(116.40, 39.90, name="会搬家的驿站"))["id"]
    gcj = [106.5561, 29.5644]  # Chongqing, as Amap shows it
    move = {"crs": "gcj02", "geometry": {"type": "Point", "coordinates": gcj}}
    response = client.patch(f"/v1/stations/{sid}", json=move, headers=AUTH)
    assert response.status_code == 200, response.text
    assert get(client, sid, out_crs="gcj02")["geometry"]["coordinates"] == pytest.approx(
        gcj, abs=1e-6
    )
    near = {"lon": 106.55, "lat": 29.56, "open_at": "any", "max_distance_m": 5000}
    assert [
        f["id"] for f in client.get("/v1/stations/nearest", params=near).json()["features"]
    ] == [sid]
    near |= {"lon": 116.40, "lat": 39.90}
    assert client.get("/v1/stations/nearest", params=near).json()["features"] == []


def test_patch_with_null_amenities_clears_them(client: TestClient) -> None:
    """JSON Merge Patch: null removes the member, so the station has no amenities left."""
    sid = post_station(client, feature(amenities=["wifi", "toilet"]))["id"]
    response = client.patch(
        f"/v1/stations/{sid}", json={"properties": {"amenities": None}}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["amenities"] == []


@pytest.mark.parametrize(
    "patch",
    [
        {"properties": {"name": "测试驿站"}},  # same name
        {"properties": {"amenities": ["toilet", "wifi"], "phone": None}},  # same set, other order
        {"geometry": {"type": "Point", "coordinates": [116.3975, 39.9087]}},  # same place
        {"properties": {}},  # nothing at all
    ],
)
def test_updated_at_moves_only_when_something_changed(
    client: TestClient, clock: Callable[[int], str], patch: dict[str, Any]
) -> None:
    created = post_station(client, feature(amenities=["wifi", "toilet"]))
    sid = created["id"]
    clock(60)
    same = client.patch(f"/v1/stations/{sid}", json=patch, headers=AUTH)
    assert same.status_code == 200, same.text
    assert same.json() == created | ({"input_crs": "wgs84"} if "geometry" in patch else {})
    later = clock(120)
    moved = client.patch(f"/v1/stations/{sid}", json={"properties": {"phone": "110"}}, headers=AUTH)
    assert moved.json()["properties"]["updated_at"] == later
    assert moved.json()["properties"]["created_at"] == created["properties"]["created_at"]


def test_status_change_reaches_the_nearest_search(client: TestClient) -> None:
    sid = post_station(client, feature())["id"]
    query = {"lon": 116.3975, "lat": 39.9087, "open_at": "any"}
    assert [
        f["id"] for f in client.get("/v1/stations/nearest", params=query).json()["features"]
    ] == [sid]
    closed = {"properties": {"status": "temporarily_closed"}}
    assert client.patch(f"/v1/stations/{sid}", json=closed, headers=AUTH).status_code == 200
    assert client.get("/v1/stations/nearest", params=query).json()["features"] == []
    features = client.get("/v1/stations/nearest", params=query | {"status": "any"}).json()[
        "features"
    ]
    assert [f["id"] for f in features] == [sid]


def test_delete_then_404(client: TestClient) -> None:
    sid = post_station(client, feature())["id"]
    response = client.delete(f"/v1/stations/{sid}", headers=AUTH)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get(f"/v1/stations/{sid}"), 404, "station_not_found")
    assert_error(client.delete(f"/v1/stations/{sid}", headers=AUTH), 404, "station_not_found")
    query = {"lon": 116.3975, "lat": 39.9087, "open_at": "any", "status": "any"}
    assert client.get("/v1/stations/nearest", params=query).json()["features"] == []
    # ids are never reused
    assert post_station(client, feature())["id"] == sid + 1


def test_stations_survive_a_restart(db_url: str) -> None:
    with TestClient(make_app(db_url)) as first:
        created = post_station(first, feature(amenities=["microwave"]))
    with TestClient(make_app(db_url)) as second:
        assert get(second, created["id"]) == created
        query = {"lon": 116.3975, "lat": 39.9087, "open_at": "any", "amenities": "microwave"}
        assert [
            f["id"] for f in second.get("/v1/stations/nearest", params=query).json()["features"]
        ] == [created["id"]]


# -- listing ------------------------------------------------------------------------------

SEED = [
    # (name, lon, lat, amenities, status)
    ("beijing-a", 116.40, 39.90, ["drinking_water", "wifi"], "open"),
    ("beijing-b", 116.45, 39.95, ["drinking_water"], "planned"),
    ("chongqing", 106.55, 29.56, ["wifi", "ev_charging"], "open"),
    ("fiji-east", 179.90, -16.5, ["wifi"], "temporarily_closed"),
    ("fiji-west", -179.90, -16.6, [], "open"),
    ("greenwich", 0.0, 51.48, ["wifi"], "open"),
]


@pytest.fixture
def seeded(client: TestClient) -> tuple[TestClient, dict[str, int]]:
    ids = {}
    for name, lon, lat, amenities, status in SEED:
        ids[name] = post_station(
            client, feature(lon, lat, name=name, amenities=amenities, status=status)
        )["id"]
    return client, ids


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, [s[0] for s in SEED]),  # default: every status
        ({"bbox": "116,39,117,40"}, ["beijing-a", "beijing-b"]),
        ({"bbox": "116.42,39.92,116.5,40"}, ["beijing-b"]),
        ({"bbox": "179,-20,-179,-10"}, ["fiji-east", "fiji-west"]),  # crosses the antimeridian
        ({"bbox": "179.95,-20,-179,-10"}, ["fiji-west"]),
        ({"bbox": "-180,-90,180,90"}, [s[0] for s in SEED]),
        ({"amenities": "wifi"}, ["beijing-a", "chongqing", "fiji-east", "greenwich"]),
        ({"amenities": "wifi,drinking_water"}, ["beijing-a"]),  # all of them
        ({"amenities": ["wifi", "ev_charging"]}, ["chongqing"]),  # repeated parameter
        ({"amenities": "legal_aid"}, []),
        ({"status": "open"}, ["beijing-a", "chongqing", "fiji-west", "greenwich"]),
        ({"status": "planned,temporarily_closed"}, ["beijing-b", "fiji-east"]),
        (
            {"status": "open", "amenities": "wifi", "bbox": "100,20,120,45"},
            ["beijing-a", "chongqing"],
        ),
    ],
)
def test_list_filters(
    seeded: tuple[TestClient, dict[str, int]], params: dict[str, Any], names: list[str]
) -> None:
    client, ids = seeded
    response = client.get("/v1/stations", params=params)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in doc["features"]] == names
    assert [f["id"] for f in doc["features"]] == sorted(ids[n] for n in names)  # ordered by id
    assert doc["numberMatched"] == doc["numberReturned"] == len(names)


def links(doc: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return {link["rel"]: parse_qs(urlsplit(link["href"]).query) for link in doc["links"]}


@pytest.mark.parametrize(
    ("limit", "offset", "returned", "next_offset", "prev_offset"),
    [
        (2, 0, 2, "2", None),  # first page
        (2, 2, 2, "4", "0"),  # middle page
        (2, 4, 2, None, "2"),  # last page, exactly full
        (4, 4, 2, None, "0"),  # last page, short
        (4, 1, 4, "5", "0"),  # offset not a multiple of limit: prev clamps at 0
        (10, 0, 6, None, None),  # everything on one page
        (3, 6, 0, None, "3"),  # just past the end
        (2, 50, 0, None, "4"),  # far past the end: prev is the last real page
    ],
)
def test_list_paging(
    seeded: tuple[TestClient, dict[str, int]],
    limit: int,
    offset: int,
    returned: int,
    next_offset: str | None,
    prev_offset: str | None,
) -> None:
    client, ids = seeded
    doc = client.get("/v1/stations", params={"limit": limit, "offset": offset}).json()
    assert doc["numberMatched"] == len(SEED)
    assert doc["numberReturned"] == len(doc["features"]) == returned
    assert [f["id"] for f in doc["features"]] == sorted(ids.values())[offset : offset + limit]
    rel = links(doc)
    assert rel["self"]["offset"] == [str(offset)]
    assert rel.get("next", {}).get("offset") == ([next_offset] if next_offset else None)
    assert rel.get("prev", {}).get("offset") == ([prev_offset] if prev_offset else None)
    for other in ("next", "prev"):  # the other parameters are kept
        if other in rel:
            assert rel[other]["limit"] == [str(limit)]


def test_links_are_encoded_alike_whatever_the_client_sent(
    seeded: tuple[TestClient, dict[str, int]],
) -> None:
    """curl writes lower-case %xx and + for a space; the self link is encoded as next is."""
    client, _ = seeded
    beijing = "%e5%8c%97%e4%ba%ac%e5%b8%82"  # 北京市, as curl encodes it
    sent = f"adcode={beijing}&q=bei+jing&status=any&limit=1"
    doc = client.get(f"/v1/stations?{sent}").json()
    assert doc["numberMatched"] == 2  # beijing-a and beijing-b
    hrefs = {link["rel"]: link["href"] for link in doc["links"]}
    query = "adcode=%E5%8C%97%E4%BA%AC%E5%B8%82&q=bei+jing&status=any&limit=1"
    assert hrefs["self"] == f"http://testserver/v1/stations?{query}"
    assert hrefs["next"] == f"http://testserver/v1/stations?{query}&offset=1"


def test_offset_beyond_64_bits_is_an_empty_page(seeded: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = seeded
    response = client.get("/v1/stations", params={"offset": 2**63})
    assert response.status_code == 200, response.text
    assert response.json()["features"] == []


def test_list_in_gcj02(seeded: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = seeded
    wgs = client.get("/v1/stations", params={"bbox": "116,39,117,40"}).json()
    gcj = client.get("/v1/stations", params={"bbox": "116,39,117,40", "out_crs": "gcj02"}).json()
    assert (wgs["datum"], gcj["datum"]) == ("wgs84", "gcj02")
    assert len(gcj["features"]) == 2
    for w, g in zip(wgs["features"], gcj["features"], strict=True):
        assert w["id"] == g["id"]
        back = [float(v) for v in gcj02_to_wgs84(*g["geometry"]["coordinates"])]
        assert back == pytest.approx(w["geometry"]["coordinates"], abs=2e-7)
        assert GEOD.inv(*w["geometry"]["coordinates"], *g["geometry"]["coordinates"])[2] > 100


# -- vocabulary, write guard -------------------------------------------------------

CODES = [
    "drinking_water", "microwave", "toilet", "rest_area", "phone_charging", "ebike_charging",
    "battery_swap", "ev_charging", "car_parking", "motorcycle_parking", "first_aid", "sewing_kit",
    "heating_cooling", "shelter", "wifi", "counseling", "legal_aid",
]  # fmt: skip


def test_amenities_vocabulary(client: TestClient) -> None:
    response = client.get("/v1/amenities")
    assert response.status_code == 200
    items = response.json()["amenities"]
    assert [a["code"] for a in items] == CODES
    for a in items:
        assert a["zh"].strip(), a
        assert a["en"].strip(), a
        assert not a["zh"].isascii(), a  # the Chinese label is Chinese
    assert EV_LABEL.items() <= items[7].items()


@pytest.mark.parametrize("token", [None, ""])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/v1/stations", feature()),
        ("PUT", "/v1/stations/1", feature()),
        ("PATCH", "/v1/stations/1", {"properties": {"phone": "1"}}),
        ("DELETE", "/v1/stations/1", None),
    ],
)
def test_writes_without_a_configured_token_are_disabled(
    db_url: str, token: str | None, method: str, url: str, body: Any
) -> None:
    with TestClient(make_app(db_url)) as admin:
        post_station(admin, feature())
    with TestClient(make_app(db_url, admin_token=token)) as c:
        before = c.get("/v1/stations/1").json()
        assert_error(c.request(method, url, json=body, headers=AUTH), 403, "writes_disabled")
        assert c.get("/v1/stations/1").json() == before  # reads still work, nothing changed
