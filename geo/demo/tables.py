"""The demo's tables, read once from the TOML files of ``data/demo`` and checked.

``common.toml`` holds what every place shares: the places and their order, the hosts
with their shares and weights, the brands found everywhere, opening hours, amenity and
status shares, the roads found in any town and the mobile prefixes. ``<place>.toml``
holds one place's :class:`~geo.demo.profile.Profile`. ``PROVENANCE.md`` there says where
each table comes from.

:func:`load_tables` reads a directory once (the result is cached) and refuses malformed
data with :class:`~geo.demo.toml_reader.DemoDataError`, naming the file and the key:
a missing or unknown key, a value of the wrong type, shares that do not sum to 1, a host
in brands that is not among the hosts, a row of the hours matrix of the wrong length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.amenities import BY_CODE
from geo.boundaries import CITIES
from geo.demo.profile import Area, Profile
from geo.demo.toml_reader import DemoDataError, TomlTable, read_toml, sum_to_one
from geo.model import Status

__all__ = ["DEMO_DATA_DIR", "DemoDataError", "DemoTables", "load_tables"]

FloatArray = npt.NDArray[np.float64]

DEMO_DATA_DIR: Final = Path(__file__).resolve().parent.parent.parent / "data" / "demo"
WEIGHTS: Final = ("car", "ev", "moto", "legal_aid")  # per host, in common.toml's [hosts]
# Amenities each place gives exact numbers of stations for, rather than drawn by share.
_EXACT_COUNTS: Final = frozenset({"car_parking", "motorcycle_parking", "ev_charging", "legal_aid"})
_PLACE_KEYS: Final = (
    "prefix",
    "area_adcode",
    "outlines",
    "car_parking",
    "motorcycle_parking",
    "ev_charging_stations",
    "legal_aid_stations",
    "phone_areas",
    "kinds",
    "brands",
)
_PLACE_OPTIONAL: Final = ("counts", "city_totals", "roads", "areas", "parking_districts")
# China's extent in WGS84 degrees: a centre outside it has swapped or mistyped degrees.
_LON: Final = (73.0, 136.0)
_LAT: Final = (3.0, 54.0)


@dataclass(frozen=True, eq=False)
class DemoTables:
    """Every table of the demo, as the generator uses them.

    Per-host arrays are in the order of ``hosts``; ``hours`` ends with None (hours not
    given), the last column of ``hours_p``; ``profiles`` are in the order of
    ``common.toml``'s ``places``.
    """

    hosts: tuple[str, ...]
    host_p: FloatArray
    weights: dict[str, FloatArray]  # WEIGHTS -> relative weight per host
    hours: tuple[str | None, ...]
    hours_p: FloatArray  # host x hours
    amenity_shares: dict[str, float]
    statuses: tuple[Status, ...]
    status_p: FloatArray
    generic_roads: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    profiles: dict[str, Profile]


def load_tables(directory: Path | str = DEMO_DATA_DIR) -> DemoTables:
    """Read and check the demo's tables, once per directory.

    Parameters
    ----------
    directory : path, default ``data/demo``
        Holds ``common.toml`` and one ``<place>.toml`` per place it lists.

    Returns
    -------
    DemoTables
        The same object for the same directory (do not modify it).

    Raises
    ------
    DemoDataError
        If a file is missing, is not TOML, or holds a missing, unknown or malformed
        value; the message names the file and the key.
    """
    return _load(Path(directory).resolve())


@cache
def _load(directory: Path) -> DemoTables:
    common = read_toml(directory / "common.toml")
    common.keys_are(
        [
            "places",
            "hosts",
            "brands",
            "national_brands",
            "hours",
            "amenities",
            "statuses",
            "roads",
            "phones",
        ]
    )
    places = common.texts("places")
    for i, key in enumerate(places):
        if not key.isascii() or not key.isidentifier() or not key.islower():
            common.fail("places", f"{key!r} (item {i}) is not a lower-case file name")
    hosts_table = common.table("hosts")
    hosts = tuple(hosts_table)
    if not hosts:
        common.fail("hosts", "empty table")
    rows = [hosts_table.table(h) for h in hosts]
    for row in rows:
        row.keys_are(["share", *WEIGHTS])
    host_p = [row.number("share", 0.0, 1.0) for row in rows]
    sum_to_one(common, "hosts", host_p)
    weights = {w: _array([row.number(w) for row in rows]) for w in WEIGHTS}
    for w, column in weights.items():
        if not column.any():
            common.fail("hosts", f"every host's {w} weight is 0")
    hours_texts, hours_p = _hours(common.table("hours"), hosts)
    statuses = common.shares("statuses")
    for name in statuses:
        if name not in {s.value for s in Status}:
            common.table("statuses").fail(name, f"not a status ({', '.join(Status)})")
    generic_roads = common.table("roads")
    generic_roads.keys_are(["generic"])
    phones = common.table("phones")
    phones.keys_are(["mobile_prefixes"])
    for prefix in phones.texts("mobile_prefixes"):
        if len(prefix) != 2 or not prefix.isdigit() or not prefix.startswith("1"):
            phones.fail("mobile_prefixes", f"{prefix!r} is not 1 and a digit")

    everywhere = _brands(common.table("brands"), hosts)
    national = _brands(common.table("national_brands"), hosts)
    profiles: dict[str, Profile] = {}
    for key in places:
        table = read_toml(directory / f"{key}.toml")
        profile = _profile(key, table, hosts, everywhere, national)
        other = next((p.key for p in profiles.values() if p.prefix == profile.prefix), None)
        if other is not None:
            table.fail("prefix", f"{profile.prefix!r} is also {other}'s")
        profiles[key] = profile
    return DemoTables(
        hosts=hosts,
        host_p=_array(host_p),
        weights=weights,
        hours=(*hours_texts, None),
        hours_p=_array(hours_p),
        amenity_shares=_amenities(common.table("amenities")),
        statuses=tuple(Status(s) for s in statuses),
        status_p=_array(list(statuses.values())),
        generic_roads=generic_roads.texts("generic"),
        mobile_prefixes=phones.texts("mobile_prefixes"),
        profiles=profiles,
    )


def _array(values: Sequence[float] | Sequence[Sequence[float]]) -> FloatArray:
    """A read-only float array: the tables are shared by every caller."""
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


def _hours(table: TomlTable, hosts: tuple[str, ...]) -> tuple[tuple[str, ...], list[list[float]]]:
    """The texts of opening hours, and per host the share of each (then of none)."""
    table.keys_are(["texts", "shares"])
    texts = table.texts("texts")
    shares = table.table("shares")
    if tuple(shares) != hosts:
        shares.fail(None, f"one row per host of [hosts], in that order: {', '.join(hosts)}")
    of = " (one per text of hours.texts, then one for hours not given)"
    rows = [shares.numbers(h, len(texts) + 1, of=of) for h in hosts]
    for host, row in zip(hosts, rows, strict=True):
        sum_to_one(shares, host, row)
    return texts, rows


def _amenities(table: TomlTable) -> dict[str, float]:
    """Amenity code -> share of stations offering it (drawn independently)."""
    for code in table:
        if code not in BY_CODE:
            table.fail(code, "not an amenity code (geo/amenities.py)")
        if code in _EXACT_COUNTS:
            table.fail(code, "placed by exact numbers of stations in each place, not by share")
    return {code: table.number(code, 0.0, 1.0) for code in table}


def _brands(
    table: TomlTable, hosts: tuple[str, ...], *, empty: bool = False
) -> dict[str, tuple[str, ...]]:
    """Host -> name templates, each with one ``{}`` (the road or landmark)."""
    brands: dict[str, tuple[str, ...]] = {}
    for host in table:
        if host not in hosts:
            table.fail(host, f"not a host of common.toml's [hosts] ({', '.join(hosts)})")
        brands[host] = table.texts(host, empty=empty)
        for template in brands[host]:
            if template.count("{}") != 1:
                table.fail(host, f"{template!r} does not hold one {{}} (the road or landmark)")
    return brands


def _profile(
    key: str,
    t: TomlTable,
    hosts: tuple[str, ...],
    everywhere: dict[str, tuple[str, ...]],
    national: dict[str, tuple[str, ...]],
) -> Profile:
    """One place's profile from its file, checked."""
    t.keys_are(_PLACE_KEYS, _PLACE_OPTIONAL)
    area_adcode = t.text("area_adcode", r"[1-9]\d{5}")
    outlines = t.text("outlines")
    if outlines not in ("shipped", "national"):
        t.fail("outlines", f"{outlines!r}: expected 'shipped' or 'national'")
    if outlines == "shipped" and key not in CITIES:
        t.fail("outlines", f"only {', '.join(CITIES)} have shipped outlines (data/boundaries)")
    car = _parking(t, "car_parking", low=3)
    ev_stations = t.integer("ev_charging_stations")
    if ev_stations > car[0]:
        t.fail("ev_charging_stations", f"more than the {car[0]} stations with car parking")
    if ("counts" in t) == ("city_totals" in t):
        t.fail(None, "give either counts (per district) or city_totals (per city)")
    counts = t.optional_table("counts")
    city_totals = t.optional_table("city_totals")
    for city in city_totals:
        if len(city) != 4 or not city.isdigit() or city[:2] != area_adcode[:2]:
            city_totals.fail(city, f"not a 4-digit adcode prefix of a city in {area_adcode}")
    roads = t.optional_table("roads")
    for city in roads:
        if len(city) != 4 or not city.isdigit():
            roads.fail(city, "not a 4-digit adcode prefix of a city")
    areas = _areas(t.optional_table("areas"), counts)
    parking = t.texts("parking_districts") if "parking_districts" in t else None
    for name in parking or ():
        if counts and name not in counts:
            t.fail("parking_districts", f"{name!r} is not a district of counts")
    return Profile(
        key=key,
        prefix=t.text("prefix", r"[A-Z]{1,4}"),
        area_adcode=area_adcode,
        outlines="shipped" if outlines == "shipped" else "national",
        phone_areas=_phone_areas(t, area_adcode, list(city_totals)),
        kinds=tuple(t.shares("kinds").items()),
        brands=_place_brands(t.table("brands"), hosts, everywhere, national),
        car=car,
        moto=_parking(t, "motorcycle_parking", low=2),
        ev_stations=ev_stations,
        legal_aid_stations=t.integer("legal_aid_stations"),
        counts={name: counts.integer(name) for name in counts},
        city_totals={city: city_totals.integer(city) for city in city_totals},
        areas=areas,
        roads={city: roads.texts(city) for city in roads},
        parking_districts=frozenset(parking) if parking is not None else None,
    )


