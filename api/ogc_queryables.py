"""OGC API - Features Part 3 without CQL2: the queryable properties of ``stations``
(``/ogc/collections/stations/queryables``, a JSON Schema) and filtering on them by
query parameters.

- ``status``: one or more statuses, comma-separated; a station matches any of them.
- ``amenities``: codes or Chinese labels, comma-separated; a station matches when it
  has every one (the feature property is the comma-separated list of its codes).
- ``adcode``: a province, city or district by adcode or Chinese name; a station
  matches when its district lies in it.
- every other text, number or time queryable (``district=朝阳区``,
  ``ev_charging_piles=2``, ``host=市总工会``): the property equals the value exactly.

The queryables are those of ``geo.filters`` (what ``filter`` may name, in CQL2).
Values are parsed, never pasted into SQL: the store filters by a status set, an amenity
bit mask, a set of district codes and a filter tree with bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from api.ogc_schema import PROPERTIES
from geo.amenities import AMENITIES, split_codes
from geo.errors import StationError, UnknownStatus
from geo.filters import QUERYABLES, Filter, Kind, every
from geo.filters.cql2_values import timestamp
from geo.filters.nodes import Compare, Lit, Prop
from geo.model import Status, parse_status

__all__ = [
    "CONFORMANCE", "FILTER_PARAMS", "PropertyFilters", "parse_property_filters",
    "queryables_document",
]  # fmt: skip

CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
REL: Final = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# Equality parameters: every queryable of a plain kind but adcode (an area, below).
EQUALS_PARAMS: Final = frozenset(
    name
    for name, q in QUERYABLES.items()
    if q.kind in (Kind.STRING, Kind.INTEGER, Kind.TIMESTAMP) and name != "adcode"
)
FILTER_PARAMS: Final = frozenset({"status", "amenities", "adcode"}) | EQUALS_PARAMS
_PARAMETER_NOTES: Final = {
    "status": "As a parameter: one or more, comma-separated, any of them / 可多选，任一即可",
    "amenities": "As a parameter: codes or Chinese labels, comma-separated, all of them / "
    "代码或中文名，须全部具备",
    "adcode": "As a parameter: a province, city or district by adcode or Chinese name; in a "
    "filter, the district's adcode / 作为参数可为省、市或区县；在 filter 中为区县代码",
}
_SCHEMA_OF: Final[dict[Kind, dict[str, Any]]] = {
    Kind.STRING: {"type": "string"},
    Kind.INTEGER: {"type": "integer"},
    Kind.TIMESTAMP: {"type": "string", "format": "date-time"},
    Kind.STATUS: {"type": "string", "enum": [s.value for s in Status]},
    Kind.AMENITIES: {
        "type": "array",
        "items": {"type": "string", "enum": [a.code for a in AMENITIES]},
        "description": "A_CONTAINS(amenities, ('toilet','microwave')) and the other array "
        "functions; codes or Chinese labels / 服务设施代码或中文名",
    },
    Kind.GEOMETRY: {
        "format": "geometry-point",
        "description": "S_INTERSECTS, S_WITHIN ... with any geometry; "
        "S_DWITHIN(geometry, POINT(lon lat), 500, meters) / 空间函数",
    },
}


class PropertyFilters:
    """What the property parameters of an ``/items`` query keep."""

    __slots__ = ("adcodes", "amenities", "statuses", "where")

    def __init__(
        self,
        statuses: frozenset[Status] = frozenset(Status),
        amenities: tuple[str, ...] = (),
        adcodes: frozenset[str] | None = None,
        where: Filter | None = None,
    ) -> None:
        self.statuses = statuses
        self.amenities = amenities
        self.adcodes = adcodes
        self.where = where


def queryables_document(*, schema_id: str) -> dict[str, Any]:
    """The queryables as a JSON Schema (2020-12), as Part 3 describes them."""
    props: dict[str, Any] = {}
    for name, q in QUERYABLES.items():
        prop: dict[str, Any] = {"title": PROPERTIES.get(name, {}).get("title", q.title)}
        prop |= _SCHEMA_OF[q.kind]
        if name in _PARAMETER_NOTES:
            prop["description"] = _PARAMETER_NOTES[name]
        props[name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": "Station queryables / 驿站可查询属性",
        "properties": props,
        "additionalProperties": False,
    }


Problem = tuple[str, str, dict[str, str]]


def _problem(name: str, value: str, exc: StationError) -> Problem:
    return (
        f"{name}={value!r}: {exc.message}",
        f"参数 {name}={value!r}：{exc.message_zh}",
        {"parameter": name, "value": value, "reason": exc.message},
    )


def _equals(name: str, value: str) -> Filter | Problem:
    """``name`` equals ``value`` read as the queryable's kind."""
    q = QUERYABLES[name]
    literal: Any = value
    why = ("must not hold a NUL character", "不能含有 NUL 字符")  # no stored text does
    if "\x00" in value:
        literal = None
    elif q.kind == Kind.INTEGER:
        text = value.strip()
        literal = int(text) if text.lstrip("-").isascii() and text.lstrip("-").isdigit() else None
        why = ("must be a whole number", "须为整数")
    elif q.kind == Kind.TIMESTAMP:
        read = timestamp(value)
        literal = read[0] if read is not None and not read[1] else None
        why = ("must be a moment in whole seconds with its offset, 2026-03-01T08:00:00Z",
               "须为带时区的整秒时刻，如 2026-03-01T08:00:00Z")  # fmt: skip
    if literal is None:
        return f"{name}={value!r}: {why[0]}", f"参数 {name}={value!r}：{why[1]}", {
            "parameter": name, "value": value, "reason": why[0]
        }  # fmt: skip
    return Compare("=", Prop(q), Lit(literal))


def parse_property_filters(values: Mapping[str, str]) -> tuple[PropertyFilters, list[Problem]]:
    """The filters the property parameters ask for, and the problems with them (each a
    400 entry)."""
    problems: list[Problem] = []
    statuses: frozenset[Status] = frozenset(Status)
    if "status" in values:
        parts = [p for p in values["status"].split(",") if p.strip()]
        try:
            if not parts:
                raise UnknownStatus(
                    f"no status given; expected one or more of: {', '.join(Status)}",
                    f"未给出状态；可选：{', '.join(Status)}",
                )
            statuses = frozenset(parse_status(p) for p in parts)
        except StationError as exc:
            problems.append(_problem("status", values["status"], exc))
    amenities: tuple[str, ...] = ()
    if "amenities" in values:
        try:
            amenities = split_codes(values["amenities"])
        except StationError as exc:
            problems.append(_problem("amenities", values["amenities"], exc))
    adcodes = None
    if "adcode" in values:  # any level
        from geo.outlines.areas import districts_of

        try:
            adcodes = districts_of(values["adcode"], field="adcode")
        except StationError as exc:  # its message names the parameter already
            detail = {"parameter": "adcode", "value": values["adcode"], "reason": exc.message}
            problems.append((exc.message, exc.message_zh, detail))
    equal: list[Filter] = []
    for name in sorted(EQUALS_PARAMS & values.keys()):
        read = _equals(name, values[name])
        if isinstance(read, tuple):
            problems.append(read)
        else:
            equal.append(read)
    return PropertyFilters(statuses, amenities, adcodes, every(*equal)), problems
