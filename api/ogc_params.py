"""The query parameters of the ``/ogc`` endpoints, validated all at once.

Choices the standard leaves open:

- ``limit`` defaults to 100; a larger value than ``MAX_LIMIT`` is clamped to it (the
  standard permits serving fewer features than asked), below 1 is a 400.
- Paging is by ``offset`` (an additional parameter the standard allows), in id order,
  or in ``sortby`` order then id.
- A query parameter the API does not define is a 400 (17-069r3,
  /req/core/query-param-unknown), so a misspelt ``bbox`` is not silently ignored.
- ``f=json`` is the only format; any other ``f`` is a 400.
- ``filter`` (CQL2, Part 3) with ``filter-lang`` (``cql2-text``, the default, or
  ``cql2-json``; ``cql-text``, the draft's name GDAL sends, is read as ``cql2-text``)
  and ``filter-crs`` (of its geometry literals; CRS84 by default); ``sortby``
  (``-updated_at,name``); ``properties`` (which feature properties to return; empty:
  none); and every simple property filter of :mod:`api.ogc_queryables`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from api.ogc_crs import CRS84, SUPPORTED, lat_first, parse_crs, short_name, swap_bbox
from api.ogc_queryables import FILTER_PARAMS, parse_property_filters
from api.ogc_schema import PROPERTIES
from api.strict import closest_name
from geo.errors import InvalidFilter, InvalidParameter, StationNotFound
from geo.filters import FILTER_LANGS, Filter, SortKey, every, parse_sortby, read_filter
from geo.model import Status
from geo.storage import BBox

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 10_000
FORMATS: Final = ("json",)  # of the documents GIS clients alone read
WITH_HTML: Final = ("json", "html")  # of the pages a browser opens too (api/ogc_html.py)
COMMON_PARAMS: Final = frozenset({"f"})
ITEMS_PARAMS: Final = frozenset(
    {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "filter", "filter-lang", "filter-crs",
     "sortby", "properties"}
) | FILTER_PARAMS  # fmt: skip
ITEM_PARAMS: Final = frozenset({"f", "crs", "properties"})
# The properties of a feature (``api.ogc.item_feature``), which ``properties`` selects.
FEATURE_PROPERTIES: Final = ("id", *PROPERTIES)
Problem = tuple[str, str, dict[str, str]]
# The draft name of cql2-text, which GDAL's OAPIF driver (3.12 still) looks for in the
# OpenAPI document and sends: what it writes (comparisons, AND/OR/NOT, LIKE, IS NULL)
# is cql2-text too.
DRAFT_LANGS: Final = {"cql-text": "cql2-text"}


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
    where: Filter | None = None  # ``filter`` and the simple property filters
    order: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None  # None: every one
    f: str | None = None  # the format asked for, if any (``wants_html``)


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
    params: Iterable[tuple[str, str]],
    allowed: frozenset[str],
    formats: tuple[str, ...] = FORMATS,
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
    if f is not None and f not in formats:
        listed = ", ".join(formats)
        rule, rule_zh = (
            ("the only format is json", "仅支持 json 格式")
            if formats == FORMATS
            else (f"one of {listed}", f"应为 {listed} 之一")
        )
        problems.append(_problem("f", f, rule, rule_zh))
    return values, problems


def check_params(
    params: Iterable[tuple[str, str]], formats: tuple[str, ...] = FORMATS
) -> str | None:
    """Validate the query of an endpoint that takes only ``f``; the ``f`` asked for."""
    values, problems = _common_problems(params, COMMON_PARAMS, formats)
    _raise(problems)
    return values.get("f")


def wants_html(f: str | None, accept: str | None) -> bool:
    """Whether to answer with a page: ``f=html``, or no ``f`` and a browser's Accept
    (``text/html`` first; GDAL, OWSLib and curl ask for JSON or anything)."""
    if f is not None:
        return f == "html"
    first = (accept or "").split(",")[0].strip().lower()
    return first.startswith("text/html")


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
    values, problems = _common_problems(params, ITEMS_PARAMS, WITH_HTML)
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
    where, more = _filter_of(values)
    problems += more
    order: tuple[SortKey, ...] = ()
    if "sortby" in values:
        try:
            order = parse_sortby(values["sortby"])
        except InvalidFilter as exc:
            problems.append(_from_error("sortby", values["sortby"], exc))
    properties, more = _properties_of(values)
    _raise(problems + more)
    return ItemsQuery(
        bbox=bbox, limit=min(limit, MAX_LIMIT), offset=offset, adcodes=filters.adcodes,
        crs=crs, statuses=filters.statuses, amenities=filters.amenities,
        where=every(filters.where, where), order=order, properties=properties,
        f=values.get("f"),
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


def _from_error(name: str, value: str, exc: InvalidParameter) -> Problem:
    return exc.message, exc.message_zh, {"parameter": name, "value": value, "reason": exc.message}


def _filter_of(values: Mapping[str, str]) -> tuple[Filter | None, list[Problem]]:
    """The ``filter`` in its ``filter-lang`` and ``filter-crs``, and the problems."""
    problems: list[Problem] = []
    lang = values.get("filter-lang", "cql2-text")
    lang = DRAFT_LANGS.get(lang, lang)
    if lang not in FILTER_LANGS:
        problems.append(_problem("filter-lang", lang, f"one of {', '.join(FILTER_LANGS)}",
                                 f"应为 {', '.join(FILTER_LANGS)} 之一"))  # fmt: skip
    crs, more = _crs_of(values, "filter-crs")
    problems += more
    if "filter" not in values:
        for name in ("filter-lang", "filter-crs"):
            if name in values:
                problems.append(_problem(name, values[name], "given without a filter",
                                         "未给出 filter，此参数无从适用"))  # fmt: skip
        return None, problems
    if problems:
        return None, problems
    try:
        return read_filter(values["filter"], lang, lat_first=lat_first(crs)), []
    except InvalidFilter as exc:
        return None, [_from_error("filter", values["filter"], exc)]


def _properties_of(values: Mapping[str, str]) -> tuple[tuple[str, ...] | None, list[Problem]]:
    """The feature properties ``properties`` asks for (None: every one)."""
    if "properties" not in values:
        return None, []
    names = tuple(dict.fromkeys(p.strip() for p in values["properties"].split(",") if p.strip()))
    unknown = [n for n in names if n not in FEATURE_PROPERTIES]
    if not unknown:
        return names, []
    hints = [(n, closest_name(n, FEATURE_PROPERTIES)) for n in unknown]
    said = ", ".join(f"{n!r}" + (f" (did you mean {g}?)" if g else "") for n, g in hints)
    said_zh = "、".join(f"{n!r}" + (f"（是否想用 {g}？）" if g else "") for n, g in hints)
    listed = ", ".join(FEATURE_PROPERTIES)
    rule, rule_zh = (
        f"unknown: {said}; a feature has {listed}",
        f"未知属性：{said_zh}；可选：{listed}",
    )
    return None, [_problem("properties", values["properties"], rule, rule_zh)]


def parse_item_query(
    params: Iterable[tuple[str, str]],
) -> tuple[str, tuple[str, ...] | None, str | None]:
    """Validate a ``/items/{featureId}`` query: the CRS of the answer, the properties
    asked for (None: every one) and the format asked for, if any."""
    values, problems = _common_problems(params, ITEM_PARAMS, WITH_HTML)
    crs, more = _crs_of(values, "crs")
    properties, unknown = _properties_of(values)
    _raise(problems + more + unknown)
    return crs, properties, values.get("f")


def parse_feature_id(value: str) -> int:
    """A station id from a ``featureId``; anything that is not one is an unknown feature."""
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    raise StationNotFound(f"no station with id {value!r}", f"不存在编号为 {value!r} 的站点")
