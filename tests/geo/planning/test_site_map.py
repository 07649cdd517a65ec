"""What a plan's map draws agrees with the plan: each demand point is attributed to the
first site (in rank order) whose disc holds it, so the weights attributed to rank k sum
to the k-th gain; the points attributed to the stations are exactly those within the
radius of a station offering the amenity (brute force, geodesic); the newly covered
area lies in the area, outside the stations' coverage, inside the sites' discs, and has
about the area the even demand's gains say."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.coverage import equal_area_crs
from geo.planning.site_map import sites_map_data
from geo.planning.sites import plan_sites
from geo.registry import Registry, open_registry
from tests.factories import GEOD
from tests.geo.planning.test_sites import BBOX, R, demand_points, within


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    from geo.model import build_station_data

    opened = open_registry(db_url)
    try:
        rng = np.random.default_rng(11)
        for i in range(10):
            lon, lat = 116.385 + 0.04 * rng.random(), 39.903 + 0.024 * rng.random()
            opened.create(data=build_station_data(
                {"name": f"驿站{i}", "lon": lon, "lat": lat,
                 "amenities": ["ev_charging"] if i % 2 else ["toilet"]}
            ))  # fmt: skip
        yield opened
    finally:
        opened.close()


def test_attribution_matches_gains_and_the_stations(registry: Registry) -> None:
    demand = demand_points(400, seed=4)
    plan = plan_sites(registry, count=3, radius_m=R, city=BBOX, amenities="ev_charging",
                      demand=demand)  # fmt: skip
    first = plan.first_rank
    w = plan.demand.weight
    for rank, gain in enumerate(plan.plan.gains, start=1):
        assert float(w[first == rank].sum()) == pytest.approx(gain, abs=1e-6)
    existing = np.zeros(len(plan.demand), dtype=bool)
    for s in registry.list_stations(limit=100, offset=0).items:
        if "ev_charging" in s.amenities:
            existing |= within(plan.demand.lon, plan.demand.lat, s.lon, s.lat)
    assert np.array_equal(first == -1, existing)
    # A point attributed to rank k is within R of site k and of no earlier site.
    c = plan.candidates
    for i in np.flatnonzero(first > 0)[:200].tolist():
        k = int(first[i])
        sites = [plan.plan.sites[r] for r in range(k)]
        _, _, d = GEOD.inv([c.lon[j] for j in sites], [c.lat[j] for j in sites],
                           [plan.demand.lon[i]] * k, [plan.demand.lat[i]] * k)  # fmt: skip
        assert d[-1] <= R + 1e-6
        assert all(x > R - 1e-6 for x in d[:-1])


def test_newly_covered_area_is_the_sites_less_the_stations(registry: Registry) -> None:
    plan = plan_sites(registry, count=2, radius_m=R, city=BBOX, amenities="ev_charging")
    data = sites_map_data(registry, plan)
    to_m = Transformer.from_crs("EPSG:4326", equal_area_crs(plan.area), always_xy=True)

    def metres(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda xy: np.column_stack(to_m.transform(*xy.T)))

    newly = metres(data.newly)
    before = metres(data.coverage.layers[0].covered)
    outline = metres(shapely.union_all(plan.area.districts.geometry.to_numpy()))
    c = plan.candidates
    discs = shapely.union_all([
        metres(shapely.Point(c.lon[j], c.lat[j])).buffer(R * 1.01)
        for j in plan.plan.sites
    ])  # fmt: skip
    km2 = newly.area / 1e6
    assert km2 > 0
    assert shapely.intersection(newly, before).area / 1e6 < 0.001 * km2
    assert shapely.difference(newly, outline.buffer(20)).area / 1e6 < 0.001 * km2
    assert shapely.difference(newly, discs).area / 1e6 < 0.001 * km2
    # The even demand's weights are km²: the gains and the drawn area agree.
    assert km2 == pytest.approx(sum(plan.plan.gains), rel=0.05)
    assert len(data.new_demand) == 0  # an even demand: the area shows it
    stations = {s.name for s in data.coverage.stations}
    assert stations == {f"驿站{i}" for i in range(10)}  # popups show every open station
