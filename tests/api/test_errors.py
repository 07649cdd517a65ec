"""Bad input gets a 4xx with the stable error body, never a 500.

Every error body is ``{"error": {"code", "message", "message_zh"}}``; ``code`` is what
clients branch on, so each row pins the exact status and code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import AUTH, assert_error, feature, make_app

NEAREST = "/v1/stations/nearest"
LIST = "/v1/stations"
ONE = "/v1/stations/1"  # seeded, external_id "dup-1"
MISSING = "/v1/stations/999999"
HUGE_ID = f"/v1/stations/{10**23}"  # beyond SQLite's 64-bit integers
TOKYO = {"lon": 139.6917, "lat": 35.6895}

Call = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """One in-memory app for the whole table, with stations 1 and 2; 500s come back as responses."""
    with TestClient(make_app("sqlite://"), raise_server_exceptions=False) as c:
        for ext in ("dup-1", "dup-2"):
            assert c.post(LIST, json=feature(external_id=ext), headers=AUTH).status_code == 201
        yield c


def near(**params: Any) -> Call:
    """GET nearest with a valid query changed by ``params`` (None drops a parameter)."""
    query = {"lon": 116.4, "lat": 39.9, "open_at": "any"} | params
    return "GET", NEAREST, {"params": {k: v for k, v in query.items() if v is not None}}


def listing(**params: Any) -> Call:
    return "GET", LIST, {"params": params}


def send(method: str, url: str, body: Any = None, *, headers: dict[str, str] = AUTH) -> Call:
    return method, url, {"json": body, "headers": headers}


def raw(method: str, url: str, content: str) -> Call:
    return method, url, {"content": content, "headers": AUTH | {"Content-Type": "application/json"}}


def with_geometry(geometry: Any) -> dict[str, Any]:
    return feature() | {"geometry": geometry}


def point(*coords: Any) -> dict[str, Any]:
    return with_geometry({"type": "Point", "coordinates": list(coords)})


# A longitude of 10**400: valid JSON, too big for a float.
HUGE_INT_BODY = (
    '{"type": "Feature", "properties": {"name": "x"}, '
    '"geometry": {"type": "Point", "coordinates": [1' + "0" * 400 + ", 39.9]}}"
)
LINESTRING = {"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}

# The status each error code must come with: the API's contract, restated here.
STATUS = {
    "invalid_coordinate": 422,
    "invalid_parameter": 422,
    "unknown_crs": 422,
    "unknown_amenity": 422,
    "invalid_datetime": 422,
    "unknown_status": 422,
    "invalid_station": 422,
    "invalid_geometry": 422,
    "invalid_opening_hours": 422,
    "malformed_body": 400,
    "unauthorized": 401,
    "station_not_found": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "duplicate_external_id": 409,
}
COORD, PARAM, CRS = "invalid_coordinate", "invalid_parameter", "unknown_crs"
AMENITY, WHEN, STATUS_ = "unknown_amenity", "invalid_datetime", "unknown_status"
STATION, GEOM, BODY = "invalid_station", "invalid_geometry", "malformed_body"
NOT_FOUND, AUTHZ, DUP = "station_not_found", "unauthorized", "duplicate_external_id"
HOURS = "invalid_opening_hours"
NO_TOKEN: dict[str, str] = {}
WRONG_TOKEN = {"Authorization": "Bearer no"}
BASIC = {"Authorization": "Basic test-token"}
PHONE = {"properties": {"phone": "1"}}

ROWS: list[tuple[str, Call, str]] = [
    # -- nearest: the position
    ("lat-91", near(lat=91), COORD),
    ("lat-minus-91", near(lat=-91), COORD),
    ("lon-181", near(lon=181), COORD),
    ("lat-nan", near(lat="nan"), COORD),
    ("lon-inf", near(lon="inf"), COORD),
    ("both-out-of-range", near(lon=181, lat=91), COORD),
    ("lat-text", near(lat="abc"), PARAM),
    ("lat-missing", near(lat=None), PARAM),
    ("lon-empty", near(lon=""), PARAM),
    ("crs-unknown", near(crs="tokyo"), CRS),
    ("out-crs-unknown", near(out_crs="mercator"), CRS),
    ("gcj02-tokyo", near(crs="gcj02", **TOKYO), COORD),  # GCJ-02 exists only in China
    ("bd09-tokyo", near(crs="bd09", **TOKYO), COORD),
    ("gcj02-lat-91", near(crs="gcj02", lat=91), COORD),
    # -- nearest: k
    ("k-0", near(k=0), PARAM),
    ("k-negative", near(k=-1), PARAM),
    ("k-101", near(k=101), PARAM),
    ("k-huge", near(k=10**9), PARAM),
    ("k-text", near(k="abc"), PARAM),
    ("k-fraction", near(k=1.5), PARAM),
    # -- nearest: filters
    ("amenity-unknown", near(amenities="jacuzzi"), AMENITY),
    # blank items are skipped, but "water" is not a code (drinking_water is)
    ("amenity-blank-mix", near(amenities="water,,microwave"), AMENITY),
    # A label is taken exactly (饮水 is drinking_water), never guessed from a part of one.
    ("amenity-part-of-a-label", near(amenities="饮"), AMENITY),
    ("amenity-repeated", near(amenities=["toilet", "sauna"]), AMENITY),
    ("distance-0", near(max_distance_m=0), PARAM),
    ("distance-negative", near(max_distance_m=-5), PARAM),
    ("distance-nan", near(max_distance_m="nan"), PARAM),
    ("distance-inf", near(max_distance_m="inf"), PARAM),
    ("distance-beyond-earth", near(max_distance_m=1e12), PARAM),
    ("distance-text", near(max_distance_m="far"), PARAM),
    ("open-at-text", near(open_at="yesterday"), WHEN),
    ("open-at-date-only", near(open_at="2026-11-23"), WHEN),  # a day is not a moment
    ("open-at-month-13", near(open_at="2026-13-01T00:00"), WHEN),
    ("open-at-hour-25", near(open_at="2026-11-23T25:00"), WHEN),
    ("open-at-overflow", near(open_at="9999-12-31T23:59-12:00"), WHEN),  # year 10000 in Shanghai
    ("status-unknown", near(status="closed"), STATUS_),
    ("status-one-bad", near(status="open,bogus"), STATUS_),
    ("status-empty-list", near(status=","), STATUS_),  # not "match nothing"
    ("open-at-year-1", near(open_at="0001-01-01T12:00"), WHEN),
    ("open-at-year-9999", near(open_at="9999-01-01T12:00"), WHEN),
    # -- listing
    ("bbox-3-numbers", listing(bbox="1,2,3"), PARAM),
    ("bbox-5-numbers", listing(bbox="1,2,3,4,5"), PARAM),
    ("bbox-text", listing(bbox="a,b,c,d"), PARAM),
    ("bbox-min-lat-gt-max", listing(bbox="116,40,117,39"), PARAM),
    ("bbox-lon-200", listing(bbox="116,39,200,40"), PARAM),
    ("bbox-nan", listing(bbox="nan,39,117,40"), PARAM),
    ("limit-0", listing(limit=0), PARAM),
    ("limit-huge", listing(limit=10**9), PARAM),
    ("limit-text", listing(limit="ten"), PARAM),
    ("offset-negative", listing(offset=-1), PARAM),
    ("list-amenity", listing(amenities="jacuzzi"), AMENITY),
    ("list-status", listing(status="closed"), STATUS_),
    ("list-out-crs", listing(out_crs="utm"), CRS),
    # -- one station by id
    ("get-unknown-id", send("GET", MISSING), NOT_FOUND),
    ("get-id-text", send("GET", "/v1/stations/abc"), PARAM),
    ("get-id-beyond-int64", send("GET", HUGE_ID), NOT_FOUND),  # no such station either
    ("put-unknown-id", send("PUT", MISSING, feature()), NOT_FOUND),
    ("patch-unknown-id", send("PATCH", MISSING, PHONE), NOT_FOUND),
    ("delete-unknown-id", send("DELETE", MISSING), NOT_FOUND),
    ("delete-id-beyond-int64", send("DELETE", HUGE_ID), NOT_FOUND),
    # -- authorisation
    ("post-no-token", send("POST", LIST, feature(), headers=NO_TOKEN), AUTHZ),
    ("post-wrong-token", send("POST", LIST, feature(), headers=WRONG_TOKEN), AUTHZ),
    ("post-basic-scheme", send("POST", LIST, feature(), headers=BASIC), AUTHZ),
    ("patch-no-token", send("PATCH", ONE, PHONE, headers=NO_TOKEN), AUTHZ),
    ("delete-no-token", send("DELETE", ONE, headers=NO_TOKEN), AUTHZ),
    # -- POST bodies that are not a Feature
    ("body-bad-json", raw("POST", LIST, '{"type": "Feature",'), BODY),
    ("body-empty", raw("POST", LIST, ""), BODY),
    ("body-array", send("POST", LIST, [feature()]), BODY),
    ("body-string", send("POST", LIST, "Feature"), BODY),
    ("body-not-feature", send("POST", LIST, feature() | {"type": "FeatureCollection"}), BODY),
    ("properties-array", send("POST", LIST, feature() | {"properties": ["x"]}), BODY),
    ("crs-number", send("POST", LIST, feature() | {"crs": 4326}), BODY),
    # a 2008-style crs object whose "properties" is not an object
    ("crs-object-bad", send("POST", LIST, feature() | {"crs": {"properties": [1]}}), BODY),
    ("crs-unknown-body", send("POST", LIST, feature(crs="tokyo")), CRS),
    # -- POST geometry
    ("linestring", send("POST", LIST, with_geometry(LINESTRING)), GEOM),
    ("geometry-null", send("POST", LIST, with_geometry(None)), GEOM),
    ("coords-1", send("POST", LIST, point(116.4)), GEOM),
    ("coords-4", send("POST", LIST, point(116.4, 39.9, 0, 1)), GEOM),
    ("coords-strings", send("POST", LIST, point("116.4", "39.9")), GEOM),
    ("coords-bools", send("POST", LIST, point(True, False)), GEOM),
    ("coords-lat-91", send("POST", LIST, point(116.4, 91)), COORD),
    ("coords-huge-int", raw("POST", LIST, HUGE_INT_BODY), COORD),
    ("post-gcj02-tokyo", send("POST", LIST, feature(crs="gcj02", **TOKYO)), COORD),
    # -- POST properties
    ("name-empty", send("POST", LIST, feature(name="")), STATION),
    ("name-blank", send("POST", LIST, feature(name="   ")), STATION),
    ("name-missing", send("POST", LIST, feature() | {"properties": {}}), STATION),
    ("name-too-long", send("POST", LIST, feature(name="站" * 501)), STATION),
    ("count-negative", send("POST", LIST, feature(car_parking_spaces=-1)), STATION),
    ("count-fraction", send("POST", LIST, feature(ev_charging_piles=1.5)), STATION),
    ("count-boolean", send("POST", LIST, feature(car_parking_spaces=True)), STATION),
    ("count-string", send("POST", LIST, feature(car_parking_spaces="3")), STATION),
    ("name-nul", send("POST", LIST, feature(name="驿站\x00")), STATION),
    ("address-control", send("POST", LIST, feature(address="路\x1b[31m")), STATION),
    ("unknown-field", send("POST", LIST, feature(colour="red")), STATION),
    ("adcode-5-digits", send("POST", LIST, feature(adcode="11010")), STATION),
    ("adcode-letter", send("POST", LIST, feature(adcode="11010X")), STATION),
    ("amenities-string", send("POST", LIST, feature(amenities="wifi")), STATION),
    ("amenity-unknown-body", send("POST", LIST, feature(amenities=["jacuzzi"])), AMENITY),
    ("hours-unreadable", send("POST", LIST, feature(opening_hours="随便写写")), HOURS),
    ("status-unknown-body", send("POST", LIST, feature(status="closed")), STATUS_),
    ("duplicate-external-id", send("POST", LIST, feature(external_id="dup-1")), DUP),
    # -- PUT and PATCH bodies
    ("put-duplicate", send("PUT", ONE, feature(external_id="dup-2")), DUP),
    ("put-linestring", send("PUT", ONE, with_geometry(LINESTRING)), GEOM),
    ("patch-duplicate", send("PATCH", ONE, {"properties": {"external_id": "dup-2"}}), DUP),
    (
        "patch-unknown-member",
        send("PATCH", ONE, {"name": "x"}),
        BODY,
    ),  # members are properties/geometry
    ("patch-empty", send("PATCH", ONE, {}), BODY),
    ("patch-properties-text", send("PATCH", ONE, {"properties": "x"}), BODY),
    ("patch-empty-name", send("PATCH", ONE, {"properties": {"name": ""}}), STATION),
    ("patch-unknown-field", send("PATCH", ONE, {"properties": {"colour": "red"}}), STATION),
    ("patch-linestring", send("PATCH", ONE, {"geometry": LINESTRING}), GEOM),
    ("patch-lat-91", send("PATCH", ONE, {"geometry": point(116.4, 91)["geometry"]}), COORD),
    # -- routing
    ("unknown-route", send("GET", "/v2/stations"), "not_found"),
    ("unknown-subroute", send("GET", "/v1/stations/1/photos"), "not_found"),
    ("put-collection", send("PUT", LIST, feature()), "method_not_allowed"),
    ("delete-collection", send("DELETE", LIST), "method_not_allowed"),
    ("post-nearest", send("POST", NEAREST, feature()), "method_not_allowed"),
]


@pytest.mark.parametrize(("call", "code"), [pytest.param(c, code, id=i) for i, c, code in ROWS])
def test_bad_input_gets_its_status_and_code(api: TestClient, call: Call, code: str) -> None:
    method, url, kwargs = call
    assert_error(api.request(method, url, **kwargs), STATUS[code], code)


def test_the_table_covers_enough_kinds_of_bad_input() -> None:
    assert len({row[0] for row in ROWS}) == len(ROWS) >= 30


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (near(lat=91), ["91"]),  # the bad latitude
        (near(lon=181, lat=91), ["181", "91"]),  # both bad values, in one error
        (near(k=101), ["101"]),
        (near(amenities="jacuzzi,sauna"), ["jacuzzi", "sauna"]),  # every unknown code
        (near(amenities="water,,microwave"), ["water"]),
        (near(status="closed"), ["closed"]),
        (near(open_at="yesterday"), ["yesterday"]),
        (listing(bbox="116,40,117,39"), ["116,40,117,39"]),
        (send("POST", LIST, feature(adcode="11010")), ["adcode"]),
        (send("POST", LIST, feature(colour="red")), ["colour"]),
    ],
)
def test_error_names_every_bad_value(api: TestClient, call: Call, named: list[str]) -> None:
    method, url, kwargs = call
    response = api.request(method, url, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    for value in named:
        assert value in error["message"], error
        assert value in error["message_zh"], error


@pytest.mark.parametrize(
    "call",
    [
        send("POST", LIST, feature(name="偷偷加的"), headers={}),  # no token
        send("PATCH", ONE, {"properties": {"name": "改名"}}, headers={"Authorization": "Bearer x"}),
        send("DELETE", ONE, headers={"Authorization": "test-token"}),  # token without scheme
    ],
)
def test_unauthorised_write_asks_for_bearer_and_changes_nothing(
    api: TestClient, call: Call
) -> None:
    before = api.get(LIST, params={"limit": 1000}).json()
    method, url, kwargs = call
    response = api.request(method, url, **kwargs)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.get(LIST, params={"limit": 1000}).json() == before


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("PUT", LIST, {"GET", "POST"}),
        ("POST", ONE, {"GET", "PUT", "PATCH", "DELETE"}),
    ],
)
def test_405_names_the_allowed_methods(
    api: TestClient, method: str, url: str, allowed: set[str]
) -> None:
    """RFC 9110 section 15.5.6: a 405 response must carry an Allow header."""
    response = api.request(method, url, json=feature(), headers=AUTH)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers.get("Allow", "").split(",")} >= allowed


# -- random query strings ---------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
_number = st.one_of(
    st.floats(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, 10**30]),  # edges of 64-bit storage
).map(str)
_anything = st.one_of(_text, _number)
_codes = st.sampled_from(["drinking_water", "microwave", "ev_charging", "wifi", "", "water"])
_amenities = st.one_of(
    _text, st.lists(_codes, max_size=3).map(",".join), st.lists(_anything | _codes, max_size=3)
)
_lon = st.one_of(st.floats(73, 135).map(str), _anything)
_lat = st.one_of(st.floats(18, 54).map(str), _anything)
_crs = st.one_of(st.sampled_from(["wgs84", "gcj02", "bd09", "BD-09", "epsg:4326"]), _text)
_status = st.one_of(st.sampled_from(["open", "any", "planned,open", "temporarily_closed"]), _text)
_bbox = st.one_of(
    st.tuples(_lon, _lat, _lon, _lat).map(",".join),  # mostly well-formed
    st.lists(_number, min_size=3, max_size=5).map(",".join),
    _text,
)
_page = st.one_of(st.integers(-5, 2000).map(str), _anything)
_open_at = st.one_of(
    st.sampled_from(["any", "now"]), st.datetimes().map(lambda d: d.isoformat()), _text
)

NEAREST_PARAMS = st.fixed_dictionaries(
    {"lon": _lon, "lat": _lat},
    optional={
        "crs": _crs,
        "k": st.one_of(st.integers(-5, 120).map(str), _anything),
        "amenities": _amenities,
        "max_distance_m": _anything,
        "open_at": _open_at,
        "status": _status,
        "out_crs": _crs,
    },
)
LIST_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "bbox": _bbox,
        "amenities": _amenities,
        "status": _status,
        "out_crs": _crs,
        "limit": _page,
        "offset": _page,
    },
)


def assert_answer_or_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code == 200:
        assert body["type"] == "FeatureCollection"
        return
    assert 400 <= response.status_code < 500
    error = body["error"]
    assert set(error) >= {"code", "message", "message_zh"}
    for key in ("code", "message", "message_zh"):
        assert isinstance(error[key], str), error
        assert error[key].strip(), error


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(params=NEAREST_PARAMS)
def test_random_nearest_queries_never_500(api: TestClient, params: dict[str, Any]) -> None:
    assert_answer_or_error(api.get(NEAREST, params=params))


@FUZZ
@given(params=LIST_PARAMS)
@example(params={"offset": str(2**63)})  # one past SQLite's largest integer
def test_random_list_queries_never_500(api: TestClient, params: dict[str, Any]) -> None:
    assert_answer_or_error(api.get(LIST, params=params))
