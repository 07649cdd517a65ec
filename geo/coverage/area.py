"""The study area of a coverage question: an area of China, some of its districts, or a bbox.

Everything here is WGS84 longitude/latitude until :func:`equal_area_crs` gives the
projected CRS the figures are computed in.

Why a local Lambert azimuthal equal-area (LAEA) CRS centred on the area: it is exactly
equal-area, so district and covered areas are true areas on the ellipsoid; and within
300 km of its centre its linear scale differs from 1 by less than 0.03 %, so a
2,000 m buffer drawn in it is within 0.6 m of the ground circle, and one CRS serves both
the buffers and the areas. The alternatives each fail one of the two: EPSG:6933 (global
cylindrical equal-area) is equal-area but stretches east-west by ~13 % at Beijing's
latitude, so its "circles" would be ellipses; UTM is conformal but not equal-area
(areas off by up to 0.3 % at a zone's edge), and Chongqing straddles zones 48 and 49.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import shapely
from pyproj import CRS
from shapely.geometry import box

from geo.boundaries import (
    CITIES,
    CITY_NAMES,
    districts_in_box,
    load_area_districts,
    load_city_outline,
    load_districts,
    load_national_districts,
)
from geo.errors import InvalidParameter
from geo.outlines.areas import resolve_area as resolve_named_area
from geo.outlines.english import english_name
from geo.search import parse_bbox
from geo.storage.base import BBox

__all__ = ["MAX_BBOX_DEG", "StudyArea", "equal_area_crs", "resolve_area"]

# A bbox may span at most this many degrees each way (Chongqing spans about 5).
MAX_BBOX_DEG: Final = 6.0
CITY_NAMES_EN: Final = {"beijing": "Beijing", "chongqing": "Chongqing"}
BBOX_NAME: Final = ("所选范围", "Selected area")
# Areas the first releases shipped outlines (and official English names) for: named in
# any way, they are measured on those files, so their figures do not move.
_LEGACY_KEYS: Final = {"110000": "beijing", "110100": "beijing", "500000": "chongqing"}
_LISTED: Final = 40  # districts named in an "unknown district" message
# The whole country: every district of the mainland (an overview on a map).
NATIONAL: Final = frozenset({"全国", "中国", "中国大陆", "china", "100000"})
_SUFFIXES: Final = ("区", "县", "自治县")
_SUFFIXES_EN: Final = (" district", " autonomous county", " county")


@dataclass(frozen=True)
class StudyArea:
    """Where coverage is measured: districts (possibly clipped to a bbox), WGS84.

    Attributes
    ----------
    key : str
        ``"beijing"``, ``"chongqing"``, ``"bbox"``, or the adcode of another area.
    name, name_en : str
        Display name of the whole area (``北京市``; ``朝阳区``; ``所选范围``).
    adcode : str or None
        Adcode of the whole area when it is a city or a single district.
    districts : geopandas.GeoDataFrame
        Columns ``adcode`` (None for a bbox outside the shipped cities), ``name``,
        ``name_en``, ``geometry`` (valid (multi)polygons, EPSG:4326), adcode order.
    """

    key: str
    name: str
    name_en: str
    adcode: str | None
    districts: gpd.GeoDataFrame

    @property
    def bounds(self) -> BBox:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the districts, degrees."""
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in self.districts.total_bounds)
        return (min_lon, min_lat, max_lon, max_lat)

    def expanded_bounds(self, margin_m: float) -> BBox:
        """:attr:`bounds` grown by at least `margin_m` metres on every side."""
        min_lon, min_lat, max_lon, max_lat = self.bounds
        # 110 km per degree of latitude is a lower bound, so the margin is never short.
        dlat = margin_m / 110_000.0
        widest = max(abs(min_lat), abs(max_lat)) + dlat
        dlon = dlat / max(math.cos(math.radians(min(widest, 89.0))), 1e-6)
        return (
            max(min_lon - dlon, -180.0),
            max(min_lat - dlat, -90.0),
            min(max_lon + dlon, 180.0),
            min(max_lat + dlat, 90.0),
        )


def equal_area_crs(area: StudyArea) -> CRS:
    """A Lambert azimuthal equal-area CRS (metres, WGS84) centred on the area's bbox.

    The centre is rounded to 0.01° so that the same area always gets the same CRS.
    """
    min_lon, min_lat, max_lon, max_lat = area.bounds
    lon_0 = round((min_lon + max_lon) / 2, 2)
    lat_0 = round((min_lat + max_lat) / 2, 2)
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat_0} +lon_0={lon_0} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def _bad(name: str, value: str, rule: str, rule_zh: str, **extra: object) -> InvalidParameter:
    return InvalidParameter(
        f"{name}={value!r} is invalid: {rule}",
        f"参数 {name}={value!r} 无效：{rule_zh}",
        details=[{"parameter": name, "value": value, **extra}],
    )


