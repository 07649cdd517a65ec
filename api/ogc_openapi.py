"""The ``/ogc`` query parameters as OpenAPI declares them.

:mod:`api.ogc` validates them itself (not FastAPI), so that every problem is a 400 as
the standard asks; these declarations only document them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from api.ogc_crs import SUPPORTED
from api.ogc_params import DEFAULT_LIMIT, DRAFT_LANGS, FORMATS, MAX_LIMIT
from api.ogc_queryables import EQUALS_PARAMS
from geo.filters import FILTER_LANGS, QUERYABLES, Kind
from geo.model import Status

__all__ = [
    "CRS_PARAMETER", "F_PARAMETER", "ITEM_PARAMETERS", "ogc_document", "openapi_parameters"
]  # fmt: skip
OGC_PREFIX: Final = "/ogc"


def openapi_parameters() -> list[Mapping[str, Any]]:
    """The ``/items`` query parameters."""
    return [
        {
            "name": "bbox",
            "in": "query",
            "required": False,
            "description": "min_lon,min_lat,max_lon,max_lat in CRS84 (WGS84 degrees); "
            "min_lon > max_lon crosses the antimeridian; 6 numbers (with heights) accepted.",
            "style": "form",
            "explode": False,
            "schema": {
                "type": "array",
                "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
                "items": {"type": "number"},
            },
        },
        CRS_PARAMETER,
        {
            "name": "bbox-crs",
            "in": "query",
            "required": False,
            "description": "CRS of bbox, as crs (EPSG:4326 and EPSG:4490: lat first).",
            "schema": {"type": "string", "format": "uri", "enum": list(SUPPORTED)},
        },
        {
            "name": "status",
            "in": "query",
            "required": False,
            "description": "Only stations with one of these statuses, comma-separated "
            f"({', '.join(Status)}); default every status.",
            "schema": {"type": "string"},
        },
        {
            "name": "amenities",
            "in": "query",
            "required": False,
            "description": "Only stations with every one of these amenities: codes or "
            "Chinese labels, comma-separated (toilet,microwave; 卫生间、微波炉).",
            "schema": {"type": "string"},
        },
        {
            "name": "adcode",
            "in": "query",
            "required": False,
            "description": "Only stations in this province, city or district: adcode "
            "(410105, 410100, 410000) or Chinese name (金水区, 郑州市, 河南省).",
            "schema": {"type": "string"},
        },
        {
            "name": "filter",
            "in": "query",
            "required": False,
            "description": "A CQL2 filter on the queryables (OGC API Features Part 3), e.g. "
            "district = '朝阳区' AND A_CONTAINS(amenities, ('toilet')) AND "
            "S_DWITHIN(geometry, POINT(116.40 39.91), 2, kilometers).",
            "schema": {"type": "string"},
        },
        {
            "name": "filter-lang",
            "in": "query",
            "required": False,
            "description": "The language of filter; cql-text (the draft's name, which GDAL "
            "sends) is read as cql2-text.",
            "schema": {
                "type": "string",
                "enum": [*FILTER_LANGS, *DRAFT_LANGS],
                "default": "cql2-text",
            },
        },
        {
            "name": "filter-crs",
            "in": "query",
            "required": False,
            "description": "CRS of the geometry literals in filter, as crs (EPSG:4326 and "
            "EPSG:4490: lat first).",
            "schema": {"type": "string", "format": "uri", "enum": list(SUPPORTED)},
        },
        {
            "name": "sortby",
            "in": "query",
            "required": False,
            "description": "Queryables to sort by, comma-separated, - for descending "
            "(-updated_at,name); unknown values last, then by id.",
            "schema": {"type": "string"},
        },
        {
            "name": "properties",
            "in": "query",
            "required": False,
            "description": "The feature properties to return, comma-separated (empty: none).",
            "schema": {"type": "string"},
        },
        *(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": f"Only stations whose {name} equals this.",
                "schema": {
                    "type": "integer" if QUERYABLES[name].kind == Kind.INTEGER else "string"
                },
            }
            for name in sorted(EQUALS_PARAMS)
        ),
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Stations per page; larger values are served as {MAX_LIMIT}.",
            "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "Stations to skip (id order); the next/prev links carry it.",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        F_PARAMETER,
    ]


ITEM_PARAMETERS: Final = (
    {
        "name": "properties",
        "in": "query",
        "required": False,
        "description": "The feature properties to return, comma-separated (empty: none).",
        "schema": {"type": "string"},
    },
)
CRS_PARAMETER: Final[Mapping[str, Any]] = {
    "name": "crs",
    "in": "query",
    "required": False,
    "description": "CRS of the answer (OGC API Features Part 2): CRS84 (default, lon/lat), "
    "EPSG:4326 or EPSG:4490 (CGCS2000), both lat/lon, by URI "
    "(http://www.opengis.net/def/crs/EPSG/0/4490) or safe CURIE ([EPSG:4490]).",
    "schema": {"type": "string", "format": "uri", "enum": list(SUPPORTED)},
}
F_PARAMETER: Final[Mapping[str, Any]] = {
    "name": "f",
    "in": "query",
    "required": False,
    "description": "Format: json (GeoJSON for features), the only one.",
    "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
}


def ogc_document(full: Mapping[str, Any], *, base: str) -> dict[str, Any]:
    """The OpenAPI document of the ``/ogc`` endpoints alone, with paths relative to
    ``base`` (the landing page), as OGC clients read it: GDAL looks up the items
    parameters (simple filters, ``filter-lang``) under ``/collections/stations/items``.
    The members it does not replace are the full document's own, shared, not copied:
    it is written out, never changed (a deep copy per request cost more than the rest).
    """
    doc = dict(full)
    doc["paths"] = {
        path.removeprefix(OGC_PREFIX) or "/": item
        for path, item in full.get("paths", {}).items()
        if path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/")
    }
    doc["servers"] = [{"url": base}]
    doc["info"] = dict(doc.get("info", {})) | {"title": "stationfinder OGC API - Features"}
    return doc
