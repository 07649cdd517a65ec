"""The properties a filter or a sort may name: each with its kind (which comparisons and
literals make sense) and the ``stations`` column it reads.

``amenities`` is a set of codes (stored as a bit mask: the array functions test bits);
``geometry`` is the station's position (spatial functions); ``status`` is a string from
a closed list, so a status the vocabulary does not know is refused, not matched to
nothing. Timestamps are stored as ``YYYY-MM-DDTHH:MM:SSZ`` text (``geo.clock.iso``),
which orders as the moments do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    """What a queryable holds."""

    STRING = "string"
    INTEGER = "integer"
    TIMESTAMP = "timestamp"
    STATUS = "status"
    AMENITIES = "amenities"
    GEOMETRY = "geometry"


@dataclass(frozen=True, slots=True)
class Queryable:
    """One property a filter may name: ``column`` of ``stations`` it reads (None for the
    position, which is ``lon`` and ``lat``)."""

    name: str
    kind: Kind
    column: str | None
    title: str

    @property
    def sortable(self) -> bool:
        """Whether ``sortby`` may name it (a set or a position has no order)."""
        return self.kind not in (Kind.AMENITIES, Kind.GEOMETRY)


def _q(name: str, kind: Kind, title: str, column: str | None = "") -> Queryable:
    return Queryable(name, kind, name if column == "" else column, title)


S, N, T = Kind.STRING, Kind.INTEGER, Kind.TIMESTAMP
QUERYABLES: Final[dict[str, Queryable]] = {
    q.name: q
    for q in (
        _q("geometry", Kind.GEOMETRY, "Position (CRS84) / 位置", None),
        _q("id", N, "Station id / 站点编号"),
        _q("name", S, "Name / 名称"),
        _q("external_id", S, "Id in the source registry / 外部编号"),
        _q("address", S, "Address / 地址"),
        _q("district", S, "District / 区县"),
        _q("adcode", S, "District's adcode / 区县行政区划代码"),
        _q("city", S, "City / 城市"),
        _q("city_adcode", S, "City's adcode / 城市行政区划代码"),
        _q("province", S, "Province / 省份"),
        _q("province_adcode", S, "Province's adcode / 省级行政区划代码"),
        _q("host", S, "Host organisation / 依托单位"),
        _q("phone", S, "Phone / 电话"),
        _q("status", Kind.STATUS, "Status / 状态"),
        _q("amenities", Kind.AMENITIES, "Amenity codes / 服务设施", "amenity_mask"),
        _q("car_parking_spaces", N, "Car parking spaces / 汽车停车位"),
        _q("motorcycle_parking_spaces", N, "Motorcycle parking spaces / 电动车停车位"),
        _q("ev_charging_piles", N, "EV charging piles / 充电桩"),
        _q("opening_hours", S, "Opening hours as written / 开放时间"),
        _q("opening_hours_osm", S, "Opening hours, OSM syntax / 开放时间（OSM 格式）"),
        _q("created_at", T, "Added (UTC) / 创建时间"),
        _q("updated_at", T, "Last changed (UTC) / 更新时间"),
    )
}
SORTABLE: Final = tuple(name for name, q in QUERYABLES.items() if q.sortable)
