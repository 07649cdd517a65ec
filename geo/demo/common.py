"""What every demo place shares: hosts, hours, amenity shares, and the profile type.

A :class:`Profile` says what differs between the places of the demo (Beijing, Chongqing,
Zhengzhou, Zhejiang): how many stations each district gets, the named commercial areas
and roads, the hosts' brands, the telephone area codes and the exact-count amenities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np

from geo.model import Status


def words(text: str) -> tuple[str, ...]:
    """``"a b c"`` -> ``("a", "b", "c")``: the tables below are written as text."""
    return tuple(text.split())


# Hosts and their shares.
HOSTS: Final = words(
    "银行网点 连锁便利店 房产中介门店 加油站 工会服务中心 社区服务站 商场 快递网点"
)
HOST_P: Final = np.array([0.30, 0.15, 0.12, 0.08, 0.10, 0.15, 0.04, 0.06])

# Brands by host, as name templates: ``{}`` is the road or landmark of the branch, so
# ``工商银行{}支行`` names 工商银行国贸支行. The station's kind follows (暖心驿站...).
# A host's template is drawn uniformly from its tuple.
COMMON_BRANDS: Final = {
    "工会服务中心": words("{}职工服务中心 {}职工之家 {}工会服务站"),
    "社区服务站": words("{}社区服务站 {}党群服务中心"),
    "快递网点": words(
        "顺丰速运{}营业点 京东物流{}站点 中通快递{}网点 圆通速递{}网点 韵达快递{}网点"
    ),
}
BANKS: Final = (
    "工商银行{}支行 建设银行{}支行 农业银行{}支行 中国银行{}支行 交通银行{}支行 邮储银行{}支行"
)
GAS: Final = "中国石化{}加油站 中国石油{}加油站"

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
HOURS_P: Final = np.array(
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
CAR_W: Final = np.array([2.0, 0.5, 0.5, 6.0, 3.0, 1.5, 5.0, 1.5])
EV_W: Final = np.array([1.0, 1.0, 1.0, 5.0, 2.0, 1.0, 4.0, 1.0])
MOTO_W: Final = np.array([1.0, 1.0, 1.0, 3.0, 2.0, 2.0, 2.0, 4.0])
LEGAL_W: Final = np.array([0.01, 0.01, 0.01, 0.01, 1.0, 0.05, 0.01, 0.01])
STATUS_P: Final = np.array([0.95, 0.03, 0.02])
STATUSES: Final = (Status.OPEN, Status.TEMPORARILY_CLOSED, Status.PLANNED)
# Roads found in most Chinese towns, for districts without roads of their own here.
GENERIC_ROADS: Final = words(
    "人民路 建设路 解放路 新华街 中山路 文化路 府前街 滨河路 商业街 光明路 幸福路 和平路 "
    "振兴路 胜利路 团结路 兴业路 工业园路 花园路 育才路 康宁路 新城大道 南环路 北环路 东风路"
)
MOBILE_PREFIXES: Final = ("13", "15", "17", "18", "19")


@dataclass(frozen=True, slots=True)
class Area:
    """A named commercial area: approximate WGS84 centre and some of its real roads."""

    name: str
    lon: float
    lat: float
    roads: tuple[str, ...]


def areas(*rows: tuple[str, float, float, str]) -> tuple[Area, ...]:
    """Named areas from ``(name, lon, lat, "road road ...")`` rows."""
    return tuple(Area(name, lon, lat, words(roads)) for name, lon, lat, roads in rows)


@dataclass(frozen=True, slots=True)
class Profile:
    """One place of the demo: a city (Beijing) or a province (Zhejiang).

    ``area_adcode`` is the place's adcode; ``outlines`` says where its districts come
    from: ``"shipped"`` (``data/boundaries``, :func:`geo.boundaries.load_districts`, as
    the first two places always had) or ``"national"``
    (:func:`geo.boundaries.load_area_districts`). Stations per district are either
    given by name (``counts``) or shared out of ``city_totals`` (stations per city,
    by 4-digit adcode prefix): an urban district (区) weighs 3, a county-level city (市)
    2, a county 1, and every district gets at least 3.
    """

    key: str
    prefix: str  # of external ids: BJ-000001
    area_adcode: str
    outlines: Literal["shipped", "national"]
    phone_areas: dict[str, str]  # adcode prefix (4 digits, else 2) -> area code
    kinds: tuple[tuple[str, float], ...]  # station type and its share
    brands: dict[str, tuple[str, ...]]  # host -> name templates
    car: tuple[int, int]  # (stations, total spaces at least)
    moto: tuple[int, int]
    ev_stations: int
    legal_aid_stations: int
    counts: dict[str, int] = field(default_factory=dict)  # district name -> stations
    city_totals: dict[str, int] = field(default_factory=dict)  # "3301" -> stations
    areas: dict[str, tuple[Area, ...]] = field(default_factory=dict)  # by district name
    roads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "3301" -> roads
    parking_districts: frozenset[str] | None = None  # where parking/EV go; None = anywhere

    @property
    def adcode_prefix(self) -> str:
        """``"11"`` for 110000, ``"4101"`` for 410100: what the place's adcodes start with."""
        code = self.area_adcode
        while code.endswith("00"):
            code = code[:-2]
        return code

    def phone_area(self, adcode: str) -> str:
        """The telephone area code of a district."""
        return self.phone_areas.get(adcode[:4]) or self.phone_areas[adcode[:2]]

    def roads_of(self, adcode: str, name: str) -> tuple[str, ...]:
        """The roads of a district without named areas: its city's, for an urban
        district (区), else roads found in any town."""
        own = self.roads.get(adcode[:4])
        return own if own and name.endswith("区") else GENERIC_ROADS

    def district_counts(self, adcodes: list[str], names: list[str]) -> list[int]:
        """Stations per district, in the order given."""
        if self.counts:
            if set(names) != set(self.counts):
                raise RuntimeError(f"demo counts do not match the districts of {self.key}")
            return [self.counts[n] for n in names]
        counts = [0] * len(adcodes)
        for city, total in self.city_totals.items():
            mine = [i for i, a in enumerate(adcodes) if a.startswith(city)]
            if not mine:
                raise RuntimeError(f"no districts of {city} in {self.key}")
            weights = np.array([_weight(names[i]) for i in mine])
            spare = total - 3 * len(mine)
            share = spare * weights / weights.sum()
            extra = np.floor(share).astype(np.int64)
            # Largest remainders get what flooring left, earlier districts first on ties.
            order = np.argsort(-(share - extra), kind="stable")
            extra[order[: spare - int(extra.sum())]] += 1
            for i, e in zip(mine, extra.tolist(), strict=True):
                counts[i] = 3 + e
        return counts


def _weight(name: str) -> float:
    return 3.0 if name.endswith("区") else 2.0 if name.endswith("市") else 1.0
