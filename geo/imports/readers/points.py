"""Points of vector files as WGS84 lon/lat, or why a feature has none.

Geographic CRSs that agree with WGS84 to centimetres (CGCS2000) are taken as they are;
any other CRS is transformed. A GCJ-02 or BD-09 file is left as written: the datum
conversion happens with the rows (``geo.imports.rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.datums import Datum
from geo.errors import InvalidFile

# Geographic CRSs whose lon/lat are taken as WGS84: CGCS2000 agrees with it to centimetres.
_WGS84_LIKE: Final = frozenset({"EPSG:4326", "EPSG:4490", "OGC:CRS84"})
_GEOM_POINT: Final = 0
_GEOM_MULTIPOINT: Final = 4

Floats = npt.NDArray[np.float64]


def wkb_points(wkb: Any, count: int) -> tuple[Floats, Floats, list[str | None]]:
    """x, y (NaN where there is no point) and the problem of each of `count` WKB
    geometries: a MultiPoint of one point is that point."""
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object))
    types = shapely.get_type_id(geoms)
    single = (types == _GEOM_MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    usable = (shapely.get_type_id(geoms) == _GEOM_POINT) & ~shapely.is_empty(geoms)
    xs: Floats = np.full(count, np.nan)
    ys: Floats = np.full(count, np.nan)
    xs[usable] = shapely.get_x(geoms[usable])
    ys[usable] = shapely.get_y(geoms[usable])
    problems: list[str | None] = [None] * count
    for i in range(count):
        if usable[i]:
            continue
        if geoms[i] is None:
            problems[i] = "missing"
        elif shapely.is_empty(geoms[i]):
            problems[i] = "empty"
        else:
            problems[i] = str(geoms[i].geom_type)
    return xs, ys, problems


def read_crs(crs_text: str, name: str) -> CRS:
    """The CRS a file names, or ``InvalidFile`` naming it (not pyproj's words)."""
    shown = crs_text if len(crs_text) <= 200 else crs_text[:199] + "…"
    try:
        return CRS.from_user_input(crs_text)
    except CRSError:
        raise InvalidFile(
            f"{name}: the file's coordinate reference system {shown!r} is not one we know; "
            "export it again in WGS84 (EPSG:4326), or state the datum with the crs option",
            f"{name}：无法识别文件的坐标参考系 {shown!r}；请以 WGS84（EPSG:4326）重新导出，"
            "或用 crs 选项指定坐标系",
        ) from None


def lonlat(
    xs: Floats,
    ys: Floats,
    problems: Sequence[str | None],
    crs_text: str | None,
    datum: Datum | None,
    name: str,
    notes: list[str],
) -> tuple[str | None, list[tuple[float, float] | None], list[str | None]]:
    """The file CRS as reported, and per feature its point as lon/lat or why none.

    Parameters
    ----------
    xs, ys : ndarray
        Coordinates as written; NaN where the feature has no point (see `problems`).
    problems : sequence of str or None
        Why a feature has no point, None where it has one.
    crs_text : str or None
        The CRS the file states (any form pyproj reads); None: lon/lat assumed.
    datum : Datum or None
        GCJ-02 or BD-09 named by the file (a GeoJSON ``crs`` member): coordinates are
        left as written and reported as that datum.
    """
    usable = np.array([p is None for p in problems], dtype=bool)
    file_crs: str | None
    if datum is not None:
        file_crs = datum.value
        notes.append(f"the file names {datum.label} as its datum; coordinates read as such")
    elif crs_text is None:
        file_crs = None
        notes.append("the file states no CRS; coordinates taken as longitude/latitude")
    else:
        crs = read_crs(crs_text, name)
        authority = crs.to_authority(min_confidence=70)
        file_crs = ":".join(authority) if authority else crs.name
        if not (crs.is_geographic and file_crs in _WGS84_LIKE):
            transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            xs, ys = xs.copy(), ys.copy()
            xs[usable], ys[usable] = transformer.transform(xs[usable], ys[usable])
            notes.append(f"coordinates converted from {file_crs} to WGS84 longitude/latitude")
    finite = usable & np.isfinite(xs) & np.isfinite(ys)
    points: list[tuple[float, float] | None] = [None] * len(problems)
    out = list(problems)
    for i in range(len(problems)):
        if finite[i]:
            points[i] = (float(xs[i]), float(ys[i]))
        elif usable[i]:
            out[i] = "invalid"  # not a finite number, or outside what the CRS can convert
    return file_crs, points, out
