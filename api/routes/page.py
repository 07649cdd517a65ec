"""The station finder page for couriers (``GET /``), its assets and its data.

The page is plain HTML, CSS and JavaScript modules from ``api/static/page/`` plus the
Leaflet that the coverage maps vendor (``maps/static/vendor/leaflet``), served from
here: no CDN, and no third-party request unless the user switches the OpenStreetMap
basemap on. Assets are served gzip-compressed under content-hashed URLs, cached for a
year (``api/page_assets.py``).

The page asks ``/page/data/*`` rather than the public API: the same domain searches
(so the same stations in the same order), in a compact form with every station's
position in WGS84 (for the map), GCJ-02 (for Amap's navigation link) and BD-09 (for
Baidu's), converted here by ``geo.datums``, and its couriers' live reports
(``reports``, ``last_verified_at``: ``registry.live.properties``, as the API's answers
carry them). These routes are not part of the API.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Final

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import Integer, RegistryDep, SettingsDep
from api.page_assets import FILES, PAGE_DIR, TYPES, Asset, asset_url, assets, fill
from api.strict import PASS_THROUGH, StrictRoute
from api.traffic import Traffic, traffic
from geo.amenities import AMENITIES
from geo.clock import get_clock
from geo.datums import Datum, from_wgs84, parse_datum, to_wgs84, validate_lonlat
from geo.errors import PositionOffRoute
from geo.geojson import hours_json
from geo.hours_state import hours_moment
from geo.model import Station
from geo.registry import Registry
from geo.reports.kinds import REPORT_KINDS
from geo.route import build_route_query, place_rider, stations_along_route
from geo.search import build_nearest_query, nearest_hint, position_hint
from maps.basemaps import TIANDITU_HOSTS, tianditu
from maps.embed import script_json

router = APIRouter(route_class=StrictRoute, include_in_schema=False)

# Scripts and styles only from here; images from here, data: URIs and (only when the
# user switches it on) OpenStreetMap's tiles; no other connection.
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# With a Tianditu key (geo.settings), its tiles take OpenStreetMap's place.
CSP_TIANDITU: Final = CSP.replace("https://tile.openstreetmap.org", TIANDITU_HOSTS)
PAGE_K: Final = 10
_DIGITS: Final = 7


@cache
def page_html(tianditu_key: str | None = None) -> Asset:
    """index.html with its asset URLs, the amenity vocabulary, the report kinds (the
    report sheet's buttons: no request for GET /v1/report-kinds) and the basemap it
    offers (OpenStreetMap, or Tianditu with a key) filled in."""
    vocabulary = [{"code": a.code, "zh": a.zh, "en": a.en} for a in AMENITIES]
    kinds = [{"code": k.code, "zh": k.zh, "en": k.en} for k in REPORT_KINDS]
    base = (
        {"name": "tianditu"} | tianditu(tianditu_key)
        if tianditu_key is not None
        else {"name": "osm", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
              "attribution": "© OpenStreetMap contributors"}
    )  # fmt: skip
    # Inside <script type="application/json">: no "<" can close it, no "{" or "}" form
    # a placeholder (maps.embed.script_json).
    values = {"amenities": script_json(vocabulary), "report_kinds": script_json(kinds),
              "basemap": script_json(base)}  # fmt: skip
    values |= {f"asset:{name}": asset_url(name) for name in FILES}
    html = fill((PAGE_DIR / "index.html").read_text(encoding="utf-8"), values)
    return Asset.of(html.encode("utf-8"), TYPES[".html"])


# The page's own URL is read by its script in the browser (page.js), not by the server:
# every query parameter is passed through, and the page is the same bytes whatever it is.
@router.get("/", openapi_extra=traffic(Traffic.READ, {PASS_THROUGH: ["*"]}))
def page(request: Request) -> Response:
    """The station finder page."""
    secret = request.app.state.settings.tianditu_key
    key = secret.get_secret_value() if secret is not None else None
    return page_html(key).response(
        request,
        immutable=False,
        headers={
            "Content-Security-Policy": CSP if key is None else CSP_TIANDITU,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/favicon.ico", openapi_extra=traffic(Traffic.READ))
def favicon(request: Request) -> Response:
    """The page's icon where browsers look for one without asking the page (an SVG,
    which every current browser shows)."""
    return assets()["icon.svg"].response(
        request, immutable=False, headers={"X-Content-Type-Options": "nosniff"}
    )


@router.get(  # v: see asset_url
    "/page/assets/{name}", openapi_extra=traffic(Traffic.READ, {PASS_THROUGH: ["v"]})
)
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


def _stations(
    registry: Registry,
    stations: Sequence[Station],
    extra: Sequence[dict[str, Any]],
    hours_at: datetime,
) -> list[dict[str, Any]]:
    """The page's form of each station: its record, positions in three datums, hours
    state, live reports (as ``properties`` in the API) and ``extra`` (distances)."""
    where = _triple([s.lon for s in stations], [s.lat for s in stations])
    now = get_clock().now()  # one moment for every station's live flags
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
            "hours_state": hours_json(s, hours_at),
            "car_parking_spaces": s.car_parking_spaces,
            "motorcycle_parking_spaces": s.motorcycle_parking_spaces,
            "ev_charging_piles": s.ev_charging_piles,
            "lon": w["wgs84"][0],
            "lat": w["wgs84"][1],
            "gcj02": w["gcj02"],
            "bd09": w["bd09"],
            **registry.live.properties(s.id, now),
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


def _open_at(closed: bool, now: datetime) -> str:
    """The search's ``open_at``: open at ``now``, or ``any`` to list closed stations too."""
    return "any" if closed else now.isoformat()


