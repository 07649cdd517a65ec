"""The brute-force oracle of the along-route tests, and the routes and stations they draw.

The oracle knows nothing of foot points or the index: it samples every segment of the
route every metre with ``Geod.inv_intermediate`` (which solves the geodesic between the
two vertices itself) and measures every station to every sample. Its distances are
exact at the samples, so the true distance to the route lies between the oracle's
minimum minus half a sample spacing and the oracle's minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from hypothesis import strategies as st

from geo.hours import is_open_at
from geo.index import IndexEntry
from geo.model import Status
from tests.factories import GEOD, HOURS, masks

SPACING_M = 1.0  # oracle sample spacing
HALF = SPACING_M / 2
EXACT_M = 1e-3  # what the foot-point iteration may be above the true minimum (0.1 mm)


# -- the oracle ------------------------------------------------------------------------


@dataclass(frozen=True)
class Samples:
    lon: np.ndarray[Any, Any]
    lat: np.ndarray[Any, Any]
    along: np.ndarray[Any, Any]
    segment: np.ndarray[Any, Any]


def sample_route(lon: list[float], lat: list[float], spacing_m: float = SPACING_M) -> Samples:
    """Points every ``spacing_m`` or less along each segment, both ends included."""
    lons: list[float] = []
    lats: list[float] = []
    along: list[float] = []
    segment: list[int] = []
    start = 0.0
    for j in range(len(lon) - 1):
        length = GEOD.inv(lon[j], lat[j], lon[j + 1], lat[j + 1])[2]
        n = max(2, math.ceil(length / spacing_m) + 1)
        r = GEOD.inv_intermediate(
            lon[j], lat[j], lon[j + 1], lat[j + 1], npts=n, initial_idx=0, terminus_idx=0,
            return_back_azimuth=True,
        )  # fmt: skip
        lons += list(r.lons)
        lats += list(r.lats)
        along += [start + i * length / (n - 1) for i in range(n)]
        segment += [j] * n
        start += length
    return Samples(np.array(lons), np.array(lats), np.array(along), np.array(segment))


def station_distances(samples: Samples, e: IndexEntry) -> np.ndarray[Any, Any]:
    n = len(samples.lon)
    return np.asarray(GEOD.inv(np.full(n, e.lon), np.full(n, e.lat), samples.lon, samples.lat)[2])


def passes(e: IndexEntry, mask: int, statuses: frozenset[Status], open_at: datetime | None) -> bool:
    if e.mask & mask != mask or e.status not in statuses:
        return False
    return open_at is None or (e.hours_osm is not None and is_open_at(e.hours_osm, open_at) is True)


def unambiguous_width(
    samples: Samples, distances: dict[int, np.ndarray[Any, Any]], width_m: float
) -> float:
    """``width_m`` moved until no segment's nearest approach, and no vertex, lies within
    a metre of it: there the oracle's samples could not tell inside from outside."""
    critical = []
    for d in distances.values():
        for j in np.unique(samples.segment):
            on = d[samples.segment == j]
            critical += [on.min(), on[0], on[-1]]
    values = np.asarray(critical)
    for _ in range(1000):
        if values.size == 0 or np.abs(values - width_m).min() > 1.0:
            return width_m
        width_m += 2.1
    raise AssertionError("no unambiguous width")


# -- strategies ------------------------------------------------------------------------


@st.composite
def routes(
    draw: Any, max_vertices: int = 10, max_step_m: float = 400.0
) -> list[tuple[float, float]]:
    """Random walks that turn, stop (repeated vertices) and double back."""
    lon = draw(st.floats(100.0, 121.0))
    lat = draw(st.floats(22.0, 45.0))
    points = [(lon, lat)]
    for _ in range(draw(st.integers(1, max_vertices - 1))):
        kind = draw(st.sampled_from(["step", "step", "step", "stay", "back", "near_back"]))
        if kind == "stay":  # a zero-length segment
            points.append(points[-1])
        elif kind in ("back", "near_back") and len(points) >= 2:
            back = draw(st.sampled_from(points[:-1]))  # exactly over an earlier vertex
            if kind == "near_back":
                az, dist = draw(st.floats(0, 360)), draw(st.floats(0, 30))
                x, y, _ = GEOD.fwd(back[0], back[1], az, dist)
                back = (float(x), float(y))
            points.append(back)
        else:
            az, dist = draw(st.floats(0, 360)), draw(st.floats(0, max_step_m))
            x, y, _ = GEOD.fwd(points[-1][0], points[-1][1], az, dist)
            points.append((float(x), float(y)))
    return points


@st.composite
def stations_near(
    draw: Any, route: list[tuple[float, float]], width_m: float, max_size: int = 30
) -> list[IndexEntry]:
    """Stations on the route, beside it, around it and far from it."""
    samples = sample_route([p[0] for p in route], [p[1] for p in route], spacing_m=50.0)
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n, unique=True))
    out: list[IndexEntry] = []
    for sid in ids:
        i = draw(st.integers(0, len(samples.lon) - 1))
        where = draw(st.sampled_from(["beside", "beside", "on", "around", "twin"]))
        if where == "twin" and out:
            twin = draw(st.sampled_from(out))
            lon, lat = twin.lon, twin.lat
        elif where == "on":
            lon, lat = float(samples.lon[i]), float(samples.lat[i])
        else:
            reach = 2 * width_m if where == "beside" else 3000.0
            az, dist = draw(st.floats(0, 360)), draw(st.floats(0, reach))
            x, y, _ = GEOD.fwd(samples.lon[i], samples.lat[i], az, dist)
            lon, lat = float(x), float(y)
        out.append(
            IndexEntry(
                id=sid,
                lon=lon,
                lat=lat,
                mask=draw(masks()),
                status=draw(st.sampled_from([Status.OPEN] * 6 + list(Status))),
                hours_osm=draw(st.sampled_from(HOURS)),
            )
        )
    return out
