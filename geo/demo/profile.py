"""What differs between the places of the demo: the :class:`Profile` and :class:`Area` types.

A :class:`Profile` says what differs between the places of the demo (Beijing, Chongqing,
Zhengzhou, Zhejiang): how many stations each district gets, the named commercial areas
and roads, the hosts' brands, the telephone area codes and the exact-count amenities.
The values are read from ``data/demo/<place>.toml`` by :mod:`geo.demo.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["Area", "Profile"]


@dataclass(frozen=True, slots=True)
class Area:
    """A named commercial area: approximate WGS84 centre and some of its real roads."""

    name: str
    lon: float
    lat: float
    roads: tuple[str, ...]


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

    def roads_of(self, adcode: str, name: str) -> tuple[str, ...] | None:
        """The roads of a district without named areas: its city's, for an urban
        district (区); None otherwise, for roads found in any town."""
        own = self.roads.get(adcode[:4])
        return own if own and name.endswith("区") else None

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
