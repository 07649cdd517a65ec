"""A small real coverage result (Dongcheng, 60 stations, one named like a script)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from geo.coverage import (
    CoverageResult,
    DemandPoints,
    StationPoints,
    compute_coverage,
    parse_filters,
    parse_radii,
    resolve_area,
)
from geo.model import StationData
from tests.maps.factories import DONGCHENG_INNER, XSS, as_station, scattered, station_data


def dongcheng_result(*, demand: bool = False, extra: Sequence[StationData] = ()) -> CoverageResult:
    """60 stations (and any `extra`), filters microwave and EV charging, 300 and 800 m."""
    data = [
        station_data(116.4105, 39.9155, name=XSS, address="<b>地址</b>", amenities=["microwave"]),
        *scattered(59, DONGCHENG_INNER),
        *extra,
    ]
    stations = [as_station(d, i + 1) for i, d in enumerate(data)]
    points = None
    if demand:
        rng = np.random.default_rng(3)
        lon = rng.uniform(DONGCHENG_INNER[0], DONGCHENG_INNER[2], 200)
        lat = rng.uniform(DONGCHENG_INNER[1], DONGCHENG_INNER[3], 200)
        points = DemandPoints(lon, lat, rng.uniform(0, 5, 200))
    result = compute_coverage(
        resolve_area("beijing", "东城区"),
        StationPoints.from_stations(stations),
        filters=parse_filters("microwave;ev_charging"),
        radii=parse_radii("300,800"),
        demand=points,
    )
    return dataclasses.replace(result, stations=tuple(stations))


@pytest.fixture(scope="session")
def result() -> CoverageResult:
    return dongcheng_result()


@pytest.fixture(scope="session")
def result_with_demand() -> CoverageResult:
    return dongcheng_result(demand=True)
