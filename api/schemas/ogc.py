"""Answers of OGC API - Features (Part 1: Core, OGC 17-069r4) at ``/ogc``, shaped as the
standard's schemas (landingPage, confClasses, collections, collectionInfo,
featureCollectionGeoJSON, featureGeoJSON, link), with the station properties typed.

Also the response classes that make the OpenAPI document say the media type each route
really answers with (the routes build their own responses; these only document).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import Field

from api.schemas.common import Count, PointGeometry, StatusName, Strict, UtcTimestamp


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type."""

    media_type = "application/geo+json"


class JSONSchemaResponse(JSONResponse):
    """JSON with the JSON Schema media type."""

    media_type = "application/schema+json"


class OgcLink(Strict):
    """A link (OGC 17-069r4 link.yaml; we always send rel, type and title)."""

    href: str
    rel: str = Field(description="self, service-desc, conformance, data, items, next, ...")
    type: str = Field(description="Media type of the target")
    title: str


class LandingPage(Strict):
    """The OGC API landing page (``GET /ogc``)."""

    title: str
    description: str
    links: list[OgcLink] = Field(description="self, service-desc, service-doc, conformance, data")


class OgcApiDocument(Strict):
    """The OpenAPI document of the /ogc endpoints (``GET /ogc/api``), paths relative
    to the landing page, the server its URL."""

    openapi: str = Field(description="The OpenAPI version")
    info: dict[str, Any]
    servers: list[dict[str, Any]] = Field(description="One: the landing page's URL")
    paths: dict[str, Any] = Field(description="/, /conformance, /collections ...")
    components: dict[str, Any] = Field(default_factory=dict)


class Conformance(Strict):
    """The conformance classes the service implements."""

    conformsTo: list[str] = Field(description="Conformance class URIs")  # noqa: N815


class SpatialExtent(Strict):
    """The bounding box of a collection, CRS84."""

    bbox: list[list[float]] = Field(description="[[min_lon, min_lat, max_lon, max_lat]], CRS84")
    crs: Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]


class Extent(Strict):
    """The extent of a collection."""

    spatial: SpatialExtent


class Collection(Strict):
    """collectionInfo: the stations collection / 驿站图层."""

    id: Literal["stations"]
    title: str
    description: str
    itemType: Literal["feature"]  # noqa: N815
    crs: list[str] = Field(description="CRSs features are served in (Part 2)")
    storageCrs: str = Field(description="CRS84: the stored lon/lat")  # noqa: N815
    links: list[OgcLink]
    extent: Extent | None = Field(default=None, description="Absent while there are no stations")


class Collections(Strict):
    """The collections of the service (``GET /ogc/collections``)."""

    links: list[OgcLink]
    collections: list[Collection]


class OgcStationProperties(Strict):
    """A station flattened for GIS: amenities as one comma-separated string."""

    id: int
    name: str
    external_id: str | None
    address: str | None
    district: str | None
    adcode: str | None
    city: str | None
    city_adcode: str | None
    province: str | None
    province_adcode: str | None
    host: str | None
    amenities: str = Field(description="Amenity codes, comma-separated / 服务设施")
    car_parking_spaces: Count | None
    motorcycle_parking_spaces: Count | None
    ev_charging_piles: Count | None
    opening_hours: str | None
    status: StatusName
    phone: str | None
    opening_hours_osm: str | None
    created_at: UtcTimestamp
    updated_at: UtcTimestamp


class OgcFeature(Strict):
    """featureGeoJSON in a collection: WGS84 lon/lat (CRS84)."""

    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: OgcStationProperties


class OgcItem(OgcFeature):
    """One station as a document of its own, with its links."""

    links: list[OgcLink] = Field(description="self and collection")


class OgcItems(Strict):
    """featureCollectionGeoJSON: a page of stations in id order."""

    type: Literal["FeatureCollection"]
    timeStamp: UtcTimestamp  # noqa: N815
    numberMatched: Count  # noqa: N815
    numberReturned: Count  # noqa: N815
    links: list[OgcLink] = Field(description="self, collection, next, prev")
    features: list[OgcFeature]


class Queryables(Strict):
    """The queryable properties (Part 3), a JSON Schema (2020-12) / 可查询属性."""

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, Any]
    additionalProperties: Literal[False]  # noqa: N815


class FeatureSchema(Strict):
    """The JSON Schema (2019-09) of a station feature, which GDAL reads."""

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    title: str
    type: Literal["object"]
    required: list[str]
    properties: dict[str, Any]
