"""What a map of a site plan draws, as data: the coverage before the plan, the area the
chosen sites newly cover, and the demand points they newly cover.

The coverage before is :func:`geo.coverage.compute.compute_coverage` of the open
stations offering the plan's amenities (the same figures and geometries as a coverage
map). The newly covered area is the chosen sites' discs, drawn the same way, less what
the stations already cover: a drawing (simplified to ~15 m), not a figure. The figures
(gains, before and after per district) are the plan's own (:class:`SitesResult`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.coverage import open_stations_near
from geo.coverage.compute import CoverageResult, StationPoints, compute_coverage
from geo.coverage.discs import polygonal
from geo.coverage.params import AmenityFilter
from geo.planning.sites import SitesResult
from geo.registry import Registry

__all__ = ["SitesMap", "sites_map_data"]


@dataclass(frozen=True, eq=False)
class SitesMap:
    """A site plan and what its map draws.

    ``coverage`` is the coverage before the plan (with its stations; with the demand
    when the plan's demand came from a file); ``newly`` the area only the chosen sites
    cover (WGS84, simplified for drawing); ``new_demand`` the indices of the demand
    points the sites newly cover (empty for an even demand, which the area shows).
    """

    plan: SitesResult
    coverage: CoverageResult
    newly: BaseGeometry
    new_demand: np.ndarray


def _valid(geom: BaseGeometry) -> BaseGeometry:
    """A drawn geometry made valid for an overlay (rounding for display can make two
    of its rings touch)."""
    return geom if shapely.is_valid(geom) else polygonal(shapely.make_valid(geom))


def sites_map_data(registry: Registry, plan: SitesResult) -> SitesMap:
    """The layers of a map of `plan`, from the registry's open stations now."""
    flt = AmenityFilter(plan.amenities)
    r = plan.radius_m
    stations = open_stations_near(registry, plan.area, r)
    demand = plan.demand if plan.demand_kind == "file" else None
    before = compute_coverage(
        plan.area, StationPoints.from_stations(stations), filters=[flt], radii=[r], demand=demand
    )
    before = dataclasses.replace(before, stations=tuple(stations))
    chosen = np.array(plan.plan.sites, dtype=np.int64)
    sites = compute_coverage(
        plan.area,
        StationPoints.from_lonlat(plan.candidates.lon[chosen], plan.candidates.lat[chosen]),
        filters=[AmenityFilter(())],
        radii=[r],
    )
    covered_by_sites = sites.layers[0].covered
    covered_before = before.layers[0].covered
    newly = (
        polygonal(shapely.difference(_valid(covered_by_sites), _valid(covered_before)))
        if not covered_by_sites.is_empty
        else covered_by_sites
    )
    new_demand = (
        np.flatnonzero(plan.first_rank > 0) if demand is not None else np.zeros(0, np.int64)
    )
    return SitesMap(plan, before, newly, new_demand)
