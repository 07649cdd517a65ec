"""Where to build next: the planner's question, asked of a registry.

:func:`plan_sites` chooses up to N sites covering the most demand weight within a
radius (:func:`geo.planning.mclp.solve_sites`), counting as already covered what open
stations offering the asked amenities reach. Candidates come from a planner's file
(:mod:`geo.planning.candidate_file`), from the open stations that lack the amenities
(which stations with parking should get EV piles), or from a grid over the area;
demand from weighted points (``coverage --demand``), or spread evenly over the area.
The answer (:meth:`SitesResult.as_dict`) is what ``stationfinder plan sites`` prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import shapely

from geo.amenities import mask_of
from geo.coverage import (
    StudyArea,
    equal_area_crs,
    open_stations_near,
    parse_filters,
    resolve_area,
)
from geo.coverage.compute import DemandPoints
from geo.errors import InvalidParameter
from geo.places import locate
from geo.planning.candidate_file import Candidates
from geo.planning.candidates import candidate_grid, uniform_demand
from geo.planning.cover import check_radius, coverage_matrix, covered_by
from geo.planning.mclp import DEFAULT_TIME_LIMIT_S, SitePlan, solve_sites
from geo.registry import Registry

__all__ = ["SitesResult", "plan_sites"]

GRID_POINTS: Final = 8_000  # default candidate grid: about this many points
DEMAND_POINTS: Final = 150_000  # default uniform demand: about this many points


@dataclass(frozen=True, eq=False)
class SitesResult:
    """A site plan with what it was asked and where its sites are.

    ``demand`` is the demand the plan weighed (inside the area; an even lattice when
    no file was given) and ``first_rank`` says of each point who covers it: ``-1`` an
    existing station, ``k >= 1`` the site of rank k (the first in rank order whose disc
    holds it, so the points of rank k weigh its ``gain_weight``), ``0`` nobody.
    """

    area: StudyArea
    amenities: tuple[str, ...]
    radius_m: float
    candidates: Candidates
    demand_kind: str  # "file" or "uniform" (weights in km²)
    demand_outside: int  # demand points of the file outside the area, left out
    plan: SitePlan
    districts: list[dict[str, Any]]
    adcodes: tuple[str | None, ...]  # of each chosen site, rank order
    demand: DemandPoints
    first_rank: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer (positions WGS84)."""
        p, c = self.plan, self.candidates
        sites = [
            {
                "rank": rank,
                "name": c.names[j],
                "lon": round(float(c.lon[j]), 7),
                "lat": round(float(c.lat[j]), 7),
                "adcode": self.adcodes[rank - 1],
                "gain_weight": round(gain, 6),
                **({"row": c.rows[j]} if c.source == "file" else {}),
            }
            for rank, (j, gain) in enumerate(zip(p.sites, p.gains, strict=True), start=1)
        ]
        return {
            "area": {"name": self.area.name, "name_en": self.area.name_en,
                     "adcode": self.area.adcode},
            "amenities": list(self.amenities),
            "radius_m": self.radius_m,
            "count": p.requested,
            "candidates": {"source": c.source, "count": len(c), "datum": c.datum,
                           "datum_source": c.datum_source, "skipped": c.skipped,
                           "skipped_count": c.skipped_count},
            "demand": self.demand_kind,
            "demand_outside": self.demand_outside,
            "sites": sites,
            "covered_weight": round(p.covered_weight, 6),
            "existing_covered_weight": round(p.existing_covered_weight, 6),
            "total_weight": round(p.total_weight, 6),
            "curve": [round(v, 6) for v in p.curve],
            "optimal": p.optimal,
            "gap": round(p.gap, 6),
            "method": p.method,
            "shortfall": p.shortfall,
            "districts": self.districts,
        }  # fmt: skip


def _area(city: str | None, district: str | None, points: list[tuple[np.ndarray, np.ndarray]],
          margin_m: float) -> StudyArea:  # fmt: skip
    if city is not None:
        return resolve_area(city, district)
    lons = np.concatenate([x for x, _ in points]) if points else np.zeros(0)
    lats = np.concatenate([y for _, y in points]) if points else np.zeros(0)
    if not len(lons):
        raise InvalidParameter(
            "say where to plan: --city (an adcode or a Chinese name), or a demand or "
            "candidates file whose extent is the area",
            "请指定规划范围：--city（行政区划代码或中文名），或提供需求点、候选点文件，以其范围为准",
            details=[{"parameter": "city"}],
        )
    pad = margin_m / 111_000.0
    box = (lons.min() - pad, lats.min() - pad, lons.max() + pad, lats.max() + pad)
    return resolve_area(",".join(f"{v:.6f}" for v in box))


def _spacing(area_km2: float, points: int, floor_m: float) -> float:
    """A grid spacing giving about `points` points over the area, at least `floor_m`."""
    return max(floor_m, math.ceil(math.sqrt(area_km2 * 1e6 / points) / 10) * 10)


def _inside(outline: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.contains_xy(outline, lon, lat), dtype=bool)


