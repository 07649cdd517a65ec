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
from collections.abc import Sequence

from geo.coverage.area import StudyArea, equal_area_crs, resolve_area
from geo.coverage.compute import (
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
) -> CoverageResult:
    """Validate a coverage question and answer it from the registry's open stations.

    Parameters are as the CLI and the API take them: `city` a city or a bbox
    (:func:`~geo.coverage.area.resolve_area`), `district` comma-separated names or
    adcodes, `amenities` filters (``;`` between filters, ``,`` between codes of one
    filter), `radius_m` comma-separated metres, `exclude_confirmed` report kinds: stations
    with a report of one of them confirmed within the kind's lifetime are left out
    (:meth:`~geo.storage.base.ReportRecords.confirmed_stations`). Every parameter is
    validated before any station is read.

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
    result = compute_coverage(
        area, StationPoints.from_stations(stations), filters=filters, radii=radii, demand=demand
    )
    return dataclasses.replace(result, stations=tuple(stations))
