"""OGC API - Features (Part 1: Core, Part 2: CRS) documents for the station registry.

Everything here is plain data in, JSON-ready dicts out; ``api/routes/ogc.py`` only reads
the request and picks the media type. One collection, ``stations``, stored in CRS84
(WGS84 lon/lat, the store's own datum), served in CRS84, EPSG:4326 or EPSG:4490
(CGCS2000) as ``crs`` asks (:mod:`api.ogc_crs`). The query parameters are read by
:mod:`api.ogc_params`.

- Feature properties are those of ``/v1/stations``, flattened so that every one is a
  plain column in GDAL and QGIS: ``amenities`` is one comma-separated string of codes
  (``drinking_water,toilet``, empty for none), as ``/v1`` takes them in a query; a
  JSON array would be a GDAL StringList, which a GeoPackage or Shapefile can only hold
  as ``(2:drinking_water,toilet)``. ``amenity_labels`` (an array of objects, which GDAL
  shows as a JSON string) is left out: ``/v1/amenities`` has the labels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any, Final

from api.ogc_crs import (
    CRS84,
    SUPPORTED,
    point_in,
)
from api.ogc_params import ItemsQuery
from api.ogc_queryables import CONFORMANCE as QUERYABLES_CONFORMANCE
from api.ogc_queryables import REL as QUERYABLES_REL
from api.ogc_schema import SCHEMA_MEDIA_TYPE
from api.ogc_tiles import CONFORMANCE as TILES_CONFORMANCE
from api.ogc_tiles import REL_SCHEMES, REL_TILESETS
from geo.clock import get_clock
from geo.geojson import station_feature
from geo.model import Station
from geo.registry import Registry
from geo.storage import BBox, Page

COLLECTION_ID: Final = "stations"
JSON: Final = "application/json"
GEOJSON: Final = "application/geo+json"
_CQL2: Final = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",  # api/ogc_html.py
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *QUERYABLES_CONFORMANCE,
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    *(
        _CQL2 + c
        for c in (
            "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
            "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions",
            "array-functions", "property-property",
        )
    ),
    *TILES_CONFORMANCE,  # the stations' vector tiles (api/ogc_tiles.py)
)  # fmt: skip
# Not claimed: oas30 (FastAPI writes OpenAPI 3.1), and of CQL2
# case-insensitive and accent-insensitive comparisons, temporal functions, arithmetic
# and custom functions (geo.filters.cql2_read refuses them by name).

# Dropped from the OGC features: see the module docstring.
OMITTED_PROPERTIES: Final = frozenset({"amenity_labels"})

TITLE: Final = "stationfinder 驿站查找"
COLLECTION_TITLE: Final = "Rest stations for outdoor workers / 户外劳动者驿站"
COLLECTION_DESCRIPTION: Final = (
    "Union (工会驿站) and warm-heart (暖心驿站) rest stations with their amenities, "
    "opening hours, parking and charging, in WGS84 longitude/latitude."
)


def _now() -> str:
    return get_clock().now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def landing_page(*, base: str, openapi: str, docs: str) -> dict[str, Any]:
    """The landing page: where the API definition, conformance and data are."""
    return {
        "title": TITLE,
        "description": "OGC API - Features access to the rest station registry.",
        "links": [
            _link(base, "self", JSON, "This document"),
            _link(openapi, "service-desc", JSON, "The API definition (OpenAPI 3.1)"),
            _link(docs, "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "Feature collections"),
            _link(f"{base}/tileMatrixSets", REL_SCHEMES, JSON, "Tile matrix sets"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": list(CONFORMANCE)}


def collection(*, base: str, extent: BBox | None) -> dict[str, Any]:
    """The ``stations`` collection's description."""
    href = f"{base}/collections/{COLLECTION_ID}"
    doc: dict[str, Any] = {
        "id": COLLECTION_ID,
        "title": COLLECTION_TITLE,
        "description": COLLECTION_DESCRIPTION,
        "itemType": "feature",
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "links": [
            _link(href, "self", JSON, "This collection"),
            _link(f"{href}/items", "items", GEOJSON, "The stations"),
            # RFC 8288 relation types are case-insensitive; GDAL 3.6 matches this spelling.
            _link(f"{href}/schema", "describedBy", SCHEMA_MEDIA_TYPE, "JSON Schema of a station"),
            _link(f"{href}/queryables", QUERYABLES_REL, SCHEMA_MEDIA_TYPE, "What items filter on"),
            _link(f"{href}/tiles", REL_TILESETS, JSON, "Vector tiles of the stations"),
        ],
    }
    if extent is not None:
        doc["extent"] = {"spatial": {"bbox": [[round(v, 7) for v in extent]], "crs": CRS84}}
    return doc


def collections(*, base: str, extent: BBox | None) -> dict[str, Any]:
    """Every collection (there is one)."""
    return {
        "links": [_link(f"{base}/collections", "self", JSON, "This document")],
        "collections": [collection(base=base, extent=extent)],
    }


def item_feature(station: Station, properties: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A station as an OGC feature: WGS84 lon/lat, properties flat enough for GDAL;
    only ``properties`` when given (``api.ogc_params.FEATURE_PROPERTIES``)."""
    feature = station_feature(station)
    props = {k: v for k, v in feature["properties"].items() if k not in OMITTED_PROPERTIES}
    props["amenities"] = ",".join(props["amenities"])
    if properties is not None:
        props = {k: props[k] for k in properties}
    feature["properties"] = props
    return feature


def item_document(
    station: Station,
    *,
    base: str,
    crs: str = CRS84,
    properties: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One station as a standalone Feature with its links, its point in `crs`."""
    feature = point_in(item_feature(station, properties), crs)
    href = f"{base}/collections/{COLLECTION_ID}"
    feature["links"] = [
        _link(f"{href}/items/{station.id}", "self", GEOJSON, "This station"),
        _link(href, "collection", JSON, "The collection"),
    ]
    return feature


def items_document(
    page: Page,
    query: ItemsQuery,
    *,
    base: str,
    self_href: str,
    page_href: Callable[[int, int], str],
) -> dict[str, Any]:
    """A page of stations as a FeatureCollection with ``next``/``prev`` links.

    ``page_href(offset, limit)`` is the URL of another page of the same query.
    """
    limit, offset = query.limit, query.offset
    links = [
        _link(self_href, "self", GEOJSON, "This page"),
        _link(f"{base}/collections/{COLLECTION_ID}", "collection", JSON, "The collection"),
    ]
    if offset + limit < page.total:
        links.append(_link(page_href(offset + limit, limit), "next", GEOJSON, "Next page"))
    if offset > 0:
        prev = max(0, min(offset - limit, page.total - limit))
        links.append(_link(page_href(prev, limit), "prev", GEOJSON, "Previous page"))
    return {
        "type": "FeatureCollection",
        "timeStamp": _now(),
        "numberMatched": page.total,
        "numberReturned": len(page.items),
        "links": links,
        "features": [point_in(item_feature(s, query.properties), query.crs) for s in page.items],
    }


def list_items(registry: Registry, query: ItemsQuery) -> Page:
    """The page of stations an ``/items`` query asks for, every status unless it says,
    in ``sortby`` order then id."""
    return registry.list_stations(
        bbox=query.bbox, limit=query.limit, offset=query.offset, adcodes=query.adcodes,
        statuses=query.statuses, amenities=query.amenities, where=query.where,
        order=query.order,
    )  # fmt: skip
