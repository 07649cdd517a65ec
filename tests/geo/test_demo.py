"""The demo registry: published figures, realistic shares, locations inside districts."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import shapely

from geo.boundaries import load_area_districts, load_districts
from geo.demo import DEMO_PLACES, HOSTS, HOURS, PROFILES, demo_summary, generate_demo
from geo.errors import InvalidParameter
from geo.model import StationData, Status, build_station_data
from geo.places import locate

SEED = 20261122
MAIN_URBAN_CQ = {
    "渝中区",
    "江北区",
    "沙坪坝区",
    "九龙坡区",
    "南岸区",
    "大渡口区",
    "渝北区",
    "巴南区",
    "北碚区",
}

# Amenities drawn independently: code, expected share. Observed shares must lie within
# 0.02 (more than 5 standard deviations at 17,604 stations).
SHARES = [
    ("drinking_water", 0.95),
    ("rest_area", 0.90),
    ("phone_charging", 0.80),
    ("toilet", 0.60),
    ("microwave", 0.55),
    ("first_aid", 0.50),
    ("heating_cooling", 0.50),
    ("wifi", 0.45),
    ("shelter", 0.40),
    ("sewing_kit", 0.30),
    ("ebike_charging", 0.12),
    ("counseling", 0.03),
    ("battery_swap", 0.02),
]


@pytest.fixture(scope="module")
def demo() -> list[StationData]:
    return generate_demo(seed=SEED)


@pytest.fixture(scope="module")
def by_city(demo: list[StationData]) -> dict[str, list[StationData]]:
    prefixes = {"beijing": "11", "chongqing": "50", "zhengzhou": "4101", "zhejiang": "33"}
    return {
        key: [s for s in demo if s.adcode and s.adcode.startswith(prefix)]
        for key, prefix in prefixes.items()
    }


def _districts(key: str) -> tuple[list[str], list[str], list[shapely.Geometry]]:
    """A place's districts as the demo draws them: adcodes, names, outlines."""
    profile = PROFILES[key]
    frame = (
        load_districts(key)
        if profile.outlines == "shipped"
        else load_area_districts(profile.area_adcode)
    )
    return list(frame["adcode"]), list(frame["name"]), list(frame.geometry)


def _has(stations: list[StationData], code: str) -> list[StationData]:
    return [s for s in stations if code in s.amenities]


def test_same_seed_same_registry_and_cities_are_independent(
    demo: list[StationData], by_city: dict[str, list[StationData]]
) -> None:
    assert generate_demo(seed=SEED, cities=["beijing"]) == by_city["beijing"]
    for key in ("chongqing", "zhejiang"):
        alone = generate_demo(seed=SEED, cities=[key])
        together = by_city[key]
        # Everything but the few names that a place generated before had already taken.
        without_name = [s.model_copy(update={"name": ""}) for s in alone]
        assert without_name == [s.model_copy(update={"name": ""}) for s in together]
        # (A renamed station can pass its name on to a later one of its place.)
        renamed = [a for a, b in zip(alone, together, strict=True) if a != b]
        assert len(renamed) < 0.01 * len(alone)
    other = generate_demo(seed=SEED + 1, cities=["chongqing"])
    assert [s.lon for s in other] != [s.lon for s in by_city["chongqing"]]


def test_published_counts(by_city: dict[str, list[StationData]]) -> None:
    bj, cq = by_city["beijing"], by_city["chongqing"]
    assert len(bj) == 9_000
    assert len(cq) == 5_606
    assert len(by_city["zhengzhou"]) == 248  # 240+
    zj = by_city["zhejiang"]
    assert len(zj) == 2_750  # 2,700+, in each of its 11 cities and 90 districts
    assert len({s.adcode[:4] for s in zj if s.adcode}) == 11
    assert len({s.adcode for s in zj}) == 90
    assert Counter(s.adcode[:4] for s in zj if s.adcode).most_common(1) == [("3301", 800)]
    assert sum(s.district == "朝阳区" for s in bj) >= 3_500
    car, ev, moto = _has(cq, "car_parking"), _has(cq, "ev_charging"), _has(cq, "motorcycle_parking")
    assert len(car) == 228
    assert sum(s.car_parking_spaces or 0 for s in car) >= 1_300
    assert len(ev) == 50
    assert len(moto) == 360
    assert sum(s.motorcycle_parking_spaces or 0 for s in moto) >= 1_600
    # All in the main urban area; EV piles only where cars can park.
    assert {s.district for s in car + ev + moto} <= MAIN_URBAN_CQ
    assert {s.external_id for s in ev} <= {s.external_id for s in car}
    assert sum(s.district in MAIN_URBAN_CQ for s in cq) > len(cq) / 2