def _bbox_area(text: str) -> StudyArea:
    bbox = parse_bbox(text)
    assert bbox is not None  # the caller checked that text is not blank
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise _bad(
            "city",
            text,
            "a bbox needs min_lon < max_lon and min_lat < max_lat (no antimeridian crossing)",
            "范围须满足 min_lon < max_lon 且 min_lat < max_lat（不跨 180° 经线）",
        )
    if max_lon - min_lon > MAX_BBOX_DEG or max_lat - min_lat > MAX_BBOX_DEG:
        raise _bad(
            "city",
            text,
            f"a bbox may span at most {MAX_BBOX_DEG:g} degrees each way",
            f"范围的经度、纬度跨度均不得超过 {MAX_BBOX_DEG:g} 度",
        )
    frame = box(*bbox)
    near = districts_in_box(bbox)
    clipped = shapely.intersection(near.geometry.values, frame)
    # Keep only real overlaps; a shared edge gives a line, not an area.
    polygonal = shapely.get_type_id(clipped) >= 3
    keep = ~shapely.is_empty(clipped) & polygonal & (shapely.area(clipped) > 1e-12)
    if keep.any():
        districts = near.loc[keep].reset_index(drop=True)
        districts["geometry"] = shapely.make_valid(clipped[keep])
    else:
        districts = gpd.GeoDataFrame(
            {"adcode": [None], "name": [BBOX_NAME[0]], "name_en": [BBOX_NAME[1]]},
            geometry=[frame],
            crs="EPSG:4326",
        )
    return StudyArea("bbox", BBOX_NAME[0], BBOX_NAME[1], None, districts)


def _district_keys(row: pd.Series) -> set[str]:
    name, name_en = str(row["name"]), str(row["name_en"]).casefold()
    keys = {str(row["adcode"]), name.casefold(), name_en}
    for suffix in _SUFFIXES_EN:  # "Chaoyang District" -> "chaoyang"
        if name_en.endswith(suffix):
            keys.add(name_en.removesuffix(suffix).strip())
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            keys.add(name[: -len(suffix)].casefold())
    return keys


def _select_districts(area: StudyArea, district: str) -> StudyArea:
    wanted = [t.strip() for t in district.replace("，", ",").split(",") if t.strip()]
    keys = [_district_keys(row) for _, row in area.districts.iterrows()]
    chosen: list[int] = []
    unknown: list[str] = []
    for token in wanted:
        hits = [i for i, k in enumerate(keys) if token.casefold() in k]
        if hits:
            chosen.extend(i for i in hits if i not in chosen)
        else:
            unknown.append(token)
    if unknown or not chosen:
        frame = area.districts.head(_LISTED)  # the country has 2,848: name some
        known = "、".join(f"{n} ({a})" for n, a in zip(frame["name"], frame["adcode"], strict=True))
        known_en = ", ".join(
            f"{n} ({a})" for n, a in zip(frame["name_en"], frame["adcode"], strict=True)
        )
        if len(area.districts) > _LISTED:
            known += f"……（共 {len(area.districts)} 个，可用行政区划代码）"
            known_en += f", ... ({len(area.districts)} in all; adcodes work too)"
        shown = ", ".join(unknown) or district
        raise InvalidParameter(
            f"unknown district(s) in {area.name_en}: {shown}; known: {known_en}",
            f"{area.name}没有这些区县：{shown}；可选：{known}",
            details=[{"parameter": "district", "value": t} for t in unknown or [district]],
        )
    chosen.sort()
    districts = area.districts.iloc[chosen].reset_index(drop=True)
    if len(districts) == 1:
        row = districts.iloc[0]
        return StudyArea(area.key, str(row["name"]), str(row["name_en"]), row["adcode"], districts)
    names = "、".join(districts["name"])
    names_en = ", ".join(districts["name_en"])
    return StudyArea(
        area.key, f"{area.name}{names}", f"{area.name_en}: {names_en}", None, districts
    )


def resolve_area(city: str, district: str | None = None) -> StudyArea:
    """The study area named by a city (or bbox) and optional districts.

    Parameters
    ----------
    city : str
        Any province, city or district of mainland China, by adcode or Chinese name
        (``郑州市``, ``410100``, ``杭州市西湖区``, ``浙江省``, or ``全国``/``100000`` for
        the whole mainland; see
        :func:`geo.outlines.areas.resolve_area`), ``beijing``/``chongqing`` (any case),
        or a WGS84 bbox ``min_lon,min_lat,max_lon,max_lat`` in degrees, at most
        :data:`MAX_BBOX_DEG` degrees each way. A bbox keeps the parts of the districts
        inside it, or is one area of its own where it overlaps none.
    district : str, optional
        Comma-separated districts, each an adcode (``110105``), a Chinese name (``朝阳区``
        or ``朝阳``) or an English name (``Chaoyang``, any case).

    Returns
    -------
    StudyArea

    Raises
    ------
    InvalidParameter
        For an unknown city, a malformed or too large bbox, or unknown districts (the
        message names the bad values and the accepted ones).
    """
    text = (city or "").strip()
    key = _LEGACY_KEYS.get(text.casefold(), text.casefold())
    if "," in text:
        area = _bbox_area(text)
    elif text.casefold() in NATIONAL:
        area = StudyArea("100000", "全国", "Mainland China", "100000", load_national_districts())
    else:
        if key not in CITIES:
            found = resolve_named_area(text, field="city")
            key = _LEGACY_KEYS.get(found.adcode, key)
        if key in CITIES:
            districts = load_districts(key)
            outline = load_city_outline(key)
            adcode = str(outline["adcode"].iloc[0])
            area = StudyArea(key, CITY_NAMES[key], CITY_NAMES_EN[key], adcode, districts)
        else:
            area = StudyArea(
                found.adcode,
                found.full_name,
                english_name(found.name),
                found.adcode,
                load_area_districts(found.adcode),
            )
    if district is not None and district.strip():
        area = _select_districts(area, district)
    return area
