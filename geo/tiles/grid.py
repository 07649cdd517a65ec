"""The WebMercatorQuad tile matrix set (OGC 17-083r4, the Google/OSM tiling): tile
``(z, row, col)`` covers one 2^z-th of the Web Mercator square in each direction, rows
from the north. Positions are WGS84 longitude/latitude: Web Mercator tiles of WGS84
data, as every OGC client draws them; a GCJ-02 basemap needs the positions shifted,
which the maps of this project do on the client (``maps/``), not here.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import InvalidParameter, TileNotFound

MAX_ZOOM: Final = 20  # about 15 cm a pixel: closer than any station is placed
MAX_LAT: Final = 85.0511287798066  # where the Web Mercator square ends
HALF_WORLD_M: Final = 20_037_508.342789244  # EPSG:3857 x of longitude 180


def check_tile(z: int, row: int, col: int) -> None:
    """Refuse a tile matrix not served (``InvalidParameter``, a 400) or a tile outside
    its matrix (``TileNotFound``, a 404), as OGC API - Tiles asks."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidParameter(
            f"tile matrix {z} is not one of WebMercatorQuad's served here: 0 to {MAX_ZOOM}",
            f"瓦片层级 {z} 不在 0 至 {MAX_ZOOM} 之间",
        )
    n = 1 << z
    if not (0 <= row < n and 0 <= col < n):
        raise TileNotFound(
            f"tile row {row} or column {col} is outside tile matrix {z} (0 to {n - 1})",
            f"瓦片行 {row} 或列 {col} 超出层级 {z} 的范围（0 至 {n - 1}）",
        )


def world_xy(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Web Mercator positions in units of the whole square: x from the antimeridian
    eastwards, y from the north edge southwards, both in [0, 1]."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    x = (lon + 180.0) / 360.0
    y = 0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)
    return x, y


def tile_bounds(z: int, row: int, col: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile, WGS84 degrees."""
    n = 1 << z

    def lat_of(y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

    return col / n * 360.0 - 180.0, lat_of(row + 1), (col + 1) / n * 360.0 - 180.0, lat_of(row)


def matrix_set() -> dict[str, object]:
    """WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 JSON describes it."""
    cell0 = 2 * HALF_WORLD_M / 256
    return {
        "id": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": cell0 / (1 << z) / 0.00028,
                "cellSize": cell0 / (1 << z),
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD_M, HALF_WORLD_M],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 1 << z,
                "matrixHeight": 1 << z,
            }
            for z in range(MAX_ZOOM + 1)
        ],
    }
