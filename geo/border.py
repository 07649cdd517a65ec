"""GCJ-02 and BD-09 positions that are ambiguous along the Hong Kong and Macau borders.

GCJ-02 shifts WGS84 points of mainland China by about 600 m (near Shenzhen and Zhuhai
~525 m east and ~300-330 m south) and leaves Hong Kong and Macau unshifted, so the
GCJ-02 image of the mainland spills across the border into them. A GCJ-02 position in
that spill is the image of two WGS84 points: a mainland point about 600 m to the
north-west, and the point itself on the Hong Kong or Macau side. :mod:`geo.datums`
reads it as the mainland one. Right for a mainland position, wrong by ~600 m for a
Hong Kong or Macau position given in GCJ-02 (Amap and Tencent report those unshifted).

:func:`border_ambiguity` says which positions lie in that band, so that answers and
import reports can warn; :func:`border_hint` words the warning. Measured with
``bench/bench_border_band.py`` (the figures are in ``geo.datums``' docstring).

"The border" here is the edge of the outline ``geo.datums`` uses to decide where GCJ-02
applies (``data/china_mainland_wgs84.geojson``, held by ``geo.mainland``), which runs up
to ~400 m inside Hong Kong and Macau across land borders (see ``data/PROVENANCE.md``),
not the legal line.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely

from geo.datum_formulas import as_lonlat, bd09_to_gcj02, gcj02_to_wgs84_everywhere
from geo.datum_names import Datum, parse_datum
from geo.mainland import china_outline, gcj02_preimage_1, outline_contains

IntArray = npt.NDArray[np.int8]

NONE: Final = 0
HONG_KONG: Final = 1
MACAU: Final = 2

# Boxes (min_lon, min_lat, max_lon, max_lat), GCJ-02 degrees, holding Hong Kong and
# Macau with their waters, and so the band along their borders (which reaches ~620 m
# into them); outside, the band only follows the mainland's own sea edge.
BORDER_BOXES: Final[dict[str, tuple[float, float, float, float]]] = {
    "hong_kong": (113.80, 22.13, 114.50, 22.62),
    "macau": (113.50, 22.07, 113.62, 22.24),
}
_CODES: Final = {"hong_kong": HONG_KONG, "macau": MACAU}
# BD-09 is GCJ-02 plus Baidu's ~(+0.0065, +0.006) step: its boxes are grown to hold it.
_BD09_MARGIN: Final = 0.012
REGION_NAMES: Final = {HONG_KONG: ("Hong Kong", "香港"), MACAU: ("Macau", "澳门")}
# The mainland side, named when the mainland reading falls in the outline's slack strip
# (up to ~400 m across the line), which no district outline holds.
_MAINLAND_SIDE: Final = {
    HONG_KONG: ("Shenzhen, Guangdong", "广东省深圳市"),
    MACAU: ("Zhuhai, Guangdong", "广东省珠海市"),
}


def border_ambiguity(lon: npt.ArrayLike, lat: npt.ArrayLike, datum: str | Datum) -> IntArray:
    """Tell which GCJ-02 or BD-09 positions lie in the ambiguous band along the Hong
    Kong or Macau border.

    A position ``P`` is in the band when the GCJ-02 inverse solves it to a mainland
    point ``Q`` (so ``geo.datums`` reads it as ``Q``) while ``P`` itself, as WGS84, lies
    outside mainland China: ``P`` is then also the unshifted position of a point across
    the border, 520-640 m from ``Q``.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees, in `datum`.
    datum : str or Datum
        Datum of the positions. WGS84 positions are never ambiguous (all zeros).

    Returns
    -------
    numpy.ndarray of int8
        Broadcast shape of the inputs: ``HONG_KONG`` (1) or ``MACAU`` (2) for a position
        in that border's band, else ``NONE`` (0); 0 for NaN.

    Raises
    ------
    UnknownCRS
        If `datum` is not a supported datum name.

    Notes
    -----
    Two box tests per position; only positions inside a border's box (a few hundred km²
    around Hong Kong and Macau) pay for the inverse and two outline tests.
    """
    parsed = parse_datum(datum)
    x, y = as_lonlat(lon, lat)
    found = np.zeros(x.shape, dtype=np.int8)
    if parsed is Datum.WGS84:
        return found
    margin = _BD09_MARGIN if parsed is Datum.BD09 else 0.0
    for name, (min_lon, min_lat, max_lon, max_lat) in BORDER_BOXES.items():
        near = (
            (x >= min_lon - margin)
            & (x <= max_lon + margin)
            & (y >= min_lat - margin)
            & (y <= max_lat + margin)
        )
        if not near.any():
            continue
        g_lon, g_lat = x[near], y[near]
        band = np.ones(g_lon.shape, dtype=np.bool_)
        if parsed is Datum.BD09:  # the box is in GCJ-02: tested again once converted
            g_lon, g_lat = bd09_to_gcj02(g_lon, g_lat)
            band = (g_lon >= min_lon) & (g_lon <= max_lon) & (g_lat >= min_lat) & (g_lat <= max_lat)
        q_lon, q_lat = gcj02_to_wgs84_everywhere(g_lon, g_lat)
        band &= outline_contains(q_lon, q_lat) & ~outline_contains(g_lon, g_lat)
        found[near] = np.where(band, _CODES[name], found[near])
    return found


def _box_of(lon: float, lat: float, margin: float) -> int:
    for name, (a, b, c, d) in BORDER_BOXES.items():
        if a - margin <= lon <= c + margin and b - margin <= lat <= d + margin:
            return _CODES[name]
    return NONE


def border_hint(lon: float, lat: float, datum: str | Datum) -> tuple[str, str, str] | None:
    """For one GCJ-02 or BD-09 position in the ambiguous band: the code
    ``border_ambiguous``'s message in English and Chinese, naming both readings; else
    None. The same test as :func:`border_ambiguity`, for one point: a WGS84 position or
    one outside both boxes costs a few comparisons (under 1 us), one in a box the
    inverse in ``math`` and two outline tests (tens of us).

    Parameters
    ----------
    lon, lat : float
        Position in degrees, in `datum`.
    datum : str or Datum
        Datum of the position.

    Returns
    -------
    tuple of str or None
        ``(code, message, message_zh)``.
    """
    parsed = parse_datum(datum)
    if parsed is Datum.WGS84 or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    region = _box_of(lon, lat, _BD09_MARGIN if parsed is Datum.BD09 else 0.0)
    if region == NONE:
        return None
    g_lon, g_lat = lon, lat
    if parsed is Datum.BD09:
        g_lon, g_lat = (float(v) for v in bd09_to_gcj02(lon, lat))
        region = _box_of(g_lon, g_lat, 0.0)
    q_lon, q_lat, mainland = gcj02_preimage_1(g_lon, g_lat)
    if region == NONE or not mainland or shapely.contains_xy(china_outline(), g_lon, g_lat):
        return None
    from geo.geodesy import distance_bearing
    from geo.outlines.areas import all_areas, english_full_name  # only when a hint is due
    from geo.outlines.national import outlines

    apart_m = float(distance_bearing(q_lon, q_lat, [g_lon], [g_lat])[0][0])
    apart = f"{round(apart_m, -1):.0f}"
    place = outlines().locate(q_lon, q_lat)
    area = all_areas().get(place.adcode) if place else None
    other_en, other_zh = REGION_NAMES[region]
    side_en, side_zh = _MAINLAND_SIDE[region]
    where_zh = place.full_name if place else side_zh
    where_en = english_full_name(area) if area else side_en
    label = parsed.label
    return (
        "border_ambiguous",
        f"this {label} position is near the {other_en} border, where {label} is ambiguous: "
        f"it was read as a point in {where_en} (the {label} of a mainland point), but it is "
        f"also the {label} of a point in {other_en}, {apart} m away, where the GCJ-02 "
        f"shift does not apply. If you are in {other_en}, send the position in WGS84 "
        f"(crs=wgs84).",
        f"该 {label} 坐标位于{other_zh}边界附近，此处 {label} 坐标有歧义：已按大陆坐标解读为"
        f"{where_zh}的一点，但它也是相距约 {apart} 米的{other_zh}境内一点的 {label} 坐标"
        f"（{other_zh}不做 GCJ-02 偏移）。如您在{other_zh}，请改用 WGS84 坐标（crs=wgs84）。",
    )
