"""GCJ-02/BD-09 positions that are ambiguous along the Hong Kong and Macau borders.

Points are placed along two meridians that cross a border where the band is wide: the
Shenzhen River near Lok Ma Chau (114.06 E) and the Gongbei border (113.547 E). "The
border" is the edge of the mainland outline ``geo.datums`` uses, found here by its
latitude on each meridian (checked first).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box

from geo import border as border_mod
from geo.border import HONG_KONG, MACAU, NONE, border_ambiguity, border_hint
from geo.datum_formulas import wgs84_to_gcj02_everywhere
from geo.datums import (
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_mainland_china,
    wgs84_to_gcj02,
)
from geo.mainland import china_outline

GEOD = Geod(ellps="WGS84")
M_PER_DEG_LAT = 110_740.0  # at 22.5° N

# (lon, latitude of the outline's edge): mainland to the north, Hong Kong/Macau south.
SHENZHEN_RIVER = (114.06, 22.5024)
GONGBEI = (113.547, 22.2114)


def at(crossing: tuple[float, float], north_m: float) -> tuple[float, float]:
    """The point `north_m` metres north (negative: south) of the edge on the meridian."""
    lon, lat = crossing
    return lon, lat + north_m / M_PER_DEG_LAT


@pytest.mark.parametrize("crossing", [SHENZHEN_RIVER, GONGBEI])
def test_the_outline_edge_is_where_the_tests_put_it(crossing: tuple[float, float]) -> None:
    assert bool(in_mainland_china(*at(crossing, 25)))
    assert not bool(in_mainland_china(*at(crossing, -25)))


CASES = [
    # (crossing, metres north of the edge, expected region)
    (SHENZHEN_RIVER, -300, HONG_KONG),  # Hong Kong, 300 m from the border: in the band
    (SHENZHEN_RIVER, 300, NONE),  # Shenzhen, 300 m from it: read as Shenzhen, rightly
    (SHENZHEN_RIVER, -2000, NONE),  # Hong Kong, 2 km in: beyond the band
    (SHENZHEN_RIVER, 2000, NONE),  # Shenzhen, 2 km in
    (GONGBEI, -300, MACAU),  # Macau peninsula, 300 m from the border
    (GONGBEI, 300, NONE),  # Zhuhai (Gongbei), 300 m from it
    (GONGBEI, -2000, NONE),  # Macau, 2 km in
    (GONGBEI, 2000, NONE),  # Zhuhai, 2 km in
]


@pytest.mark.parametrize(("crossing", "north_m", "region"), CASES)
def test_gcj02_and_bd09_positions_in_the_band_are_flagged(
    crossing: tuple[float, float], north_m: float, region: int
) -> None:
    lon, lat = at(crossing, north_m)
    assert int(border_ambiguity(lon, lat, "gcj02")) == region
    assert int(border_ambiguity(*gcj02_to_bd09(lon, lat), "bd09")) == region
    assert int(border_ambiguity(lon, lat, "wgs84")) == NONE  # WGS84 is never ambiguous
    assert (border_hint(lon, lat, "高德") is None) == (region == NONE)
    assert border_hint(lon, lat, "wgs84") is None


@pytest.mark.parametrize("crossing", [SHENZHEN_RIVER, GONGBEI])
def test_what_holds_on_each_side(crossing: tuple[float, float]) -> None:
    # A mainland point 300 m from the border round-trips exactly, and its GCJ-02 image
    # is itself in the band (that is why the band is ambiguous).
    lon, lat = at(crossing, 300)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(g_lon, g_lat)
    assert np.allclose(back, (lon, lat), atol=1e-9, rtol=0)
    assert int(border_ambiguity(g_lon, g_lat, "gcj02")) != NONE
    # A Hong Kong/Macau point 300 m from it, given in GCJ-02 (its WGS84, unshifted),
    # comes back on the mainland side, about 600 m away.
    lon, lat = at(crossing, -300)
    assert np.allclose(wgs84_to_gcj02(lon, lat), (lon, lat), atol=0, rtol=0)
    w_lon, w_lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
    assert bool(in_mainland_china(w_lon, w_lat))
    assert 580 < GEOD.inv(lon, lat, w_lon, w_lat)[2] < 625
    # 2 km in, it round-trips.
    lon, lat = at(crossing, -2000)
    assert np.allclose(gcj02_to_wgs84(lon, lat), (lon, lat), atol=0, rtol=0)


def test_the_hint_names_both_readings_in_both_languages() -> None:
    code, en, zh = border_hint(*at(SHENZHEN_RIVER, -300), "gcj02")  # type: ignore[misc]
    assert code == "border_ambiguous"
    assert en.startswith("this GCJ-02 position is near the Hong Kong border")
    assert "Shenzhen" in en
    assert "crs=wgs84" in en
    assert zh.startswith("该 GCJ-02 坐标位于香港边界附近")
    assert "深圳" in zh
    code, en, zh = border_hint(*gcj02_to_bd09(*at(GONGBEI, -300)), "bd09")  # type: ignore[misc]
    assert "Macau" in en
    assert "Zhuhai" in en
    assert "BD-09" in en
    assert "澳门" in zh
    assert "珠海" in zh


def test_far_from_both_borders_only_the_boxes_are_tested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(*_: object) -> None:
        raise AssertionError("the inverse was solved for a point outside both boxes")

    monkeypatch.setattr(border_mod, "gcj02_to_wgs84_everywhere", boom)
    lon = np.array([116.4, 121.47, 113.26, 114.30, np.nan])  # Beijing, Shanghai, Guangzhou
    lat = np.array([39.9, 31.23, 23.13, 22.70, 22.5])  # ... Shenzhen (Longgang), NaN
    assert not border_ambiguity(lon, lat, "gcj02").any()
    assert not border_ambiguity(lon, lat, "bd09").any()
    assert border_hint(116.4, 39.9, "gcj02") is None


@pytest.mark.parametrize("name", list(border_mod.BORDER_BOXES))
def test_flags_exactly_the_band_traced_from_the_outline(name: str) -> None:
    """Random positions near the outline's edge in each box: flagged iff inside the band
    ``F(outline) - outline`` (``F`` the forward transform, the edge densified to 10 m);
    a position within 2 m of the band's edge may go either way."""
    bounds = border_mod.BORDER_BOXES[name]
    outline = shapely.intersection(china_outline(), box(*bounds).buffer(0.05))
    image = shapely.transform(
        shapely.segmentize(outline, 0.0001),
        lambda xy: np.column_stack(wgs84_to_gcj02_everywhere(xy[:, 0], xy[:, 1])),
    )
    band = shapely.difference(image, outline)
    near = shapely.intersection(shapely.buffer(shapely.boundary(outline), 0.012), box(*bounds))
    rng = np.random.default_rng(21)
    lon = rng.uniform(bounds[0], bounds[2], 40_000)
    lat = rng.uniform(bounds[1], bounds[3], 40_000)
    keep = shapely.contains_xy(near, lon, lat)
    lon, lat = lon[keep][:3000], lat[keep][:3000]
    truth = shapely.contains_xy(band, lon, lat)
    said = border_ambiguity(lon, lat, "gcj02") != NONE
    assert truth.sum() > 100  # the sample reaches into the band
    differ = truth != said
    edge_m = shapely.distance(shapely.boundary(band), shapely.points(lon[differ], lat[differ]))
    assert (edge_m * 1.1e5 < 2.0).all()


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_the_hint_for_one_point_agrees_with_the_array_test(datum: str) -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(114.00, 114.12, 300)  # across the Shenzhen River and the band
    lat = rng.uniform(22.48, 22.53, 300)
    flagged = border_ambiguity(lon, lat, datum) != NONE
    hinted = np.array([border_hint(x, y, datum) is not None for x, y in zip(lon, lat, strict=True)])
    assert flagged.sum() > 10
    assert (flagged == hinted).all()
