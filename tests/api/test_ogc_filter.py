"""CQL2 ``filter``, ``sortby``, ``properties`` and the simple property filters on
``/ogc/collections/stations/items`` (OGC API - Features Part 3), and the ``/ogc/api``
document clients read them from. The store's answers are property-tested against an
oracle in tests/geo/test_filter_sql.py; here, the HTTP layer around them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.model import Station
from tests.api.test_ogc import ITEMS, get_json
from tests.conftest import assert_error, feature, post_station
from tests.hostile import HOSTILE, LONE_SURROGATE, NUL

ALL = 10_000
GEOJSON = "application/geo+json"
Q = "'"


def ids(client: TestClient, **params: str) -> list[int]:
    response = client.get(ITEMS, params={"limit": ALL, **params})
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def test_cql2_text_and_json_keep_the_same_stations(
    ogc_client: TestClient, ogc_stations: list[Station]
) -> None:
    text = "A_CONTAINS(amenities, ('toilet')) AND (car_parking_spaces >= 4 OR status = 'planned')"
    tree = {"op": "and", "args": [
        {"op": "a_contains", "args": [{"property": "amenities"}, ["toilet"]]},
        {"op": "or", "args": [
            {"op": ">=", "args": [{"property": "car_parking_spaces"}, 4]},
            {"op": "=", "args": [{"property": "status"}, "planned"]},
        ]},
    ]}  # fmt: skip
    want = [
        s.id
        for s in ogc_stations
        if "toilet" in s.amenities
        and ((s.car_parking_spaces or 0) >= 4 or s.status == "planned")
        and not (s.car_parking_spaces is None and s.status != "planned")
    ]
    assert ids(ogc_client, filter=text) == want
    assert ids(ogc_client, filter=json.dumps(tree), **{"filter-lang": "cql2-json"}) == want
    assert ids(ogc_client, filter=text, **{"filter-lang": "cql-text"}) == want  # GDAL's name


def test_filter_crs_reads_literals_latitude_first(
    ogc_client: TestClient, ogc_stations: list[Station]
) -> None:
    box = (105.0, 30.0, 112.0, 36.0)
    want = [s.id for s in ogc_stations if box[0] <= s.lon <= box[2] and box[1] <= s.lat <= box[3]]
    assert want
    assert ids(ogc_client, filter="S_INTERSECTS(geometry, BBOX(105, 30, 112, 36))") == want
    lat_first = {"filter": "S_INTERSECTS(geometry, BBOX(30, 105, 36, 112))",
                 "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4490"}  # fmt: skip
    assert ids(ogc_client, **lat_first) == want


def test_sortby_and_pages(ogc_client: TestClient, ogc_stations: list[Station]) -> None:
    known = sorted((s for s in ogc_stations if s.car_parking_spaces is not None),
                   key=lambda s: (-(s.car_parking_spaces or 0), s.id))  # fmt: skip
    unknown = [s for s in ogc_stations if s.car_parking_spaces is None]
    want = [s.id for s in known + unknown]
    assert ids(ogc_client, sortby="-car_parking_spaces") == want
    doc = get_json(ogc_client, ITEMS + "?sortby=-car_parking_spaces&limit=5", GEOJSON)
    seen = [f["id"] for f in doc["features"]]
    while (nxt := next((ln for ln in doc["links"] if ln["rel"] == "next"), None)) is not None:
        doc = get_json(ogc_client, nxt["href"], GEOJSON)
        seen += [f["id"] for f in doc["features"]]
    assert seen == want  # the next links carry the sort


def test_properties_select_what_features_carry(ogc_client: TestClient) -> None:
    doc = get_json(ogc_client, ITEMS + "?properties=name,status&limit=2", GEOJSON)
    assert [list(f["properties"]) for f in doc["features"]] == [["name", "status"]] * 2
    empty = get_json(ogc_client, ITEMS + "?properties=&limit=1", GEOJSON)
    assert empty["features"][0]["properties"] == {}
    one = doc["features"][0]["id"]
    item = get_json(ogc_client, f"{ITEMS}/{one}?properties=amenities", GEOJSON)
    assert list(item["properties"]) == ["amenities"]


def test_simple_property_filters(ogc_client: TestClient, ogc_stations: list[Station]) -> None:
    target = ogc_stations[5]
    assert ids(ogc_client, name=target.name) == [
        s.id for s in ogc_stations if s.name == target.name
    ]
    assert ids(ogc_client, car_parking_spaces="3") == [
        s.id for s in ogc_stations if s.car_parking_spaces == 3
    ]
    error = assert_error(ogc_client.get(ITEMS, params={"car_parking_spaces": "three"}), 400,
                         "invalid_parameter")  # fmt: skip
    assert error["details"][0]["parameter"] == "car_parking_spaces"


@pytest.mark.parametrize(
    ("params", "parameter", "said"),
    [
        ({"filter": "distrct = '朝阳区'"}, "filter", "did you mean district"),
        ({"filter": "name = = 'x'"}, "filter", "cannot be read at character"),
        ({"filter": "{}", "filter-lang": "cql2-json"}, "filter", "not cql2-json"),
        ({"filter": "name = 'x'", "filter-lang": "sql"}, "filter-lang", "one of cql2-text"),
        ({"filter-crs": "[EPSG:4490]"}, "filter-crs", "given without a filter"),
        ({"filter": "name = 'x'", "filter-crs": "EPSG:3857"}, "filter-crs", "not a CRS served"),
        ({"sortby": "nmae"}, "sortby", "did you mean name"),
        ({"properties": "nmae,status"}, "properties", "did you mean name"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(
    ogc_client: TestClient, params: dict[str, str], parameter: str, said: str
) -> None:
    error = assert_error(ogc_client.get(ITEMS, params=params), 400, "invalid_parameter")
    assert error["details"][0]["parameter"] == parameter
    assert said in error["message"]
    assert error["message_zh"] != error["message"]


INJECTIONS = [
    "name = ''; DROP TABLE stations; --'",
    "name = 'x' OR 1=1",
    "name = 'x'' OR ''1''=''1'",
    "name LIKE '%'' OR 1=1 --'",
    "name = 'x') OR (1=1",
    "name = 'x' UNION SELECT * FROM api_keys",
    "S_INTERSECTS(geometry, POINT(0 0)); DELETE FROM stations",
    "A_CONTAINS(amenities, ('toilet'' OR 1=1 --'))",
    "id = 1e400",
    "car_parking_spaces = 99999999999999999999999999",
    "name = 'x\\'; DROP TABLE stations; --'",
    # Every hostile text as a quoted literal (a lone surrogate cannot be put in a URL, nor
    # 100,000 characters: cql2_guard's length limit is tested in tests/geo/test_filters.py).
    *(
        f"name = '{t.replace(Q, Q + Q)}'"
        for t in HOSTILE.values()
        if t != LONE_SURROGATE and len(t) < 1000
    ),
]


def test_injection_in_filter_is_refused_or_harmless(client: TestClient) -> None:
    # Both backends: each attempt is a 400 or an answer that matches by value only; the
    # table is intact afterwards.
    made = post_station(client, feature(name="x' OR '1'='1"))
    before = ids(client)
    for text in INJECTIONS:
        response = client.get(ITEMS, params={"filter": text, "limit": ALL})
        assert response.status_code in (200, 400), (text, response.text)
        if response.status_code == 200:
            assert [f["id"] for f in response.json()["features"]] in ([], [made["id"]]), text
    assert ids(client, filter="name = 'x'' OR ''1''=''1'") == [made["id"]]  # quoted as data
    assert ids(client, name="x' OR '1'='1") == [made["id"]]
    nul = client.get(ITEMS, params={"name": NUL})  # PostgreSQL cannot even be asked
    assert assert_error(nul, 400, "invalid_parameter")["details"][0]["parameter"] == "name"
    assert ids(client) == before


def test_the_ogc_api_document_has_paths_relative_to_the_landing_page(
    ogc_client: TestClient,
) -> None:
    doc: dict[str, Any] = get_json(ogc_client, "/ogc/api")
    assert doc["servers"] == [{"url": "http://testserver/ogc"}]
    assert "/collections/stations/items" in doc["paths"]
    assert not any(p.startswith("/v1") or p.startswith("/ogc") for p in doc["paths"])
    params = {p["name"] for p in doc["paths"]["/collections/stations/items"]["get"]["parameters"]}
    assert {"filter", "filter-lang", "district", "sortby", "properties"} <= params
