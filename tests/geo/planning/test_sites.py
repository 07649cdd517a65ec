"""``plan_sites`` against a registry (SQLite and PostGIS): existing stations that offer
the amenity count as covered, those that lack it are the ``from_stations`` candidates,
and the chosen sites are the best ones by a brute force over every pair of candidates
with geodesic distances."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from geo.coverage.compute import DemandPoints
from geo.errors import InvalidParameter
from geo.model import build_station_data
from geo.planning.candidate_file import Candidates
from geo.planning.sites import plan_sites
from geo.registry import Registry, open_registry
from tests.factories import GEOD

BBOX = "116.380,39.900,116.430,39.930"  # Dongcheng and Xicheng, WGS84
R = 600.0


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    opened = open_registry(db_url)
    try:
        rng = np.random.default_rng(5)
        for i in range(12):
            lon, lat = 116.385 + 0.04 * rng.random(), 39.903 + 0.024 * rng.random()
            amenities = ["ev_charging", "car_parking"] if i % 3 == 0 else ["car_parking"]
            opened.create(data=build_station_data(
                {"name": f"驿站{i}", "lon": lon, "lat": lat, "amenities": amenities}
            ))  # fmt: skip
        yield opened
    finally:
        opened.close()


def demand_points(n: int = 300, seed: int = 9) -> DemandPoints:
    rng = np.random.default_rng(seed)
    lon = 116.382 + 0.046 * rng.random(n)
    lat = 39.902 + 0.026 * rng.random(n)
    return DemandPoints(lon, lat, rng.integers(1, 20, n).astype(float))


def within(lon: np.ndarray, lat: np.ndarray, x: float, y: float) -> np.ndarray:
    _, _, dist = GEOD.inv(np.full(len(lon), x), np.full(len(lon), y), lon, lat)
    return np.asarray(dist) <= R


def test_the_best_pair_of_candidates_by_brute_force(registry: Registry) -> None:
    demand = demand_points()
    rng = np.random.default_rng(2)
    cands = Candidates(116.385 + 0.04 * rng.random(7), 39.903 + 0.024 * rng.random(7),
                       tuple(f"候选{i}" for i in range(7)), tuple(range(2, 9)), "file")  # fmt: skip
    result = plan_sites(registry, count=2, radius_m=R, city=BBOX, amenities="ev_charging",
                        candidates=cands, demand=demand)  # fmt: skip
    # Brute force: existing coverage from the stations with EV piles only.
    stations = [s for s in registry.list_stations(limit=100, offset=0).items]
    existing = np.zeros(len(demand), dtype=bool)
    for s in stations:
        if "ev_charging" in s.amenities:
            existing |= within(demand.lon, demand.lat, s.lon, s.lat)
    w = demand.weight
    assert result.plan.existing_covered_weight == pytest.approx(float(w[existing].sum()))
    cover = [
        within(demand.lon, demand.lat, x, y) for x, y in zip(cands.lon, cands.lat, strict=True)
    ]
    best = max(
        float(w[(cover[a] | cover[b]) & ~existing].sum())
        for a, b in itertools.combinations(range(7), 2)
    )
    plan = result.plan
    assert plan.covered_weight - plan.existing_covered_weight == pytest.approx(best)
    assert plan.optimal
    doc = result.as_dict()
    assert [s["rank"] for s in doc["sites"]] == [1, 2]
    assert {s["row"] for s in doc["sites"]} <= set(range(2, 9))
    assert sum(s["gain_weight"] for s in doc["sites"]) == pytest.approx(best, abs=1e-5)
    assert {s["adcode"] for s in doc["sites"]} <= {"110101", "110102"}
    totals = doc["districts"]
    assert sum(d["total_weight"] for d in totals) == pytest.approx(float(w.sum()), abs=1e-4)
    assert sum(d["covered_after"] for d in totals) == pytest.approx(plan.covered_weight, abs=1e-4)


def test_from_stations_are_the_open_stations_lacking_the_amenity(registry: Registry) -> None:
    result = plan_sites(registry, count=3, radius_m=R, city=BBOX, amenities="ev_charging",
                        from_stations=True, demand=demand_points())  # fmt: skip
    lacking = {s.id for s in registry.list_stations(limit=100, offset=0).items
               if "ev_charging" not in s.amenities}  # fmt: skip
    assert set(result.candidates.rows) == lacking  # station ids
    chosen = [result.candidates.rows[j] for j in result.plan.sites]
    assert set(chosen) <= lacking
    assert result.as_dict()["candidates"]["source"] == "stations"


def test_uniform_demand_and_grid_by_default(registry: Registry) -> None:
    result = plan_sites(registry, count=2, radius_m=R, city=BBOX, amenities="ev_charging")
    doc = result.as_dict()
    assert doc["demand"] == "uniform"
    assert doc["candidates"]["source"] == "grid"
    assert doc["total_weight"] == pytest.approx(4.3 * 2.9, rel=0.15)  # km² of the bbox
    assert doc["curve"] == sorted(doc["curve"])


def test_demand_outside_the_area_is_counted_not_lost(registry: Registry) -> None:
    inner = demand_points(50)
    far = DemandPoints(np.array([116.6, 116.7]), np.array([40.2, 40.3]), np.array([5.0, 5.0]))
    both = DemandPoints(np.concatenate([inner.lon, far.lon]),
                        np.concatenate([inner.lat, far.lat]),
                        np.concatenate([inner.weight, far.weight]))  # fmt: skip
    doc = plan_sites(registry, count=1, radius_m=R, city=BBOX, demand=both).as_dict()
    assert doc["demand_outside"] == 2
    assert doc["total_weight"] == pytest.approx(float(inner.weight.sum()))


def test_refusals(registry: Registry) -> None:
    cands = Candidates(np.array([116.4]), np.array([39.91]), ("a",), (2,), "file")
    with pytest.raises(InvalidParameter) as two:
        plan_sites(registry, count=1, radius_m=R, city=BBOX, candidates=cands,
                   from_stations=True)  # fmt: skip
    assert "候选站址只能有一种来源" in two.value.message_zh
    with pytest.raises(InvalidParameter) as nowhere:
        plan_sites(registry, count=1, radius_m=R)
    assert nowhere.value.details == [{"parameter": "city"}]
    with pytest.raises(InvalidParameter):
        plan_sites(registry, count=0, radius_m=R, city=BBOX, candidates=cands)
    with pytest.raises(InvalidParameter) as two_filters:
        plan_sites(registry, count=1, radius_m=R, city=BBOX, amenities="ev_charging;toilet")
    assert "一组设施" in two_filters.value.message_zh
