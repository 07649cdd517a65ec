"""Coverage anywhere in mainland China (issue 13): areas by name or adcode, and the
figures of a city outside Beijing and Chongqing against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.coverage import AmenityFilter, StationPoints, compute_coverage, resolve_area
from geo.errors import InvalidParameter
from tests.geo.test_coverage import grid_share

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(
    ("city", "district", "n", "name", "key"),
    [
        ("郑州市", None, 12, "河南省郑州市", "410100"),
        ("410100", None, 12, "河南省郑州市", "410100"),
        ("郑州市", "金水区,二七", 2, "河南省郑州市二七区、金水区", "410100"),  # adcode order
        ("杭州市西湖区", None, 1, "浙江省杭州市西湖区", "330106"),
        ("浙江省", None, 90, "浙江省", "330000"),
        ("北京市", None, 16, "北京市", "beijing"),  # the shipped file, as before
        ("500000", None, 38, "重庆市", "chongqing"),
        ("全国", None, 2848, "全国", "100000"),
        ("100000", "郑州市金水区", 1, "郑州市金水区", "100000"),
    ],
)
def test_any_area_by_name_or_adcode(
    city: str, district: str | None, n: int, name: str, key: str
) -> None:
    area = resolve_area(city, district)
    assert (len(area.districts), area.name, area.key) == (n, name, key)
    assert area.districts.crs.to_epsg() == 4326
    assert all(area.districts.geometry.is_valid)
    assert all(area.districts["name_en"].str.len() > 0)


def test_an_unknown_district_of_the_country_names_some_not_all() -> None:
    with pytest.raises(InvalidParameter) as bad:
        resolve_area("全国", "不存在区")
    assert "共 2848 个" in bad.value.message_zh
    assert len(bad.value.message) < 3_000


def test_english_names_of_a_national_area() -> None:
    area = resolve_area("郑州市", "金水区")
    assert area.name_en == "Jinshui District"
    assert resolve_area("410100").name_en == "Zhengzhou City"


@pytest.mark.parametrize("city", ["朝阳区", "上海", "火星市", "999999"])
def test_unknown_or_ambiguous_areas_are_refused(city: str) -> None:
    if city == "上海":
        assert resolve_area(city).adcode == "310000"
        return
    with pytest.raises(InvalidParameter) as refused:
        resolve_area(city)
    assert city in refused.value.message
    assert city in refused.value.message_zh


def test_a_bbox_anywhere_keeps_the_districts_inside_it() -> None:
    area = resolve_area("113.60,34.74,113.70,34.78")  # central 郑州
    assert {"金水区", "中原区", "二七区"} <= set(area.districts["name"])


def test_zhengzhou_coverage_agrees_with_geodesic_sampling_per_district() -> None:
    """郑州市, 12 districts, 400 stations clustered in town as registries are, radii 1 and
    3 km: each district's covered share within 0.5 points of the sampled one."""
    area = resolve_area("郑州市")
    rng = np.random.default_rng(13)
    centres = area.districts.geometry.representative_point()
    pick = rng.integers(0, len(centres), 400)
    lons = np.array([centres.iloc[i].x for i in pick]) + rng.normal(0, 0.05, 400)
    lats = np.array([centres.iloc[i].y for i in pick]) + rng.normal(0, 0.04, 400)
    radii = (1000.0, 3000.0)
    result = compute_coverage(
        area, StationPoints.from_lonlat(list(lons), list(lats), None),
        filters=(AmenityFilter(()),), radii=radii, demand=None,
    )  # fmt: skip
    assert len(result.districts) == 12
    for d, geom in zip(result.districts, area.districts.geometry, strict=True):
        for rf in d.filters[0].radii:
            expected = grid_share(geom, lons, lats, rf.radius_m, step_m=150.0)
            assert rf.share == pytest.approx(expected, abs=0.005), (d.name, rf.radius_m)
    assert 0.05 < result.total.filters[0].radii[0].share < 0.95  # neither empty nor full


def test_a_province_is_an_overview_with_the_same_figures(tmp_path: object) -> None:
    """Zhejiang's 90 districts make an overview: the same figures as the detail, coarser
    outlines, no stations and no covered area kept for drawing."""
    from geo.coverage import OVERVIEW_DISTRICTS, build_coverage
    from geo.model import build_station_data
    from geo.registry import open_registry

    registry = open_registry(f"sqlite:///{tmp_path}/sf.db")
    try:
        for i, (lon, lat) in enumerate([(120.15, 30.27), (121.55, 29.87), (120.7, 28.0)]):
            registry.create(data=build_station_data(
                {"name": f"驿站{i}", "lon": lon, "lat": lat, "amenities": ["ev_charging"]}
            ))  # fmt: skip
        overview = build_coverage(registry, city="浙江省", radius_m="1000,3000")
        detail = build_coverage(registry, city="浙江省", radius_m="1000,3000", overview=False)
    finally:
        registry.close()
    assert len(overview.districts) > OVERVIEW_DISTRICTS
    assert overview.overview
    assert not detail.overview
    assert overview.stations == ()
    assert len(detail.stations) == 3
    assert all(layer.covered.is_empty for layer in overview.layers)
    assert not detail.layers[0].covered.is_empty

    def figures(result: object) -> list[float]:
        rows = [*result.districts, result.total]  # type: ignore[attr-defined]
        return [x for d in rows for f in d.filters for r in f.radii
                for x in (r.covered_km2, r.share)]  # fmt: skip

    assert figures(overview) == pytest.approx(figures(detail), rel=1e-9, abs=1e-12)
    assert [d.stations for d in overview.districts] == [d.stations for d in detail.districts]
    coarse = sum(shapely.get_num_coordinates(g) for g in overview.outlines)
    fine = sum(shapely.get_num_coordinates(g) for g in detail.outlines)
    assert coarse < fine / 3