def plan_sites(
    registry: Registry,
    *,
    count: int,
    radius_m: float,
    city: str | None = None,
    district: str | None = None,
    amenities: str | None = None,
    candidates: Candidates | None = None,
    from_stations: bool = False,
    grid_m: float | None = None,
    demand: DemandPoints | None = None,
    demand_grid_m: float | None = None,
    method: str = "auto",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> SitesResult:
    """Choose up to `count` new sites (see the module docstring).

    Raises
    ------
    InvalidParameter
        Bad count, radius, method, amenities; two candidate sources; no area; grids too
        fine for the area (the messages say which spacing fits).
    """
    r = check_radius(radius_m)
    if sum((candidates is not None, from_stations, grid_m is not None)) > 1:
        raise InvalidParameter(
            "give one source of candidate sites: a file, --from-stations, or a grid",
            "候选站址只能有一种来源：文件、--from-stations 或网格",
            details=[{"parameter": "candidates"}],
        )
    filters = parse_filters(amenities)
    if len(filters) > 1:  # coverage takes several filters; a plan is for one
        raise InvalidParameter(
            f"amenities={amenities!r}: a plan is for one set of amenities (no ';')",
            f"amenities={amenities!r}：一次规划只能针对一组设施（不能用“;”分隔多组）",
            details=[{"parameter": "amenities", "value": str(amenities)[:80]}],
        )
    (flt,) = filters or parse_filters(None)
    pts = [(d.lon, d.lat) for d in (demand, candidates) if d is not None]
    area = _area(city, district, pts, r)
    stations = open_stations_near(registry, area, r)
    has = np.array([(mask_of(s.amenities) & flt.mask) == flt.mask for s in stations], dtype=bool)
    s_lon = np.array([s.lon for s in stations], dtype=np.float64)
    s_lat = np.array([s.lat for s in stations], dtype=np.float64)
    outline = shapely.union_all(area.districts.geometry.to_numpy())
    area_km2 = float(area.districts.to_crs(equal_area_crs(area)).area.sum()) / 1e6
    if candidates is None:
        candidates = (
            _stations_lacking(stations, has, outline)
            if from_stations
            else _grid(
                outline, grid_m if grid_m is not None else _spacing(area_km2, GRID_POINTS, r / 4)
            )
        )
    if demand is None:
        spacing = (
            demand_grid_m if demand_grid_m is not None else _spacing(area_km2, DEMAND_POINTS, 50.0)
        )
        demand = uniform_demand(outline, spacing)
        kind, outside = "uniform", 0
    else:
        inside = _inside(outline, demand.lon, demand.lat)
        outside = int((~inside).sum())  # said in the answer, not silently dropped
        demand = DemandPoints(demand.lon[inside], demand.lat[inside], demand.weight[inside],
                              demand.datum, demand.datum_source)  # fmt: skip
        kind = "file"
    cover = coverage_matrix(demand.lon, demand.lat, candidates.lon, candidates.lat, r)
    existing = covered_by(demand.lon, demand.lat, s_lon[has], s_lat[has], r)
    plan = solve_sites(cover, demand.weight, existing, count, method=method,
                       time_limit_s=time_limit_s)  # fmt: skip
    chosen = np.array(plan.sites, dtype=np.int64)
    places = locate(candidates.lon[chosen].tolist(), candidates.lat[chosen].tolist())
    first = _first_rank(cover, chosen, existing)
    return SitesResult(
        area, flt.codes, r, candidates, kind, outside, plan,
        _by_district(area, demand, existing, first != 0),
        tuple(None if p is None else p.adcode for p in places), demand, first,
    )  # fmt: skip


def _first_rank(cover: Any, chosen: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """Per demand point: -1 covered by a station, k the first chosen site (rank k)
    whose disc holds it, 0 nobody."""
    first = np.where(existing, -1, 0).astype(np.int32)
    columns = cover.tocsc()
    for rank, j in enumerate(chosen.tolist(), start=1):
        rows = columns.indices[columns.indptr[j] : columns.indptr[j + 1]]
        rows = rows[first[rows] == 0]
        first[rows] = rank
    return first


def _grid(outline: Any, spacing_m: float) -> Candidates:
    lon, lat = candidate_grid(outline, spacing_m)
    names = tuple(f"网格点 {i + 1}" for i in range(len(lon)))
    return Candidates(lon, lat, names, (0,) * len(lon), "grid")


def _stations_lacking(stations: list[Any], has: np.ndarray, outline: Any) -> Candidates:
    idx = np.flatnonzero(~has).tolist()
    lon = np.array([stations[i].lon for i in idx], dtype=np.float64)
    lat = np.array([stations[i].lat for i in idx], dtype=np.float64)
    inside = _inside(outline, lon, lat) if len(idx) else np.zeros(0, dtype=bool)
    keep = [i for i, ok in zip(idx, inside.tolist(), strict=True) if ok]
    if not keep:
        raise InvalidParameter(
            "no open station in the area lacks these amenities: nothing to upgrade",
            "范围内没有缺少这些设施的开放驿站：无可升级的站点",
            details=[{"parameter": "from_stations"}],
        )
    return Candidates(
        np.array([stations[i].lon for i in keep]), np.array([stations[i].lat for i in keep]),
        tuple(stations[i].name for i in keep), tuple(stations[i].id for i in keep), "stations",
    )  # fmt: skip


def _by_district(
    area: StudyArea, demand: DemandPoints, before: np.ndarray, after: np.ndarray
) -> list[dict[str, Any]]:
    rows = []
    for d in area.districts.itertuples():
        inside = np.asarray(shapely.contains_xy(d.geometry, demand.lon, demand.lat), dtype=bool)
        w = demand.weight[inside]
        total = float(w.sum())
        rows.append({
            "adcode": d.adcode, "name": d.name, "name_en": d.name_en,
            "total_weight": round(total, 6),
            "covered_before": round(float(w[before[inside]].sum()), 6),
            "covered_after": round(float(w[after[inside]].sum()), 6),
        })  # fmt: skip
    return rows
