"""Seeded demo registries of rest stations in Beijing and Chongqing.

The demo follows the published figures (see PRODUCT.md): Beijing has 9,000 warm-heart
stations, 3,520 of them in Chaoyang; Chongqing has 5,606 union stations, and in its main
urban area (the nine central districts) 228 offer car parking with 1,300+ spaces, 50 of
those have EV charging piles, and 360 offer motorcycle parking with 1,600+ spaces.
Everything else (names, hosts, hours, the other amenities) is drawn with realistic
shares. The stations are invented: real road and area names, invented branches.

Locations lie inside the real district outlines (:mod:`geo.boundaries`), clustered as
real stations are: around named commercial areas in the central districts, and around
the district's representative point and a few random hotspots elsewhere, each with a
Gaussian spread of 0.35-3 km; points falling outside the district are drawn again.
A few pairs of stations share one building (same point and address), as in real lists.

Each city draws from its own generator, ``numpy.random.default_rng([seed, i])`` with
``i`` the city's position in :data:`~geo.boundaries.CITIES`, so a city's stations depend
only on the seed, not on which other cities are generated with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.amenities import AMENITIES
from geo.boundaries import CITIES, CITY_NAMES, load_districts
from geo.errors import InvalidParameter
from geo.model import StationData, Status

__all__ = ["demo_summary", "generate_demo"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_M_PER_DEG: Final = 111_320.0
_DECIMALS: Final = 6  # ~0.1 m; points are rounded before the inside-the-district test


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Hosts and their shares.
HOSTS: Final = _words(
    "银行网点 连锁便利店 房产中介门店 加油站 工会服务中心 社区服务站 商场 快递网点"
)
_HOST_P: Final = np.array([0.30, 0.15, 0.12, 0.08, 0.10, 0.15, 0.04, 0.06])
# Brands by host, used in station names; "" (a union's own station) names no host.
_COMMON_BRANDS: Final = {
    "工会服务中心": (*_words("职工服务中心 街道总工会"), ""),
    "社区服务站": _words("社区服务站 党群服务中心"),
    "快递网点": _words("顺丰速运网点 京东物流站点 中通快递网点 圆通速递网点 韵达快递网点"),
}
_BANKS: Final = "工商银行 建设银行 农业银行 中国银行 交通银行 邮储银行"
_BEIJING_BRANDS: Final = _COMMON_BRANDS | {
    "银行网点": _words(f"{_BANKS} 北京银行 北京农商银行"),
    "连锁便利店": _words("便利蜂 物美便利店 好邻居 7-Eleven 罗森 全家"),
    "房产中介门店": _words("链家 我爱我家 麦田房产"),
    "加油站": _words("中国石化加油站 中国石油加油站 壳牌加油站"),
    "商场": _words("万达广场 龙湖天街 华联商厦 大悦城"),
}
_CHONGQING_BRANDS: Final = _COMMON_BRANDS | {
    "银行网点": _words(f"{_BANKS} 重庆银行 重庆农村商业银行"),
    "连锁便利店": _words("罗森 美宜佳 7-Eleven"),
    "房产中介门店": _words("链家 德佑 21世纪不动产"),
    "加油站": _words("中国石化加油站 中国石油加油站"),
    "商场": _words("龙湖天街 万达广场 万象城 来福士"),
}

HOURS: Final = (
    "24小时",
    "08:00-20:00",
    "09:00-18:00",
    "07:30-21:30",
    "周一至周五 09:00-17:00",
    "周一至周日 08:00-22:00",
    "周一至周五 08:30-17:30；周六、周日 09:00-16:00",
    None,
)
_HOURS_P: Final = np.array(
    # 24h, 8-20, 9-18, 7:30-21:30, weekdays, daily 8-22, weekdays+weekend, unknown
    [
        [0.40, 0.00, 0.10, 0.00, 0.30, 0.00, 0.18, 0.02],  # 银行网点 (24 h: self-service hall)
        [0.60, 0.05, 0.00, 0.20, 0.00, 0.13, 0.00, 0.02],  # 连锁便利店
        [0.25, 0.35, 0.20, 0.05, 0.00, 0.13, 0.00, 0.02],  # 房产中介门店
        [0.90, 0.00, 0.00, 0.05, 0.00, 0.03, 0.00, 0.02],  # 加油站
        [0.10, 0.10, 0.25, 0.00, 0.15, 0.00, 0.38, 0.02],  # 工会服务中心
        [0.20, 0.35, 0.20, 0.05, 0.00, 0.00, 0.18, 0.02],  # 社区服务站
        [0.03, 0.15, 0.00, 0.00, 0.00, 0.80, 0.00, 0.02],  # 商场
        [0.10, 0.40, 0.13, 0.35, 0.00, 0.00, 0.00, 0.02],  # 快递网点
    ]
)

# Share of stations offering each amenity, drawn independently per station. Car and
# motorcycle parking, EV charging and legal aid are placed as exact counts instead.
AMENITY_SHARES: Final = {
    "drinking_water": 0.95,
    "rest_area": 0.90,
    "phone_charging": 0.80,
    "toilet": 0.60,
    "microwave": 0.55,
    "first_aid": 0.50,
    "heating_cooling": 0.50,
    "wifi": 0.45,
    "shelter": 0.40,
    "sewing_kit": 0.30,
    "ebike_charging": 0.12,
    "counseling": 0.03,
    "battery_swap": 0.02,
}
# Which hosts get the exact-count amenities (relative weights, in HOSTS order).
_CAR_W: Final = np.array([2.0, 0.5, 0.5, 6.0, 3.0, 1.5, 5.0, 1.5])
_EV_W: Final = np.array([1.0, 1.0, 1.0, 5.0, 2.0, 1.0, 4.0, 1.0])
_MOTO_W: Final = np.array([1.0, 1.0, 1.0, 3.0, 2.0, 2.0, 2.0, 4.0])
_LEGAL_W: Final = np.array([0.01, 0.01, 0.01, 0.01, 1.0, 0.05, 0.01, 0.01])
_STATUS_P: Final = np.array([0.95, 0.03, 0.02])
_STATUSES: Final = (Status.OPEN, Status.TEMPORARILY_CLOSED, Status.PLANNED)
# fmt: off
_GENERIC_ROADS: Final = (
    "人民路", "建设路", "解放路", "新华街", "中山路", "文化路", "府前街", "滨河路", "商业街",
    "光明路", "幸福路", "和平路", "振兴路", "胜利路", "团结路", "兴业路", "工业园路", "花园路",
    "育才路", "康宁路", "新城大道", "南环路", "北环路", "东风路",
)
_BEIJING_COUNTS: Final = {
    "东城区": 420, "西城区": 450, "朝阳区": 3520, "丰台区": 700, "石景山区": 230,
    "海淀区": 940, "门头沟区": 110, "房山区": 320, "通州区": 520, "顺义区": 380,
    "昌平区": 520, "大兴区": 500, "怀柔区": 110, "平谷区": 90, "密云区": 110, "延庆区": 80,
}
_CHONGQING_COUNTS: Final = {
    # Main urban area: 3,200 of 5,606.
    "渝中区": 380, "江北区": 380, "沙坪坝区": 450, "九龙坡区": 470, "南岸区": 340,
    "大渡口区": 120, "渝北区": 620, "巴南区": 260, "北碚区": 180,
    # The other 29 districts and counties, roughly by urban population.
    "万州区": 220, "涪陵区": 160, "綦江区": 105, "大足区": 90, "黔江区": 50,
    "长寿区": 105, "江津区": 160, "合川区": 145, "永川区": 145, "南川区": 60,
    "璧山区": 105, "铜梁区": 80, "潼南区": 66, "荣昌区": 80, "开州区": 130,
    "梁平区": 60, "武隆区": 35, "城口县": 20, "丰都县": 55, "垫江县": 75, "忠县": 60,
    "云阳县": 85, "奉节县": 65, "巫山县": 40, "巫溪县": 30, "石柱土家族自治县": 40,
    "秀山土家族苗族自治县": 50, "酉阳土家族苗族自治县": 45, "彭水苗族土家族自治县": 45,
}
# fmt: on


@dataclass(frozen=True, slots=True)
class _Area:
    """A named commercial area: approximate WGS84 centre and some of its real roads."""

    name: str
    lon: float
    lat: float
    roads: tuple[str, ...]


def _areas(*rows: tuple[str, float, float, str]) -> tuple[_Area, ...]:
    return tuple(_Area(name, lon, lat, _words(roads)) for name, lon, lat, roads in rows)


@dataclass(frozen=True, slots=True)
class _CityProfile:
    """What differs between the cities: counts, names, the exact-count amenities."""

    prefix: str
    phone_area: str
    kinds: tuple[tuple[str, float], ...]  # station type and its share
    counts: dict[str, int]  # stations per district (Chinese name)
    areas: dict[str, tuple[_Area, ...]]
    parking_districts: frozenset[str] | None  # where parking/EV go; None = anywhere
    car: tuple[int, int]  # (stations, total spaces at least)
    moto: tuple[int, int]
    ev_stations: int
    legal_aid_stations: int
    brands: dict[str, tuple[str, ...]]  # host -> brands used in names


_BEIJING = _CityProfile(
    prefix="BJ",
    phone_area="010",
    kinds=(("暖心驿站", 0.7), ("户外劳动者暖心驿站", 0.15), ("工会驿站", 0.15)),
    counts=_BEIJING_COUNTS,
    areas={
        "朝阳区": _areas(
            ("国贸", 116.461, 39.909, "建国路 东三环中路 光华路"),
            ("三里屯", 116.455, 39.934, "工人体育场北路 三里屯路 新东路"),
            ("望京", 116.473, 39.996, "望京街 阜通东大街 广顺北大街"),
            ("酒仙桥", 116.492, 39.967, "酒仙桥路 将台路"),
            ("双井", 116.461, 39.893, "广渠路 东三环南路"),
            ("亚运村", 116.409, 39.990, "北辰东路 安立路 慧忠路"),
            ("青年路", 116.516, 39.924, "青年路 朝阳北路"),
            ("管庄", 116.597, 39.912, "管庄路 朝阳路"),
        ),
        "海淀区": _areas(
            ("中关村", 116.316, 39.983, "中关村大街 海淀大街 科学院南路"),
            ("五道口", 116.338, 39.993, "成府路 学院路"),
            ("上地", 116.305, 40.035, "上地信息路 上地十街"),
            ("魏公村", 116.322, 39.955, "中关村南大街 魏公村路"),
            ("万寿路", 116.295, 39.912, "复兴路 万寿路"),
            ("西二旗", 116.306, 40.053, "后厂村路 西二旗大街"),
        ),
        "东城区": _areas(
            ("王府井", 116.411, 39.914, "王府井大街 东单北大街"),
            ("东直门", 116.433, 39.941, "东直门内大街 东直门南大街"),
            ("崇文门", 116.417, 39.899, "崇文门外大街 广渠门内大街"),
            ("雍和宫", 116.417, 39.948, "雍和宫大街 安定门东大街"),
        ),
        "西城区": _areas(
            ("西单", 116.374, 39.910, "西单北大街 宣武门内大街"),
            ("金融街", 116.359, 39.916, "金融大街 武定侯街"),
            ("新街口", 116.369, 39.940, "新街口外大街 西直门内大街"),
            ("广安门", 116.356, 39.890, "广安门内大街 广安门外大街"),
        ),
        "丰台区": _areas(
            ("丰台科技园", 116.287, 39.829, "丰台路 南四环西路"),
            ("方庄", 116.432, 39.865, "方庄路 蒲方路"),
            ("六里桥", 116.312, 39.883, "西三环南路 丰台北路"),
            ("马家堡", 116.376, 39.847, "马家堡东路 角门路"),
        ),
        "石景山区": _areas(
            ("鲁谷", 116.236, 39.895, "鲁谷路 石景山路"),
            ("古城", 116.190, 39.907, "古城大街 石景山路"),
            ("苹果园", 116.178, 39.926, "苹果园路 阜石路"),
        ),
        "通州区": _areas(
            ("北苑", 116.647, 39.904, "新华大街 车站路"),
            ("梨园", 116.670, 39.883, "梨园北街 九棵树东路"),
            ("运河商务区", 116.695, 39.915, "运河东大街 新华东街"),
        ),
        "大兴区": _areas(
            ("黄村", 116.339, 39.727, "兴华大街 黄村西大街"),
            ("西红门", 116.332, 39.790, "西红门路 欣宁街"),
            ("亦庄", 116.505, 39.795, "荣华中路 科创街"),
        ),
        "昌平区": _areas(
            ("回龙观", 116.332, 40.071, "回龙观西大街 育知路"),
            ("天通苑", 116.416, 40.071, "立汤路 太平庄中街"),
            ("昌平城区", 116.232, 40.220, "政府街 府学路 鼓楼南街"),
        ),
    },
    parking_districts=None,
    car=(360, 2_100),
    moto=(540, 2_400),
    ev_stations=81,
    legal_aid_stations=8,
    brands=_BEIJING_BRANDS,
)

_CQ_MAIN_URBAN: Final = frozenset(
    {"渝中区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "大渡口区", "渝北区", "巴南区", "北碚区"}
)
_CHONGQING = _CityProfile(
    prefix="CQ",
    phone_area="023",
    kinds=(("工会驿站", 0.85), ("暖心驿站", 0.15)),
    counts=_CHONGQING_COUNTS,
    areas={
        "渝中区": _areas(
            ("解放碑", 106.577, 29.557, "民族路 邹容路 民权路"),
            ("朝天门", 106.583, 29.563, "朝东路 新华路"),
            ("大坪", 106.519, 29.541, "大坪正街 长江二路"),
            ("两路口", 106.548, 29.552, "中山三路 长江一路"),
        ),
        "江北区": _areas(
            ("观音桥", 106.532, 29.577, "建新北路 洋河路 建新东路"),
            ("江北嘴", 106.572, 29.573, "江北城西大街 北滨一路"),
            ("五里店", 106.562, 29.590, "五红路 渝鲁大道"),
        ),
        "沙坪坝区": _areas(
            ("三峡广场", 106.456, 29.557, "沙坪坝正街 小龙坎正街"),
            ("磁器口", 106.450, 29.580, "磁南街 汉渝路"),
            ("大学城", 106.308, 29.605, "大学城中路 大学城南路"),
        ),
        "九龙坡区": _areas(
            ("杨家坪", 106.513, 29.506, "西郊路 杨家坪正街"),
            ("石桥铺", 106.483, 29.533, "石杨路 渝州路"),
            ("谢家湾", 106.518, 29.515, "谢家湾正街 袁家岗路"),
            ("二郎", 106.450, 29.510, "科园一路 火炬大道"),
        ),
        "南岸区": _areas(
            ("南坪", 106.560, 29.523, "南坪西路 江南大道 南城大道"),
            ("弹子石", 106.594, 29.558, "南滨路 腾龙大道"),
            ("茶园", 106.645, 29.500, "通江大道 迎宾大道"),
        ),
        "大渡口区": _areas(("九宫庙", 106.484, 29.484, "松青路 文体路 钢花路 春晖路")),
        "渝北区": _areas(
            ("新牌坊", 106.515, 29.608, "新南路 龙山路"),
            ("龙溪", 106.540, 29.605, "红锦大道 松石大道"),
            ("礼嘉", 106.500, 29.660, "金开大道 星光大道"),
            ("两路", 106.630, 29.720, "双龙大道 双凤路"),
        ),
        "巴南区": _areas(
            ("鱼洞", 106.522, 29.383, "龙洲大道 巴县大道"),
            ("李家沱", 106.532, 29.467, "渝南大道 李家沱正街"),
        ),
        "北碚区": _areas(
            ("北碚城区", 106.398, 29.806, "北京路 中山路 天生路"),
            ("蔡家", 106.465, 29.716, "蔡家大道 同兴路"),
        ),
    },
    parking_districts=_CQ_MAIN_URBAN,
    car=(228, 1_300),
    moto=(360, 1_600),
    ev_stations=50,
    legal_aid_stations=5,
    brands=_CHONGQING_BRANDS,
)

PROFILES: Final = {"beijing": _BEIJING, "chongqing": _CHONGQING}
_PROVINCE_OF_CITY: Final = {"beijing": "11", "chongqing": "50"}  # adcode prefixes
_DUPLICATE_PAIRS: Final = 6  # per city: two stations in one building
_MOBILE_PREFIXES: Final = ("13", "15", "17", "18", "19")


def generate_demo(*, seed: int, cities: Sequence[str] = CITIES) -> list[StationData]:
    """Generate a realistic demo registry, the same one for the same seed.

    Parameters
    ----------
    seed : int
        Non-negative seed; equal seeds give equal registries.
    cities : sequence of str, default :data:`~geo.boundaries.CITIES`
        Which cities to generate (``"beijing"``: 9,000 stations, ``"chongqing"``: 5,606),
        in this order; repeats are ignored.

    Returns
    -------
    list of StationData
        Validated stations, WGS84, ordered by city then district (adcode), with
        ``external_id`` ``BJ-000001``... / ``CQ-000001``... unique within the list.

    Raises
    ------
    InvalidParameter
        If `seed` is not a non-negative integer or a city is unknown.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidParameter(
            f"seed must be a non-negative integer, got {seed!r}",
            f"随机种子必须是非负整数，收到 {seed!r}",
            details=[{"field": "seed", "value": repr(seed)}],
        )
    if isinstance(cities, str):  # generate_demo(seed=1, cities="beijing")
        cities = (cities,)
    stations: list[StationData] = []
    for city in dict.fromkeys(cities):
        districts = load_districts(city)  # raises InvalidParameter for an unknown city
        rng = np.random.default_rng([int(seed), CITIES.index(city)])
        stations.extend(_generate_city(rng, city, districts))
    return stations


