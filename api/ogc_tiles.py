"""OGC API - Tiles documents for the stations' vector tiles (``geo.tiles``): the tile
matrix sets, the collection's tilesets and the tileset of WebMercatorQuad. Plain data
in, JSON-ready dicts out; ``api/routes/ogc_tiles.py`` answers the requests."""

from __future__ import annotations

from typing import Any, Final

from geo.amenities import AMENITIES
from geo.model import Status
from geo.tiles import MAX_ZOOM
from geo.tiles.encode import LAYER, MEDIA_TYPE
from geo.tiles.grid import matrix_set

JSON: Final = "application/json"
TMS_URI: Final = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
REL_SCHEME: Final = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_SCHEMES: Final = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_TILESETS: Final = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
CONFORMANCE: Final = tuple(
    "http://www.opengis.net/spec/" + c
    for c in (
        "ogcapi-tiles-1/1.0/conf/core", "ogcapi-tiles-1/1.0/conf/tileset",
        "ogcapi-tiles-1/1.0/conf/tilesets-list", "ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "ogcapi-tiles-1/1.0/conf/mvt", "tms/2.0/conf/tilematrixset",
        "tms/2.0/conf/json-tilematrixset",
    )
)  # fmt: skip
_PROPERTIES: Final = {
    "count": {"type": "integer", "description": "Stations at this point: 1 for one station"},
    "open": {"type": "integer", "description": "How many of them are open"},
    "name": {"type": "string", "description": "A station's name (count 1)"},
    "status": {"type": "string", "enum": [s.value for s in Status]},
    "amenities": {
        "type": "string",
        "description": "A station's amenity codes, comma-separated: "
        + ", ".join(a.code for a in AMENITIES),
    },
}


def _link(href: str, rel: str, media_type: str, title: str, **more: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": media_type, "title": title, **more}


def matrix_sets(*, base: str) -> dict[str, Any]:
    """The tile matrix sets served: WebMercatorQuad."""
    href = f"{base}/tileMatrixSets/WebMercatorQuad"
    return {
        "tileMatrixSets": [
            {
                "id": "WebMercatorQuad",
                "title": "Google Maps Compatible for the World",
                "uri": TMS_URI,
                "links": [_link(href, "self", JSON, "WebMercatorQuad")],
            }
        ]
    }


def matrix_set_document() -> dict[str, Any]:
    """WebMercatorQuad, as the Two Dimensional Tile Matrix Set standard writes it."""
    return matrix_set()


def _tileset(*, base: str) -> dict[str, Any]:
    href = f"{base}/collections/stations/tiles/WebMercatorQuad"
    return {
        "title": "Stations, clustered below zoom 12 / 驿站（12 级以下聚合）",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "links": [
            _link(href, "self", JSON, "This tileset"),
            _link(f"{base}/tileMatrixSets/WebMercatorQuad", REL_SCHEME, JSON, "WebMercatorQuad"),
            _link(
                f"{href}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                "item",
                MEDIA_TYPE,
                "A Mapbox Vector Tile",
                templated=True,
            ),
        ],
    }


def tilesets(*, base: str) -> dict[str, Any]:
    """The collection's tilesets (one, WebMercatorQuad)."""
    return {
        "links": [_link(f"{base}/collections/stations/tiles", "self", JSON, "The tilesets")],
        "tilesets": [_tileset(base=base)],
    }


def tileset(*, base: str) -> dict[str, Any]:
    """The WebMercatorQuad tileset: its layer, properties and zoom range."""
    return _tileset(base=base) | {
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(z),
                "minTileRow": 0,
                "maxTileRow": (1 << z) - 1,
                "minTileCol": 0,
                "maxTileCol": (1 << z) - 1,
            }
            for z in range(MAX_ZOOM + 1)
        ],
        "layers": [
            {
                "id": LAYER,
                "dataType": "vector",
                "geometryDimension": 0,
                "minTileMatrix": "0",
                "maxTileMatrix": str(MAX_ZOOM),
                "propertiesSchema": {"type": "object", "properties": _PROPERTIES},
            }
        ],
    }
