"""Vector tiles (geo/tiles) against a brute-force assignment of every station to tiles:
each tile holds exactly the stations in it and within its buffer, one by one when
zoomed in, and clusters whose counts are exactly the stations of their cells otherwise;
and the encoded tile decodes to the same points."""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidParameter, TileNotFound
from geo.index_entries import StationPoints
from geo.tiles import TilePoints, check_tile, tile_bounds
from geo.tiles.content import BUFFER, CELL, DETAIL_ZOOM, EXTENT
from geo.tiles.encode import encode


def _world(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator in units of the square, written out from the formula."""
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return (lon + 180) / 360, y


def _points(lons: list[float], lats: list[float]) -> StationPoints:
    n = len(lons)
    return StationPoints(
        np.arange(1, n + 1, dtype=np.int64), np.array(lons), np.array(lats),
        (np.arange(n) % 3).astype(np.int8), np.zeros(n, dtype=np.int64),
    )  # fmt: skip


def _in_reach(lon: float, lat: float, z: int, row: int, col: int) -> tuple[float, float] | None:
    """The station's tile units in tile (z, row, col), if within the tile or its buffer."""
    x, y = _world(lon, lat)
    tx, ty = (x * (1 << z) - col) * EXTENT, (y * (1 << z) - row) * EXTENT
    inside = -BUFFER <= tx < EXTENT + BUFFER and -BUFFER <= ty < EXTENT + BUFFER
    return (tx, ty) if inside else None


stations = st.lists(
    st.tuples(st.floats(106.0, 107.0), st.floats(29.0, 30.0)), min_size=1, max_size=300
)


@settings(max_examples=60)
@given(stations=stations, z=st.integers(0, 16), pick=st.integers(0, 10_000))
def test_tiles_hold_what_brute_force_assigns(
    stations: list[tuple[float, float]], z: int, pick: int
) -> None:
    lons, lats = [s[0] for s in stations], [s[1] for s in stations]
    lon, lat = stations[pick % len(stations)]  # a tile with a station in it
    x, y = _world(lon, lat)
    row, col = int(y * (1 << z)), int(x * (1 << z))
    features, one_by_one = TilePoints(_points(lons, lats)).tile(z, row, col)
    reach = {i + 1: _in_reach(lo, la, z, row, col) for i, (lo, la) in enumerate(stations)}
    reach = {i: r for i, r in reach.items() if r is not None}
    assert one_by_one == (z >= DETAIL_ZOOM)
    if one_by_one:
        assert {f.id: (f.x, f.y) for f in features} == {
            i: (math.floor(tx), math.floor(ty)) for i, (tx, ty) in reach.items()
        }
        return
    cells: dict[tuple[int, int], list[int]] = {}
    for i, (tx, ty) in reach.items():
        cells.setdefault((math.floor((tx + BUFFER) / CELL), math.floor((ty + BUFFER) / CELL)),
                         []).append(i)  # fmt: skip
    assert sorted((f.id, f.count) for f in features) == sorted(
        (min(ids), len(ids)) for ids in cells.values()
    )
    opened = {f.id: f.open for f in features}
    for ids in cells.values():  # status 0 (open) for ids 1, 4, 7 ...
        assert opened[min(ids)] == sum(1 for i in ids if (i - 1) % 3 == 0)


def test_a_full_tile_is_clustered_even_zoomed_in() -> None:
    n = 6_000  # more than MAX_DETAIL in one z12 tile
    west, south, east, north = tile_bounds(12, 1696, 3259)  # Chongqing
    rng = np.random.default_rng(1)
    points = _points(list(rng.uniform(west, east, n)), list(rng.uniform(south, north, n)))
    features, one_by_one = TilePoints(points).tile(12, 1696, 3259)
    assert not one_by_one
    assert len(features) <= ((EXTENT + 2 * BUFFER) // CELL + 1) ** 2


def test_encoded_tiles_decode_to_the_same_points() -> None:
    points = _points([106.5, 106.5001, 106.9], [29.5, 29.5001, 29.9])
    x, y = _world(106.5, 29.5)
    features, _ = TilePoints(points).tile(16, int(y * 65536), int(x * 65536))
    names = {1: {"name": "渝中<b>驿站</b>", "status": "open", "amenities": "toilet"}}
    decoded = mapbox_vector_tile.decode(
        encode(features, names), default_options={"y_coord_down": True}
    )
    got = {
        f["id"]: (f["geometry"]["coordinates"], f["properties"])
        for f in decoded["stations"]["features"]
    }
    assert got[1] == ([features[0].x, features[0].y], names[1] | {"count": 1, "open": 1})
    assert set(got) == {1, 2}


def test_tile_bounds_and_limits() -> None:
    assert tile_bounds(0, 0, 0) == pytest.approx((-180, -85.0511287798, 180, 85.0511287798))
    west, south, east, north = tile_bounds(10, 420, 831)
    x, y = _world((west + east) / 2, (south + north) / 2)
    assert (int(y * 1024), int(x * 1024)) == (420, 831)
    with pytest.raises(TileNotFound):
        check_tile(3, 8, 0)
    with pytest.raises(InvalidParameter):
        check_tile(21, 0, 0)
