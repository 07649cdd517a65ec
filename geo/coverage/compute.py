"""Coverage figures and geometries: which share of each district lies within a radius.

A point is *covered* at radius r for a filter when an open station passing the filter
lies within r metres of it, in the area's equal-area CRS
(:func:`~geo.coverage.area.equal_area_crs`, metres). The covered area is the union of
the stations' circles, measured in each district exactly (the circles themselves, not
polygons: :mod:`geo.coverage.circles`) against the full-resolution district outlines.
Stations outside the area count too: a worker at a district's edge can ride to the
station across the line. Only the geometries returned for drawing are approximations:
unions of polygons, simplified (:mod:`geo.coverage.discs`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from geo.amenities import mask_of
from geo.coverage.area import StudyArea, equal_area_crs
from geo.coverage.circles import covered_points
from geo.coverage.discs import covered_all, polygonal, simplified
from geo.coverage.params import AmenityFilter
from geo.model import Station

__all__ = [
    "CoverageLayer",
    "CoverageResult",
    "DemandPoints",
    "DistrictFigures",
    "FilterFigures",
    "RadiusFigures",
    "StationPoints",
    "compute_coverage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GeomArray = npt.NDArray[np.object_]

DEFAULT_SIMPLIFY_M: Final = 15.0
_SLIVER_M2: Final = 1.0  # drawn parts smaller than this are left out
_DISPLAY_DECIMALS: Final = 5  # ~1 m: enough for a map, a third of the bytes of full floats


@dataclass(frozen=True)
class StationPoints:
    """Station positions (WGS84 degrees) and amenity masks, as arrays."""

    lon: FloatArray
    lat: FloatArray
    mask: IntArray

    @classmethod
    def from_stations(cls, stations: Sequence[Station]) -> StationPoints:
        """Points of stations: positions (WGS84) and amenity masks."""
        return cls(
            np.array([s.lon for s in stations], dtype=np.float64),
            np.array([s.lat for s in stations], dtype=np.float64),
            np.array([mask_of(s.amenities) for s in stations], dtype=np.int64),
        )

    @classmethod
    def from_lonlat(
        cls, lon: npt.ArrayLike, lat: npt.ArrayLike, mask: npt.ArrayLike | None = None
    ) -> StationPoints:
        """Points from coordinates (WGS84) and, optionally, amenity masks (default: none)."""
        x = np.asarray(lon, dtype=np.float64).reshape(-1)
        y = np.asarray(lat, dtype=np.float64).reshape(-1)
        m = np.zeros(len(x), np.int64) if mask is None else np.asarray(mask, np.int64)
        return cls(x, y, m.reshape(-1))

    def __len__(self) -> int:
        return len(self.lon)


@dataclass(frozen=True)
class DemandPoints:
    """Demand (e.g. order pick-up points): WGS84 degrees and a non-negative weight;
    the datum the file was read in and what said it (``option``, ``file``, ``default``)."""

    lon: FloatArray
    lat: FloatArray
    weight: FloatArray
    datum: str = "wgs84"
    datum_source: str = "option"

    def __len__(self) -> int:
        return len(self.lon)


@dataclass(frozen=True, slots=True)
class RadiusFigures:
    """Coverage at one radius: covered area (km²), its share, and the demand share."""

    radius_m: float
    covered_km2: float
    share: float
    demand_share: float | None = None


@dataclass(frozen=True, slots=True)
class FilterFigures:
    """Coverage by the stations passing one amenity filter."""

    filter: AmenityFilter
    matching_stations: int
    radii: tuple[RadiusFigures, ...]


@dataclass(frozen=True, slots=True)
class DistrictFigures:
    """The figures of one district (or of the whole area).

    ``stations`` counts the open stations inside it, ``matching_stations`` (per filter)
    those of them that pass the filter; coverage also counts stations outside.
    """

    adcode: str | None
    name: str
    name_en: str
    area_km2: float
    stations: int
    demand_weight: float | None
    filters: tuple[FilterFigures, ...]


@dataclass(frozen=True)
class CoverageLayer:
    """What a map draws for one filter and radius: simplified WGS84 geometries.

    ``covered`` and ``uncovered`` partition :attr:`CoverageResult.outline` (the area's
    simplified outline): they share edges exactly, so a map may draw the uncovered part
    as the outline with the covered rings as holes.
    """

    filter: AmenityFilter
    radius_m: float
    covered: BaseGeometry
    uncovered: BaseGeometry


@dataclass(frozen=True)
class CoverageResult:
    """Everything a coverage question produces; see :func:`compute_coverage`."""

    area: StudyArea
    crs: CRS
    filters: tuple[AmenityFilter, ...]
    radii: tuple[float, ...]
    districts: tuple[DistrictFigures, ...]
    total: DistrictFigures
    layers: tuple[CoverageLayer, ...]
    outlines: tuple[BaseGeometry, ...]
    outline: BaseGeometry
    stations: tuple[Station, ...] = ()
    demand: DemandPoints | None = None
    overview: bool = False  # figures and district outlines only: nothing else to draw

    def layer(self, flt: AmenityFilter, radius_m: float) -> CoverageLayer:
        """The layer of one amenity filter and radius."""
        return next(x for x in self.layers if x.filter == flt and x.radius_m == radius_m)


def _project(geoms: GeomArray, transformer: Transformer) -> GeomArray:
    def fn(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return transformer.transform(x, y)  # type: ignore[no-any-return, unused-ignore]

    return shapely.transform(geoms, fn, interleaved=False)  # type: ignore[no-any-return]


def _to_display(geom: BaseGeometry, to_wgs84: Transformer) -> BaseGeometry:
    """A projected geometry's polygons in WGS84, rounded to ~1 m, without the slivers
    under a square metre an overlay can leave (invisible, and rings that collapse when
    their coordinates become degrees). Rounding can make a drawn geometry invalid: one
    to overlay again is repaired by whoever overlays it (``shapely.make_valid``)."""
    parts = shapely.get_parts(polygonal(geom))
    parts = parts[shapely.area(parts) >= _SLIVER_M2]
    wgs = _project(np.array([shapely.multipolygons(parts)], dtype=object), to_wgs84)[0]
    rounded: BaseGeometry = shapely.transform(wgs, lambda xy: np.round(xy, _DISPLAY_DECIMALS))
    return rounded


_WHOLES: OrderedDict[bytes, tuple[bytes, bytes]] = OrderedDict()  # the last few areas
_WHOLES_KEPT: Final = 16
_WHOLES_LOCK = threading.Lock()


def _whole(districts_m: GeomArray, simplify_m: float) -> tuple[BaseGeometry, BaseGeometry]:
    """The union of the districts and its simplified outline: new geometries each time
    (a caller prepares them; prepared geometries are not shared between threads), from
    WKB kept for the last few areas (the union is a tenth of a city's figures)."""
    key = hashlib.sha256(b"".join(shapely.to_wkb(districts_m)) + repr(simplify_m).encode())
    with _WHOLES_LOCK:
        kept = _WHOLES.get(key.digest())
        if kept is not None:
            _WHOLES.move_to_end(key.digest())
    if kept is None:
        whole = shapely.union_all(districts_m)
        kept = (shapely.to_wkb(whole), shapely.to_wkb(simplified(whole, simplify_m)))
        with _WHOLES_LOCK:
            _WHOLES[key.digest()] = kept
            while len(_WHOLES) > _WHOLES_KEPT:
                _WHOLES.popitem(last=False)
    whole_m: BaseGeometry = shapely.from_wkb(kept[0])
    whole_simple: BaseGeometry = shapely.from_wkb(kept[1])
    return whole_m, whole_simple


def _safe_share(part: float | np.floating[Any], whole: float | np.floating[Any]) -> float:
    return min(1.0, max(0.0, float(part) / float(whole))) if whole > 0 else 0.0


def compute_coverage(
    area: StudyArea,
    stations: StationPoints,
    *,
    filters: Sequence[AmenityFilter],
    radii: Sequence[float],
    demand: DemandPoints | None = None,
    simplify_m: float = DEFAULT_SIMPLIFY_M,
    overview: bool = False,
    drawing: bool = True,
) -> CoverageResult:
    """Covered area and share per district, filter and radius, and the map geometries.

    Parameters
    ----------
    area : StudyArea
        The districts to measure (WGS84).
    stations : StationPoints
        Open stations in WGS84 degrees, including those within the largest radius
        outside the area.
    filters : sequence of AmenityFilter
        Each filter gives its own figures and layers.
    radii : sequence of float
        Service radii in metres (validated by :func:`~geo.coverage.params.parse_radii`).
    demand : DemandPoints, optional
        Weighted demand points (WGS84); adds ``demand_share`` to the figures.
    simplify_m : float
        Tolerance in metres for simplifying the geometries returned for drawing.
    overview : bool
        Figures and district outlines only: the layers' geometries are left empty (a
        province's covered area is too large to draw, and to compute for nothing).
    drawing : bool
        False: the layers' geometries are left empty, as in an overview, for an answer
        that is figures only (a table): drawing is most of a city's time.

    Returns
    -------
    CoverageResult
        ``districts`` in the area's order and ``total`` for the whole area: area in km²
        (equal-area CRS), stations inside, and per filter the matching stations inside
        and per radius the covered km², the covered share in [0, 1] and, with demand,
        the weighted share of demand points within the radius. ``layers`` has one
        :class:`CoverageLayer` per (filter, radius); ``outlines`` the districts' outlines
        and ``outline`` the whole area's, simplified for drawing.
    """
    crs = equal_area_crs(area)
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    districts_m = _project(np.asarray(area.districts.geometry.values, dtype=object), to_m)
    whole_m, whole_simple = _whole(districts_m, simplify_m)
    shapely.prepare(districts_m)
    shapely.prepare(whole_m)
    district_km2 = shapely.area(districts_m) / 1e6
    whole_km2 = float(shapely.area(whole_m)) / 1e6

    sx, sy = to_m.transform(stations.lon, stations.lat)
    sx, sy = np.asarray(sx, np.float64), np.asarray(sy, np.float64)
    inside = [shapely.contains_xy(d, sx, sy) for d in districts_m]
    inside_whole = shapely.contains_xy(whole_m, sx, sy)
    if demand is not None:
        dx, dy = (np.asarray(v, np.float64) for v in to_m.transform(demand.lon, demand.lat))
        d_inside = [shapely.contains_xy(d, dx, dy) for d in districts_m]
        d_inside_whole = shapely.contains_xy(whole_m, dx, dy)

    rows: list[list[FilterFigures]] = [[] for _ in districts_m]
    total_filters: list[FilterFigures] = []
    layers: list[CoverageLayer] = []
    selections = [(stations.mask & f.mask) == f.mask for f in filters]
    computed = covered_all(
        sx,
        sy,
        selections,
        radii,
        districts_m,
        whole_m,
        whole_simple,
        simplify_m,
        drawing=drawing and not overview,
    )
    for fi, flt in enumerate(filters):
        passes = selections[fi]
        per_district: list[list[RadiusFigures]] = [[] for _ in districts_m]
        total_radii: list[RadiusFigures] = []
        for radius in radii:
            done = computed[fi, radius]
            covered, covered_whole_km2 = done.km2, done.whole_km2
            demand_cov = None
            if demand is not None:
                demand_cov = covered_points(sx[passes], sy[passes], radius, dx, dy)
            for i in range(len(districts_m)):
                share = None
                if demand is not None and demand_cov is not None:
                    w = demand.weight[d_inside[i]]
                    share = _safe_share(float(w[demand_cov[d_inside[i]]].sum()), float(w.sum()))
                per_district[i].append(
                    RadiusFigures(
                        radius, float(covered[i]), _safe_share(covered[i], district_km2[i]), share
                    )
                )
            total_share = None
            if demand is not None and demand_cov is not None:
                w = demand.weight[d_inside_whole]
                total_share = _safe_share(
                    float(w[demand_cov[d_inside_whole]].sum()), float(w.sum())
                )
            total_radii.append(
                RadiusFigures(
                    radius,
                    covered_whole_km2,
                    _safe_share(covered_whole_km2, whole_km2),
                    total_share,
                )
            )
            layers.append(
                CoverageLayer(
                    flt,
                    radius,
                    _to_display(done.drawn, to_wgs84),
                    _to_display(done.not_drawn, to_wgs84),
                )
            )
        for i in range(len(districts_m)):
            matching = int((inside[i] & passes).sum())
            rows[i].append(FilterFigures(flt, matching, tuple(per_district[i])))
        total_filters.append(
            FilterFigures(flt, int((inside_whole & passes).sum()), tuple(total_radii))
        )

    def demand_weight(sel: npt.NDArray[np.bool_] | None) -> float | None:
        return None if demand is None or sel is None else float(demand.weight[sel].sum())

    frame = area.districts
    districts = tuple(
        DistrictFigures(
            adcode=None if frame["adcode"].iloc[i] is None else str(frame["adcode"].iloc[i]),
            name=str(frame["name"].iloc[i]),
            name_en=str(frame["name_en"].iloc[i]),
            area_km2=float(district_km2[i]),
            stations=int(inside[i].sum()),
            demand_weight=demand_weight(d_inside[i] if demand is not None else None),
            filters=tuple(rows[i]),
        )
        for i in range(len(districts_m))
    )
    total = DistrictFigures(
        adcode=area.adcode,
        name=area.name,
        name_en=area.name_en,
        area_km2=whole_km2,
        stations=int(inside_whole.sum()),
        demand_weight=demand_weight(d_inside_whole if demand is not None else None),
        filters=tuple(total_filters),
    )
    outlines = tuple(_to_display(simplified(g, simplify_m), to_wgs84) for g in districts_m)
    return CoverageResult(
        area=area,
        crs=crs,
        filters=tuple(filters),
        radii=tuple(radii),
        districts=districts,
        total=total,
        layers=tuple(layers),
        outlines=outlines,
        outline=_to_display(whole_simple, to_wgs84),
        demand=demand,
        overview=overview,
    )
