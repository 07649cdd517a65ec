"""OGC API - Tiles at /ogc on both backends: the documents a client follows to the tile
URL, tiles that show the registry as it is (a write shows at once: the cache is per
version), ETag revalidation, and the errors of a tile outside the matrix set."""

from __future__ import annotations

import math
from typing import Any

import mapbox_vector_tile
from fastapi.testclient import TestClient

from tests.api.test_ogc import get_json, links_by_rel
from tests.conftest import AUTH, assert_error, feature, post_station

TILES = "/ogc/collections/stations/tiles/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return int(y * n), int((lon + 180) / 360 * n)


def _decode(body: bytes) -> list[dict[str, Any]]:
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return list(layers.get("stations", {}).get("features", []))


def test_a_client_finds_the_tiles_from_the_landing_page(client: TestClient) -> None:
    landing = get_json(client, "/ogc")
    schemes = links_by_rel(landing)["http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"]
    [tms] = get_json(client, schemes["href"])["tileMatrixSets"]
    quad = get_json(client, tms["links"][0]["href"])
    assert quad["tileMatrices"][3]["matrixWidth"] == 8
    coll = get_json(client, "/ogc/collections/stations")
    sets = links_by_rel(coll)["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"]
    [tileset] = get_json(client, sets["href"])["tilesets"]
    described = get_json(client, links_by_rel(tileset)["self"]["href"])
    assert described["layers"][0]["id"] == "stations"
    template = links_by_rel(described)["item"]
    assert template["templated"] is True
    assert template["type"] == MVT
    conforms = get_json(client, "/ogc/conformance")["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conforms


def test_tiles_show_the_registry_as_it_is(client: TestClient) -> None:
    lon, lat = 106.5507, 29.5630  # Chongqing
    made = post_station(client, feature(lon, lat, name="解放碑<驿站>", amenities=["toilet"]))
    row, col = _tile_of(lon, lat, 15)
    first = client.get(f"{TILES}/15/{row}/{col}")
    assert first.status_code == 200
    assert first.headers["content-type"] == MVT
    [station] = _decode(first.content)
    assert station["id"] == made["id"]
    assert station["properties"] == {
        "name": "解放碑<驿站>", "status": "open", "amenities": "toilet", "count": 1, "open": 1
    }  # fmt: skip
    again = client.get(f"{TILES}/15/{row}/{col}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    second = post_station(client, feature(lon + 0.0001, lat, name="第二站"))
    fresh = client.get(f"{TILES}/15/{row}/{col}", headers={"If-None-Match": first.headers["etag"]})
    assert fresh.status_code == 200  # a write makes a new version at once
    assert {f["id"] for f in _decode(fresh.content)} == {made["id"], second["id"]}
    client.delete(f"/v1/stations/{made['id']}", headers=AUTH)
    assert {f["id"] for f in _decode(client.get(f"{TILES}/15/{row}/{col}").content)} == {
        second["id"]
    }
    zoomed_out = _decode(
        client.get(f"{TILES}/{4}/{_tile_of(lon, lat, 4)[0]}/{_tile_of(lon, lat, 4)[1]}").content
    )
    assert [f["properties"] for f in zoomed_out] == [{"count": 1, "open": 1}]


def test_tiles_outside_the_matrix_set(client: TestClient) -> None:
    assert_error(client.get(f"{TILES}/3/8/0"), 404, "tile_not_found")
    assert_error(client.get(f"{TILES}/21/0/0"), 400, "invalid_parameter")
    assert_error(client.get(f"{TILES}/3/0/0?f=png"), 400, "invalid_parameter")
    empty = client.get(f"{TILES}/3/0/0")
    assert empty.status_code == 200
    assert _decode(empty.content) == []