def _position(lon: float | None, lat: float | None, crs: str) -> tuple[float, float] | None:
    if lon is None or lat is None:
        return None
    datum = parse_datum(crs)
    x, y = to_wgs84(*validate_lonlat(lon, lat, datum), datum)
    return float(x), float(y)


@router.get("/page/data/nearest", openapi_extra=traffic(Traffic.SEARCH))
def page_nearest(
    request: Request,
    registry: RegistryDep,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    amenities: Annotated[list[str] | None, Query()] = None,
    closed: bool = False,
    exclude_reported: str | None = None,
    k: Integer = PAGE_K,
) -> Response:
    """The nearest stations open now, as ``/v1/stations/nearest`` finds them; with
    ``closed``, closed ones too (``open_at=any``); without those couriers report so
    (``exclude_reported``, as the API takes it). Each with its ``hours_state`` now and
    its live ``reports`` and ``last_verified_at``."""
    hours_at = hours_moment()  # the clock's minute: the search's "now" and the states'
    query = build_nearest_query(
        lon=lon,
        lat=lat,
        crs=crs,
        k=k,
        amenities=amenities,
        open_at=_open_at(closed, hours_at),
        exclude_reported=exclude_reported,
        max_k=20,
    )
    result = registry.nearest(query)
    stations = [s for s, _ in result.hits]
    extra = [{"distance_m": round(h.distance_m, 2)} for _, h in result.hits]
    (position,) = _triple([query.lon], [query.lat])
    doc = {
        "position": position,
        "origin": position,
        "hours_at": hours_at.isoformat(),
        "stations": _stations(registry, stations, extra, hours_at),
    }
    if (hint := nearest_hint(query)) is not None:  # as /v1/stations/nearest says it
        doc["hint"] = hint
    return _json(request, doc)


@router.get("/page/data/along-route", openapi_extra=traffic(Traffic.SEARCH))
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
    closed: bool = False,
    exclude_reported: str | None = None,
    limit: Integer = PAGE_K,
) -> Response:
    """Stations open now (with ``closed``, all) along a route, as
    ``/v1/stations/along-route`` finds them: ahead of the rider when the rider is within
    reach of the route (``ahead``), else from its start, saying how far off the rider is
    (``off_route_m``); ``exclude_reported`` and each station's live reports as in
    :func:`page_nearest`."""
    hours_at = hours_moment()
    query = build_route_query(
        route=route,
        route_format=route_format,
        crs=route_crs,
        width_m=width_m,
        amenities=amenities,
        open_at=_open_at(closed, hours_at),
        exclude_reported=exclude_reported,
        limit=limit,
        max_limit=settings.max_k,
    )
    me = _position(lon, lat, crs)
    off_route_m = None
    if me is not None:  # the rider, in the route's datum: only the stations ahead
        x, y = from_wgs84(me[0], me[1], query.crs)
        try:  # placed on the route already built, not a second parse of it
            rider = place_rider(query.route, [float(x), float(y)], query.crs)
            query = dataclasses.replace(query, position=rider)
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
    doc = {
        "position": position,
        "origin": position or start,  # Baidu's directions need a start
        "ahead": query.position is not None,  # distances count from the rider
        "off_route_m": off_route_m,
        "hours_at": hours_at.isoformat(),
        "route": [
            [round(float(x), _DIGITS), round(float(y), _DIGITS)]
            for x, y in zip(r.lon, r.lat, strict=True)
        ],
        "stations": _stations(registry, stations, extra, hours_at),
    }
    # The rider's position, as nearest warns of it.
    rider_hint = None if lon is None or lat is None else position_hint(lon, lat, parse_datum(crs))
    if rider_hint is not None:
        doc["hint"] = rider_hint
    return _json(request, doc)
