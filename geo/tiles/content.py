"""What a vector tile of the stations holds.

Zoomed in (``z >= DETAIL_ZOOM``) a tile holds its stations one by one. Zoomed out, a
national registry would put a million points in one tile, so each tile is cut into a
grid of :data:`CELL`-unit cells (64 x 64 a tile) and each cell's stations become one
point at their mean position, with how many they are and how many are open. A tile is
never more than 4,096 points (plus its buffer), whatever the registry, so it stays far
under 500 KB. A tile with more than :data:`MAX_DETAIL` stations is clustered at any
zoom.

Coordinates are in tile units (``EXTENT`` a side, y down), and a tile also holds what
lies within :data:`BUFFER` units of its edges, so that symbols crossing an edge are
drawn whole by both tiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from geo.index_entries import STATUS_CODE, StationPoints
from geo.model import Status
from geo.tiles.grid import world_xy

EXTENT: Final = 4096
BUFFER: Final = 64
CELL: Final = 64
DETAIL_ZOOM: Final = 12
MAX_DETAIL: Final = 5_000
_OPEN: Final = STATUS_CODE[Status.OPEN]


@dataclass(frozen=True, slots=True)
class TileFeature:
    """One point of a tile: a station (``count`` 1, ``id`` its id) or a cluster
    (``id`` the smallest id of its stations); ``x``, ``y`` in tile units."""

    id: int
    x: int
    y: int
    count: int
    open: int


class TilePoints:
    """Every station's Web Mercator position, sorted by x so that a tile's stations
    are found by bisection; built once per registry version."""

    def __init__(self, points: StationPoints) -> None:
        x, y = world_xy(points.lon, points.lat)
        order = np.argsort(x, kind="stable")
        self.x, self.y = x[order], y[order]
        self.ids = points.ids[order]
        self.open = points.status[order] == _OPEN

    def __len__(self) -> int:
        return len(self.ids)

    def _in_tile(self, z: int, row: int, col: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Indices of the stations in the tile and its buffer, and their tile units."""
        n = 1 << z
        pad = BUFFER / EXTENT
        lo, hi = np.searchsorted(self.x, [(col - pad) / n, (col + 1 + pad) / n], side="left")
        span = np.arange(lo, hi)
        ty = (self.y[span] * n - row) * EXTENT
        keep = (ty >= -BUFFER) & (ty < EXTENT + BUFFER)
        span = span[keep]
        tx = (self.x[span] * n - col) * EXTENT
        return span, tx, ty[keep]

    def tile(self, z: int, row: int, col: int) -> tuple[list[TileFeature], bool]:
        """The tile's points, and whether they are stations one by one (else clusters)."""
        span, tx, ty = self._in_tile(z, row, col)
        ids, opened = self.ids[span], self.open[span]
        px, py = np.floor(tx).astype(np.int64), np.floor(ty).astype(np.int64)
        if z >= DETAIL_ZOOM and len(span) <= MAX_DETAIL:
            order = np.argsort(ids)
            return [
                TileFeature(int(i), int(x), int(y), 1, int(o))
                for i, x, y, o in zip(ids[order], px[order], py[order], opened[order], strict=True)
            ], True
        return _clusters(ids, tx, ty, opened), False


def _clusters(
    ids: np.ndarray, tx: np.ndarray, ty: np.ndarray, opened: np.ndarray
) -> list[TileFeature]:
    if len(ids) == 0:
        return []
    side = (EXTENT + 2 * BUFFER) // CELL + 1
    cell = np.floor((tx + BUFFER) / CELL).astype(np.int64) * side + np.floor(
        (ty + BUFFER) / CELL
    ).astype(np.int64)
    keys, group, counts = np.unique(cell, return_inverse=True, return_counts=True)
    mean_x = np.bincount(group, weights=tx) / counts
    mean_y = np.bincount(group, weights=ty) / counts
    open_counts = np.bincount(group, weights=opened.astype(np.float64)).astype(np.int64)
    first = np.full(len(keys), np.iinfo(np.int64).max)
    np.minimum.at(first, group, ids)
    return [
        TileFeature(int(i), int(np.floor(x)), int(np.floor(y)), int(c), int(o))
        for i, x, y, c, o in zip(first, mean_x, mean_y, counts, open_counts, strict=True)
    ]
