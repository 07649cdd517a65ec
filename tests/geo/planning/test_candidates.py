"""Grids over an area: points inside, true spacing, weights adding up to the area."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box

from geo.errors import InvalidParameter
from geo.geodesy import GEOD
from geo.planning.candidates import candidate_grid, grid_crs, uniform_demand

# A concave polygon in Beijing (an L shape) with a hole, and a district outline.
L_SHAPE = Polygon(
    [(116.30, 39.85), (116.50, 39.85), (116.50, 39.90), (116.38, 39.90), (116.38, 40.0),
     (116.30, 40.0)],
    holes=[[(116.32, 39.95), (116.35, 39.95), (116.35, 39.97), (116.32, 39.97)]],
)  # fmt: skip


def km2(area):
    to_xy = Transformer.from_crs("EPSG:4326", grid_crs(area), always_xy=True)
    return shapely.transform(area, lambda c: np.column_stack(to_xy.transform(*c.T))).area / 1e6


def test_candidate_grid_inside_and_spaced():
    lon, lat = candidate_grid(L_SHAPE, 500)
    assert len(lon) == len(set(zip(lon.tolist(), lat.tolist(), strict=True)))
    assert shapely.covers(L_SHAPE, shapely.points(lon, lat)).all()
    # the same points as every lattice point of the bbox tested one by one
    crs = grid_crs(L_SHAPE)
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    plane = shapely.transform(L_SHAPE, lambda c: np.column_stack(to_xy.transform(*c.T)))
    x0, y0, x1, y1 = plane.bounds
    gx, gy = np.meshgrid(
        (np.arange(math.floor(x0 / 500), math.ceil(x1 / 500)) + 0.5) * 500,
        (np.arange(math.floor(y0 / 500), math.ceil(y1 / 500)) + 0.5) * 500,
    )
    inside = shapely.covers(plane, shapely.points(gx.ravel(), gy.ravel()))
    x, _y = to_xy.transform(lon, lat)
    assert len(lon) == int(inside.sum())
    np.testing.assert_allclose(
        np.sort(np.round(x)), np.sort(np.round(gx.ravel()[inside])), atol=1e-3
    )
    # nearest neighbour of each point is 500 m away on the ground (equal-area: <0.1 %)
    _, _, d = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step = np.asarray(d)[np.asarray(d) < 700]
    assert np.allclose(step, 500, rtol=1e-3)


def test_same_area_same_points():
    a = candidate_grid(L_SHAPE, 300)
    b = candidate_grid(L_SHAPE, 300)
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("spacing", [200, 1000, 3000])
def test_uniform_demand_weights_add_up_to_the_area(spacing):
    d = uniform_demand(L_SHAPE, spacing)
    assert math.isclose(d.weight.sum(), km2(L_SHAPE), rel_tol=1e-9)
    assert (d.weight > 0).all()
    assert (d.weight <= (spacing / 1000) ** 2 * (1 + 1e-9)).all()
    assert shapely.covers(L_SHAPE.buffer(1e-9), shapely.points(d.lon, d.lat)).all()
    assert d.datum == "wgs84"


def test_small_area_between_grid_points_still_has_demand():
    tiny = box(116.40000, 39.90000, 116.40010, 39.90010)  # ~8 m x 11 m
    d = uniform_demand(tiny, 1000)
    assert len(d) == 1
    assert math.isclose(d.weight.sum(), km2(tiny), rel_tol=1e-9)


def test_too_many_points_names_a_spacing_that_fits():
    with pytest.raises(InvalidParameter) as exc:
        candidate_grid(L_SHAPE, 50, max_points=2000)
    detail = exc.value.details[0]
    assert detail["parameter"] == "spacing_m"
    assert detail["points"] > 2000
    fit = detail["fits"]
    assert f"spacing_m={fit:g}" in exc.value.message
    assert "超过上限" in exc.value.message_zh
    assert len(candidate_grid(L_SHAPE, fit, max_points=2000)[0]) <= 2000
    with pytest.raises(InvalidParameter) as exc:
        uniform_demand(L_SHAPE, 10, max_points=1000)  # refused before counting rows
    assert exc.value.details[0]["parameter"] == "demand_spacing_m"


@pytest.mark.parametrize("spacing", [0, 5, -100, float("nan"), "wide", 1e6])
def test_bad_spacing(spacing):
    with pytest.raises(InvalidParameter) as exc:
        candidate_grid(L_SHAPE, spacing)
    assert exc.value.code == "invalid_parameter"
    assert "间距" in exc.value.message_zh


def test_not_an_area():
    with pytest.raises(InvalidParameter):
        candidate_grid(shapely.Point(116.4, 39.9), 100)
    with pytest.raises(InvalidParameter):
        uniform_demand(Polygon(), 100)
