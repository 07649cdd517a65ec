"""OGC API - Features at /ogc through the HTTP API: documents, links, paging, bbox, errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.ogc_params import ITEMS_PARAMS, MAX_LIMIT
from api.ogc_queryables import EQUALS_PARAMS
from api.ogc_schema import PROPERTIES
from geo.clock import ManualClock, use_clock
from geo.model import Station
from tests.conftest import assert_error, make_app

ITEMS = "/ogc/collections/stations/items"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture
def client(ogc_client: TestClient) -> TestClient:
    return ogc_client


@pytest.fixture
def stations(ogc_stations: list[Station]) -> list[Station]:
    return ogc_stations


def get_json(client: TestClient, url: str, media_type: str = "application/json") -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    return response.json()


def links_by_rel(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    rels = [link["rel"] for link in doc["links"]]
    assert len(rels) == len(set(rels)), rels
    return {link["rel"]: link for link in doc["links"]}


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- landing page, conformance, collections ------------------------------------------------


def test_landing_page_links_lead_to_the_api_conformance_and_data(client: TestClient) -> None:
    doc = get_json(client, "/ogc")
    assert doc["title"]
    links = links_by_rel(doc)
    assert links["self"]["href"] == "http://testserver/ogc"
    assert links["service-desc"]["href"] == "http://testserver/ogc/api"
    assert links["conformance"]["href"] == "http://testserver/ogc/conformance"
    assert links["data"]["href"] == "http://testserver/ogc/collections"
    assert get_json(client, links["service-desc"]["href"])["openapi"].startswith("3.")
    assert client.get(links["service-doc"]["href"]).status_code == 200
    for rel in ("conformance", "data"):
        assert links[rel]["type"] == "application/json"
        get_json(client, links[rel]["href"])


def test_conformance_claims_core_geojson_crs_queryables_and_cql2(client: TestClient) -> None:
    assert get_json(client, "/ogc/conformance") == {
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
            *(
                "http://www.opengis.net/spec/cql2/1.0/conf/" + c
                for c in (
                    "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
                    "basic-spatial-functions", "basic-spatial-functions-plus",
                    "spatial-functions", "array-functions", "property-property",
                )
            ),
            *(
                "http://www.opengis.net/spec/" + c
                for c in (
                    "ogcapi-tiles-1/1.0/conf/core", "ogcapi-tiles-1/1.0/conf/tileset",
                    "ogcapi-tiles-1/1.0/conf/tilesets-list",
                    "ogcapi-tiles-1/1.0/conf/geodata-tilesets", "ogcapi-tiles-1/1.0/conf/mvt",
                    "tms/2.0/conf/tilematrixset", "tms/2.0/conf/json-tilematrixset",
                )
            ),
        ]
    }  # fmt: skip


def test_collections_has_the_stations_collection_with_its_extent(
    client: TestClient, stations: list[Station]
) -> None:
    doc = get_json(client, "/ogc/collections")
    assert links_by_rel(doc)["self"]["href"] == "http://testserver/ogc/collections"
    [coll] = doc["collections"]
    assert coll == get_json(client, "/ogc/collections/stations")
    assert (coll["id"], coll["itemType"], coll["storageCrs"]) == ("stations", "feature", CRS84)
    assert coll["crs"] == [
        CRS84,
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/EPSG/0/4490",
    ]
    want = [
        min(s.lon for s in stations),
        min(s.lat for s in stations),
        max(s.lon for s in stations),
        max(s.lat for s in stations),
    ]
    assert coll["extent"]["spatial"]["crs"] == CRS84
    [bbox] = coll["extent"]["spatial"]["bbox"]
    assert bbox == pytest.approx(want, abs=1e-7)
    links = links_by_rel(coll)
    assert links["self"]["href"] == "http://testserver/ogc/collections/stations"
    assert links["items"] == {
        "href": "http://testserver/ogc/collections/stations/items",
        "rel": "items",
        "type": "application/geo+json",
        "title": "The stations",
    }
    schema = links["describedBy"]
    assert schema["type"] == "application/schema+json"
    get_json(client, schema["href"], "application/schema+json")


def test_an_empty_registry_has_no_extent_and_no_items(db_url: str) -> None:
    with TestClient(make_app(db_url)) as client:
        coll = get_json(client, "/ogc/collections/stations")
        assert "extent" not in coll
        doc = get_json(client, ITEMS, "application/geo+json")
        assert (doc["numberMatched"], doc["numberReturned"], doc["features"]) == (0, 0, [])
        assert set(links_by_rel(doc)) == {"self", "collection"}


# -- items ----------------------------------------------------------------------------------


def test_items_default_page(client: TestClient, stations: list[Station]) -> None:
    with use_clock(ManualClock(datetime(2026, 11, 23, 4, 0, 5, 250_000, tzinfo=UTC))):
        doc = get_json(client, ITEMS, "application/geo+json")
    assert doc["type"] == "FeatureCollection"
    assert (doc["numberMatched"], doc["numberReturned"]) == (len(stations), 100)
    assert [f["id"] for f in doc["features"]] == [s.id for s in stations[:100]]
    assert doc["timeStamp"] == "2026-11-23T04:00:05Z"
    links = links_by_rel(doc)
    assert set(links) == {"self", "collection", "next"}
    assert links["self"]["href"] == f"http://testserver{ITEMS}"
    assert query_of(links["next"]["href"]) == {"offset": ["100"], "limit": ["100"]}
    assert links["next"]["type"] == "application/geo+json"


@pytest.mark.parametrize("limit", [1, 7, 100, 1000])
def test_paging_walks_every_station_exactly_once(
    client: TestClient, stations: list[Station], limit: int
) -> None:
    url: str | None = f"{ITEMS}?limit={limit}"
    seen: list[int] = []
    pages = 0
    while url is not None:
        doc = get_json(client, url, "application/geo+json")
        assert doc["numberMatched"] == len(stations)
        assert doc["numberReturned"] == len(doc["features"]) <= limit
        links = links_by_rel(doc)
        if seen:  # every page after the first links back to the one before it
            back = get_json(client, links["prev"]["href"], "application/geo+json")
            assert back["features"][-1]["id"] == seen[-1]
        seen += [f["id"] for f in doc["features"]]
        url = links["next"]["href"] if "next" in links else None
        pages += 1
    assert seen == [s.id for s in stations]
    assert pages == -(-len(stations) // limit)


def test_paging_keeps_the_bbox(client: TestClient, stations: list[Station]) -> None:
    bbox = "100,25,110,42"
    inside = [s.id for s in stations if 100 <= s.lon <= 110 and 25 <= s.lat <= 42]
    url: str | None = f"{ITEMS}?bbox={bbox}&limit=10"
    seen: list[int] = []
    while url is not None:
        doc = get_json(client, url, "application/geo+json")
        assert doc["numberMatched"] == len(inside)
        seen += [f["id"] for f in doc["features"]]
        links = links_by_rel(doc)
        url = links["next"]["href"] if "next" in links else None
        if url:
            assert query_of(url)["bbox"] == [bbox]
    assert seen == inside
    assert 10 < len(inside) < len(stations)


def _in_bbox(s: Station, box: list[float]) -> bool:
    min_lon, min_lat, max_lon, max_lat = box
    lon_ok = (
        min_lon <= s.lon <= max_lon if min_lon <= max_lon else s.lon >= min_lon or s.lon <= max_lon
    )
    return lon_ok and min_lat <= s.lat <= max_lat


@pytest.mark.parametrize(
    ("bbox", "box"),
    [
        ("110,30,116.5,40", [110, 30, 116.5, 40]),  # corners inclusive: "edge" is in
        ("179,-20,-179,-10", [179, -20, -179, -10]),  # across the antimeridian: both Fiji
        ("-1,51,1,52", [-1, 51, 1, 52]),  # Greenwich, on lon 0
        ("-180,-90,180,90", [-180, -90, 180, 90]),  # the whole world
        ("100,25,0,110,42,100", [100, 25, 110, 42]),  # six numbers: heights ignored
        (" 105 , 28 , 107 , 30 ", [105, 28, 107, 30]),  # spaces around numbers
        ("10,10,11,11", [10, 10, 11, 11]),  # nothing there
    ],
)
def test_bbox_equals_brute_force(
    client: TestClient, stations: list[Station], bbox: str, box: list[float]
) -> None:
    doc = get_json(client, f"{ITEMS}?bbox={bbox}&limit={MAX_LIMIT}", "application/geo+json")
    want = [s.id for s in stations if _in_bbox(s, box)]
    assert [f["id"] for f in doc["features"]] == want
    assert doc["numberMatched"] == doc["numberReturned"] == len(want)


def test_limit_above_the_maximum_is_clamped(client: TestClient, stations: list[Station]) -> None:
    doc = get_json(client, f"{ITEMS}?limit={MAX_LIMIT * 5}&offset=3", "application/geo+json")
    assert doc["numberReturned"] == len(stations) - 3
    prev = links_by_rel(doc)["prev"]["href"]
    assert query_of(prev) == {"offset": ["0"], "limit": [str(MAX_LIMIT)]}


def test_offset_past_the_end_is_an_empty_page(client: TestClient, stations: list[Station]) -> None:
    doc = get_json(client, f"{ITEMS}?offset={len(stations) + 5}&limit=10", "application/geo+json")
    assert (doc["numberMatched"], doc["numberReturned"]) == (len(stations), 0)
    links = links_by_rel(doc)
    assert "next" not in links
    assert query_of(links["prev"]["href"])["offset"] == [str(len(stations) - 10)]


def test_features_are_v1_stations_flattened(client: TestClient, stations: list[Station]) -> None:
    doc = get_json(client, f"{ITEMS}?limit=50", "application/geo+json")
    for f in doc["features"]:
        v1 = get_json(client, f"/v1/stations/{f['id']}")
        assert f["geometry"] == v1["geometry"]  # WGS84 lon/lat, 7 decimals
        # The OGC item is the record: no labels, and no live members (couriers' reports).
        skip = {"amenity_labels", "reports", "last_verified_at", "reopens_at"}
        want = {k: v for k, v in v1["properties"].items() if k not in skip}
        want["amenities"] = ",".join(want["amenities"])
        assert f["properties"] == want
        assert list(f) == ["type", "id", "geometry", "properties"]


def test_schema_describes_every_property_and_its_type(client: TestClient) -> None:
    schema = get_json(client, "/ogc/collections/stations/schema", "application/schema+json")
    assert schema["$id"] == "http://testserver/ogc/collections/stations/schema"
    props = schema["properties"]["properties"]
    assert props["properties"] == PROPERTIES
    kinds = {"integer": int, "string": str}
    doc = get_json(client, f"{ITEMS}?limit={MAX_LIMIT}", "application/geo+json")
    for f in doc["features"]:
        assert set(f["properties"]) == set(PROPERTIES) | {"id"}
        assert f["properties"]["id"] == f["id"]
        for name, value in f["properties"].items():
            if name == "id" or (value is None and PROPERTIES[name].get("nullable")):
                continue
            spec = PROPERTIES[name]
            assert isinstance(value, kinds[spec["type"]]), (name, value)
            if "pattern" in spec:
                assert re.fullmatch(spec["pattern"], value), (name, value)
            if "enum" in spec:
                assert value in spec["enum"]
    assert set(props["required"]) == {"id", "name", "amenities", "status"} | {
        "created_at",
        "updated_at",
    }


# -- one item ---------------------------------------------------------------------------------


def test_one_item_is_the_listed_feature_with_links(
    client: TestClient, stations: list[Station]
) -> None:
    sid = stations[5].id
    doc = get_json(client, f"{ITEMS}/{sid}", "application/geo+json")
    listed = get_json(client, f"{ITEMS}?offset=5&limit=1", "application/geo+json")["features"][0]
    links = links_by_rel(doc)
    assert {k: v for k, v in doc.items() if k != "links"} == listed
    assert links["self"]["href"] == f"http://testserver{ITEMS}/{sid}"
    assert links["collection"]["href"] == "http://testserver/ogc/collections/stations"
    assert get_json(client, f"{ITEMS}/{sid}?f=json", "application/geo+json") == doc


@pytest.mark.parametrize("feature_id", ["999999", "0", "abc", "1.0", "-1", "１", "9" * 40])
def test_unknown_feature_is_404(client: TestClient, feature_id: str) -> None:
    error = assert_error(client.get(f"{ITEMS}/{feature_id}"), 404, "station_not_found")
    assert repr(feature_id) in error["message"] or feature_id in error["message"]


def test_unknown_collection_is_404(client: TestClient) -> None:
    assert_error(client.get("/ogc/collections/roads"), 404, "not_found")
    assert_error(client.get("/ogc/collections/roads/items"), 404, "not_found")


# -- formats and parameters -------------------------------------------------------------------

ENDPOINTS = [
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/stations",
    "/ogc/collections/stations/schema",
    "/ogc/collections/stations/queryables",
    ITEMS,
    f"{ITEMS}/1",
]


JSON_ONLY = {"/ogc/collections/stations/schema", "/ogc/collections/stations/queryables"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_f_json_is_the_default_and_an_unknown_f_is_400(client: TestClient, url: str) -> None:
    plain = client.get(url)
    assert plain.status_code == 200, plain.text
    with_f = client.get(url, params={"f": "json"})
    assert with_f.headers["content-type"] == plain.headers["content-type"]
    error = assert_error(client.get(url, params={"f": "xml"}), 400, "invalid_parameter")
    reason = "the only format is json" if url in JSON_ONLY else "one of json, html"
    assert error["details"] == [{"parameter": "f", "value": "xml", "reason": reason}]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_unknown_parameter_is_400(client: TestClient, url: str) -> None:
    error = assert_error(client.get(url, params={"bbox_crs": "x"}), 400, "invalid_parameter")
    assert [d["parameter"] for d in error["details"]] == ["bbox_crs"]
    assert error["details"][0]["reason"].startswith("unknown parameter")


BAD_BBOX = (
    "expected 4 (or 6, with heights) comma-separated numbers, min_lon,min_lat,max_lon,max_lat "
    "in CRS84"
)


@pytest.mark.parametrize(
    ("query", "problems"),
    [
        ("bbox=1,2,3", [("bbox", "1,2,3", BAD_BBOX)]),  # three numbers
        ("bbox=1,2,3,4,5", [("bbox", "1,2,3,4,5", BAD_BBOX)]),  # five
        ("bbox=a,2,3,4", [("bbox", "a,2,3,4", BAD_BBOX)]),  # not a number
        ("bbox=nan,2,3,4", [("bbox", "nan,2,3,4", BAD_BBOX)]),  # not finite
        ("bbox=", [("bbox", "", BAD_BBOX)]),  # empty
        ("bbox=0,0,181,1", [("bbox", "0,0,181,1", "longitudes must be in [-180, 180]")]),
        (
            "bbox=0,10,1,5",  # latitudes swapped
            [("bbox", "0,10,1,5", "latitudes must be in [-90, 90], the lower one first")],
        ),
        (
            "bbox=0,-91,1,5",
            [("bbox", "0,-91,1,5", "latitudes must be in [-90, 90], the lower one first")],
        ),
        ("limit=0", [("limit", "0", "must be an integer >= 1")]),
        ("limit=-5", [("limit", "-5", "must be an integer >= 1")]),
        ("limit=ten", [("limit", "ten", "must be an integer >= 1")]),
        ("limit=1.5", [("limit", "1.5", "must be an integer >= 1")]),
        ("offset=-1", [("offset", "-1", "must be an integer >= 0")]),
        ("limit=5&limit=6", [("limit", "6", "given more than once")]),
        (  # every problem at once, in the order found
            "limit=0&offset=x&bbox=1&f=xml&sort=name",
            [
                (
                    "sort",
                    "name",
                    "unknown parameter; did you mean 'sortby'? this endpoint takes "
                    + ", ".join(sorted(ITEMS_PARAMS)),
                ),
                ("f", "xml", "one of json, html"),
                ("bbox", "1", BAD_BBOX),
                ("limit", "0", "must be an integer >= 1"),
                ("offset", "x", "must be an integer >= 0"),
            ],
        ),
    ],
)
def test_invalid_items_query_is_400_naming_every_problem(
    client: TestClient, query: str, problems: list[tuple[str, str, str]]
) -> None:
    error = assert_error(client.get(f"{ITEMS}?{query}"), 400, "invalid_parameter")
    assert error["details"] == [{"parameter": p, "value": v, "reason": r} for p, v, r in problems]
    for p, v, _ in problems:
        assert f"{p}={v!r}" in error["message"]
        assert f"参数 {p}={v!r}" in error["message_zh"]


def test_openapi_documents_the_items_parameters(client: TestClient) -> None:
    op = get_json(client, "/openapi.json")["paths"][ITEMS]["get"]
    assert [p["name"] for p in op["parameters"]] == [
        "bbox", "crs", "bbox-crs", "status", "amenities", "adcode", "filter", "filter-lang",
        "filter-crs", "sortby", "properties", *sorted(EQUALS_PARAMS), "limit", "offset", "f",
    ]  # fmt: skip
    assert "application/geo+json" in op["responses"]["200"]["content"]
    assert "400" in op["responses"]