def _generate_city(
    rng: np.random.Generator, city: str, districts: gpd.GeoDataFrame
) -> list[StationData]:
    """All stations of one city; `districts` is ``load_districts(city)``."""
    profile = PROFILES[city]
    names = [str(x) for x in districts["name"]]
    if set(names) != set(profile.counts):
        raise RuntimeError(f"demo counts do not match the districts of {city}")
    cols = _draw(rng, profile, names, list(districts.geometry))
    adcodes = [str(a) for a in districts["adcode"]]
    city_zh = CITY_NAMES[city]
    stations = []
    for i in range(len(cols["lon"])):
        district = names[cols["district"][i]]
        a = cols["area"][i]
        named = profile.areas[district][a] if a >= 0 else None
        roads = named.roads if named else _GENERIC_ROADS
        road = roads[int(cols["road_u"][i] * len(roads))]
        place = named.name if named and cols["place_u"][i] < 0.5 else road
        host = HOSTS[cols["host"][i]]
        brands = profile.brands[host]
        brand = brands[int(cols["brand_u"][i] * len(brands))]
        phone = (
            f"{_MOBILE_PREFIXES[cols['mobile_prefix'][i]]}{cols['mobile_rest'][i]:09d}"
            if cols["mobile"][i]
            else f"{profile.phone_area}-{cols['landline'][i]}"
        )
        stations.append(
            StationData(
                name=f"{district}{place}{brand}{profile.kinds[cols['kind'][i]][0]}",
                lon=cols["lon"][i],
                lat=cols["lat"][i],
                external_id=f"{profile.prefix}-{i + 1:06d}",
                address=f"{city_zh}{district}{road}{cols['number'][i]}号",
                district=district,
                adcode=adcodes[cols["district"][i]],
                host=host,
                amenities=cols["amenities"][i],
                car_parking_spaces=cols["car_spaces"][i] or None,
                motorcycle_parking_spaces=cols["moto_spaces"][i] or None,
                ev_charging_piles=cols["ev_piles"][i] or None,
                opening_hours=HOURS[cols["hours"][i]],
                status=_STATUSES[cols["status"][i]],
                phone=phone,
            )
        )
    return stations


