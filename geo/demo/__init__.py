"""Seeded demo registries of rest stations: Beijing, Chongqing, Zhengzhou and Zhejiang.

The demo follows the published figures (see PRODUCT.md): Beijing's 9,000 warm-heart
stations, 3,520 of them in Chaoyang; Chongqing's 5,606 union stations, with car and
motorcycle parking and EV charging in its main urban area; Zhengzhou's 240+ stations;
Zhejiang's 2,700+ across its eleven cities. Everything else (hosts, hours, the other
amenities) is drawn with realistic shares. The stations are invented: real road and
area names, invented branches, and every station has a name of its own
(:mod:`geo.demo.names`).

The tables (counts, areas, brands, shares) are data, not code: ``data/demo/*.toml``,
with their provenance in ``data/demo/PROVENANCE.md``, read and checked once by
:mod:`geo.demo.tables` into :data:`PROFILES` (one :class:`~geo.demo.profile.Profile` per
place) and the shared tables of :mod:`geo.demo.common`.

Beijing and Chongqing lie in the district outlines shipped in ``data/boundaries``, the
other places in the national outlines (:mod:`geo.outlines`), so every station's district
is the one its position gives. Where the stations lie and what they offer is drawn by
:mod:`geo.demo.draw`; each place draws from its own generator,
``numpy.random.default_rng([seed, i])`` with ``i`` the place's position in
:data:`DEMO_PLACES`, so a place's stations depend only on the seed, not on which other
places are generated with it. Only a name another place already took moves on to its next
candidate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np

from geo.amenities import AMENITIES
from geo.boundaries import CITY_NAMES, load_area_districts, load_districts
from geo.demo.common import GENERIC_ROADS, HOSTS, HOURS, MOBILE_PREFIXES, STATUSES
from geo.demo.draw import draw
from geo.demo.names import NameParts, distinct_names
from geo.demo.profile import Profile
from geo.demo.tables import load_tables
from geo.errors import InvalidParameter
from geo.model import StationData, Status

__all__ = ["DEMO_PLACES", "HOSTS", "HOURS", "PROFILES", "demo_summary", "generate_demo"]

PROFILES: Final[dict[str, Profile]] = load_tables().profiles
DEMO_PLACES: Final = tuple(PROFILES)  # beijing, chongqing, zhengzhou, zhejiang


def generate_demo(*, seed: int, cities: Sequence[str] = DEMO_PLACES) -> list[StationData]:
    """Generate a realistic demo registry, the same one for the same seed.

    Parameters
    ----------
    seed : int
        Non-negative seed; equal seeds give equal registries.
    cities : sequence of str, default :data:`DEMO_PLACES`
        Which places to generate (``"beijing"``: 9,000 stations, ``"chongqing"``: 5,606,
        ``"zhengzhou"``: 248, ``"zhejiang"``: 2,750), in this order; repeats are ignored.

    Returns
    -------
    list of StationData
        Validated stations, WGS84, ordered by place then district (adcode), with
        ``external_id`` ``BJ-000001``, ``CQ-…``, ``ZZ-…``, ``ZJ-…`` and names unique
        within the list.

    Raises
    ------
    InvalidParameter
        If `seed` is not a non-negative integer or a place is unknown.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidParameter(
            f"seed must be a non-negative integer, got {seed!r}",
            f"随机种子必须是非负整数，收到 {seed!r}",
            details=[{"field": "seed", "value": repr(seed)}],
        )
    if isinstance(cities, str):  # generate_demo(seed=1, cities="beijing")
        cities = (cities,)
    unknown = [c for c in cities if c not in PROFILES]
    if unknown:
        known = ", ".join(DEMO_PLACES)
        raise InvalidParameter(
            f"unknown demo place {unknown[0]!r}; known places: {known}",
            f"未知的演示地区 {unknown[0]!r}；可选：{known}",
            details=[{"field": "city", "value": str(unknown[0]), "accepted": list(DEMO_PLACES)}],
        )
    stations: list[StationData] = []
    for key in dict.fromkeys(cities):
        rng = np.random.default_rng([int(seed), DEMO_PLACES.index(key)])
        taken = frozenset(s.name for s in stations)
        stations.extend(_generate_place(rng, PROFILES[key], taken))
    return stations


