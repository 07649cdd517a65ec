"""Coverage of a city or its districts by stations offering what workers need.

- :mod:`geo.coverage.area`: the study area (city, districts, bbox) and its equal-area CRS;
- :mod:`geo.coverage.params`: amenity filters and service radii;
- :mod:`geo.coverage.compute`: the figures and the geometries to draw;
- :mod:`geo.coverage.demand`: weighted demand points from CSV/GeoJSON;
- :mod:`geo.coverage.table`: the figures as rows, CSV, JSON and XLSX.

:func:`build_coverage` runs the whole question against a registry; it knows nothing of
maps or HTTP (``maps/`` draws its result, ``api/`` and ``cli/`` call it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Final

from geo.coverage.area import StudyArea, equal_area_crs, resolve_area
from geo.coverage.compute import (
    DEFAULT_SIMPLIFY_M,
    CoverageLayer,
    CoverageResult,
    DemandPoints,
    DistrictFigures,
    FilterFigures,
    RadiusFigures,
    StationPoints,
    compute_coverage,
)
from geo.coverage.params import AmenityFilter, parse_filters, parse_radii
from geo.model import Station, Status, utc_now
from geo.registry import Registry
from geo.reports.kinds import parse_kinds

__all__ = [
    "OVERVIEW_DISTRICTS",
    "OVERVIEW_STATIONS",
    "AmenityFilter",
    "CoverageLayer",
    "CoverageResult",
    "DemandPoints",
    "DistrictFigures",
    "FilterFigures",
    "RadiusFigures",
    "StationPoints",
    "StudyArea",
    "build_coverage",
    "compute_coverage",
    "equal_area_crs",
    "open_stations_near",
    "parse_filters",
    "parse_radii",
    "resolve_area",
]

_ALL = 10**9  # "no limit" for a listing: a city has tens of thousands at most
# Beyond either, a map is an overview: districts coloured by their figures, no station
# and no covered area drawn (a province's would be tens of MB and minutes to draw).
OVERVIEW_STATIONS: Final = 20_000
OVERVIEW_DISTRICTS: Final = 60
OVERVIEW_DETAIL: Final = 3_000  # an overview's outlines keep ~1/3000 of the area's extent


def overview_tolerance_m(area: StudyArea) -> float:
    """How far an overview's district outlines may be simplified: 1/3000 of the area's
    extent (a province's ~200 m, the country's ~1.7 km), at least the detail maps' 15 m."""
    x0, y0, x1, y1 = area.bounds
    mid = math.radians((y0 + y1) / 2)
    extent_m = 111_320.0 * max((x1 - x0) * math.cos(mid), y1 - y0)
    return max(DEFAULT_SIMPLIFY_M, extent_m / OVERVIEW_DETAIL)


def open_stations_near(registry: Registry, area: StudyArea, margin_m: float) -> list[Station]:
    """Open stations within `margin_m` metres (at least) of the area's bbox."""
    page = registry.list_stations(
        bbox=area.expanded_bounds(margin_m),
        statuses=frozenset({Status.OPEN}),
        limit=_ALL,
        offset=0,
    )
    return page.items


def build_coverage(
    registry: Registry,
    *,
    city: str,
    district: str | None = None,
    amenities: str | Sequence[str] | None = None,
    radius_m: str | Sequence[float | str] | None = None,
    demand: DemandPoints | None = None,
    exclude_confirmed: str | Sequence[str] | None = None,
    overview: bool | None = None,
    drawing: bool = True,
) -> CoverageResult:
    """Validate a coverage question and answer it from the registry's open stations.

    Parameters are as the CLI and the API take them: `city` a city or a bbox
    (:func:`~geo.coverage.area.resolve_area`), `district` comma-separated names or
    adcodes, `amenities` filters (``;`` between filters, ``,`` between codes of one
    filter), `radius_m` comma-separated metres, `exclude_confirmed` report kinds: stations
    with a report of one of them confirmed within the kind's lifetime are left out
    (:meth:`~geo.storage.base.ReportRecords.confirmed_stations`). Every parameter is
    validated before any station is read. `overview` (default: when the area has more
    than :data:`OVERVIEW_STATIONS` open stations or :data:`OVERVIEW_DISTRICTS`
    districts) keeps figures and coarser district outlines only: no stations, no covered
    area to draw (:attr:`CoverageResult.overview`). Without `drawing`, the layers are
    left empty: figures only, for a table.

    Raises
    ------
    InvalidParameter, UnknownAmenity
        For a bad city, bbox, district, radius or filter.
    """
    filters = parse_filters(amenities)
    radii = parse_radii(radius_m)
    area = resolve_area(city, district)
    left_out = [k.code for k in parse_kinds(exclude_confirmed, field="exclude_confirmed")]
    stations = open_stations_near(registry, area, max(radii))
    if left_out:
        gone = registry.store.confirmed_stations(left_out, utc_now())
        stations = [s for s in stations if s.id not in gone]
    if overview is None:
        overview = len(stations) > OVERVIEW_STATIONS or len(area.districts) > OVERVIEW_DISTRICTS
    result = compute_coverage(
        area,
        StationPoints.from_stations(stations),
        filters=filters,
        radii=radii,
        demand=demand,
        simplify_m=overview_tolerance_m(area) if overview else DEFAULT_SIMPLIFY_M,
        overview=overview,
        drawing=drawing,
    )
    return result if overview else dataclasses.replace(result, stations=tuple(stations))
