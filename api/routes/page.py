"""The station finder page for couriers (``GET /``), its assets and its data.

The page is plain HTML, CSS and JavaScript from ``api/static/page/`` plus the Leaflet
that the coverage maps vendor (``maps/static/vendor/leaflet``), served from here: no
CDN, and no third-party request unless the user switches the OpenStreetMap basemap on.
Assets are served gzip-compressed under content-hashed URLs, cached for a year.

The page asks ``/page/data/*`` rather than the public API: the same domain searches
(so the same stations in the same order), in a compact form with every station's
position in WGS84 (for the map), GCJ-02 (for Amap's navigation link) and BD-09 (for
Baidu's), converted here by ``geo.datums``. These routes are not part of the API.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import Integer, RegistryDep, SettingsDep
from api.strict import PASS_THROUGH, StrictRoute
from geo.amenities import AMENITIES
from geo.datums import Datum, from_wgs84, parse_datum, to_wgs84, validate_lonlat
from geo.errors import PositionOffRoute
from geo.model import Station
from geo.route import build_route_query, stations_along_route
from geo.search import build_nearest_query
from maps.assets import VENDOR
from maps.embed import script_json

router = APIRouter(route_class=StrictRoute, include_in_schema=False)

PAGE_DIR: Final = Path(__file__).resolve().parent.parent / "static" / "page"
_FILES: Final = {
    "page.js": PAGE_DIR / "page.js",
    "page.css": PAGE_DIR / "page.css",
    "leaflet.js": VENDOR / "leaflet" / "leaflet.js",
    "leaflet.css": VENDOR / "leaflet" / "leaflet.css",
    "icon.svg": PAGE_DIR / "icon.svg",
}
_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Scripts and styles only from here; images from here, data: URIs and (only when the
# user switches it on) OpenStreetMap's tiles; no other connection.
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_K: Final = 10
_PLACEHOLDER: Final = re.compile(r"\{\{([\w:.]+)\}\}")
_DIGITS: Final = 7


@dataclass(frozen=True, slots=True)
class Asset:
    """A file as served: bytes, gzip bytes, content type and a content hash."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        digest = hashlib.sha256(body).hexdigest()[:16]
        return cls(body, gzip.compress(body, 9, mtime=0), media_type, f'"{digest}"')

    def response(self, request: Request, *, immutable: bool, headers: dict[str, str]) -> Response:
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        out = {"ETag": self.etag, "Cache-Control": cache, "Vary": "Accept-Encoding", **headers}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=out)
        if "gzip" in request.headers.get("accept-encoding", ""):
            out["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=out)
        return Response(self.body, media_type=self.media_type, headers=out)


@cache
def assets() -> dict[str, Asset]:
    """The page's assets, read and compressed once."""
    return {name: Asset.of(path.read_bytes(), _TYPES[path.suffix]) for name, path in _FILES.items()}


def asset_url(name: str) -> str:
    """Where the page links an asset: the URL changes whenever the file does."""
    return f"/page/assets/{name}?v={assets()[name].etag.strip(chr(34))}"


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each ``{{key}}`` replaced by ``values[key]``, in one pass.

    What is filled in is never scanned again, so a value holding ``{{...}}`` stays as
    it is; a placeholder without a value is an error, not left in the page.
    """
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@cache
def page_html() -> Asset:
    """index.html with its asset URLs and the amenity vocabulary filled in."""
    vocabulary = [{"code": a.code, "zh": a.zh, "en": a.en} for a in AMENITIES]
    # Inside <script type="application/json">: no "<" can close it, no "{" or "}" form
    # a placeholder (maps.embed.script_json).
    values = {"amenities": script_json(vocabulary)}
    values |= {f"asset:{name}": asset_url(name) for name in _FILES}
    html = fill((PAGE_DIR / "index.html").read_text(encoding="utf-8"), values)
    return Asset.of(html.encode("utf-8"), _TYPES[".html"])


# The page's own URL is read by its script in the browser (page.js), not by the server:
# every query parameter is passed through, and the page is the same bytes whatever it is.
@router.get("/", openapi_extra={PASS_THROUGH: ["*"]})
def page(request: Request) -> Response:
    """The station finder page."""
    return page_html().response(
        request,
        immutable=False,
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/favicon.ico")
def favicon(request: Request) -> Response:
    """The page's icon where browsers look for one without asking the page (an SVG,
    which every current browser shows)."""
    return assets()["icon.svg"].response(
        request, immutable=False, headers={"X-Content-Type-Options": "nosniff"}
    )


@router.get("/page/assets/{name}", openapi_extra={PASS_THROUGH: ["v"]})  # v: see asset_url
def page_asset(name: str, request: Request) -> Response:
    """One of the page's scripts or stylesheets."""
    asset = assets().get(name)
    if asset is None:
        return Response(status_code=404)
    return asset.response(request, immutable=True, headers={"X-Content-Type-Options": "nosniff"})


