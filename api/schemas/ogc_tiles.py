"""The OGC API - Tiles answers (``/ogc/tileMatrixSets``, ``/ogc/collections/stations/tiles``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Strict


class TileMatrixSets(Strict):
    """The tile matrix sets served / 瓦片矩阵集."""

    tileMatrixSets: list[dict[str, Any]]  # noqa: N815


class TileMatrixSet(Strict):
    """WebMercatorQuad (OGC Two Dimensional Tile Matrix Set 2.0)."""

    id: Literal["WebMercatorQuad"]
    title: str
    uri: str
    crs: str
    orderedAxes: list[str]  # noqa: N815
    wellKnownScaleSet: str  # noqa: N815
    tileMatrices: list[dict[str, Any]] = Field(description="One per zoom level, 0 to 20")  # noqa: N815


class Tileset(Strict):
    """A vector tileset of the stations / 驿站矢量瓦片集."""

    title: str
    dataType: Literal["vector"]  # noqa: N815
    crs: str
    tileMatrixSetURI: str  # noqa: N815
    links: list[dict[str, Any]] = Field(description="self, tiling-scheme, item (the tile URL)")
    tileMatrixSetLimits: list[dict[str, Any]] | None = None  # noqa: N815
    layers: list[dict[str, Any]] | None = None


class Tilesets(Strict):
    """The stations' vector tilesets."""

    links: list[dict[str, Any]]
    tilesets: list[Tileset]