def _draw(
    rng: np.random.Generator, profile: _CityProfile, names: list[str], geoms: list[BaseGeometry]
) -> dict[str, list[Any]]:
    """Every random choice for one city, as columns of plain Python values (fast to index).

    Columns: lon, lat (WGS84 degrees), district (index into `names`), area (index into
    the district's named areas or -1), host, kind, hours, status (indices into their
    tables), amenities (tuples of the independently drawn codes, plus legal_aid),
    car_spaces, moto_spaces, ev_piles (0 = none), and the text draws.
    """
    # Where: per district, clustered inside its outline.
    parts = [
        _locate(rng, geom, profile.areas.get(name, ()), profile.counts[name])
        for name, geom in zip(names, geoms, strict=True)
    ]
    lon = np.concatenate([p[0] for p in parts])
    lat = np.concatenate([p[1] for p in parts])
    area = np.concatenate([p[2] for p in parts])
    dist = np.repeat(np.arange(len(names)), [profile.counts[n] for n in names])
    n = len(lon)

    # What: host, type, hours, status, amenities.
    host = rng.choice(len(HOSTS), size=n, p=_HOST_P)
    kind_p = np.array([p for _, p in profile.kinds])
    kind = rng.choice(len(profile.kinds), size=n, p=kind_p / kind_p.sum())
    hours = (rng.random(n)[:, None] > np.cumsum(_HOURS_P, axis=1)[host][:, :-1]).sum(axis=1)
    status = rng.choice(len(_STATUSES), size=n, p=_STATUS_P)
    drawn = rng.random((n, len(AMENITY_SHARES))) < np.array(list(AMENITY_SHARES.values()))

    # Exact counts: parking and EV (main urban area only in Chongqing), legal aid.
    pool = np.arange(n)
    if profile.parking_districts is not None:
        main = [i for i, name in enumerate(names) if name in profile.parking_districts]
        pool = np.flatnonzero(np.isin(dist, main))
    car = _pick(rng, pool, host, _CAR_W, profile.car[0])
    ev = _pick(rng, car, host, _EV_W, profile.ev_stations)
    moto = _pick(rng, pool, host, _MOTO_W, profile.moto[0])
    legal = set(_pick(rng, np.arange(n), host, _LEGAL_W, profile.legal_aid_stations).tolist())
    car_spaces = np.zeros(n, dtype=np.int64)
    car_spaces[car] = _spaces(rng, len(car), profile.car[1] + int(rng.integers(1, 80)), low=3)
    moto_spaces = np.zeros(n, dtype=np.int64)
    moto_spaces[moto] = _spaces(rng, len(moto), profile.moto[1] + int(rng.integers(1, 80)), low=2)
    ev_piles = np.zeros(n, dtype=np.int64)
    ev_piles[ev] = rng.integers(1, 5, size=len(ev))
    codes = list(AMENITY_SHARES)
    amenities = [
        tuple(c for c, has in zip(codes, row, strict=True) if has) for row in drawn.tolist()
    ]
    for i in legal:
        amenities[i] += ("legal_aid",)

    cols: dict[str, list[Any]] = {
        "lon": lon.tolist(),
        "lat": lat.tolist(),
        "district": dist.tolist(),
        "area": area.tolist(),
        "host": host.tolist(),
        "kind": kind.tolist(),
        "hours": hours.tolist(),
        "status": status.tolist(),
        "amenities": amenities,
        "car_spaces": car_spaces.tolist(),
        "moto_spaces": moto_spaces.tolist(),
        "ev_piles": ev_piles.tolist(),
        # Text: brand, road, place, house number, phone.
        "brand_u": rng.random(n).tolist(),
        "road_u": rng.random(n).tolist(),
        "place_u": rng.random(n).tolist(),
        "number": rng.integers(1, 300, size=n).tolist(),
        "mobile": (rng.random(n) < 0.25).tolist(),
        "landline": rng.integers(60_000_000, 90_000_000, size=n).tolist(),
        "mobile_prefix": rng.integers(0, len(_MOBILE_PREFIXES), size=n).tolist(),
        "mobile_rest": rng.integers(0, 1_000_000_000, size=n).tolist(),
    }
    # A few pairs share a building: same point, road and number; the rest differs.
    same_district = np.flatnonzero(dist[:-1] == dist[1:])
    for i in sorted(rng.choice(same_district, size=_DUPLICATE_PAIRS, replace=False).tolist()):
        for key in ("lon", "lat", "area", "road_u", "number"):
            cols[key][i + 1] = cols[key][i]
    return cols


