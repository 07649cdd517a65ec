"""Stations to rows of ``stations`` and back (both backends).

Every nearest answer builds k stations from rows (:func:`station_of_row`), so that
path avoids every cost it can; the others are for writes and listings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import sqlalchemy as sa

from geo.amenities import codes_of, mask_of
from geo.clock import iso as iso  # a timestamp as stored
from geo.errors import DuplicateExternalId
from geo.model import STATION_FIELD_ORDER, Station, StationData, Status, stored_station
from geo.textsearch import search_grams

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# The fields of StationData stored in a column of their own name, as they are.
DATA_FIELDS: Final = tuple(
    f for f in StationData.model_fields if f not in ("lon", "lat", "amenities")
)

# The columns of ``stations`` in the order of Station's fields (amenities: the mask).
STATION_COLUMNS: Final = tuple(
    "amenity_mask" if f == "amenities" else f for f in STATION_FIELD_ORDER
)
# Station fields by column of ``stations`` (the amenity codes are stored as a mask).
FIELD_OF: Final = {c: "amenities" if c == "amenity_mask" else c for c in STATION_COLUMNS}


@lru_cache(maxsize=1024)  # the stations of one import share their timestamps
def parse_ts(text: str) -> datetime:
    """A stored timestamp read back; ValueError if it is not one."""
    if not _TIMESTAMP.match(text):
        raise ValueError(f"timestamp {text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    try:
        return datetime.fromisoformat(text)  # 'Z' gives UTC (Python 3.11+)
    except ValueError as exc:
        raise ValueError(f"timestamp {text!r} is not a date and time: {exc}") from None


def row_values(data: StationData) -> dict[str, Any]:
    """The stored columns of a station's data, by column name (timestamps aside)."""
    values = {f: getattr(data, f) for f in DATA_FIELDS}
    values["status"] = data.status.value
    values["lon"], values["lat"] = data.lon, data.lat
    values["amenity_mask"] = mask_of(data.amenities)
    values["search_grams"] = search_grams(data.name, data.address)
    return values


def station(row: sa.Row[Any]) -> Station:
    """A Station from a row of ``stations`` as SQLAlchemy reads it."""
    return station_of(row._mapping)


def station_of(m: Mapping[Any, Any]) -> Station:
    """A Station from a row of ``stations`` given as column name -> value."""
    return station_of_row(tuple(m[c] for c in STATION_COLUMNS))


def station_of_row(row: Sequence[Any]) -> Station:
    """A Station from a row of ``stations`` read as :data:`STATION_COLUMNS`.

    Every nearest answer builds k of these: one dict from the row (in field order, as
    ``stored_station`` needs), then the four values stored in another form.
    """
    values = dict(zip(STATION_FIELD_ORDER, row, strict=True))
    values["amenities"] = codes_of(row[_AT_AMENITIES])
    values["status"] = _STATUS.get(row[_AT_STATUS]) or Status(row[_AT_STATUS])
    values["created_at"] = parse_ts(row[_AT_CREATED])
    values["updated_at"] = parse_ts(row[_AT_UPDATED])
    return stored_station(values, checked=True)


_AT_AMENITIES, _AT_STATUS, _AT_CREATED, _AT_UPDATED = (
    STATION_FIELD_ORDER.index(f) for f in ("amenities", "status", "created_at", "updated_at")
)
_STATUS: Final = {s.value: s for s in Status}


def readable_station(row: sa.Row[Any]) -> Station:
    """A row as a Station, raising ValueError/TypeError if it is damaged in a way a
    reader (an export) would trip over: timestamps, status and amenities are checked by
    ``station_of_row``; here also the coordinates (SQLite stores any value in any
    column, so a hand-edited ``lon`` can be text)."""
    found = station(row)
    for value in (found.lon, found.lat):
        if type(value) is not float or not math.isfinite(value):
            raise ValueError(f"coordinate {value!r} is not a finite number")
    return found


def duplicate(data: StationData) -> DuplicateExternalId:
    """The error for a station whose external id is taken in its district."""
    named = f"{data.district or ''} ({data.adcode})".lstrip()
    where = f"district {named}" if data.adcode else "stations outside mainland China"
    where_zh = f"{named}内的" if data.adcode else "中国大陆以外的"
    return DuplicateExternalId(
        f"external_id {data.external_id!r} is already used by another station in {where}",
        f"外部编号 {data.external_id!r} 已被{where_zh}其他站点使用",
        details=[
            {
                "field": "external_id",
                "value": data.external_id,
                "adcode": data.adcode,
                "reason": "taken_in_district",
            }
        ],
    )
