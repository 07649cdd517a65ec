"""OGC API - Features (Part 1: Core) at ``/ogc``: read-only access for GIS clients.

The documents are built in ``api/ogc.py``; this module reads requests and answers with
the right media type. See ``docs/ogc.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute

from api import conditional, ogc, ogc_html, ogc_params
from api.deps import RegistryDep
from api.errors import error_response
from api.ogc_crs import CRS84, crs_header
from api.ogc_openapi import (
    CRS_PARAMETER,
    F_PARAMETER,
    ITEM_PARAMETERS,
    ogc_document,
    openapi_parameters,
)  # fmt: skip
from api.ogc_queryables import queryables_document
from api.ogc_schema import SCHEMA_MEDIA_TYPE, feature_schema
from api.schemas import ERROR_RESPONSES
from api.schemas.ogc import (
    Collection,
    Collections,
    Conformance,
    FeatureSchema,
    GeoJSONResponse,
    JSONSchemaResponse,
    LandingPage,
    OgcApiDocument,
    OgcItem,
    OgcItems,
    Queryables,
)
from api.traffic import Traffic, traffic
from geo.errors import InvalidParameter


class OgcRoute(APIRoute):
    """A route that answers a bad query parameter with 400, as OGC API - Features
    requires (/req/core/query-param-invalid), where ``/v1`` answers 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler, its answers given the OGC media type."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidParameter as exc:
                d = exc.to_dict()
                return error_response(400, d["code"], d["message"], d["message_zh"], exc.details)

        return route


_400: dict[str, Any] = {
    "description": "Unknown or invalid query parameter",
    "content": {
        "application/json": {
            "example": {
                "error": {
                    "code": "invalid_parameter",
                    "message": "invalid query: limit='0': must be an integer >= 1",
                    "message_zh": "查询参数无效：参数 limit='0'：须为不小于 1 的整数",
                }
            }
        }
    },
}
router = APIRouter(
    prefix="/ogc",
    tags=["OGC API - Features"],
    route_class=OgcRoute,
    responses={400: _400, 404: ERROR_RESPONSES[404]},
)
_F = traffic(Traffic.READ, {"parameters": [F_PARAMETER]})
_ITEM = traffic(Traffic.READ, {"parameters": [CRS_PARAMETER, *ITEM_PARAMETERS, F_PARAMETER]})


def _html(request: Request, f: str | None) -> bool:
    return ogc_params.wants_html(f, request.headers.get("accept"))


