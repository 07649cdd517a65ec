"""Vector tiles of the stations: the WebMercatorQuad tile matrix set (``grid``), what
each tile holds (``content``: stations one by one when zoomed in, clusters otherwise)
and Mapbox Vector Tile encoding with a cache per registry version (``encode``)."""

from __future__ import annotations

from geo.tiles.content import TileFeature, TilePoints
from geo.tiles.encode import StationTiles
from geo.tiles.grid import MAX_ZOOM, check_tile, tile_bounds

__all__ = ["MAX_ZOOM", "StationTiles", "TileFeature", "TilePoints", "check_tile", "tile_bounds"]
