"""Where demo stations lie and what they offer: every random draw of one place.

Locations lie inside the district outlines, clustered as real stations are: around
named commercial areas, and around the district's representative point and a few random
hotspots, each with a Gaussian spread of 0.35-3 km; points falling outside the district
are drawn again. A few pairs of stations share one building (same point and address),
as in real lists.

The order of the draws is part of the demo's contract: a place's stations depend only
on its generator's seed, so a change here changes every demo registry.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.demo.common import (
    AMENITY_SHARES,
    CAR_W,
    EV_W,
    HOST_P,
    HOSTS,
    HOURS_P,
    LEGAL_W,
    MOBILE_PREFIXES,
    MOTO_W,
    STATUS_P,
    STATUSES,
)
from geo.demo.profile import Area, Profile

__all__ = ["draw"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_M_PER_DEG: Final = 111_320.0
_DECIMALS: Final = 6  # ~0.1 m; points are rounded before the inside-the-district test
_DUPLICATE_PAIRS: Final = 6  # per place: two stations in one building


def draw(
    rng: np.random.Generator,
    profile: Profile,
    names: list[str],
    geoms: list[BaseGeometry],
    counts: list[int],
) -> dict[str, list[Any]]:
    """Every random choice for one city, as columns of plain Python values (fast to index).

    Columns: lon, lat (WGS84 degrees), district (index into `names`), area (index into
    the district's named areas or -1), host, kind, hours, status (indices into their
    tables), amenities (tuples of the independently drawn codes, plus legal_aid),
    car_spaces, moto_spaces, ev_piles (0 = none), and the text draws.
    """
    # Where: per district, clustered inside its outline.
    parts = [
        _locate(rng, geom, profile.areas.get(name, ()), count)
        for name, geom, count in zip(names, geoms, counts, strict=True)
    ]
    lon = np.concatenate([p[0] for p in parts])
    lat = np.concatenate([p[1] for p in parts])
    area = np.concatenate([p[2] for p in parts])
    dist = np.repeat(np.arange(len(names)), counts)
    n = len(lon)

    # What: host, type, hours, status, amenities.
    host = rng.choice(len(HOSTS), size=n, p=HOST_P)
    kind_p = np.array([p for _, p in profile.kinds])
    kind = rng.choice(len(profile.kinds), size=n, p=kind_p / kind_p.sum())
    hours = (rng.random(n)[:, None] > np.cumsum(HOURS_P, axis=1)[host][:, :-1]).sum(axis=1)
    status = rng.choice(len(STATUSES), size=n, p=STATUS_P)
    drawn = rng.random((n, len(AMENITY_SHARES))) < np.array(list(AMENITY_SHARES.values()))

    # Exact counts: parking and EV (main urban area only in Chongqing), legal aid.
    pool = np.arange(n)
    if profile.parking_districts is not None:
        main = [i for i, name in enumerate(names) if name in profile.parking_districts]
        pool = np.flatnonzero(np.isin(dist, main))
    car = _pick(rng, pool, host, CAR_W, profile.car[0])
    ev = _pick(rng, car, host, EV_W, profile.ev_stations)
    moto = _pick(rng, pool, host, MOTO_W, profile.moto[0])
    legal = set(_pick(rng, np.arange(n), host, LEGAL_W, profile.legal_aid_stations).tolist())
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
        "mobile_prefix": rng.integers(0, len(MOBILE_PREFIXES), size=n).tolist(),
        "mobile_rest": rng.integers(0, 1_000_000_000, size=n).tolist(),
    }
    # A few pairs share a building: same point, road and number; the rest differs.
    same_district = np.flatnonzero(dist[:-1] == dist[1:])
    for i in sorted(rng.choice(same_district, size=_DUPLICATE_PAIRS, replace=False).tolist()):
        for key in ("lon", "lat", "area", "road_u", "number"):
            cols[key][i + 1] = cols[key][i]
    return cols


def _locate(
    rng: np.random.Generator, geom: BaseGeometry, areas: tuple[Area, ...], n: int
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
