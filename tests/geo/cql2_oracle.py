"""The CQL2 oracle: a cql2-json filter evaluated on each station in plain Python, the
standard read literally, with SQL's three-valued logic (None: not known).

Deliberately independent of ``geo.filters``: it reads the raw cql2-json, compares
timestamps as datetimes (not the store's whole-second strings), turns LIKE patterns
into regular expressions, and measures distances with one ``Geod.inv`` per station.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import box, shape

from geo.model import Station
from tests.factories import GEOD

Truth = bool | None


def _value(station: Station, name: str) -> Any:
    if name == "amenities":
        return set(station.amenities)
    if name == "status":
        return station.status.value
    value = getattr(station, name)
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _literal(j: Any) -> Any:
    if isinstance(j, dict) and "timestamp" in j:
        return datetime.fromisoformat(j["timestamp"]).astimezone(UTC)
    return j


def _operand(station: Station, j: Any) -> Any:
    if isinstance(j, dict) and "property" in j:
        return _value(station, j["property"])
    return _literal(j)


def _like(text: str, pattern: str) -> bool:
    regex, chars = [], iter(pattern)
    for ch in chars:
        if ch == "\\":
            regex.append(re.escape(next(chars, "\\")))
        else:
            regex.append({"%": ".*", "_": "."}.get(ch) or re.escape(ch))
    return re.fullmatch("".join(regex), text, flags=re.DOTALL) is not None


def _geometry(j: dict[str, Any]) -> Any:
    return box(*j["bbox"]) if "bbox" in j else shapely.force_2d(shape(j))


def _and(values: list[Truth]) -> Truth:
    return False if False in values else (None if None in values else True)


def _or(values: list[Truth]) -> Truth:
    return True if True in values else (None if None in values else False)


def evaluate(j: Any, station: Station) -> Truth:
    """Whether ``station`` meets the cql2-json filter ``j``."""
    if isinstance(j, bool):
        return j
    op, args = j["op"].lower(), j["args"]
    if op == "and":
        return _and([evaluate(a, station) for a in args])
    if op == "or":
        return _or([evaluate(a, station) for a in args])
    if op == "not":
        inner = evaluate(args[0], station)
        return None if inner is None else not inner
    if op == "isnull":
        return _operand(station, args[0]) is None
    if op in ("=", "<>", "<", ">", "<=", ">="):
        a, b = _operand(station, args[0]), _operand(station, args[1])
        if a is None or b is None:
            return None
        return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op == "like":
        a = _operand(station, args[0])
        return None if a is None else _like(a, args[1])
    if op == "between":
        a = _operand(station, args[0])
        return None if a is None else _literal(args[1]) <= a <= _literal(args[2])
    if op == "in":
        a = _operand(station, args[0])
        return None if a is None else a in [_literal(v) for v in args[1]]
    if op.startswith("s_") and op != "s_dwithin":
        point = shapely.Point(station.lon, station.lat)
        a, b = args
        geom_a = point if "property" in a else _geometry(a)
        geom_b = point if "property" in b else _geometry(b)
        return bool(getattr(shapely, op[2:])(geom_a, geom_b))
    if op == "s_dwithin":
        centre = args[1]["coordinates"]
        unit = args[3]["property"] if len(args) == 4 else "meters"
        metres = args[2] * (1000.0 if unit.startswith("k") else 1.0)
        return GEOD.inv(centre[0], centre[1], station.lon, station.lat)[2] <= metres
    if op.startswith("a_"):
        a, b = (set(x) if isinstance(x, list) else _operand(station, x) for x in args)
        return {
            "a_contains": a >= b, "a_containedby": a <= b, "a_equals": a == b,
            "a_overlaps": bool(a & b),
        }[op]  # fmt: skip
    raise ValueError(f"the oracle does not know {op!r}")


def matching(j: Any, stations: list[Station]) -> set[int]:
    """The ids of the stations the filter keeps (true, not unknown)."""
    return {s.id for s in stations if evaluate(j, s) is True}