def _districts(profile: Profile) -> gpd.GeoDataFrame:
    if profile.outlines == "shipped":
        return load_districts(profile.key)
    return load_area_districts(profile.area_adcode)


def _address_prefixes(profile: Profile, adcodes: list[str], names: list[str]) -> list[str]:
    """``北京市朝阳区``, ``浙江省杭州市西湖区``: what each district's addresses start with."""
    if profile.outlines == "shipped":
        return [f"{CITY_NAMES[profile.key]}{name}" for name in names]
    from geo.outlines.national import outlines

    o = outlines()
    return [o.places[o.by_adcode[a]].full_name for a in adcodes]


def _generate_place(
    rng: np.random.Generator, profile: Profile, taken: frozenset[str]
) -> list[StationData]:
    """All stations of one place; names avoid `taken` (the places generated before)."""
    districts = _districts(profile)
    names = [str(x) for x in districts["name"]]
    adcodes = [str(a) for a in districts["adcode"]]
    counts = profile.district_counts(adcodes, names)
    cols = draw(rng, profile, names, list(districts.geometry), counts)
    prefixes = _address_prefixes(profile, adcodes, names)
    parts: list[NameParts] = []
    rows: list[dict[str, Any]] = []
    for i in range(len(cols["lon"])):
        d = cols["district"][i]
        district, adcode = names[d], adcodes[d]
        a = cols["area"][i]
        named = profile.areas[district][a] if a >= 0 else None
        own = named.roads if named else profile.roads_of(adcode, district)
        generic = own is None
        roads = GENERIC_ROADS if own is None else own
        road = roads[int(cols["road_u"][i] * len(roads))]
        host = HOSTS[cols["host"][i]]
        templates = profile.brands[host]
        kind = profile.kinds[cols["kind"][i]][0]
        parts.append(
            NameParts(
                template=templates[int(cols["brand_u"][i] * len(templates))],
                place=named.name if named and cols["place_u"][i] < 0.5 else road,
                road=road,
                number=cols["number"][i],
                district=district,
                kind=kind,
                generic=generic,
            )
        )
        phone = (
            f"{MOBILE_PREFIXES[cols['mobile_prefix'][i]]}{cols['mobile_rest'][i]:09d}"
            if cols["mobile"][i]
            else f"{profile.phone_area(adcode)}-{cols['landline'][i]}"
        )
        rows.append(
            {
                "lon": cols["lon"][i],
                "lat": cols["lat"][i],
                "external_id": f"{profile.prefix}-{i + 1:06d}",
                "address": f"{prefixes[d]}{road}{cols['number'][i]}号",
                "district": district,
                "adcode": adcode,
                "host": host,
                "amenities": cols["amenities"][i],
                "car_parking_spaces": cols["car_spaces"][i] or None,
                "motorcycle_parking_spaces": cols["moto_spaces"][i] or None,
                "ev_charging_piles": cols["ev_piles"][i] or None,
                "opening_hours": HOURS[cols["hours"][i]],
                "status": STATUSES[cols["status"][i]],
                "phone": phone,
            }
        )
    return [
        StationData(name=name, **row)
        for name, row in zip(distinct_names(parts, avoid=taken), rows, strict=True)
    ]


def demo_summary(stations: Sequence[StationData]) -> dict[str, Any]:
    """Count stations per place and district, and amenities, e.g. for the README.

    Parameters
    ----------
    stations : sequence of StationData
        Typically the output of :func:`generate_demo`.

    Returns
    -------
    dict
        ``{"stations": int, "amenities": {code: int}, "cities": {place: {...}}}``; each
        place (a key of :data:`PROFILES`, or ``"other"`` for an adcode of none) has
        ``stations``, ``districts`` ({Chinese name: int}, in order of appearance),
        ``amenities`` ({code: int}, vocabulary order, zeros included), ``status``
        ({status: int}), and the totals ``car_parking_spaces``,
        ``motorcycle_parking_spaces`` and ``ev_charging_piles``.
    """
    prefixes = [(p.adcode_prefix, p.key) for p in PROFILES.values()]
    per_city: dict[str, dict[str, Any]] = {}
    for s in stations:
        code = s.adcode or ""
        city = next((key for prefix, key in prefixes if code.startswith(prefix)), "other")
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