# ------------------------------------------------------------------------------- data


def _triple(lon: Sequence[float], lat: Sequence[float]) -> list[dict[str, list[float]]]:
    """Each WGS84 point also in GCJ-02 and BD-09, rounded to about a centimetre."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    by_datum = {d.value: from_wgs84(x, y, d) for d in Datum}
    return [
        {
            d: [round(float(v[0][i]), _DIGITS), round(float(v[1][i]), _DIGITS)]
            for d, v in by_datum.items()
        }
        for i in range(len(x))
    ]


def _stations(stations: Sequence[Station], extra: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    where = _triple([s.lon for s in stations], [s.lat for s in stations])
    return [
        {
            "id": s.id,
            "name": s.name,
            "address": s.address,
            "phone": s.phone,
            "district": s.district,
            "city": s.city,
            "province": s.province,
            "amenities": list(s.amenities),
            "hours": s.opening_hours,
            "car_parking_spaces": s.car_parking_spaces,
            "motorcycle_parking_spaces": s.motorcycle_parking_spaces,
            "ev_charging_piles": s.ev_charging_piles,
            "lon": w["wgs84"][0],
            "lat": w["wgs84"][1],
            "gcj02": w["gcj02"],
            "bd09": w["bd09"],
            **e,
        }
        for s, w, e in zip(stations, where, extra, strict=True)
    ]


def _json(request: Request, body: dict[str, Any]) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    if len(data) > 1024 and "gzip" in request.headers.get("accept-encoding", ""):
        data = gzip.compress(data, 6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)


def _position(lon: float | None, lat: float | None, crs: str) -> tuple[float, float] | None:
    if lon is None or lat is None:
        return None
    datum = parse_datum(crs)
    x, y = to_wgs84(*validate_lonlat(lon, lat, datum), datum)
    return float(x), float(y)


@router.get("/page/data/nearest")
def page_nearest(
    request: Request,
    registry: RegistryDep,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    amenities: Annotated[list[str] | None, Query()] = None,
    k: Integer = PAGE_K,
) -> Response:
    """The nearest open stations, as ``/v1/stations/nearest`` finds them (open now)."""
    query = build_nearest_query(lon=lon, lat=lat, crs=crs, k=k, amenities=amenities, max_k=20)
    result = registry.nearest(query)
    stations = [s for s, _ in result.hits]
    extra = [{"distance_m": round(h.distance_m, 2)} for _, h in result.hits]
    (position,) = _triple([query.lon], [query.lat])
    return _json(
        request,
        {"position": position, "origin": position, "stations": _stations(stations, extra)},
    )


@router.get("/page/data/along-route")
def page_along_route(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    route: str,
    route_format: str = "lonlat",
    route_crs: str | None = None,
    width_m: float = 500.0,
    amenities: Annotated[list[str] | None, Query()] = None,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    limit: Integer = PAGE_K,
) -> Response:
    """Open stations along a route, as ``/v1/stations/along-route`` finds them: ahead of
    the rider when the rider is within reach of the route (``ahead``), else from its
    start, saying how far off the rider is (``off_route_m``)."""
    args: dict[str, Any] = {
        "route": route,
        "route_format": route_format,
        "crs": route_crs,
        "width_m": width_m,
        "amenities": amenities,
        "limit": limit,
        "max_limit": settings.max_k,
    }
    query = build_route_query(**args)
    me = _position(lon, lat, crs)
    off_route_m = None
    if me is not None:  # the rider, in the route's datum: only the stations ahead
        x, y = from_wgs84(me[0], me[1], query.crs)
        try:
            query = build_route_query(**args, position=[float(x), float(y)])
        except PositionOffRoute as exc:  # at home, far from the route: list from its start
            off_route_m = exc.details[0]["distance_m"]
    result = stations_along_route(registry, query)
    stations = [s for s, _ in result.hits]
    extra = [
        {
            "distance_from_route_m": round(h.distance_from_route_m, 2),
            "distance_along_route_m": round(h.distance_along_route_m, 2),
        }
        for _, h in result.hits
    ]
    r = query.route
    (start,) = _triple([float(r.lon[0])], [float(r.lat[0])])
    position = _triple([me[0]], [me[1]])[0] if me else None
    return _json(
        request,
        {
            "position": position,
            "origin": position or start,  # Baidu's directions need a start
            "ahead": query.position is not None,  # distances count from the rider
            "off_route_m": off_route_m,
            "route": [
                [round(float(x), _DIGITS), round(float(y), _DIGITS)]
                for x, y in zip(r.lon, r.lat, strict=True)
            ],
            "stations": _stations(stations, extra),
        },
    )
