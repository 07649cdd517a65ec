"""OGC API - Tiles at ``/ogc``: the stations as vector tiles (``geo.tiles``), for
MapLibre, QGIS and OpenLayers. See ``docs/ogc.md``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from api import ogc_params, ogc_tiles
from api.routes.ogc import OgcRoute, _400
from api.schemas import ERROR_RESPONSES
from api.schemas.ogc_tiles import TileMatrixSet, TileMatrixSets, Tileset, Tilesets
from api.traffic import Traffic, traffic
from geo.tiles import StationTiles
from geo.tiles.encode import MEDIA_TYPE

router = APIRouter(
    prefix="/ogc",
    tags=["OGC API - Tiles"],
    route_class=OgcRoute,
    responses={400: _400, 404: ERROR_RESPONSES[404]},
)
_READ = traffic(Traffic.READ, {})
MAX_AGE_S = 60  # a tile may be a minute old in a browser; the ETag revalidates it after


def _base(request: Request) -> str:
    return str(request.url_for("ogc_landing_page"))


def _json(doc: dict[str, Any]) -> JSONResponse:
    return JSONResponse(doc, media_type=ogc_tiles.JSON)


@router.get(
    "/tileMatrixSets",
    summary="Tile matrix sets",
    responses={200: {"model": TileMatrixSets}},
    openapi_extra=_READ,
)
def tile_matrix_sets(request: Request) -> JSONResponse:
    """The tile matrix sets of the tiles: WebMercatorQuad."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(ogc_tiles.matrix_sets(base=_base(request)))


@router.get(
    "/tileMatrixSets/WebMercatorQuad",
    summary="The WebMercatorQuad tile matrix set",
    responses={200: {"model": TileMatrixSet}},
    openapi_extra=_READ,
)
def web_mercator_quad(request: Request) -> JSONResponse:
    """WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 JSON."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(ogc_tiles.matrix_set_document())


@router.get(
    "/collections/stations/tiles",
    summary="The stations' vector tilesets",
    responses={200: {"model": Tilesets}},
    openapi_extra=_READ,
)
def tilesets(request: Request) -> JSONResponse:
    """The vector tilesets of the stations (one, WebMercatorQuad)."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(ogc_tiles.tilesets(base=_base(request)))


@router.get(
    "/collections/stations/tiles/WebMercatorQuad",
    summary="The stations' WebMercatorQuad tileset",
    responses={200: {"model": Tileset}},
    openapi_extra=_READ,
)
def tileset(request: Request) -> JSONResponse:
    """The tileset: its tile URL template, layer and properties."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(ogc_tiles.tileset(base=_base(request)))


@router.get(
    "/collections/stations/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
    summary="A vector tile of the stations (Mapbox Vector Tile)",
    response_class=Response,
    responses={
        200: {"content": {MEDIA_TYPE: {}}, "description": "The tile (possibly empty)"},
        304: {"description": "Not modified since the ETag given in If-None-Match"},
    },
    openapi_extra=_READ,
)
def tile(
    request: Request,
    tileMatrix: int = Path(ge=0, description="Zoom level, 0 to 20"),  # noqa: N803
    tileRow: int = Path(ge=0, description="Row, from the north"),  # noqa: N803
    tileCol: int = Path(ge=0, description="Column, from the antimeridian"),  # noqa: N803
) -> Response:
    """One tile: stations one by one from zoom 12, clusters (count, open) below."""
    ogc_params.check_params(request.query_params.multi_items())
    tiles: StationTiles = request.app.state.tiles
    body, version = tiles.tile(tileMatrix, tileRow, tileCol)
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE_S}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
