"""Stations as Mapbox Vector Tiles (2.1), cached per registry version.

One layer, ``stations``. A station is a point with ``count`` 1 and its ``name``,
``status`` and ``amenities`` (codes, comma-separated, as ``/ogc`` items have them); a
cluster is a point with ``count`` and ``open`` (how many of its stations are open) and
the id of its first station. The layer's points are cut from the registry's in-memory
index (``Registry.points``), the same on both backends; the tiles of one version are
kept (least recently used first out, up to a byte budget), and the version is the
store's change sequence, so a write through any worker or the command line makes the
next request cut afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

import mapbox_vector_tile
import shapely

from geo.registry import Registry
from geo.tiles.content import EXTENT, TileFeature, TilePoints
from geo.tiles.grid import check_tile

LAYER: Final = "stations"
MEDIA_TYPE: Final = "application/vnd.mapbox-vector-tile"


def encode(features: list[TileFeature], properties: dict[int, dict[str, object]]) -> bytes:
    """The tile of ``features``; ``properties`` of the stations shown one by one."""
    layer = [
        {
            "geometry": shapely.Point(f.x, f.y),
            "id": f.id,
            "properties": properties.get(f.id, {}) | {"count": f.count, "open": f.open}
            if f.count == 1
            else {"count": f.count, "open": f.open},
        }
        for f in features
    ]
    return bytes(
        mapbox_vector_tile.encode(
            [{"name": LAYER, "features": layer}],
            default_options={"extents": EXTENT, "y_coord_down": True},
        )
    )


class StationTiles:
    """The vector tiles of one registry, cut on demand and kept per version."""

    def __init__(self, registry: Registry, *, max_bytes: int = 64 << 20) -> None:
        self.registry = registry
        self.max_bytes = max_bytes
        self._points: tuple[int, TilePoints] | None = None
        self._tiles: OrderedDict[tuple[int, int, int, int], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the caches
        self._cutting = threading.Lock()  # one rebuild of the points at a time

    def points(self) -> tuple[int, TilePoints]:
        """The stations' tile positions at the store's current version."""
        version = self.registry.store.last_change()
        held = self._points
        if held is not None and held[0] >= version:
            return held
        with self._cutting:
            held = self._points
            if held is not None and held[0] >= version:
                return held
            seq, points = self.registry.points()
            held = (seq, TilePoints(points))
            with self._lock:
                self._points = held
                self._tiles.clear()  # an older version's tiles are never asked for again
                self._bytes = 0
            return held

    def tile(self, z: int, row: int, col: int) -> tuple[bytes, int]:
        """The encoded tile and the registry version it shows.

        Raises ``InvalidParameter`` for a tile outside the matrix set.
        """
        check_tile(z, row, col)
        version, points = self.points()
        key = (version, z, row, col)
        with self._lock:
            cached = self._tiles.get(key)
            if cached is not None:
                self._tiles.move_to_end(key)
                return cached, version
        features, one_by_one = points.tile(z, row, col)
        properties: dict[int, dict[str, object]] = {}
        if one_by_one and features:
            stations = self.registry.store.get_many([f.id for f in features])
            properties = {
                i: {"name": s.name, "status": s.status.value, "amenities": ",".join(s.amenities)}
                for i, s in stations.items()
            }
        body = encode(features, properties)
        with self._lock:
            if key not in self._tiles and (held := self._points) is not None and held[0] == version:
                self._tiles[key] = body
                self._bytes += len(body)
                while self._bytes > self.max_bytes and self._tiles:
                    self._bytes -= len(self._tiles.popitem(last=False)[1])
        return body, version
