"""Stations along a route, ahead of the rider.

- :mod:`geo.route.geometry`: a route as geodesic segments on the WGS84 ellipsoid, the
  nearest point of a segment to a point;
- :mod:`geo.route.corridor`: the corridor search, stations in route order;
- :mod:`geo.route.query`: what a request may ask, validated, and its answer.

Routes as map services write them (coordinate text, encoded polylines, GeoJSON) are
read by :mod:`geo.polyline`. Callers import the public names from here.
"""

from geo.polyline import RouteFormat
from geo.route.corridor import AHEAD_TOLERANCE_M, RouteHit, along_route
from geo.route.geometry import TIE_M, Foot, Projection, Route, project, segment_foot
from geo.route.query import (
    MAX_LIMIT,
    MAX_OFF_ROUTE_M,
    MAX_ROUTE_LENGTH_M,
    MAX_VERTICES,
    MAX_WIDTH_M,
    AlongRouteResult,
    RiderPosition,
    RouteQuery,
    build_route,
    build_route_query,
    check_limit,
    check_offset,
    check_width,
    parse_position,
    place_rider,
    stations_along_route,
)

__all__ = [
    "AHEAD_TOLERANCE_M",
    "MAX_LIMIT",
    "MAX_OFF_ROUTE_M",
    "MAX_ROUTE_LENGTH_M",
    "MAX_VERTICES",
    "MAX_WIDTH_M",
    "TIE_M",
    "AlongRouteResult",
    "Foot",
    "Projection",
    "RiderPosition",
    "Route",
    "RouteFormat",
    "RouteHit",
    "RouteQuery",
    "along_route",
    "build_route",
    "build_route_query",
    "check_limit",
    "check_offset",
    "check_width",
    "parse_position",
    "place_rider",
    "project",
    "segment_foot",
    "stations_along_route",
]
