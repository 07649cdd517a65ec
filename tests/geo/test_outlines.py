"""The national outlines place a point in exactly the district shapely says covers it.

The oracle is shapely's own ``intersects`` on each district's *whole* outline, over every
district whose bounding box holds the point: no R-tree, no pieces. Points are drawn in
every province, and within 1 m of district borders, where two outlines meet.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.geodesy import GEOD
from geo.outlines.build import subdivide
from geo.outlines.national import NOWHERE, NationalOutlines, load_or_rebuild, outlines

ONE_METRE_DEG = 1 / 111_000


@cache
def bounds() -> npt.NDArray[np.float64]:
    return shapely.bounds(outlines().geometries)


def oracle(lon: float, lat: float) -> list[int]:
    """Every district whose whole outline covers the point, by brute force."""
    b = bounds()
    box = (b[:, 0] <= lon) & (lon <= b[:, 2]) & (b[:, 1] <= lat) & (lat <= b[:, 3])
    point = shapely.Point(lon, lat)
    return [int(i) for i in np.flatnonzero(box) if outlines().geometries[i].intersects(point)]


def check(o: NationalOutlines, lon: float, lat: float) -> int:
    covering = oracle(lon, lat)
    (got,) = o.locate_many([lon], [lat])
    assert got == (min(covering) if covering else NOWHERE), (lon, lat, covering)
    return int(got)


def test_the_mainland_has_every_district_and_its_parents() -> None:
    o = outlines()
    assert len(o.places) == 2848
    assert len(o.province_names) == 31  # no Hong Kong, Macau or Taiwan
    assert list(o.adcodes) == sorted(o.adcodes)
    for place in o.places:
        assert place.province_adcode == place.adcode[:2] + "0000"
        assert place.city_adcode[:2] == place.adcode[:2]
    assert o.places[o.by_adcode["410105"]].full_name == "河南省郑州市金水区"
    assert o.places[o.by_adcode["110105"]].full_name == "北京市朝阳区"
    assert o.places[o.by_adcode["220104"]].full_name == "吉林省长春市朝阳区"


@pytest.mark.parametrize(
    ("lon", "lat", "adcode"),
    [
        (116.4551, 39.9075, "110105"),  # 国贸, 北京市朝阳区 (WGS84)
        (113.6654, 34.7579, "410105"),  # 郑州市金水区
        (106.5500, 29.5600, "500103"),  # 重庆市渝中区
        (113.7500, 23.0200, "441900"),  # 东莞市: a city without districts
        (112.6000, 35.0700, "419001"),  # 济源市: a county-level city under the province
        (114.1700, 22.3000, None),  # Hong Kong
        (121.5600, 25.0300, None),  # Taipei
        (0.0, 0.0, None),
    ],
)
def test_known_places(lon: float, lat: float, adcode: str | None) -> None:
    place = outlines().locate(lon, lat)
    assert (place and place.adcode) == adcode


def test_random_points_in_every_province_agree_with_brute_force() -> None:
    o = outlines()
    rng = np.random.default_rng(13)
    b = bounds()
    provinces = sorted(o.province_names)
    for province in provinces:
        members = [i for i, p in enumerate(o.places) if p.province_adcode == province]
        x0, y0 = b[members, 0].min(), b[members, 1].min()
        x1, y1 = b[members, 2].max(), b[members, 3].max()
        hits = 0
        for lon, lat in zip(rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40), strict=True):
            found = check(o, float(lon), float(lat))
            hits += found != NOWHERE and o.places[found].province_adcode == province
        assert hits, f"no random point fell in province {province}"


@settings(max_examples=300, deadline=None)
@given(
    district=st.integers(0, 2847),
    vertex=st.floats(0, 1),
    angle=st.floats(0, 360),
    metres=st.floats(0, 1),
)
def test_points_within_1_m_of_a_border_get_one_district(
    district: int, vertex: float, angle: float, metres: float
) -> None:
    """Near a vertex of a district's border: the same answer as brute force, which is
    exactly one district wherever an outline covers the point."""
    o = outlines()
    ring = shapely.get_exterior_ring(shapely.get_geometry(o.geometries[district], 0))
    xy = shapely.get_coordinates(ring)
    lon0, lat0 = xy[int(vertex * (len(xy) - 1))]
    lon, lat, _ = GEOD.fwd(lon0, lat0, angle, metres)
    check(o, float(lon), float(lat))


def test_a_point_on_a_shared_border_gets_the_smaller_adcode() -> None:
    o = outlines()
    chaoyang, dongcheng = o.by_adcode["110105"], o.by_adcode["110101"]
    shared = o.geometries[chaoyang].boundary.intersection(o.geometries[dongcheng].boundary)
    lon, lat = shapely.get_coordinates(shared)[0]
    assert set(oracle(lon, lat)) >= {chaoyang, dongcheng}
    assert check(o, lon, lat) == min(oracle(lon, lat))


def test_snapping_takes_the_nearest_district_within_reach() -> None:
    o = outlines()
    # In the sea off 浦东新区, about 1.5 km beyond Amap's coastline.
    assert o.locate(122.01, 30.87) is None
    near = o.place(122.01, 30.87, snap_m=5_000)
    assert near is not None
    assert near.adcode == "310115"
    assert o.place(122.01, 30.87, snap_m=100) is None
    assert o.place(0.0, 0.0, snap_m=5_000) is None


@settings(max_examples=30, deadline=None)
@given(district=st.integers(0, 2847), limit=st.sampled_from([8, 64, 256]))
def test_pieces_cover_exactly_their_district(district: int, limit: int) -> None:
    whole = outlines().geometries[district]
    pieces, owner = subdivide(np.array([whole], dtype=object), limit)
    assert (owner == 0).all()
    assert all(shapely.get_num_coordinates(p) <= limit for p in pieces)
    union = shapely.union_all(pieces)
    assert shapely.symmetric_difference(union, whole).area <= whole.area * 1e-9


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 not really a zip"])
def test_a_damaged_cache_file_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    """A cut-short or damaged file is rebuilt, not a failure on every write."""
    import geo.outlines.national as national

    path = tmp_path / "o.npz"
    path.write_bytes(damage)
    built: list[Path] = []
    good = outlines().path

    def rebuild(out: Path) -> Path:  # the real build takes 25 s: copy the good file
        built.append(out)
        out.write_bytes(good.read_bytes())
        return out

    monkeypatch.setattr(national, "build", rebuild)
    loaded = load_or_rebuild(path)
    assert built == [path]
    assert loaded.locate(116.4551, 39.9075).adcode == "110105"  # type: ignore[union-attr]
