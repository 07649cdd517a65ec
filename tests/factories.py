"""Test factories and the brute-force oracle, in one place.

The oracle is deliberately naive: one scalar ``Geod.inv`` call per station, a plain
Python filter, a sort on (distance, id). The index must give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypothesis import strategies as st
from pyproj import Geod

from geo.amenities import AMENITIES
from geo.hours import is_open_at
from geo.index import IndexEntry
from geo.model import Status

GEOD = Geod(ellps="WGS84")
N_BITS = len(AMENITIES)

# Opening hours as the index keeps them (already OSM syntax); None = unknown hours.
HOURS = (
    None,
    "24/7",
    "08:00-20:00",
    "Mo-Fr 09:00-17:00",
    "Mo-Fr 08:30-17:30; Sa,Su 09:00-16:00",
    "20:00-08:00",
    "Mo-Su 06:00-22:00; PH off",
)


@dataclass(frozen=True)
class Expected:
    id: int
    distance_m: float
    bearing_deg: float


def brute_force(
    entries: Iterable[IndexEntry],
    lon: float,
    lat: float,
    *,
    k: int,
    mask: int = 0,
    max_distance_m: float | None = None,
    statuses: frozenset[Status] = frozenset({Status.OPEN}),
    open_at: datetime | None = None,
) -> list[Expected]:
    """The exact answer by scanning every station."""
    found = []
    for e in entries:
        if e.mask & mask != mask or e.status not in statuses:
            continue
        if open_at is not None and (
            e.hours_osm is None or is_open_at(e.hours_osm, open_at) is not True
        ):
            continue
        az, _, dist = GEOD.inv(lon, lat, e.lon, e.lat)
        if max_distance_m is not None and dist > max_distance_m:
            continue
        found.append(Expected(e.id, dist, az % 360.0))
    found.sort(key=lambda x: (x.distance_m, x.id))
    return found[:k]


# -- hypothesis strategies ------------------------------------------------------------

# Inside mainland China, clear of the borders.
china_lon = st.floats(min_value=98.0, max_value=122.0)
china_lat = st.floats(min_value=22.0, max_value=45.0)


@st.composite
def masks(draw: Any, rare_bits: tuple[int, ...] = (6, 7, 16)) -> int:
    """An amenity mask: each common amenity half the time, a rare one about 1 in 50."""
    rare = 0
    for bit in rare_bits:
        rare |= 1 << bit
    mask = draw(st.integers(0, (1 << N_BITS) - 1)) & ~rare
    pick = draw(st.integers(0, 49))
    if pick < len(rare_bits):
        mask |= 1 << rare_bits[pick]
    return mask


@st.composite
def registries(draw: Any, max_size: int = 120) -> list[IndexEntry]:
    """Random registries: a cluster, a country-wide scatter, and stacked duplicates."""
    n = draw(st.integers(0, max_size))
    centre_lon, centre_lat = draw(china_lon), draw(china_lat)
    spread = draw(st.sampled_from([0.001, 0.02, 0.5, 8.0]))
    entries: list[IndexEntry] = []
    ids = draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n, unique=True))
    for sid in ids:
        if entries and draw(st.integers(0, 9)) == 0:  # same place as an earlier station
            twin = draw(st.sampled_from(entries))
            lon, lat = twin.lon, twin.lat
        else:
            lon = centre_lon + draw(st.floats(-spread, spread))
            lat = min(89.0, max(-89.0, centre_lat + draw(st.floats(-spread, spread))))
        entries.append(
            IndexEntry(
                id=sid,
                lon=lon,
                lat=lat,
                mask=draw(masks()),
                status=draw(st.sampled_from([Status.OPEN] * 8 + list(Status))),
                hours_osm=draw(st.sampled_from(HOURS)),
            )
        )
    return entries


query_times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