def _parking(t: TomlTable, name: str, *, low: int) -> tuple[int, int]:
    """``{ stations = 228, spaces = 1_300 }``: spaces at least `low` per station."""
    table = t.table(name)
    table.keys_are(["stations", "spaces"])
    stations, spaces = table.integer("stations"), table.integer("spaces")
    if spaces < low * stations:
        table.fail("spaces", f"{spaces} is fewer than {low} per station ({low * stations})")
    return stations, spaces


def _phone_areas(t: TomlTable, area_adcode: str, cities: list[str]) -> dict[str, str]:
    """Adcode prefix -> telephone area code, covering the place (or each of `cities`)."""
    table = t.table("phone_areas")
    phones = {p: table.text(p, r"0\d{2,3}") for p in table}
    for prefix in phones:
        if len(prefix) not in (2, 4) or not prefix.isdigit():
            table.fail(prefix, "not an adcode prefix of 2 or 4 digits")
    for code in cities or [area_adcode]:
        if code[:4] not in phones and code[:2] not in phones:
            table.fail(None, f"no area code for {code} (by its first 4 digits, or 2)")
    return phones


def _place_brands(
    table: TomlTable,
    hosts: tuple[str, ...],
    everywhere: dict[str, tuple[str, ...]],
    national: dict[str, tuple[str, ...]],
) -> dict[str, tuple[str, ...]]:
    """Every host's templates in one place: the same everywhere, or the national chains
    followed by the place's own."""
    own = _brands(table, hosts, empty=True)
    for host in own:
        if host in everywhere:
            table.fail(host, "this host's brands are the same everywhere (common.toml)")
    brands = everywhere | {h: national.get(h, ()) + templates for h, templates in own.items()}
    brands |= {h: templates for h, templates in national.items() if h not in brands}
    for host in hosts:
        if not brands.get(host):
            table.fail(host, "no brands for this host here or in common.toml")
    return brands


def _areas(table: TomlTable, counts: TomlTable) -> dict[str, tuple[Area, ...]]:
    """District -> its named commercial areas."""
    areas: dict[str, tuple[Area, ...]] = {}
    for district in table:
        if counts and district not in counts:
            table.fail(district, "not a district of counts")
        found = []
        for a in table.tables(district):
            a.keys_are(["name", "lon", "lat", "roads"])
            lon, lat = a.number("lon", *_LON), a.number("lat", *_LAT)
            found.append(Area(a.text("name"), lon, lat, a.texts("roads")))
        areas[district] = tuple(found)
    return areas