def test_counts_carry_their_amenity(demo: list[StationData]) -> None:
    for s in demo:
        assert bool(s.car_parking_spaces) == ("car_parking" in s.amenities)
        assert bool(s.motorcycle_parking_spaces) == ("motorcycle_parking" in s.amenities)
        assert bool(s.ev_charging_piles) == ("ev_charging" in s.amenities)
    assert {s.ev_charging_piles for s in _has(demo, "ev_charging")} <= {1, 2, 3, 4}
    assert min(s.car_parking_spaces or 99 for s in demo) >= 3


def test_mountain_districts_are_thin(by_city: dict[str, list[StationData]]) -> None:
    per = Counter(s.district for s in by_city["beijing"])
    urban = ["海淀区", "丰台区", "东城区", "西城区", "通州区", "大兴区", "昌平区"]
    mountain = ["延庆区", "怀柔区", "密云区", "门头沟区", "平谷区"]
    assert min(per[d] for d in urban) > 3 * max(per[d] for d in mountain)


@pytest.mark.parametrize("city", DEMO_PLACES)
def test_every_station_inside_its_district(city: str, demo: list[StationData]) -> None:
    for adcode, name, geom in zip(*_districts(city), strict=True):
        mine = [s for s in demo if s.adcode == adcode]
        assert mine, name
        assert {s.district for s in mine} == {name}
        lon = np.array([s.lon for s in mine])
        lat = np.array([s.lat for s in mine])
        assert shapely.contains_xy(geom, lon, lat).all(), name


def test_every_station_is_where_the_registry_would_place_it(demo: list[StationData]) -> None:
    """The registry derives the district from the position and refuses a label it
    belies, so each demo station's district must be its position's (national outlines)."""
    places = locate([s.lon for s in demo], [s.lat for s in demo])
    assert [p.adcode if p else None for p in places] == [s.adcode for s in demo]
    assert [p.district if p else None for p in places] == [s.district for s in demo]


def test_named_areas_lie_in_their_districts() -> None:
    for key, profile in PROFILES.items():
        _, names, geoms = _districts(key)
        by_name = dict(zip(names, geoms, strict=True))
        assert len(by_name) == len(names)  # areas are keyed by district name
        for district, areas in profile.areas.items():
            for area in areas:
                assert shapely.contains_xy(by_name[district], area.lon, area.lat), area.name


def test_central_stations_cluster_around_named_areas(demo: list[StationData]) -> None:
    areas = PROFILES["beijing"].areas["朝阳区"]
    centres = np.array([(a.lon, a.lat) for a in areas])
    pts = np.array([(s.lon, s.lat) for s in demo if s.district == "朝阳区"])
    dx = (pts[:, None, 0] - centres[None, :, 0]) * 85_000.0  # metres per degree at 40° N
    dy = (pts[:, None, 1] - centres[None, :, 1]) * 111_000.0
    nearest_m = np.hypot(dx, dy).min(axis=1)
    assert np.mean(nearest_m < 4_000.0) > 0.6


def test_external_ids_unique_and_formatted(demo: list[StationData]) -> None:
    ids = [s.external_id for s in demo]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"(BJ|CQ|ZZ|ZJ)-\d{6}", i or "") for i in ids)
    assert ids[0] == "BJ-000001"
    assert {"CQ-000001", "ZZ-000001", "ZJ-000001"} <= set(ids)


def test_every_station_passes_the_import_validation(demo: list[StationData]) -> None:
    for s in demo:
        fields = s.model_dump(mode="json", exclude={"opening_hours_osm"})
        assert build_station_data(fields) == s


ADDRESS_PREFIX = {
    "beijing": "北京市",
    "chongqing": "重庆市",
    "zhengzhou": "河南省郑州市",
    "zhejiang": r"浙江省\w+?市",
}


def test_text_fields_look_real(by_city: dict[str, list[StationData]]) -> None:
    for city, stations in by_city.items():
        profile = PROFILES[city]
        kinds = tuple(kind for kind, _ in profile.kinds)
        landmarks = {a.name for areas in profile.areas.values() for a in areas}
        for s in stations:
            assert s.district
            assert s.adcode
            assert s.address
            assert s.phone
            address = re.fullmatch(rf"{ADDRESS_PREFIX[city]}{s.district}(\S+?)(\d+)号", s.address)
            assert address, s.address
            road = address.group(1)
            # Host + road or landmark + kind: 工商银行国贸支行暖心驿站.
            assert s.host in HOSTS
            places = [
                m.group(1)
                for kind in kinds
                if s.name.endswith(kind)
                for template in profile.brands[s.host]
                if (
                    m := re.fullmatch(
                        re.escape(template).replace(r"\{\}", "(.+)"), s.name.removesuffix(kind)
                    )
                )
            ]
            assert places, s.name
            assert any(road in p or p in landmarks for p in places), (s.name, s.address)
            area_code = profile.phone_area(s.adcode)
            assert re.fullmatch(rf"{area_code}-\d{{8}}|1[3-9]\d{{9}}", s.phone)
    for city, landmark in [
        ("beijing", "国贸"),
        ("chongqing", "解放碑"),
        ("zhengzhou", "二七广场"),
        ("zhejiang", "湖滨"),
    ]:
        assert any(landmark in s.name for s in by_city[city]), landmark


