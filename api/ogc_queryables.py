"""OGC API - Features Part 3, the classes without CQL2: the queryable properties of
``stations`` (``/ogc/collections/stations/queryables``, a JSON Schema) and filtering on
them by query parameters (``status=open,planned``, ``amenities=toilet,microwave``,
``adcode=郑州市``).

- ``status``: one or more statuses, comma-separated; a station matches any of them.
- ``amenities``: codes or Chinese labels, comma-separated; a station matches when it
  has every one (the feature property is the comma-separated list of its codes).
- ``adcode``: a province, city or district by adcode or Chinese name; a station
  matches when its district lies in it.

Values are parsed, never pasted into SQL: the store filters by a status set, an
amenity bit mask and a set of district codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from api.ogc_schema import PROPERTIES
from geo.amenities import split_codes
from geo.errors import StationError, UnknownStatus
from geo.model import Status, parse_status

__all__ = [
    "CONFORMANCE", "FILTER_PARAMS", "QUERYABLES", "PropertyFilters", "parse_property_filters",
    "queryables_document",
]  # fmt: skip

CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
REL: Final = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
FILTER_PARAMS: Final = frozenset({"status", "amenities", "adcode"})
QUERYABLES: Final = ("status", "amenities", "adcode")
_DESCRIPTIONS: Final = {
    "status": "One or more, comma-separated: any of them / 一个或多个状态，任一即可",
    "amenities": "Codes or Chinese labels, comma-separated: all of them / 须全部具备",
    "adcode": "A province, city or district by adcode or Chinese name / 省、市或区县",
}


class PropertyFilters:
    """What the property parameters of an ``/items`` query keep."""

    __slots__ = ("adcodes", "amenities", "statuses")

    def __init__(
        self,
        statuses: frozenset[Status] = frozenset(Status),
        amenities: tuple[str, ...] = (),
        adcodes: frozenset[str] | None = None,
    ) -> None:
        self.statuses = statuses
        self.amenities = amenities
        self.adcodes = adcodes


def queryables_document(*, schema_id: str) -> dict[str, Any]:
    """The queryables as a JSON Schema (2020-12), as Part 3 describes them."""
    props: dict[str, Any] = {
        "geometry": {"format": "geometry-point", "title": "Position (bbox) / 位置"},
    }
    for name in QUERYABLES:
        prop = {k: v for k, v in PROPERTIES[name].items() if k != "nullable"}
        props[name] = prop | {"description": _DESCRIPTIONS[name]}
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


def parse_property_filters(values: Mapping[str, str]) -> tuple[PropertyFilters, list[Problem]]:
    """The filters the ``status``, ``amenities`` and ``adcode`` values ask for, and the
    problems with them (each a 400 entry)."""
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
    return PropertyFilters(statuses, amenities, adcodes), problems