def _page(html: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(html, headers={"Vary": "Accept"} | (headers or {}))


def _base(request: Request) -> str:
    return str(request.url_for("ogc_landing_page"))


def _json(
    doc: dict[str, Any],
    media_type: str = ogc.JSON,
    crs: str | None = None,
    *,
    tag: str | None = None,
    more: dict[str, str] | None = None,
) -> JSONResponse:
    headers = {"Vary": "Accept"}  # JSON or a page, as the client asks (api/ogc_html.py)
    if crs is not None:
        headers["Content-Crs"] = crs_header(crs)  # Part 2
    if tag is not None:
        headers |= conditional.headers(tag)
    return JSONResponse(doc, media_type=media_type, headers=headers | (more or {}))


@router.get(
    "",
    name="ogc_landing_page",
    summary="Landing page",
    responses={200: {"model": LandingPage}},
    openapi_extra=_F,
)
def landing_page(request: Request) -> Response:
    """Links to the API definition, the conformance classes and the collections."""
    f = ogc_params.check_params(request.query_params.multi_items(), ogc_params.WITH_HTML)
    root = str(request.base_url).rstrip("/")
    base = _base(request)
    doc = ogc.landing_page(base=base, openapi=base + "/api", docs=root + "/docs")
    if _html(request, f):
        return _page(ogc_html.landing(doc, base=base))
    return _json(doc)


@router.get(
    "/api",
    summary="The API definition of /ogc (OpenAPI 3.1, paths relative to the landing page)",
    response_class=JSONResponse,
    responses={200: {"model": OgcApiDocument}},
    openapi_extra=_F,
)
def api_document(request: Request) -> JSONResponse:
    """The OpenAPI document of these endpoints, paths relative to the landing page."""
    ogc_params.check_params(request.query_params.multi_items())
    doc = ogc_document(request.app.openapi(), base=_base(request))
    return _json(doc)  # application/json: GDAL refuses an OpenAPI 3.1 media type


@router.get(
    "/conformance",
    summary="Conformance classes",
    responses={200: {"model": Conformance}},
    openapi_extra=_F,
)
def conformance(request: Request) -> Response:
    """The conformance classes this API implements."""
    f = ogc_params.check_params(request.query_params.multi_items(), ogc_params.WITH_HTML)
    if _html(request, f):
        return _page(ogc_html.conformance(ogc.conformance(), base=_base(request)))
    return _json(ogc.conformance())


@router.get(
    "/collections",
    summary="Feature collections",
    responses={200: {"model": Collections}},
    openapi_extra=_F,
)
def collections(request: Request, registry: RegistryDep) -> Response:
    """The one collection, ``stations``, with its extent."""
    f = ogc_params.check_params(request.query_params.multi_items(), ogc_params.WITH_HTML)
    doc = ogc.collections(base=_base(request), extent=registry.extent())
    if _html(request, f):
        return _page(ogc_html.collections(doc, base=_base(request)))
    return _json(doc)


@router.get(
    f"/collections/{ogc.COLLECTION_ID}",
    summary="The stations collection",
    responses={200: {"model": Collection}},
    openapi_extra=_F,
)
def collection(request: Request, registry: RegistryDep) -> Response:
    """The ``stations`` collection: extent, CRS and links."""
    f = ogc_params.check_params(request.query_params.multi_items(), ogc_params.WITH_HTML)
    doc = ogc.collection(base=_base(request), extent=registry.extent())
    if _html(request, f):
        return _page(ogc_html.collection(doc, base=_base(request)))
    return _json(doc)


@router.get(
    f"/collections/{ogc.COLLECTION_ID}/schema",
    summary="JSON Schema of a station",
    response_class=JSONSchemaResponse,  # documentation: the route builds its response
    responses={200: {"model": FeatureSchema, "description": "JSON Schema"}},
    openapi_extra=_F,
)
def schema(request: Request) -> JSONResponse:
    """The properties of a station feature and their types (GDAL reads them)."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(
        feature_schema(schema_id=str(request.url.remove_query_params("f"))), SCHEMA_MEDIA_TYPE
    )


@router.get(
    f"/collections/{ogc.COLLECTION_ID}/queryables",
    summary="What items filter on",
    response_class=JSONSchemaResponse,  # documentation: the route builds its response
    responses={200: {"model": Queryables, "description": "JSON Schema"}},
    openapi_extra=_F,
)
def queryables(request: Request) -> JSONResponse:
    """The queryable properties (Part 3): ``status``, ``amenities``, ``adcode``, each a
    parameter of ``/items``, and the position (``bbox``)."""
    ogc_params.check_params(request.query_params.multi_items())
    return _json(
        queryables_document(schema_id=str(request.url.remove_query_params("f"))),
        SCHEMA_MEDIA_TYPE,
    )


@router.get(
    f"/collections/{ogc.COLLECTION_ID}/items",
    summary="Stations, a page at a time",
    response_class=GeoJSONResponse,  # documentation: the route builds its response
    responses={200: {"model": OgcItems, "description": "GeoJSON"}},
    openapi_extra=traffic(Traffic.READ, {"parameters": openapi_parameters()}),
)
def items(request: Request, registry: RegistryDep) -> Response:
    """Stations in id order, filtered by a bbox (in ``bbox-crs``), with next/prev links;
    points in ``crs`` (``Content-Crs`` says which)."""
    query = ogc_params.parse_items_query(request.query_params.multi_items())
    html = _html(request, query.f)
    if html:  # the page's map draws longitude/latitude
        query = dataclasses.replace(query, crs=CRS84)
    tag = conditional.etag(registry.store.last_change(), "html" if html else "json")
    if (unchanged := conditional.not_modified(request, tag)) is not None:
        return unchanged

    def page_href(offset: int, limit: int) -> str:
        return str(request.url.include_query_params(offset=offset, limit=limit))

    doc = ogc.items_document(
        ogc.list_items(registry, query),
        query,
        base=_base(request),
        self_href=str(request.url),
        page_href=page_href,
    )
    if html:
        self_json = str(request.url.include_query_params(f="json"))
        page = ogc_html.items(doc, base=_base(request), self_json=self_json)
        return _page(page, conditional.headers(tag))
    return _json(doc, ogc.GEOJSON, query.crs, tag=tag)


@router.get(
    f"/collections/{ogc.COLLECTION_ID}/items/{{featureId}}",
    summary="One station",
    response_class=GeoJSONResponse,  # documentation: the route builds its response
    responses={200: {"model": OgcItem, "description": "GeoJSON"}},
    openapi_extra=_ITEM,
)
def item(request: Request, registry: RegistryDep, featureId: str) -> Response:  # noqa: N803
    """One station by id (404 ``station_not_found`` for any other featureId)."""
    crs, properties, f = ogc_params.parse_item_query(request.query_params.multi_items())
    html = _html(request, f)
    tag = conditional.etag(registry.store.last_change(), "html" if html else "json")
    if (unchanged := conditional.not_modified(request, tag)) is not None:
        return unchanged
    station = registry.get(station_id=ogc_params.parse_feature_id(featureId))
    modified = {"Last-Modified": format_datetime(station.updated_at, usegmt=True)}
    if html:
        doc = ogc.item_document(station, base=_base(request), properties=properties)
        self_json = str(request.url.include_query_params(f="json"))
        page = ogc_html.item(doc, base=_base(request), self_json=self_json)
        return _page(page, conditional.headers(tag) | modified)
    doc = ogc.item_document(station, base=_base(request), crs=crs, properties=properties)
    return _json(doc, ogc.GEOJSON, crs, tag=tag, more=modified)