def test_every_name_is_distinct(demo: list[StationData]) -> None:
    names = [s.name for s in demo]
    assert len(set(names)) == len(names)
    # The candidates suffice: no name needs an ordinal (…（二）) in the shipped demo.
    assert not [n for n in names if n.endswith("）")]
    assert len({s.name for s in generate_demo(seed=SEED + 7, cities=["zhengzhou"])}) == 248


def test_a_few_stations_share_a_building(by_city: dict[str, list[StationData]]) -> None:
    for stations in by_city.values():
        at = Counter((s.lon, s.lat) for s in stations)
        shared = [p for p, c in at.items() if c > 1]
        assert 3 <= len(shared) <= 20
        for point in shared:
            same = [s for s in stations if (s.lon, s.lat) == point]
            assert len({s.address for s in same}) == 1
            assert len({s.external_id for s in same}) == len(same)


@pytest.mark.parametrize(("code", "share"), SHARES)
def test_amenity_shares(code: str, share: float, demo: list[StationData]) -> None:
    assert len(_has(demo, code)) / len(demo) == pytest.approx(share, abs=0.02)


def test_exact_count_amenities_and_a_rare_one(by_city: dict[str, list[StationData]]) -> None:
    bj = by_city["beijing"]
    assert len(_has(bj, "car_parking")) == 360  # 4%
    assert len(_has(bj, "motorcycle_parking")) == 540  # 6%
    assert len(_has(bj, "ev_charging")) == 81  # 0.9%
    for key in ("zhengzhou", "zhejiang"):
        profile, stations = PROFILES[key], by_city[key]
        car = _has(stations, "car_parking")
        assert len(car) == profile.car[0]
        assert sum(s.car_parking_spaces or 0 for s in car) >= profile.car[1]
        assert len(_has(stations, "motorcycle_parking")) == profile.moto[0]
        assert len(_has(stations, "ev_charging")) == profile.ev_stations
    everyone = [s for stations in by_city.values() for s in stations]
    legal = _has(everyone, "legal_aid")
    assert 0 < len(legal) <= 0.001 * len(everyone)
    assert all(_has(stations, "legal_aid") for stations in by_city.values())


def test_status_and_hours_shares(demo: list[StationData]) -> None:
    status = Counter(s.status for s in demo)
    assert status[Status.OPEN] / len(demo) == pytest.approx(0.95, abs=0.01)
    assert status[Status.TEMPORARILY_CLOSED] / len(demo) == pytest.approx(0.03, abs=0.01)
    assert status[Status.PLANNED] / len(demo) == pytest.approx(0.02, abs=0.01)
    hours = Counter(s.opening_hours for s in demo)
    assert set(hours) == set(HOURS)
    assert hours["24小时"] / len(demo) == pytest.approx(0.35, abs=0.03)
    assert 0 < hours[None] / len(demo) < 0.05
    banks = [s for s in demo if s.host == "银行网点"]
    assert len(banks) / len(demo) == pytest.approx(0.30, abs=0.02)
    assert any(s.opening_hours == "周一至周五 09:00-17:00" for s in banks)


def test_summary(demo: list[StationData]) -> None:
    summary = demo_summary(demo)
    assert summary["stations"] == 17_604
    bj, cq = summary["cities"]["beijing"], summary["cities"]["chongqing"]
    assert (bj["stations"], cq["stations"]) == (9_000, 5_606)
    assert summary["cities"]["zhengzhou"]["stations"] == 248
    assert len(summary["cities"]["zhejiang"]["districts"]) == 90
    assert bj["districts"]["朝阳区"] >= 3_500
    assert len(bj["districts"]) == 16
    assert len(cq["districts"]) == 38
    assert cq["amenities"]["ev_charging"] == 50
    assert cq["car_parking_spaces"] >= 1_300
    assert cq["motorcycle_parking_spaces"] >= 1_600
    for code, count in summary["amenities"].items():
        assert count == sum(c["amenities"][code] for c in summary["cities"].values())
    assert sum(bj["status"].values()) == 9_000
    empty = demo_summary([])
    assert empty["stations"] == 0
    assert empty["cities"] == {}
    assert set(empty["amenities"].values()) == {0}


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"seed": 1, "cities": ["shanghai"]}, "'shanghai'"),  # unknown city, named
        ({"seed": -1}, "-1"),  # negative seed
        ({"seed": 1.5}, "1.5"),  # not an integer
        ({"seed": True}, "True"),  # bool is not a seed
    ],
)
def test_bad_arguments(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        generate_demo(**kwargs)  # type: ignore[arg-type]
    assert needle in info.value.message


def test_a_single_city_as_a_string() -> None:
    stations = generate_demo(seed=3, cities="chongqing")
    assert len(stations) == 5_606