def _locate(
    rng: np.random.Generator, geom: BaseGeometry, areas: tuple[_Area, ...], n: int
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Draw `n` clustered points inside one district.

    Centres are the named areas inside the district (70% of the stations when there are
    any), its representative point and 3-8 random hotspots; each point is Gaussian
    around its centre with a spread that grows with the district (0.35-3 km).

    Returns
    -------
    lon, lat : ndarray of float
        WGS84 degrees, rounded to 6 decimals, all inside `geom`.
    area : ndarray of int
        Index into `areas` of the point's centre, or -1 for the other centres.
    """
    rep = geom.representative_point()
    area_km2 = geom.area * (_M_PER_DEG / 1000.0) ** 2 * np.cos(np.radians(rep.y))
    sigma = float(np.clip(np.sqrt(area_km2) * 1000.0 / 8.0, 700.0, 3000.0))
    inside = [i for i, a in enumerate(areas) if shapely.contains_xy(geom, a.lon, a.lat)]
    n_hot = int(np.clip(n // 30, 3, 8))
    hot_lon, hot_lat = _uniform_in(rng, geom, n_hot)
    c_lon = np.concatenate([[areas[i].lon for i in inside], [rep.x], hot_lon])
    c_lat = np.concatenate([[areas[i].lat for i in inside], [rep.y], hot_lat])
    c_sigma = np.concatenate(
        [
            np.full(len(inside), max(0.6 * sigma, 500.0)),
            [sigma],
            rng.uniform(0.5, 1.0, n_hot) * sigma,
        ]
    )
    hot_w = rng.uniform(0.3, 1.0, n_hot)
    share_named = 0.7 if inside else 0.0
    weights = np.concatenate(
        [
            np.full(len(inside), share_named / max(len(inside), 1)),
            [0.1 if inside else 0.35],
            hot_w / hot_w.sum() * (1.0 - share_named - (0.1 if inside else 0.35)),
        ]
    )
    which = rng.choice(len(c_lon), size=n, p=weights / weights.sum())
    lon, lat = _gaussian_in(rng, geom, c_lon[which], c_lat[which], c_sigma[which])
    area_index = np.array([*inside, -1], dtype=np.int64)
    area = area_index[np.minimum(which, len(inside))]
    return lon, lat, area


def _gaussian_in(
    rng: np.random.Generator,
    geom: BaseGeometry,
    c_lon: FloatArray,
    c_lat: FloatArray,
    sigma_m: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """One Gaussian point per centre, redrawn until it falls inside `geom`."""
    lon = np.empty_like(c_lon)
    lat = np.empty_like(c_lat)
    todo = np.arange(len(c_lon))
    for _ in range(100):
        if not len(todo):
            return lon, lat
        k = len(todo)
        s_lat = sigma_m[todo] / _M_PER_DEG
        s_lon = s_lat / np.cos(np.radians(c_lat[todo]))
        x = np.round(c_lon[todo] + rng.normal(size=k) * s_lon, _DECIMALS)
        y = np.round(c_lat[todo] + rng.normal(size=k) * s_lat, _DECIMALS)
        ok = shapely.contains_xy(geom, x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    # A centre on a narrow sliver can keep missing; fall back to anywhere in the district.
    lon[todo], lat[todo] = _uniform_in(rng, geom, len(todo))
    return lon, lat


def _uniform_in(
    rng: np.random.Generator, geom: BaseGeometry, n: int
) -> tuple[FloatArray, FloatArray]:
    """`n` points uniform (in degrees) inside `geom`, rounded to 6 decimals."""
    min_x, min_y, max_x, max_y = geom.bounds
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    found = 0
    while found < n:
        m = max(4 * (n - found), 64)
        x = np.round(rng.uniform(min_x, max_x, m), _DECIMALS)
        y = np.round(rng.uniform(min_y, max_y, m), _DECIMALS)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        found += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _pick(
    rng: np.random.Generator, pool: IntArray, host: IntArray, weights: FloatArray, k: int
) -> IntArray:
    """`k` distinct stations of `pool`, drawn with per-host `weights`, sorted."""
    p = weights[host[pool]]
    return np.sort(rng.choice(pool, size=k, replace=False, p=p / p.sum()))


def _spaces(rng: np.random.Generator, k: int, total: int, *, low: int) -> IntArray:
    """`k` counts of at least `low` that add up to exactly `total`."""
    extra = rng.multinomial(total - low * k, np.full(k, 1.0 / k))
    return low + extra.astype(np.int64)


def demo_summary(stations: Sequence[StationData]) -> dict[str, Any]:
    """Count stations per city and district, and amenities, e.g. for the README.

    Parameters
    ----------
    stations : sequence of StationData
        Typically the output of :func:`generate_demo`.

    Returns
    -------
    dict
        ``{"stations": int, "amenities": {code: int}, "cities": {city: {...}}}``; each
        city (``"beijing"``, ``"chongqing"``, or ``"other"`` for an adcode of neither)
        has ``stations``, ``districts`` ({Chinese name: int}, in order of appearance),
        ``amenities`` ({code: int}, vocabulary order, zeros included), ``status``
        ({status: int}), and the totals ``car_parking_spaces``,
        ``motorcycle_parking_spaces`` and ``ev_charging_piles``.
    """
    city_of = {prefix: city for city, prefix in _PROVINCE_OF_CITY.items()}
    per_city: dict[str, dict[str, Any]] = {}
    for s in stations:
        city = city_of.get((s.adcode or "")[:2], "other")
        c = per_city.setdefault(
            city,
            {
                "stations": 0,
                "districts": Counter(),
                "amenities": Counter(),
                "status": Counter(),
                "car_parking_spaces": 0,
                "motorcycle_parking_spaces": 0,
                "ev_charging_piles": 0,
            },
        )
        c["stations"] += 1
        c["districts"][s.district or "?"] += 1
        c["amenities"].update(s.amenities)
        c["status"][str(s.status)] += 1
        c["car_parking_spaces"] += s.car_parking_spaces or 0
        c["motorcycle_parking_spaces"] += s.motorcycle_parking_spaces or 0
        c["ev_charging_piles"] += s.ev_charging_piles or 0
    total: Counter[str] = Counter()
    for c in per_city.values():
        total.update(c["amenities"])
        c["districts"] = dict(c["districts"])
        c["amenities"] = {a.code: c["amenities"][a.code] for a in AMENITIES}
        c["status"] = {str(st): c["status"][str(st)] for st in Status}
    return {
        "stations": sum(c["stations"] for c in per_city.values()),
        "amenities": {a.code: total[a.code] for a in AMENITIES},
        "cities": per_city,
    }
