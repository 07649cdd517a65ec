"""OGC API - Features (Part 1: Core, Part 2: CRS) documents for the station registry.

Everything here is plain data in, JSON-ready dicts out; ``api/routes/ogc.py`` only reads
the request and picks the media type. One collection, ``stations``, stored in CRS84
(WGS84 lon/lat, the store's own datum), served in CRS84, EPSG:4326 or EPSG:4490
(CGCS2000) as ``crs`` asks (:mod:`api.ogc_crs`). Choices the standard leaves open:

- ``limit`` defaults to 100; a larger value than ``MAX_LIMIT`` is clamped to it (the
  standard permits serving fewer features than asked), below 1 is a 400.
- Paging is by ``offset`` (an additional parameter the standard allows), in id order.
- A query parameter the API does not define is a 400 (17-069r3,
  /req/core/query-param-unknown), so a misspelt ``bbox`` is not silently ignored.
- ``f=json`` is the only format; any other ``f`` is a 400.
- Feature properties are those of ``/v1/stations``, flattened so that every one is a
  plain column in GDAL and QGIS: ``amenities`` is one comma-separated string of codes
  (``drinking_water,toilet``, empty for none), as ``/v1`` takes them in a query; a
  JSON array would be a GDAL StringList, which a GeoPackage or Shapefile can only hold
  as ``(2:drinking_water,toilet)``. ``amenity_labels`` (an array of objects, which GDAL
  shows as a JSON string) is left out: ``/v1/amenities`` has the labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Final

from api.ogc_crs import (
    CRS84,
    SUPPORTED,
    lat_first,
    parse_crs,
    point_in,
    short_name,
    swap_bbox,
)
from api.ogc_queryables import CONFORMANCE as QUERYABLES_CONFORMANCE
from api.ogc_queryables import FILTER_PARAMS, parse_property_filters
from api.ogc_queryables import REL as QUERYABLES_REL
from api.ogc_schema import SCHEMA_MEDIA_TYPE
from api.strict import closest_name
from geo.clock import get_clock
from geo.errors import InvalidParameter, StationNotFound
from geo.geojson import station_feature
from geo.model import Station, Status
from geo.registry import Registry
from geo.storage import BBox, Page

COLLECTION_ID: Final = "stations"
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 10_000
JSON: Final = "application/json"
GEOJSON: Final = "application/geo+json"
OPENAPI: Final = "application/vnd.oai.openapi+json;version=3.1"
CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *QUERYABLES_CONFORMANCE,
)
# Not claimed: oas30 (FastAPI writes OpenAPI 3.1) and html (JSON only).

FORMATS: Final = ("json",)
COMMON_PARAMS: Final = frozenset({"f"})
ITEMS_PARAMS: Final = frozenset({"f", "bbox", "bbox-crs", "crs", "limit", "offset"}) | FILTER_PARAMS
ITEM_PARAMS: Final = frozenset({"f", "crs"})
# Dropped from the OGC features: see the module docstring.
OMITTED_PROPERTIES: Final = frozenset({"amenity_labels"})

TITLE: Final = "stationfinder 驿站查找"
COLLECTION_TITLE: Final = "Rest stations for outdoor workers / 户外劳动者驿站"
COLLECTION_DESCRIPTION: Final = (
    "Union (工会驿站) and warm-heart (暖心驿站) rest stations with their amenities, "
    "opening hours, parking and charging, in WGS84 longitude/latitude."
)


@dataclass(frozen=True, slots=True)
class ItemsQuery:
    """A validated ``/items`` request: bbox in CRS84, the page asked for, the CRS of the
    answer (a URI of :data:`api.ogc_crs.SUPPORTED`)."""

    bbox: BBox | None
    limit: int
    offset: int
    adcodes: frozenset[str] | None = None  # the districts of the ``adcode`` area
    crs: str = CRS84
    statuses: frozenset[Status] = frozenset(Status)
    amenities: tuple[str, ...] = ()  # every one of them


def _problem(name: str, value: str, rule: str, rule_zh: str) -> tuple[str, str, dict[str, str]]:
    return (
        f"{name}={value!r}: {rule}",
        f"参数 {name}={value!r}：{rule_zh}",
        {"parameter": name, "value": value, "reason": rule},
    )


def _raise(problems: list[tuple[str, str, dict[str, str]]]) -> None:
    if problems:
        raise InvalidParameter(
            "invalid query: " + "; ".join(p[0] for p in problems),
            "查询参数无效：" + "；".join(p[1] for p in problems),
            details=[p[2] for p in problems],
        )


def _common_problems(
    params: Iterable[tuple[str, str]], allowed: frozenset[str]
) -> tuple[dict[str, str], list[tuple[str, str, dict[str, str]]]]:
    """The parameters by name, and the problems every endpoint checks: unknown names,
    repeated names and the format."""
    values: dict[str, str] = {}
    problems = []
    for name, value in params:
        if name not in allowed:
            guess = closest_name(name, allowed)
            hint, hint_zh = (
                (f"did you mean {guess!r}? ", f"是否想用 {guess!r}？") if guess else ("", "")
            )
            problems.append(
                _problem(
                    name,
                    value,
                    f"unknown parameter; {hint}this endpoint takes {', '.join(sorted(allowed))}",
                    f"未知参数；{hint_zh}此接口接受 {', '.join(sorted(allowed))}",
                )
            )
        elif name in values:
            problems.append(_problem(name, value, "given more than once", "重复给出"))
        else:
            values[name] = value
    f = values.get("f")
    if f is not None and f not in FORMATS:
        problems.append(_problem("f", f, "the only format is json", "仅支持 json 格式"))
    return values, problems


def check_params(params: Iterable[tuple[str, str]]) -> None:
    """Validate the query of an endpoint that takes only ``f``."""
    _raise(_common_problems(params, COMMON_PARAMS)[1])


def _parse_bbox(
    value: str, crs: str = CRS84
) -> tuple[BBox | None, list[tuple[str, str, dict[str, str]]]]:
    order = (
        "min_lat,min_lon,max_lat,max_lon" if lat_first(crs) else "min_lon,min_lat,max_lon,max_lat"
    )
    rule = f"expected 4 (or 6, with heights) comma-separated numbers, {order} in {short_name(crs)}"
    rule_zh = f"应为 4 个（含高度则 6 个）以逗号分隔的数值：{short_name(crs)} 下的 {order}"
    try:
        numbers = [float(p) for p in value.split(",")]
    except ValueError:
        return None, [_problem("bbox", value, rule, rule_zh)]
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        return None, [_problem("bbox", value, rule, rule_zh)]
    if len(numbers) == 6:  # lower corner x, y, z, upper corner x, y, z: heights ignored
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if lat_first(crs):  # EPSG:4326 and EPSG:4490 put latitude first
        numbers = swap_bbox(numbers)
    min_lon, min_lat, max_lon, max_lat = numbers
    if not all(-180.0 <= v <= 180.0 for v in (min_lon, max_lon)):
        return None, [
            _problem("bbox", value, "longitudes must be in [-180, 180]", "经度须在 [-180, 180] 内")
        ]
    if not -90.0 <= min_lat <= max_lat <= 90.0:
        return None, [
            _problem(
                "bbox",
                value,
                "latitudes must be in [-90, 90], the lower one first",
                "纬度须在 [-90, 90] 内，且较小者在前",
            )
        ]
    # min_lon > max_lon is a box across the antimeridian, as the standard says.
    return (min_lon, min_lat, max_lon, max_lat), []


def _parse_int(name: str, value: str, minimum: int) -> tuple[int, list[Any]]:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        return minimum, [
            _problem(
                name, value, f"must be an integer >= {minimum}", f"须为不小于 {minimum} 的整数"
            )
        ]
    return int(text), []


def parse_items_query(params: Iterable[tuple[str, str]]) -> ItemsQuery:
    """Validate an ``/items`` query, reporting every bad parameter at once.

    Raises ``InvalidParameter`` (a 400 under ``/ogc``) naming each problem.
    """
    values, problems = _common_problems(params, ITEMS_PARAMS)
    crs, more = _crs_of(values, "crs")
    problems += more
    bbox_crs, bad_bbox_crs = _crs_of(values, "bbox-crs")
    problems += bad_bbox_crs
    bbox = None
    if "bbox" in values:
        if not bad_bbox_crs:  # in an unknown CRS it cannot be read
            bbox, more = _parse_bbox(values["bbox"], bbox_crs)
            problems += more
    elif "bbox-crs" in values:
        problems.append(_problem("bbox-crs", values["bbox-crs"], "given without a bbox",
                                 "未给出 bbox，bbox-crs 无从适用"))  # fmt: skip
    limit, offset = DEFAULT_LIMIT, 0
    if "limit" in values:
        limit, more = _parse_int("limit", values["limit"], 1)
        problems += more
    if "offset" in values:
        offset, more = _parse_int("offset", values["offset"], 0)
        problems += more
    filters, more = parse_property_filters(values)  # queryables (/req/core/fc-filters)
    problems += more
    _raise(problems)
    return ItemsQuery(
        bbox=bbox, limit=min(limit, MAX_LIMIT), offset=offset, adcodes=filters.adcodes,
        crs=crs, statuses=filters.statuses, amenities=filters.amenities,
    )  # fmt: skip


def _crs_of(values: Mapping[str, str], name: str) -> tuple[str, list[Any]]:
    if name not in values:
        return CRS84, []
    uri = parse_crs(values[name])
    if uri is None:
        served = ", ".join(SUPPORTED)
        return CRS84, [_problem(name, values[name], f"not a CRS served here: {served}",
                                f"不支持此坐标系，可用：{served}")]  # fmt: skip
    return uri, []


def parse_item_query(params: Iterable[tuple[str, str]]) -> str:
    """Validate a ``/items/{featureId}`` query; the CRS of the answer."""
    values, problems = _common_problems(params, ITEM_PARAMS)
    crs, more = _crs_of(values, "crs")
    _raise(problems + more)
    return crs


def parse_feature_id(value: str) -> int:
    """A station id from a ``featureId``; anything that is not one is an unknown feature."""
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    raise StationNotFound(f"no station with id {value!r}", f"不存在编号为 {value!r} 的站点")


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
            _link(openapi, "service-desc", OPENAPI, "The API definition (OpenAPI 3.1)"),
            _link(docs, "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "Feature collections"),
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


def item_feature(station: Station) -> dict[str, Any]:
    """A station as an OGC feature: WGS84 lon/lat, properties flat enough for GDAL."""
    feature = station_feature(station)
    props = {k: v for k, v in feature["properties"].items() if k not in OMITTED_PROPERTIES}
    props["amenities"] = ",".join(props["amenities"])
    feature["properties"] = props
    return feature


def item_document(station: Station, *, base: str, crs: str = CRS84) -> dict[str, Any]:
    """One station as a standalone Feature with its links, its point in `crs`."""
    feature = point_in(item_feature(station), crs)
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
        "features": [point_in(item_feature(s), query.crs) for s in page.items],
    }


def list_items(registry: Registry, query: ItemsQuery) -> Page:
    """The page of stations an ``/items`` query asks for, every status, in id order."""
    return registry.list_stations(
        bbox=query.bbox, limit=query.limit, offset=query.offset, adcodes=query.adcodes,
        statuses=query.statuses, amenities=query.amenities,
    )  # fmt: skip
